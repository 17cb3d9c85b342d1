"""Gradients at kinks and edges (0 of relu, ties of max, bounds of clip, 0 ** 0, log 0, saturation) match PyTorch's.

Each case runs one op in tinygen and in PyTorch on the same float64 inputs, all sitting on the
op's awkward points, and compares the gradients of <op(x), v> element for element (inf and NaN
included; rtol 1e-8, since PyTorch's BCE clamps with the float32 constant 1e-12). Where PyTorch
defines a second derivative there, that is compared too.
"""
import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
INF = np.inf

# name: (tinygen op, torch op, input arrays)
CASES = {
    "relu at 0": (F.relu, torch.relu, [[-1.0, 0.0, 2.0]]),
    "leaky_relu at 0": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [[-1.0, 0.0, 2.0]]),
    "abs at 0": (F.abs, torch.abs, [[-1.0, 0.0, 2.0]]),
    "clip on its bounds": (lambda x: F.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5),
                           [[-1.0, -0.5, 0.0, 0.5, 1.0]]),
    "maximum at ties": (F.maximum, torch.maximum, [[0.0, 1.0, 2.0], [0.0, 2.0, 2.0]]),
    "minimum at ties": (F.minimum, torch.minimum, [[0.0, 1.0, 2.0], [0.0, 2.0, 2.0]]),
    "max over ties": (lambda x: x.max(), lambda x: x.max(), [[1.0, 3.0, 3.0, 0.0]]),
    "max along an axis with ties": (lambda x: x.max(axis=1), lambda x: x.amax(dim=1), [[[1.0, 1.0], [2.0, 0.0]]]),
    "min over ties": (lambda x: x.min(), lambda x: x.min(), [[2.0, -1.0, -1.0]]),
    "sqrt at 0": (F.sqrt, torch.sqrt, [[0.0, 4.0]]),
    "log at 0": (F.log, torch.log, [[0.0, 2.0]]),
    "1 / x at 0": (lambda x: 1 / x, lambda x: 1 / x, [[0.0, 2.0]]),
    "x ** 0 at 0": (lambda x: x ** 0, lambda x: x ** 0, [[0.0, 3.0]]),
    "x ** 1 at 0": (lambda x: x ** 1, lambda x: x ** 1, [[0.0, 3.0]]),
    "x ** 2 at 0": (lambda x: x ** 2, lambda x: x ** 2, [[0.0, 3.0]]),
    "x ** 0.5 at 0": (lambda x: x ** 0.5, lambda x: x ** 0.5, [[0.0, 3.0]]),
    "x ** -1 at 0": (lambda x: x ** -1, lambda x: x ** -1, [[0.0, 3.0]]),
    "a ** b at a = 0": (lambda a, b: a ** b, lambda a, b: a ** b,
                        [[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.5, 0.0]]),
    "sigmoid saturated": (F.sigmoid, torch.sigmoid, [[-1000.0, 0.0, 1000.0]]),
    "tanh saturated": (F.tanh, torch.tanh, [[-1000.0, 0.0, 1000.0]]),
    "softplus saturated": (F.softplus, TF.softplus, [[-1000.0, 0.0, 1000.0]]),
    "log_softmax with a huge logit": (lambda x: F.log_softmax(x, axis=0), lambda x: TF.log_softmax(x, dim=0),
                                      [[1000.0, 0.0, -1000.0]]),
    "logsumexp with -inf": (lambda x: F.logsumexp(x, dim=0), lambda x: torch.logsumexp(x, dim=0),
                            [[-INF, 0.0, 1.0]]),
    "bce at p = 0 and 1": (lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
                           lambda p, t: TF.binary_cross_entropy(p, t, reduction="none"),
                           [[0.0, 1.0, 0.0, 1.0, 0.5], [1.0, 0.0, 0.0, 1.0, 1.0]]),
    "bce with logits saturated": (lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction="none"),
                                  lambda z, t: TF.binary_cross_entropy_with_logits(z, t, reduction="none"),
                                  [[-1000.0, 1000.0, 0.0], [1.0, 0.0, 0.5]]),
    "l1_loss at equality": (lambda a, b: F.l1_loss(a, b, reduction="none"),
                            lambda a, b: TF.l1_loss(a, b, reduction="none"), [[1.0, 2.0], [1.0, 0.0]]),
    "max_pool2d over ties": (lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
                             [np.array([1.0, 1.0, 1.0, 0.0, 2.0, 2.0, 2.0, 2.0]).reshape(1, 2, 2, 2)]),
    "max_pool2d with padding": (lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1),
                                [-np.abs(np.arange(16.0)).reshape(1, 1, 4, 4)]),
}


