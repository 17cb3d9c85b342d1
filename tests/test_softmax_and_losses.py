"""softmax, logsumexp, F.linear, nll_loss and l1_loss: gradients to second order, PyTorch's values, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def values(shape, low=-3.0, high=3.0):
    return arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


@st.composite
def shape_and_dim(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


def check(fn, *arrays):
    inputs = [leaf(a) for a in arrays]
    assert tg.gradcheck(fn, inputs) and tg.gradgradcheck(fn, inputs)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), case=shape_and_dim())
def test_softmax_and_logsumexp_gradients(data, case):
    shape, dim = case
    x = data.draw(values(shape))
    check(lambda x: F.softmax(x, dim=dim), x)
    check(lambda x: F.logsumexp(x, dim=dim), x)
    check(lambda x: x.logsumexp(dim=None, keepdim=True), x)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), case=shape_and_dim())
def test_softmax_is_a_distribution_and_matches_pytorch(data, case):
    torch = pytest.importorskip("torch")
    shape, dim = case
    x = data.draw(values(shape, -50, 50))
    np.testing.assert_allclose(F.softmax(tg.tensor(x), dim=dim).numpy().sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax(dim)(tg.tensor(x)).numpy(), torch.softmax(torch.tensor(x), dim).numpy(),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.logsumexp(tg.tensor(x), dim=dim).numpy(),
                               torch.logsumexp(torch.tensor(x), dim).numpy(), rtol=1e-12)


def test_logsumexp_does_not_overflow_and_keeps_minus_infinity():
    x = tg.tensor(np.array([[1000.0, 1000.0], [-np.inf, -np.inf]]))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(F.logsumexp(x, dim=1).numpy(), [1000 + np.log(2), -np.inf])


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), batch=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3),
       features=st.integers(1, 3), outputs=st.integers(1, 3), bias=st.booleans())
def test_linear_gradients_and_layout(data, batch, features, outputs, bias):
    x, w = data.draw(values(batch + (features,))), data.draw(values((outputs, features)))
    b = data.draw(values((outputs,)))
    if bias:
        check(lambda x, w, b: F.linear(x, w, b), x, w, b)
        np.testing.assert_allclose(F.linear(tg.tensor(x), tg.tensor(w), tg.tensor(b)).numpy(), x @ w.T + b)
    else:
        check(lambda x, w: F.linear(x, w), x, w)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), n=st.integers(1, 4), k=st.integers(1, 4), reduction=st.sampled_from(["mean", "sum", "none"]))
def test_nll_loss_gradients_and_pytorch(data, n, k, reduction):
    log_probs = data.draw(values((n, k)))
    labels = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    check(lambda p: F.nll_loss(p, labels, reduction=reduction), log_probs)
    expected = -log_probs[np.arange(n), labels]
    got = F.nll_loss(tg.tensor(log_probs), tg.tensor(labels), reduction=reduction).numpy()
    np.testing.assert_allclose(got, {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction])


def test_cross_entropy_is_nll_of_log_softmax():
    logits, labels = tg.randn(5, 4, dtype="float64"), tg.tensor([0, 3, 1, 1, 2])
    np.testing.assert_allclose(F.cross_entropy(logits, labels).numpy(),
                               F.nll_loss(F.log_softmax(logits, axis=1), labels).numpy(), rtol=1e-15)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_l1_loss_gradients(data, shape, reduction):
    a = data.draw(values(shape))
    b = a + data.draw(arrays(np.float64, shape, elements=st.sampled_from([-1.5, -0.5, 0.5, 1.5])))  # no kink
    check(lambda a, b: F.l1_loss(a, b, reduction=reduction), a, b)


def test_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    rng = np.random.default_rng(1)
    a, b, labels = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), np.array([2, 0, 1, 1])
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(F.l1_loss(tg.tensor(a), tg.tensor(b), reduction=reduction).numpy(),
                                   TF.l1_loss(torch.tensor(a), torch.tensor(b), reduction=reduction).numpy())
        np.testing.assert_allclose(F.nll_loss(tg.tensor(a), labels, reduction=reduction).numpy(),
                                   TF.nll_loss(torch.tensor(a), torch.tensor(labels), reduction=reduction).numpy())
    weight, bias = rng.standard_normal((2, 3)), rng.standard_normal(2)
    np.testing.assert_allclose(F.linear(tg.tensor(a), tg.tensor(weight), tg.tensor(bias)).numpy(),
                               TF.linear(torch.tensor(a), torch.tensor(weight), torch.tensor(bias)).numpy())


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.softmax(tg.ones(2, 3), dim=2), ValueError, "axis 2 is out of range"),
    (lambda: F.logsumexp(tg.tensor([1, 2])), TypeError, "logsumexp: input must hold floating-point"),
    (lambda: F.softmax(tg.tensor([1, 2])), TypeError, "softmax: input must hold floating-point"),
    (lambda: F.logsumexp(tg.ones(0, 2), dim=0), ValueError, "empty axis"),
    (lambda: F.linear(tg.ones(2, 3), tg.ones(4, 2)), ValueError, r"must end in in_features = 2"),
    (lambda: F.linear(tg.ones(2, 3), tg.ones(3)), ValueError, r"weight must have shape \(out_features, in_features\)"),
    (lambda: F.linear(tg.ones(2, 3), tg.ones(4, 3), tg.ones(3)), ValueError, r"bias must be a Tensor of shape \(4,\)"),
    (lambda: F.linear(tg.tensor(np.ones((2, 3))), tg.ones(4, 3)), TypeError, "input dtype float64 differs"),
    (lambda: F.nll_loss(tg.ones(2, 3), [0, 3]), ValueError, r"labels must lie in \[0, 2\]"),
    (lambda: F.nll_loss(tg.ones(2, 3), [0.0, 1.0]), TypeError, "labels must be integers"),
    (lambda: F.nll_loss(tg.ones(3), [0]), ValueError, r"log_probs must have shape \(N, K\)"),
    (lambda: F.l1_loss(tg.ones(2, 1), tg.ones(2)), ValueError, "losses never broadcast"),
    (lambda: F.l1_loss(tg.ones(2), tg.ones(2), reduction="avg"), ValueError, "reduction must be one of"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
