"""Batch norm: gradients (first and second order) for 1d and 2d inputs, training and eval, with and
without affine parameters; normalized statistics; the running-statistics momentum rule; eval mode;
agreement with PyTorch; every bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def channel_axes(ndim):
    return (0,) + tuple(range(2, ndim))


@st.composite
def batches(draw, min_values_per_channel=2):
    """A float64 input (N, C) or (N, C, H, W) whose every channel has a clearly non-zero variance."""
    spatial = draw(st.sampled_from([(), (1, 2), (2, 2)]))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) + spatial
    assume(np.prod(shape) // shape[1] >= min_values_per_channel)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.normal(draw(st.floats(-2, 2)), draw(st.floats(0.5, 2)), size=shape)
    assume(x.var(axis=channel_axes(x.ndim)).min() > 0.05)
    return x, rng


@settings(max_examples=30)
@given(batches(), st.booleans(), st.booleans())
def test_batch_norm_gradients(batch, training, affine):
    x, rng = batch
    channels = x.shape[1]
    inputs = [leaf(x)]
    if affine:
        inputs += [leaf(rng.normal(1, 0.5, channels)), leaf(rng.normal(0, 0.5, channels))]
    running_mean = tg.tensor(rng.normal(size=channels))
    running_var = tg.tensor(rng.uniform(0.5, 2, size=channels))

    def fn(x, weight=None, bias=None):
        return F.batch_norm(x, running_mean, running_var, weight, bias, training=training)

    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@given(batches())
def test_training_output_has_zero_mean_and_unit_variance_per_channel(batch):
    x, _ = batch
    y = F.batch_norm(tg.tensor(x), None, None, training=True, eps=1e-12).numpy()
    axes = channel_axes(x.ndim)
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1.0, rtol=1e-10)


@given(batches(), st.floats(0.0, 1.0))
def test_running_statistics_follow_the_momentum_rule_with_unbiased_variance(batch, momentum):
    x, rng = batch
    channels, axes = x.shape[1], channel_axes(x.ndim)
    start_mean, start_var = rng.normal(size=channels), rng.uniform(0.5, 2, size=channels)
    running_mean, running_var = tg.tensor(start_mean.copy()), tg.tensor(start_var.copy())
    F.batch_norm(tg.tensor(x), running_mean, running_var, training=True, momentum=momentum)
    np.testing.assert_allclose(running_mean.numpy(), (1 - momentum) * start_mean + momentum * x.mean(axis=axes))
    np.testing.assert_allclose(running_var.numpy(),
                               (1 - momentum) * start_var + momentum * x.var(axis=axes, ddof=1))


def test_running_statistics_are_updated_in_place_and_stay_out_of_the_graph():
    x = tg.randn(8, 3, requires_grad=True)
    running_mean, running_var = tg.zeros(3), tg.ones(3)
    storage = running_mean.data
    F.batch_norm(x, running_mean, running_var, training=True).sum().backward()
    assert running_mean.data is storage and running_mean.creator is None and running_mean.grad is None
    assert not running_mean.requires_grad and not running_var.requires_grad


@given(batches(min_values_per_channel=1), st.booleans())
def test_eval_uses_the_running_statistics(batch, affine):
    x, rng = batch
    channels = x.shape[1]
    shape = (1, channels) + (1,) * (x.ndim - 2)
    mean, var = rng.normal(size=channels), rng.uniform(0.5, 2, size=channels)
    weight, bias = (rng.normal(size=channels), rng.normal(size=channels)) if affine else (np.ones(channels),
                                                                                          np.zeros(channels))
    affine_args = (tg.tensor(weight), tg.tensor(bias)) if affine else (None, None)
    y = F.batch_norm(tg.tensor(x), tg.tensor(mean), tg.tensor(var), *affine_args, training=False, eps=1e-3)
    expected = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-3) * weight.reshape(shape) \
        + bias.reshape(shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_eval_does_not_touch_the_running_statistics():
    running_mean, running_var = tg.tensor([0.5, -0.5]), tg.tensor([2.0, 3.0])
    F.batch_norm(tg.randn(4, 2), running_mean, running_var, training=False)
    np.testing.assert_array_equal(running_mean.numpy(), [0.5, -0.5])
    np.testing.assert_array_equal(running_var.numpy(), [2.0, 3.0])


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_agrees_with_pytorch(shape, training):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, gy = rng.normal(1, 2, size=shape), rng.normal(size=shape)
    weight, bias = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    stats = rng.normal(size=shape[1]), rng.uniform(0.5, 2, size=shape[1])

    ours = [leaf(x), leaf(weight), leaf(bias)]
    ours_running = [tg.tensor(s.copy()) for s in stats]
    y = F.batch_norm(ours[0], *ours_running, ours[1], ours[2], training=training, momentum=0.2)
    y.backward(tg.tensor(gy))

    theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    theirs_running = [torch.tensor(s.copy()) for s in stats]
    y_torch = torch.nn.functional.batch_norm(theirs[0], *theirs_running, theirs[1], theirs[2],
                                             training=training, momentum=0.2)
    y_torch.backward(torch.tensor(gy))

    np.testing.assert_allclose(y.numpy(), y_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours_running, theirs_running):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-12)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_float32_stays_float32():
    x = tg.randn(4, 3, 2, 2, requires_grad=True)
    y = F.batch_norm(x, tg.zeros(3), tg.ones(3), tg.ones(3), tg.zeros(3), training=True)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("shape", [(1, 4), (1, 4, 1, 1)])
def test_training_with_one_value_per_channel_is_an_error(shape):
    with pytest.raises(ValueError, match=rf"more than one value per channel.*got input shape \({shape[0]}, 4"):
        F.batch_norm(tg.randn(*shape), None, None, training=True)


def test_one_sample_is_fine_in_eval_and_with_several_pixels_in_training():
    F.batch_norm(tg.randn(1, 4), tg.zeros(4), tg.ones(4), training=False)
    F.batch_norm(tg.randn(1, 4, 2, 1), None, None, training=True)


@pytest.mark.parametrize("name, position", [("running_mean", 1), ("running_var", 2), ("weight", 3), ("bias", 4)])
def test_channel_vectors_of_the_wrong_length_are_named(name, position):
    args = [tg.randn(5, 3), tg.zeros(3), tg.ones(3), tg.ones(3), tg.zeros(3)]
    args[position] = tg.ones(4)
    with pytest.raises(ValueError, match=rf"batch_norm: {name} shape \(4,\) must be \(3,\).*input shape \(5, 3\)"):
        F.batch_norm(*args, training=True)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match=r"input must have shape \(N, C\) or \(N, C, H, W\), got \(5,\)"):
        F.batch_norm(tg.randn(5), None, None, training=True)
    with pytest.raises(ValueError, match="evaluation .* needs running_mean and running_var"):
        F.batch_norm(tg.randn(5, 2), None, None, training=False)
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\], got 1.5"):
        F.batch_norm(tg.randn(5, 2), None, None, training=True, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be positive, got 0"):
        F.batch_norm(tg.randn(5, 2), None, None, training=True, eps=0)
    with pytest.raises(TypeError, match="running_mean must be a Tensor or None, got ndarray"):
        F.batch_norm(tg.randn(5, 2), np.zeros(2), None, training=True)


@settings(max_examples=40)
@given(batches(), st.booleans())
def test_fused_affine_training_step_equals_normalize_then_scale_and_shift(batch, second_order):
    """NormalizeAffine (batch_norm's training path with weight and bias) against the plain path it replaces:
    Normalize, then * weight, then + bias; outputs and gradients (and gradients of gradients) in float64."""
    from tinygen.functional.norm import Normalize
    x, rng = batch
    channels, axes = x.shape[1], channel_axes(x.ndim)
    arrays = [x, rng.normal(1, 0.5, channels), rng.normal(0, 0.5, channels)]
    shape = (1, channels) + (1,) * (x.ndim - 2)
    gy = tg.tensor(rng.normal(size=x.shape))

    def gradients(fused):
        inputs = [leaf(a) for a in arrays]
        if fused:
            y = F.batch_norm(inputs[0], None, None, inputs[1], inputs[2], training=True)
        else:
            y = Normalize(axes, 1e-5)(inputs[0]) * inputs[1].reshape(shape) + inputs[2].reshape(shape)
        grads = tg.grad((y * gy).sum(), inputs, create_graph=second_order)
        if second_order:  # differentiate the gradients once more, along a fixed direction
            grads = tg.grad(sum((g * g).sum() for g in grads), inputs, allow_unused=True)
        return [y.numpy()] + [np.zeros(a.shape) if g is None else g.numpy() for g, a in zip(grads, arrays)]

    for fused, plain in zip(gradients(True), gradients(False)):
        np.testing.assert_allclose(fused, plain, rtol=1e-10, atol=1e-10)