def gradients(outputs, inputs, library):
    """d<outputs, v>/d inputs for a fixed direction v (1, 2, 3, ...), in ``library``."""
    v = np.arange(1.0, outputs.numel() + 1 if library is torch else outputs.size + 1).reshape(outputs.shape)
    if library is torch:
        return [g.detach().numpy() for g in torch.autograd.grad((outputs * torch.tensor(v)).sum(), inputs)]
    return [g.numpy() for g in tg.grad((outputs * tg.tensor(v)).sum(), inputs)]


@pytest.mark.parametrize("name", CASES)
def test_gradient_at_the_edge_matches_pytorch(name):
    ours_op, torch_op, arrays = CASES[name]
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ours_op(*ours)
        np.testing.assert_allclose(out.numpy(), torch_op(*theirs).detach().numpy(), rtol=1e-12)
        for got, expected in zip(gradients(out, ours, tg), gradients(torch_op(*theirs), theirs, torch)):
            np.testing.assert_allclose(got, expected, rtol=1e-8)


@pytest.mark.parametrize("name, ours_op, torch_op", [
    ("relu", F.relu, torch.relu),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("abs", F.abs, torch.abs),
])
def test_second_and_third_derivative_of_a_kink_are_differentiable_zeros(name, ours_op, torch_op):
    x_ours = tg.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    x_torch = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    g_ours, = tg.grad(ours_op(x_ours).sum(), [x_ours], create_graph=True)
    gg_ours, = tg.grad((g_ours * g_ours).sum(), [x_ours], create_graph=True)
    g_torch, = torch.autograd.grad(torch_op(x_torch).sum(), [x_torch], create_graph=True)
    gg_torch, = torch.autograd.grad((g_torch * g_torch).sum(), [x_torch], create_graph=True)
    np.testing.assert_array_equal(gg_ours.numpy(), (gg_torch.detach() + 0).numpy())  # + 0: abs gives a ZeroTensor
    ggg_ours, = tg.grad(gg_ours.sum(), [x_ours])  # differentiable again: zeros, not "x was not used"
    np.testing.assert_array_equal(ggg_ours.numpy(), np.zeros(3))


def test_second_derivative_of_pow_at_the_edges():
    """Equal to PyTorch's except at two kinds of point, where tinygen gives the true value and PyTorch does not:
    d/db of dy/da = b a^(b-1) at b = 0 is 1/a (PyTorch masks dy/da with a constant there: 0), and the
    derivatives of dy/db = a^b log a at a = 0, b > 1 are their limit 0 (PyTorch computes 0 * log 0 = NaN)."""
    a = np.array([0.0, 0.0, 2.0, 1.5])
    b = np.array([2.0, 3.0, 0.0, 2.5])
    ours = [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    first_ours = tg.grad((ours[0] ** ours[1]).sum(), ours, create_graph=True)
    first_theirs = torch.autograd.grad((theirs[0] ** theirs[1]).sum(), theirs, create_graph=True)
    for i in range(2):
        second_ours = [g.numpy() for g in tg.grad(first_ours[i].sum(), ours)]
        second_theirs = [g.numpy().copy() for g in torch.autograd.grad(first_theirs[i].sum(), theirs)]
        if i == 0:  # d/db (dy/da) at b = 0
            assert second_theirs[1][2] == 0
            second_theirs[1][2] = 1 / a[2]
        else:  # d/da and d/db of dy/db at a = 0
            assert np.isnan(second_theirs[0][:2]).all() and np.isnan(second_theirs[1][:2]).all()
            second_theirs[0][:2] = second_theirs[1][:2] = 0.0
        for got, expected in zip(second_ours, second_theirs):
            np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_pow_second_derivative_at_a_zero_exponent_is_the_true_one():
    a = tg.tensor(np.array([2.0, 0.7]), requires_grad=True)
    b = tg.tensor(np.array([0.0, 0.0]), requires_grad=True)
    assert tg.gradgradcheck(lambda a, b: a ** b, [a, b])
