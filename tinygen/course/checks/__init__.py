"""``tinygen check NN``: run lesson NN's exercise checks on the learner's functions (or the solutions).

The learner's file is ``exercises/NN_*.py``; each function there is a stub that raises
NotImplementedError until written. A check reports PASS, FAIL (what was wrong, for which input, and a
hint: only the first failure's, so the learner fixes one thing at a time) or TODO (still a stub).
"""
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host

from tinygen.course import EXERCISES_DIR
from tinygen.course.checks import convolution, diffusion, generative, layers
from tinygen.course.checks.cases import Check, Wrong

CHECKS = {**convolution.CHECKS, **layers.CHECKS, **generative.CHECKS, **diffusion.CHECKS}


@dataclass
class Outcome:
    check: Check
    status: str  # "pass", "fail" or "todo"
    message: str = ""


def check_functions(lesson, functions):
    """[Outcome] of lesson ``lesson``'s checks on ``functions`` (a module or any object with attributes)."""
    outcomes = []
    for check in CHECKS[lesson]:
        function = getattr(functions, check.function, None)
        if not callable(function):
            outcomes.append(Outcome(check, "fail", f"there is no function {check.function} to check"))
            continue
        try:
            with np.errstate(all="ignore"):  # a learner's overflow shows up as a wrong value, not a warning
                check.verify(function)
            outcomes.append(Outcome(check, "pass"))
        except NotImplementedError:
            outcomes.append(Outcome(check, "todo", "still raises NotImplementedError: write it"))
        except Wrong as wrong:
            outcomes.append(Outcome(check, "fail", str(wrong)))
    return outcomes


def exercises_file(lesson, exercises_dir=None):
    folder = Path(exercises_dir) if exercises_dir else EXERCISES_DIR
    found = sorted(folder.glob(f"{lesson}_*.py"))
    if not found:
        raise ValueError(f"no exercises for lesson {lesson}: no file {lesson}_*.py in {folder}")
    return found[0]


def load_module(path):
    spec = importlib.util.spec_from_file_location(f"exercises_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_checks(lesson, solutions=False, exercises_dir=None, show=print):
    """Check lesson ``lesson``'s exercises and print the results; True when all pass."""
    if lesson not in CHECKS:
        raise ValueError(f"lesson {lesson} has no exercise checks; lessons with checks: {', '.join(sorted(CHECKS))}")
    if solutions:
        from tinygen.course import solutions as functions
        show(f"checking tinygen's own answers to lesson {lesson}'s exercises")
    else:
        path = exercises_file(lesson, exercises_dir)
        functions = load_module(path)
        show(f"checking {path}")
    outcomes = check_functions(lesson, functions)
    hinted = False
    for outcome in outcomes:
        show(f"  {outcome.status.upper():<4}  {outcome.check.function}" + (f": {outcome.message}" if outcome.message else ""))
        if outcome.status == "fail" and not hinted:
            show(f"        hint: {outcome.check.hint}")
            hinted = True
    passed = sum(outcome.status == "pass" for outcome in outcomes)
    show(f"{passed} of {len(outcomes)} checks pass")
    return passed == len(outcomes)
