"""The exercise checks: every lesson has at least two; every check passes on the solutions (kept outside the
package), fails on a planted wrong answer, and fails with a message (never a traceback) on the five bad
answers a learner writes: one that raises, one of the wrong type, one of the other array kind (NumPy for a
Tensor, a Tensor for NumPy), one that changes its input in place, one cut off from the gradient."""
import importlib.util
import json
import types

import pytest

pytest.importorskip("hypothesis")
from course_wrong_answers import (BAD_ANSWERS, BAD_CASES, CHECK_OF, LESSON_OF, PLANTED, SOLUTIONS, answers,
                                  solution)
from tinygen import cli
from tinygen.course import LESSONS_DIR, SOLUTIONS_DIR
from tinygen.course.checks import CHECKS, check_functions, exercises_file, load_module, run_checks

def test_every_lesson_has_at_least_two_exercises_with_planted_wrong_answers():
    lessons = sorted(path.name[:2] for path in LESSONS_DIR.glob("[0-9][0-9]_*.py"))
    assert lessons and all(len(CHECKS.get(lesson, [])) >= 2 for lesson in lessons), lessons
    assert set(PLANTED) == set(LESSON_OF)
    for lesson in CHECKS:  # the exercise file is named after its lesson, so the site links the right one
        assert exercises_file(lesson).stem == next(LESSONS_DIR.glob(f"{lesson}_*.py")).stem


def test_the_solutions_are_not_in_the_package():
    assert importlib.util.find_spec("tinygen.course.solutions") is None
    assert SOLUTIONS_DIR.name == "solutions" and "tinygen" not in SOLUTIONS_DIR.parts[-2:]


@pytest.mark.parametrize("lesson", sorted(CHECKS))
def test_solutions_pass_every_check(lesson):
    outcomes = check_functions(lesson, SOLUTIONS[lesson])
    assert [o.status for o in outcomes] == ["pass"] * len(outcomes), [o.message for o in outcomes]


@pytest.mark.parametrize("function, variant", [(f, i) for f in sorted(PLANTED) for i in range(len(PLANTED[f]))])
def test_each_check_fails_on_a_planted_wrong_answer(function, variant):
    lesson = LESSON_OF[function]
    outcomes = {o.check.function: o for o in check_functions(lesson, answers(lesson, **{function: PLANTED[function][variant]}))}
    assert outcomes[function].status == "fail"
    assert outcomes[function].message and "Traceback" not in outcomes[function].message
    assert all(o.status == "pass" for name, o in outcomes.items() if name != function)


@pytest.mark.parametrize("function, bad", BAD_CASES)
def test_a_bad_answer_is_a_fail_with_a_message_not_a_traceback(function, bad, capsys):
    _, make, words = BAD_ANSWERS[bad]
    lesson = LESSON_OF[function]
    outcome, = [o for o in check_functions(lesson, answers(lesson, **{function: make(solution(function))}))
                if o.check.function == function]
    assert outcome.status == "fail", (bad, outcome.message)
    assert words in outcome.message, outcome.message
    assert "Traceback" not in outcome.message and "stopped on its answer" not in outcome.message, outcome.message
    assert "Traceback" not in capsys.readouterr().err


def test_every_kind_of_bad_answer_is_tried_on_most_exercises():
    tried = {bad: sum(b == bad for _, b in BAD_CASES) for bad in BAD_ANSWERS}
    assert tried["raises"] == tried["wrong type"] == len(CHECK_OF) >= 32
    assert min(tried.values()) >= 10, tried


def test_stubs_are_reported_as_to_do(capsys):
    assert run_checks("03") is False  # the repository's exercises are the stubs
    shown = capsys.readouterr().out
    assert "TODO  conv_output_size" in shown and "0 of 2 checks pass" in shown


@pytest.mark.parametrize("lesson", sorted(CHECKS))
def test_every_checked_function_has_a_stub_to_write(lesson):
    stubs = load_module(exercises_file(lesson))
    assert [o.status for o in check_functions(lesson, stubs)] == ["todo"] * len(CHECKS[lesson])


def test_tinygens_own_function_is_not_an_answer():
    import tinygen.functional as F
    outcome, _ = check_functions("06", types.SimpleNamespace(log_softmax=F.log_softmax,
                                                             cross_entropy=solution("cross_entropy")))
    assert outcome.status == "fail" and "tinygen's own tinygen.functional.activations.log_softmax" in outcome.message


def test_a_missing_function_fails_by_name():
    outcome, _ = check_functions("05", types.SimpleNamespace())
    assert outcome.status == "fail" and "batch_norm" in outcome.message


