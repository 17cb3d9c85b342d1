"""avg_pool2d, max_pool2d and interpolate(nearest), and their layers: gradients to second order, PyTorch's values."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


@st.composite
def pool_case(draw):
    """(x shape, kernel, stride, padding) with padding <= kernel // 2 and at least one window."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    height, width = (draw(st.integers(max(1, k - 2 * p), k + 3)) for k, p in zip(kernel, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), height, width)
    return shape, kernel, stride, padding


def distinct_values(draw, shape):
    """Well-separated values in random order: no ties, so max pooling is differentiable."""
    order = draw(st.permutations(list(range(int(np.prod(shape))))))
    return (np.array(order, dtype=np.float64) * 0.37 - 1.0).reshape(shape)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), case=pool_case())
def test_avg_pool2d_gradients(data, case):
    shape, kernel, stride, padding = case
    x = leaf(data.draw(st.builds(lambda seed: np.random.default_rng(seed).standard_normal(shape),
                                 st.integers(0, 2 ** 16))))
    fn = lambda x: F.avg_pool2d(x, kernel, stride, padding)
    assert tg.gradcheck(fn, [x]) and tg.gradgradcheck(fn, [x])


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), case=pool_case())
def test_max_pool2d_gradients(data, case):
    shape, kernel, stride, padding = case
    x = leaf(distinct_values(data.draw, shape))
    fn = lambda x: F.max_pool2d(x, kernel, stride, padding)
    assert tg.gradcheck(fn, [x]) and tg.gradgradcheck(fn, [x])


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 4), st.integers(1, 4)),
       size=st.tuples(st.integers(1, 6), st.integers(1, 6)))
def test_interpolate_gradients(data, shape, size):
    x = leaf(distinct_values(data.draw, shape))
    fn = lambda x: F.interpolate(x, size=size)
    assert tg.gradcheck(fn, [x]) and tg.gradgradcheck(fn, [x])


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), case=pool_case(), size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       factor=st.sampled_from([1, 2, 3, 0.5, 1.5, 2.5]))
def test_values_match_pytorch(data, case, size, factor):
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    shape, kernel, stride, padding = case
    x = np.random.default_rng(data.draw(st.integers(0, 2 ** 16))).standard_normal(shape).astype(np.float32)
    x[0, 0, 0, 0] = x[0, 0, -1, -1]  # a tie: the first in the window wins in both
    t = torch.from_numpy(x)
    pairs = [(F.avg_pool2d(tg.tensor(x), kernel, stride, padding), TF.avg_pool2d(t, kernel, stride, padding)),
             (F.max_pool2d(tg.tensor(x), kernel, stride, padding), TF.max_pool2d(t, kernel, stride, padding)),
             (F.interpolate(tg.tensor(x), size=size), TF.interpolate(t, size=size, mode="nearest"))]
    if min(int(n * factor) for n in shape[2:]) >= 1:
        pairs.append((F.interpolate(tg.tensor(x), scale_factor=factor),
                      TF.interpolate(t, scale_factor=factor, mode="nearest")))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_max_pool2d_gradient_goes_to_the_first_maximum_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, 3.0, 1.0], [3.0, 0.0, 2.0], [1.0, 2.0, 2.0]]).reshape(1, 1, 3, 3)
    ours, theirs = leaf(x), torch.tensor(x, requires_grad=True)
    F.max_pool2d(ours, 2, 1).sum().backward()
    torch.nn.functional.max_pool2d(theirs, 2, 1).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_layers_call_the_functions():
    x = tg.randn(2, 3, 6, 6)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).numpy(), F.max_pool2d(x, 2).numpy())
    np.testing.assert_array_equal(nn.AvgPool2d(3, 1, 1)(x).numpy(), F.avg_pool2d(x, 3, 1, 1).numpy())
    assert nn.Upsample(scale_factor=2)(x).shape == (2, 3, 12, 12)
    assert nn.Upsample(size=(4, 5))(x).shape == (2, 3, 4, 5)
    assert nn.MaxPool2d(2).state_dict() == {}


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.max_pool2d(tg.ones(1, 4, 4), 2), ValueError, r"shape \(N, C, H, W\)"),
    (lambda: F.avg_pool2d(tg.ones(1, 1, 4, 4), 0), ValueError, "must be at least 1"),
    (lambda: F.max_pool2d(tg.ones(1, 1, 4, 4), 2, padding=2), ValueError, "half the kernel"),
    (lambda: F.max_pool2d(tg.ones(1, 1, 2, 2), 3), ValueError, "kernel is larger than the padded input"),
    (lambda: F.avg_pool2d(tg.tensor(np.ones((1, 1, 2, 2), dtype=np.int64)), 2), TypeError, "floating-point"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, "must be at least 1"),
    (lambda: F.interpolate(tg.ones(1, 1, 2, 2)), ValueError, "exactly one of size and scale_factor"),
    (lambda: F.interpolate(tg.ones(1, 1, 2, 2), scale_factor=2, mode="bilinear"), ValueError, "'nearest'"),
    (lambda: F.interpolate(tg.ones(1, 1, 2, 2), scale_factor=-1), ValueError, "positive number"),
    (lambda: F.interpolate(tg.ones(1, 1, 2, 2), scale_factor=0.1), ValueError, "at least 1"),
    (lambda: nn.Upsample(size=3, scale_factor=2), ValueError, "exactly one"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
