"""Losses: first- and second-order gradients for every loss and reduction, values against plain
numpy formulas (and PyTorch when installed), stability at extreme logits, and every bad input."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygen as tg
import tinygen.functional as F

REDUCTIONS = ["mean", "sum", "none"]
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def check_gradients(fn, *arrays):
    inputs = [leaf(a) for a in arrays]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def values(shape, low, high):
    return arrays(np.float64, shape, elements=st.floats(low, high))


def pair(low, high, target_low, target_high):
    return shapes.flatmap(lambda s: st.tuples(values(s, low, high), values(s, target_low, target_high)))


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


@given(pair(-3, 3, -3, 3), st.sampled_from(REDUCTIONS))
def test_mse_loss_gradients_and_value(arrays_, reduction):
    x, t = arrays_
    check_gradients(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, t)
    np.testing.assert_allclose(F.mse_loss(tg.tensor(x), tg.tensor(t), reduction=reduction).numpy(),
                               reduce((x - t) ** 2, reduction))


@given(pair(0.05, 0.95, 0, 1), st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_gradients_and_value(arrays_, reduction):
    p, t = arrays_
    check_gradients(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), p, t)
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(tg.tensor(p), tg.tensor(t), reduction=reduction).numpy(),
                               reduce(expected, reduction))


@given(pair(-8, 8, 0, 1), st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_with_logits_gradients_and_value(arrays_, reduction):
    z, t = arrays_
    check_gradients(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), z, t)
    p = 1 / (1 + np.exp(-z))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    got = F.binary_cross_entropy_with_logits(tg.tensor(z), tg.tensor(t), reduction=reduction).numpy()
    np.testing.assert_allclose(got, reduce(expected, reduction), rtol=1e-9, atol=1e-12)


@st.composite
def logits_and_labels(draw):
    count, classes = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    logits = draw(values((count, classes), -4, 4))
    labels = np.array(draw(st.lists(st.integers(0, classes - 1), min_size=count, max_size=count)))
    return logits, labels


@given(logits_and_labels(), st.sampled_from(REDUCTIONS))
def test_cross_entropy_gradients_and_value(data, reduction):
    logits, labels = data
    check_gradients(lambda z: F.cross_entropy(z, labels, reduction=reduction), logits)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.log(softmax[np.arange(len(labels)), labels])
    np.testing.assert_allclose(F.cross_entropy(tg.tensor(logits), labels, reduction=reduction).numpy(),
                               reduce(expected, reduction), rtol=1e-9, atol=1e-12)


@given(shapes.filter(lambda s: len(s) >= 2).flatmap(lambda s: st.tuples(values(s, -2, 2), values(s, -2, 2))),
       st.sampled_from(REDUCTIONS))
def test_kl_normal_gradients_and_value(arrays_, reduction):
    mu, logvar = arrays_
    check_gradients(lambda m, lv: F.kl_normal(m, lv, reduction=reduction), mu, logvar)
    # KL of two Gaussians per dimension: log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2, with m2 = 0, s2 = 1
    sigma = np.exp(0.5 * logvar)
    per_dimension = -np.log(sigma) + (sigma ** 2 + mu ** 2) / 2 - 0.5
    per_sample = per_dimension.reshape(len(mu), -1).sum(axis=1)
    got = F.kl_normal(tg.tensor(mu), tg.tensor(logvar), reduction=reduction).numpy()
    assert got.shape == ((len(mu),) if reduction == "none" else ())
    np.testing.assert_allclose(got, reduce(per_sample, reduction), rtol=1e-9, atol=1e-12)


def test_kl_normal_is_zero_exactly_at_the_prior():
    assert F.kl_normal(tg.zeros(5, 3), tg.zeros(5, 3), reduction="sum").item() == 0.0


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    p = tg.tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(p, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [100.0, 100.0, 0.0, 0.0])
    assert np.isfinite(p.grad.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_at_extreme_logits(dtype):
    z = tg.tensor(np.array([-1e4, 1e4, -1e4, 1e4], dtype=dtype), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(z, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [1e4, 1e4, 0.0, 0.0])
    np.testing.assert_allclose(z.grad.numpy(), [-1.0, 1.0, 0.0, 0.0])  # sigmoid(z) - t
    assert loss.dtype == dtype


def test_cross_entropy_is_finite_at_extreme_logits():
    z = tg.tensor(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(z, np.array([1, 2]), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [2e4, np.log(3)])
    np.testing.assert_allclose(z.grad.numpy(), [[1.0, -1.0, 0.0], [1 / 3, 1 / 3, -2 / 3]], atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_agree_with_pytorch(reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 3)), rng.random((4, 3))
    p = 1 / (1 + np.exp(-x))
    labels = rng.integers(0, 3, size=4)
    pairs = [
        (F.mse_loss(tg.tensor(x), tg.tensor(t), reduction), tf.mse_loss(torch.tensor(x), torch.tensor(t),
                                                                         reduction=reduction)),
        (F.binary_cross_entropy(tg.tensor(p), tg.tensor(t), reduction),
         tf.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction=reduction)),
        (F.binary_cross_entropy_with_logits(tg.tensor(x), tg.tensor(t), reduction),
         tf.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), reduction=reduction)),
        (F.cross_entropy(tg.tensor(x), labels, reduction),
         tf.cross_entropy(torch.tensor(x), torch.tensor(labels), reduction=reduction)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


def test_float32_stays_float32_even_with_a_float64_target():
    loss = F.mse_loss(tg.randn(3, 2), np.zeros((3, 2)))
    assert loss.dtype == np.float32


LOSSES = {
    "mse_loss": lambda a, b, **kw: F.mse_loss(a, b, **kw),
    "binary_cross_entropy": lambda a, b, **kw: F.binary_cross_entropy(a, b, **kw),
    "binary_cross_entropy_with_logits": lambda a, b, **kw: F.binary_cross_entropy_with_logits(a, b, **kw),
    "kl_normal": lambda a, b, **kw: F.kl_normal(a, b, **kw),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_mismatched_shapes_are_an_error_never_a_broadcast(name):
    with pytest.raises(ValueError, match=rf"{name}: \w+ shape \(4, 1\) and \w+ shape \(4,\) must be equal"):
        LOSSES[name](tg.full((4, 1), 0.5), tg.full((4,), 0.5))


@pytest.mark.parametrize("name", sorted(LOSSES) + ["cross_entropy"])
def test_unknown_reduction_is_an_error(name):
    fn = LOSSES.get(name, lambda a, b, **kw: F.cross_entropy(a, np.zeros(2, dtype=int), **kw))
    with pytest.raises(ValueError, match=rf"{name}: reduction must be one of .* got 'avg'"):
        fn(tg.full((2, 2), 0.5), tg.full((2, 2), 0.5), reduction="avg")


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_binary_cross_entropy_rejects_values_outside_unit_interval(bad):
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities in \[0, 1\]"):
        F.binary_cross_entropy(tg.tensor([0.5, bad]), tg.tensor([1.0, 0.0]))


@pytest.mark.parametrize("labels, message", [
    ([0, 3], r"labels must lie in \[0, 2\] for 3 classes, got values from 0 to 3"),
    ([-1, 0], r"labels must lie in \[0, 2\] for 3 classes, got values from -1 to 0"),
    ([0, 1, 2], r"labels shape \(3,\) must be \(2,\) to match logits shape \(2, 3\)"),
])
def test_cross_entropy_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(tg.zeros(2, 3), np.array(labels))


def test_cross_entropy_rejects_float_labels_and_non_matrix_logits():
    with pytest.raises(TypeError, match="labels must be integers, got dtype float"):
        F.cross_entropy(tg.zeros(2, 3), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"logits must have shape \(N, K\), got \(2, 3, 1\)"):
        F.cross_entropy(tg.zeros(2, 3, 1), np.array([0, 1]))


def test_kl_normal_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"kl_normal: mu and logvar must have shape \(N, latent...\), got \(3,\)"):
        F.kl_normal(tg.zeros(3), tg.zeros(3))
