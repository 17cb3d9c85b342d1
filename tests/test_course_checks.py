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
from tinygen.course.checks import CHECKS, check_functions, exercises_file, load_module, run_checks


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


def _reparameterize_sigma_is_exp_logvar(mu, logvar):
    return mu + logvar.exp() * tg.randn(*mu.shape, dtype=mu.dtype)


def _penalty_without_create_graph(critic, real, fake, mix, weight=10.0):
    points = tg.tensor((mix.reshape(-1, 1) * real + (1 - mix.reshape(-1, 1)) * fake).numpy(), requires_grad=True)
    gradient, = tg.grad(critic(points).sum(), [points])
    return weight * ((((gradient * gradient).sum(axis=1)).sqrt() - 1) ** 2).mean()


def _penalty_one_norm_for_the_batch(critic, real, fake, mix, weight=10.0):
    points = tg.tensor((mix.reshape(-1, 1) * real + (1 - mix.reshape(-1, 1)) * fake).numpy(), requires_grad=True)
    gradient, = tg.grad(critic(points).sum(), [points], create_graph=True)
    return weight * ((gradient * gradient).sum().sqrt() - 1) ** 2


def _cd1_with_sampled_hidden_statistics(weight, b, c, v, lr, uniform_h, uniform_v):
    sigmoid = lambda x: 1 / (1 + np.exp(-x))
    h0 = (uniform_h < sigmoid(v @ weight.T + c)).astype(float)
    v1 = (uniform_v < sigmoid(h0 @ weight + b)).astype(float)
    h1 = sigmoid(v1 @ weight.T + c)
    return weight + lr * (h0.T @ v - h1.T @ v1) / len(v), b + lr * (v - v1).mean(0), c + lr * (h0 - h1).mean(0)


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
    "reparameterize": [_reparameterize_sigma_is_exp_logvar,
                       lambda mu, logvar: mu + (0.5 * logvar).exp()],  # no noise at all
    "discriminator_loss": [lambda r, f: solutions.discriminator_loss(f, r),  # real and fake swapped
                           lambda r, f: -(F.log(F.sigmoid(r)) + F.log(1 - F.sigmoid(f))).mean()],  # overflows
    "generator_loss": [lambda f: -F.binary_cross_entropy_with_logits(f, f * 0),  # the minimax loss
                       lambda f: -F.log(F.sigmoid(f)).mean()],  # -log of a saturated sigmoid: infinite
    "gradient_penalty": [_penalty_without_create_graph, _penalty_one_norm_for_the_batch],
    "q_sample": [lambda x0, ab, noise: solutions.q_sample(x0, ab ** 2, noise),            # variances as scales
                 lambda x0, ab, noise: solutions.q_sample(x0, np.full_like(ab, ab[0]), noise)],  # one abar for all
    "ddim_step": [lambda x, eps, ab, prev: solutions.ddim_step(x, eps, prev, ab),           # times swapped
                  lambda x, eps, ab, prev: x * np.sqrt(prev / ab)],                         # forgets the noise
    "guided_prediction": [lambda c, u, w: c * (1 - w) + u * w,                              # toward nothing
                          lambda c, u, w: c + u * w],
    "flow_matching_pair": [lambda x0, noise, t: (solutions.flow_matching_pair(x0, noise, 1 - t)[0], noise - x0),
                           lambda x0, noise, t: (solutions.flow_matching_pair(x0, noise, t)[0], x0 - noise)],
    "cd1_update": [_cd1_with_sampled_hidden_statistics,
                   lambda w, b, c, v, lr, uh, uv: tuple(a - lr * (e - a) / lr for a, e in
                                                        zip((w, b, c), solutions.cd1_update(w, b, c, v, lr, uh, uv)))],
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


@pytest.mark.parametrize("lesson", sorted(CHECKS))
def test_every_checked_function_has_a_stub_to_write(lesson):
    stubs = load_module(exercises_file(lesson))
    assert [o.status for o in check_functions(lesson, stubs)] == ["todo"] * len(CHECKS[lesson])


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
