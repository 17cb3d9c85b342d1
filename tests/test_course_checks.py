"""The exercise checks: every check passes on tinygen's own answers, fails on a planted wrong one,
reports stubs as still to do, and `tinygen check` says so with its exit code."""
import types

import numpy as np
import pytest

pytest.importorskip("hypothesis")
import tinygen as tg
import tinygen.functional as F
from tinygen import cli
from tinygen.course import solutions
from tinygen.course.checks import CHECKS, check_functions, run_checks


def answers(**replaced):
    """The solutions, with some functions replaced by planted wrong ones."""
    namespace = {name: getattr(solutions, name) for checks in CHECKS.values() for name in [c.function for c in checks]}
    return types.SimpleNamespace(**{**namespace, **replaced})


def _im2col_channels_first(x, k, s, p):
    """Right windows, taps in (c, i, j) order instead of (i, j, c)."""
    rows = solutions.im2col(x, k, s, p)
    c = x.shape[1]
    return rows.reshape(len(rows), k, k, c).transpose(0, 3, 1, 2).reshape(len(rows), -1)


def _batch_norm_unbiased(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    channel = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).sum(axis=axes, keepdims=True) / (x.size // x.shape[1] - 1)
    return gamma.reshape(*channel) * (x - mean) / F.sqrt(var + eps) + beta.reshape(*channel)


def _cross_entropy_unstable(logits, labels):
    one_hot = tg.tensor((np.arange(logits.shape[1]) == labels[:, None]).astype(logits.dtype))
    return -(F.log(logits.exp() / logits.exp().sum(axis=1, keepdims=True)) * one_hot).sum(axis=1).mean()


def _bce_through_sigmoid(logits, targets):
    p = F.sigmoid(logits)
    return -(targets * F.log(p) + (1 - targets) * F.log(1 - p)).mean()


PLANTED = {
    "conv_output_size": [lambda i, k, s, p, d: (i + 2 * p - k) // s + 1,         # forgets the dilation
                         lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s],  # forgets the +1
    "im2col": [_im2col_channels_first,
               lambda x, k, s, p: solutions.im2col(x, k, s, 0)],                     # ignores the padding
    "insert_zeros": [lambda x, s: solutions.insert_zeros(np.asarray(x), s + 1) if s > 1 else x * 1,  # s zeros
                     lambda x, s: np.kron(x, np.ones((s, s)))[:, :, :s * (x.shape[2] - 1) + 1, :s * (x.shape[3] - 1) + 1]],
    "transposed_padding": [lambda k, p: p, lambda k, p: k - p],
    "batch_norm": [_batch_norm_unbiased,
                   lambda x, g, b, eps=1e-5: tg.tensor(solutions.batch_norm(x, g, b, eps).numpy())],  # no gradient
    "cross_entropy": [_cross_entropy_unstable,
                      lambda logits, labels: F.cross_entropy(logits, labels) * logits.shape[0]],  # sums
    "bce_with_logits": [_bce_through_sigmoid,
                        lambda z, t: F.binary_cross_entropy_with_logits(z, 1 - t)],  # target flipped
}
LESSON_OF = {check.function: lesson for lesson, checks in CHECKS.items() for check in checks}


def test_every_check_has_planted_wrong_answers():
    assert set(PLANTED) == set(LESSON_OF)


@pytest.mark.parametrize("lesson", sorted(CHECKS))
def test_solutions_pass_every_check(lesson):
    outcomes = check_functions(lesson, solutions)
    assert [o.status for o in outcomes] == ["pass"] * len(outcomes), [o.message for o in outcomes]


@pytest.mark.parametrize("function, variant", [(f, i) for f in sorted(PLANTED) for i in range(len(PLANTED[f]))])
def test_each_check_fails_on_a_planted_wrong_answer(function, variant):
    lesson = LESSON_OF[function]
    outcomes = {o.check.function: o for o in check_functions(lesson, answers(**{function: PLANTED[function][variant]}))}
    assert outcomes[function].status == "fail"
    assert outcomes[function].message
    assert all(o.status == "pass" for name, o in outcomes.items() if name != function)


def test_stubs_are_reported_as_to_do(capsys):
    assert run_checks("03") is False  # the repository's exercises are the stubs
    shown = capsys.readouterr().out
    assert "TODO  conv_output_size" in shown and "0 of 2 checks pass" in shown


def test_a_missing_function_fails_by_name():
    outcome, = check_functions("05", types.SimpleNamespace())
    assert outcome.status == "fail" and "batch_norm" in outcome.message


def test_a_learners_file_is_checked_and_only_the_first_failure_gets_a_hint(tmp_path, capsys):
    (tmp_path / "03_convolution.py").write_text(
        "def conv_output_size(i, k, s, p, d):\n    return (i + 2 * p - k) // s + 1\n\n"
        "def im2col(x, k, s, p):\n    return x.reshape(-1)\n")
    assert run_checks("03", exercises_dir=tmp_path) is False
    shown = capsys.readouterr().out
    assert "FAIL  conv_output_size: conv_output_size(i=" in shown and "FAIL  im2col" in shown
    assert shown.count("hint:") == 1 and "raised ValueError" not in shown.split("FAIL  im2col")[0]


def test_command_line_exit_codes(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "3"])
    assert done.value.code == 1
    cli.main(["check", "03", "--solutions"])  # returns: every check passes
    assert "2 of 2 checks pass" in capsys.readouterr().out
    for argv, message in ((["check", "04", "--exercises", str(tmp_path)], "no exercises for lesson 04"),
                          (["check", "02"], "lesson 02 has no exercise checks")):
        with pytest.raises(SystemExit) as done:
            cli.main(argv)
        assert done.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "x3"])
    assert done.value.code == 2
