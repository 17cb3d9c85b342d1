"""``tinygen check NN``: run lesson NN's exercise checks on the learner's functions (or a teacher's solutions).

The learner's file is ``exercises/NN_*.py``; each function there is a stub that raises
NotImplementedError until written. A check reports PASS, FAIL (what was wrong, for which input, and a
hint that points to the idea: only the first failure's, so the learner fixes one thing at a time) or
TODO (still a stub). Whatever the answer does (raise, return the wrong type, change its inputs), the
learner sees a FAIL with a message, never a traceback.

The solutions live outside the package, in the clone's ``solutions/`` (a teacher may delete or withhold
that folder): ``--solutions [DIR]`` checks them, and every check passes on them.
"""
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host

from tinygen.course import EXERCISES_DIR, SOLUTIONS_DIR
from tinygen.course.checks import (autoencoders, convolution, diffusion, foundations, gan, gpu, layers, likelihood,
                                   rbm, vae)
from tinygen.course.checks.cases import Check, Wrong

CHECKS = dict(sorted({**foundations.CHECKS, **convolution.CHECKS, **layers.CHECKS, **autoencoders.CHECKS,
                      **vae.CHECKS, **gan.CHECKS, **rbm.CHECKS, **gpu.CHECKS, **diffusion.CHECKS,
                      **likelihood.CHECKS}.items()))


@dataclass
class Outcome:
    check: Check
    status: str  # "pass", "fail" or "todo"
    message: str = ""


def check_one(check, function):
    """The Outcome of one check on the learner's ``function`` (None or not callable: a fail by name)."""
    if not callable(function):
        return Outcome(check, "fail", f"there is no function {check.function} to check")
    if str(getattr(function, "__module__", "")).split(".")[0] == "tinygen":
        return Outcome(check, "fail", f"{check.function} is tinygen's own {function.__module__}."
                                      f"{getattr(function, '__name__', '')}: write your own")
    try:
        with np.errstate(all="ignore"):  # a learner's overflow shows up as a wrong value, not a warning
            check.verify(function)
    except NotImplementedError:
        return Outcome(check, "todo", "still raises NotImplementedError: write it")
    except Wrong as wrong:
        return Outcome(check, "fail", str(wrong))
    except Exception as error:  # whatever the answer did that no check foresaw: still a message, not a traceback
        return Outcome(check, "fail", f"checking {check.function} stopped on its answer with {type(error).__name__}: "
                                      f"{error}")
    return Outcome(check, "pass")


def check_functions(lesson, functions):
    """[Outcome] of lesson ``lesson``'s checks on ``functions`` (a module or any object with attributes)."""
    return [check_one(check, getattr(functions, check.function, None)) for check in CHECKS[lesson]]


def exercises_file(lesson, folder=None):
    folder = Path(folder) if folder else EXERCISES_DIR
    found = sorted(folder.glob(f"{lesson}_*.py"))
    if not found:
        raise ValueError(f"no exercises for lesson {lesson}: no file {lesson}_*.py in {folder}")
    return found[0]


def load_module(path):
    """The module of a learner's (or a teacher's) file; an error while loading it is a ValueError naming it."""
    spec = importlib.util.spec_from_file_location(f"exercises_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ValueError(f"{path} does not load: {type(error).__name__}: {error}") from None
    return module


def solutions_folder(folder=None):
    folder = Path(folder) if folder else SOLUTIONS_DIR
    if not folder.is_dir():
        raise ValueError(f"no solutions folder {folder}: the solutions come with a clone of the repository (a "
                         "teacher may have removed them); pass --solutions DIR to name another folder")
    return folder


def outcomes_of(lesson, solutions=None, exercises_dir=None):
    """(path checked, [Outcome]) of lesson ``lesson``; ``solutions`` is a folder (or True for the clone's)."""
    if lesson not in CHECKS:
        raise ValueError(f"lesson {lesson} has no exercise checks; lessons with checks: {', '.join(CHECKS)}")
    folder = solutions_folder(None if solutions is True else solutions) if solutions else exercises_dir
    path = exercises_file(lesson, folder)
    return path, check_functions(lesson, load_module(path))


def run_checks(lesson, solutions=None, exercises_dir=None, show=print, as_json=False):
    """Check lesson ``lesson``'s exercises and print the results (one JSON object per function with
    ``as_json``); True when all pass."""
    path, outcomes = outcomes_of(lesson, solutions, exercises_dir)
    if as_json:
        for outcome in outcomes:
            show(json.dumps(record(lesson, path, outcome)))
        return all(outcome.status == "pass" for outcome in outcomes)
    show(f"checking {path}")
    hinted = False
    for outcome in outcomes:
        show(f"  {outcome.status.upper():<4}  {outcome.check.function}" + (f": {outcome.message}" if outcome.message else ""))
        if outcome.status == "fail" and not hinted:
            show(f"        hint: {outcome.check.hint}")
            hinted = True
    passed = sum(outcome.status == "pass" for outcome in outcomes)
    show(f"{passed} of {len(outcomes)} checks pass")
    return passed == len(outcomes)


def record(lesson, path, outcome):
    """One function's result for an autograder."""
    return {"lesson": lesson, "function": outcome.check.function, "file": str(path), "status": outcome.status,
            "passed": outcome.status == "pass", "message": outcome.message,
            "hint": outcome.check.hint if outcome.status == "fail" else ""}


def run_all(solutions=None, exercises_dir=None, show=print, as_json=False):
    """Check every lesson's exercises; print a line per lesson (or a JSON object per function) and the total."""
    totals, everything_passes = [0, 0], True
    for lesson in CHECKS:
        try:
            path, outcomes = outcomes_of(lesson, solutions, exercises_dir)
        except ValueError as error:  # one missing or broken file does not hide the rest of the course
            everything_passes = False
            show(json.dumps({"lesson": lesson, "status": "fail", "passed": False, "message": str(error)})
                 if as_json else f"  {lesson}  {error}")
            totals[1] += len(CHECKS[lesson])
            continue
        passed = sum(outcome.status == "pass" for outcome in outcomes)
        totals[0] += passed
        totals[1] += len(outcomes)
        everything_passes &= passed == len(outcomes)
        if as_json:
            for outcome in outcomes:
                show(json.dumps(record(lesson, path, outcome)))
            continue
        marks = " ".join(f"{o.check.function}:{o.status.upper()}" for o in outcomes)
        show(f"  {lesson}  {passed} of {len(outcomes)} pass   {marks}")
    if not as_json:
        show(f"the course: {totals[0]} of {totals[1]} checks pass in {len(CHECKS)} lessons")
    return everything_passes