def test_a_learners_file_is_checked_and_only_the_first_failure_gets_a_hint(tmp_path, capsys):
    (tmp_path / "03_convolution.py").write_text(
        "def conv_output_size(i, k, s, p, d):\n    return (i + 2 * p - k) // s + 1\n\n"
        "def im2col(x, k, s, p):\n    return x.reshape(-1)\n")
    assert run_checks("03", exercises_dir=tmp_path) is False
    shown = capsys.readouterr().out
    assert "FAIL  conv_output_size: conv_output_size(i=" in shown and "FAIL  im2col" in shown
    assert shown.count("hint:") == 1 and "raised ValueError" not in shown.split("FAIL  im2col")[0]


def test_a_numpy_reparameterize_and_a_mutating_cd1_fail_without_a_traceback(tmp_path, capsys):
    """The two answers the issue found crashing or passing the old checker."""
    (tmp_path / "09_vae.py").write_text(
        "import numpy as np\n\ndef reparameterize(mu, logvar):\n"
        "    return mu.numpy() + np.exp(logvar.numpy() / 2) * np.random.normal(size=mu.shape)\n\n"
        "def gaussian_kl(mu, logvar):\n    raise NotImplementedError\n")
    (tmp_path / "15_rbm.py").write_text(
        "from importlib.util import module_from_spec, spec_from_file_location\n"
        f"spec = spec_from_file_location('s', {str(SOLUTIONS_DIR / '15_rbm.py')!r})\n"
        "right = module_from_spec(spec); spec.loader.exec_module(right)\nfree_energy = right.free_energy\n\n"
        "def cd1_update(weight, b, c, v, lr, uh, uv):\n"
        "    new = right.cd1_update(weight, b, c, v, lr, uh, uv)\n    weight += 1\n    return new\n")
    for lesson, words in (("09", "FAIL  reparameterize: reparameterize(mu = [0.5, -1.0, 2.0]"),
                          ("15", "FAIL  cd1_update: cd1_update on")):
        with pytest.raises(SystemExit):
            cli.main(["check", lesson, "--exercises", str(tmp_path)])
        captured = capsys.readouterr()
        assert words in captured.out and "Traceback" not in captured.out + captured.err
    assert "returned a NumPy array where a tinygen Tensor belongs" in run_checks_output("09", tmp_path, capsys)
    assert "changed its argument weight in place" in run_checks_output("15", tmp_path, capsys)


def run_checks_output(lesson, folder, capsys):
    run_checks(lesson, exercises_dir=folder)
    return capsys.readouterr().out


def test_json_gives_one_object_per_function(capsys, tmp_path):
    (tmp_path / "11_gan.py").write_text("def discriminator_loss(r, f):\n    return 0\n\n"
                                        "def generator_loss(f):\n    raise NotImplementedError\n")
    with pytest.raises(SystemExit):
        cli.main(["check", "11", "--exercises", str(tmp_path), "--json"])
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["function"], r["status"], r["passed"]) for r in records] == [
        ("discriminator_loss", "fail", False), ("generator_loss", "todo", False)]
    assert "returned the number 0 where a tinygen Tensor belongs" in records[0]["message"] and records[0]["hint"] and records[1]["lesson"] == "11"


def test_check_all_sums_up_the_course(capsys):
    cli.main(["check", "--all", "--solutions"])  # returns: every check passes
    shown = capsys.readouterr().out
    assert f"the course: {len(CHECK_OF)} of {len(CHECK_OF)} checks pass in {len(CHECKS)} lessons" in shown
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "--all", "--json"])  # the stubs: every function to do
    assert done.value.code == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == len(CHECK_OF) and {r["status"] for r in records} == {"todo"}


def test_command_line_exit_codes(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "3"])
    assert done.value.code == 1
    cli.main(["check", "03", "--solutions"])  # returns: every check passes
    assert "2 of 2 checks pass" in capsys.readouterr().out
    cli.main(["check", "03", "--solutions", str(SOLUTIONS_DIR)])
    assert "2 of 2 checks pass" in capsys.readouterr().out
    (tmp_path / "05_batchnorm.py").write_text("def batch_norm(x, gamma, beta, eps=1e-5:\n    return x\n")
    for argv, message in ((["check", "04", "--exercises", str(tmp_path)], "no exercises for lesson 04"),
                          (["check", "05", "--exercises", str(tmp_path)], "05_batchnorm.py does not load: SyntaxError"),
                          (["check", "04", "--solutions", str(tmp_path / "withheld")], "no solutions folder"),
                          (["check", "99"], "lesson 99 has no exercise checks"),
                          (["check"], "name a lesson"), (["check", "03", "--all"], "not both")):
        with pytest.raises(SystemExit) as done:
            cli.main(argv)
        assert done.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "x3"])
    assert done.value.code == 2
