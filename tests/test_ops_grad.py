"""Every basic op: first- and second-order gradients against central differences.

Hypothesis draws shapes (size-1 and broadcast dimensions included), axes,
keepdims and values. Values keep clear of the points where an op is not
differentiable (|x| near 0, ties in max, clip bounds) instead of loosening tolerances.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

import tinygen as tg
import tinygen.functional as F


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def check(fn, *arrays):
    inputs = [leaf(a) for a in arrays]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def values(shape, low=-2.0, high=2.0):
    return arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


def away_from_zero(shape, margin=0.2):
    """Values in ±[margin, 2] so |x|, x/y and log|x| stay smooth."""
    return values(shape, margin, 2.0).flatmap(
        lambda magnitude: arrays(np.bool_, shape).map(lambda sign: np.where(sign, magnitude, -magnitude)))


def distinct(shape):
    """A random permutation of well-separated values: no ties for max/min/clip."""
    size = int(np.prod(shape))
    return st.permutations(list(range(size))).map(lambda p: (np.array(p, dtype=np.float64) * 0.37 - size * 0.18)
                                                  .reshape(shape))


small_shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
broadcast_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


@st.composite
def shape_and_axis(draw, min_dims=1):
    shape = draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=3))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                | st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True).map(tuple))
    return shape, axis


# ---- arithmetic with broadcasting -------------------------------------------------------------

@pytest.mark.parametrize("op", [F.add, F.sub, F.mul], ids=["add", "sub", "mul"])
@given(data=st.data(), shapes=broadcast_pairs)
def test_binary_ops_broadcast(op, data, shapes):
    a_shape, b_shape = shapes.input_shapes
    check(op, data.draw(values(a_shape)), data.draw(values(b_shape)))


@given(data=st.data(), shapes=broadcast_pairs)
def test_div(data, shapes):
    a_shape, b_shape = shapes.input_shapes
    check(F.div, data.draw(values(a_shape)), data.draw(away_from_zero(b_shape)))


@given(data=st.data(), shape=small_shapes, exponent=st.sampled_from([2, 3, -1, 0.5, 1.5, -2.5]))
def test_pow_constant(data, shape, exponent):
    check(lambda x: x ** exponent, data.draw(values(shape, 0.3, 2.0)))


@given(data=st.data(), shapes=broadcast_pairs)
def test_pow_tensor_exponent(data, shapes):
    a_shape, b_shape = shapes.input_shapes
    check(lambda a, b: a ** b, data.draw(values(a_shape, 0.3, 2.0)), data.draw(values(b_shape, -1.5, 1.5)))


@given(data=st.data(), shape=small_shapes)
def test_neg_and_reflected_ops(data, shape):
    check(lambda x: 3.0 - (-x) / 2.0 + 2.0 ** x, data.draw(values(shape)))


@st.composite
def matmul_shapes(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=2)).input_shapes
    a_shape = draw(st.sampled_from([(k,), batch[0] + (n, k)]))
    b_shape = draw(st.sampled_from([(k,), batch[1] + (k, m)]))
    return a_shape, b_shape


@given(data=st.data(), shapes=matmul_shapes())
def test_matmul_with_batches_and_vectors(data, shapes):
    a_shape, b_shape = shapes
    a, b = data.draw(values(a_shape)), data.draw(values(b_shape))
    np.testing.assert_allclose((leaf(a) @ leaf(b)).numpy(), np.matmul(a, b))
    check(F.matmul, a, b)


# ---- elementwise ------------------------------------------------------------------------------

@given(data=st.data(), shape=small_shapes)
def test_exp(data, shape):
    check(F.exp, data.draw(values(shape)))


@given(data=st.data(), shape=small_shapes)
def test_log_and_sqrt(data, shape):
    x = data.draw(values(shape, 0.3, 3.0))
    check(F.log, x)
    check(F.sqrt, x)


@given(data=st.data(), shape=small_shapes)
def test_abs(data, shape):
    check(F.abs, data.draw(away_from_zero(shape)))


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=3),
       bounds=st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
def test_clip(data, shape, bounds):
    # distinct() draws multiples of 0.01 and the bounds are multiples of 0.5: an offset of 0.005
    # keeps every element at least that far from a bound
    x = data.draw(distinct(shape)) + 0.005
    check(lambda t: F.clip(t, *bounds), x)


@pytest.mark.parametrize("op", [F.maximum, F.minimum], ids=["maximum", "minimum"])
@given(data=st.data(), shapes=broadcast_pairs)
def test_maximum_minimum(op, data, shapes):
    a_shape, b_shape = shapes.input_shapes
    # on grids offset by 0.1 from each other, a and b are never closer than 0.1: no ties
    a = np.round(data.draw(values(a_shape)) * 5) / 5 + 0.05
    b = np.round(data.draw(values(b_shape)) * 5) / 5 - 0.05
    check(op, a, b)


@given(data=st.data(), shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
def test_where(data, shapes):
    c_shape, a_shape, b_shape = shapes.input_shapes
    condition = data.draw(arrays(np.bool_, c_shape))
    check(lambda a, b: F.where(condition, a, b), data.draw(values(a_shape)), data.draw(values(b_shape)))


# ---- reductions -------------------------------------------------------------------------------

@given(data=st.data(), case=shape_and_axis(), keepdims=st.booleans())
def test_sum_and_mean(data, case, keepdims):
    shape, axis = case
    x = data.draw(values(shape))
    np.testing.assert_allclose(leaf(x).sum(axis=axis, keepdims=keepdims).numpy(), x.sum(axis=axis, keepdims=keepdims))
    check(lambda t: t.sum(axis=axis, keepdims=keepdims), x)
    check(lambda t: t.mean(axis=axis, keepdims=keepdims), x)


@given(data=st.data(), case=shape_and_axis(), keepdims=st.booleans())
def test_max_and_min(data, case, keepdims):
    shape, axis = case
    x = data.draw(distinct(shape))
    np.testing.assert_allclose(leaf(x).max(axis=axis, keepdims=keepdims).numpy(), x.max(axis=axis, keepdims=keepdims))
    check(lambda t: t.max(axis=axis, keepdims=keepdims), x)
    check(lambda t: t.min(axis=axis, keepdims=keepdims), x)


def test_max_shares_the_gradient_among_ties():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])


@given(data=st.data(), case=shape_and_axis(), keepdims=st.booleans(), ddof=st.sampled_from([0, 1]))
def test_var(data, case, keepdims, ddof):
    shape, axis = case
    count = int(np.prod([shape[a] for a in np.atleast_1d(axis if axis is not None else range(len(shape)))]))
    if count <= ddof:
        ddof = 0
    x = data.draw(values(shape))
    np.testing.assert_allclose(leaf(x).var(axis=axis, keepdims=keepdims, ddof=ddof).numpy(),
                               x.var(axis=axis, keepdims=keepdims, ddof=ddof), atol=1e-12)
    check(lambda t: t.var(axis=axis, keepdims=keepdims, ddof=ddof), x)


# ---- shapes -----------------------------------------------------------------------------------

@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=4, max_side=3))
def test_reshape_transpose_swapaxes(data, shape):
    x = data.draw(values(shape))
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    a, b = data.draw(st.integers(0, len(shape) - 1)), data.draw(st.integers(-len(shape), -1))
    np.testing.assert_array_equal(leaf(x).transpose(axes).numpy(), x.transpose(axes))
    check(lambda t: t.reshape(-1) * t.reshape(-1)[::-1], x)
    check(lambda t: t.transpose(axes) ** 2, x)
    check(lambda t: t.swapaxes(a, b) ** 2, x)
    check(lambda t: t.T ** 2, x)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=4, max_side=2))
def test_squeeze_expand_dims_flatten(data, shape):
    x = data.draw(values(shape))
    position = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert F.squeeze(leaf(x)).shape == np.squeeze(x).shape
    assert F.expand_dims(leaf(x), position).shape == np.expand_dims(x, position).shape
    check(lambda t: F.squeeze(t) ** 2, x)
    check(lambda t: F.expand_dims(t, position) ** 2, x)
    check(lambda t: F.flatten(t, 0) ** 2, x)


@given(data=st.data(), shapes=broadcast_pairs)
def test_broadcast_to_and_sum_to(data, shapes):
    source, other = shapes.input_shapes
    target = np.broadcast_shapes(source, other)
    x = data.draw(values(source))
    np.testing.assert_array_equal(F.broadcast_to(leaf(x), target).numpy(), np.broadcast_to(x, target))
    check(lambda t: F.broadcast_to(t, target) ** 2, x)
    big = data.draw(values(target))
    check(lambda t: F.sum_to(t, source) ** 2, big)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=3), count=st.integers(1, 3))
def test_concatenate_and_stack(data, shape, count):
    axis = data.draw(st.integers(0, len(shape) - 1))
    sizes = [data.draw(st.integers(1, 3)) for _ in range(count)]
    parts = [data.draw(values(shape[:axis] + (n,) + shape[axis + 1:])) for n in sizes]
    np.testing.assert_array_equal(F.concatenate([leaf(p) for p in parts], axis=axis).numpy(),
                                  np.concatenate(parts, axis=axis))
    check(lambda *ts: F.concatenate(ts, axis=axis) ** 2, *parts)
    same = [data.draw(values(shape)) for _ in range(count)]
    stack_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    np.testing.assert_array_equal(F.stack([leaf(p) for p in same], axis=stack_axis).numpy(),
                                  np.stack(same, axis=stack_axis))
    check(lambda *ts: F.stack(ts, axis=stack_axis) ** 2, *same)


# ---- indexing and padding ---------------------------------------------------------------------

@st.composite
def basic_index(draw, shape):
    """Ints and slices for a leading run of axes, with None (a new axis, consuming none) between."""
    index = []
    for n in shape[:draw(st.integers(1, len(shape)))]:
        if draw(st.booleans()):
            index.append(None)
        if draw(st.booleans()):
            index.append(draw(st.integers(-n, n - 1)))
        else:
            start, stop = draw(st.integers(-n, n)), draw(st.integers(-n, n))
            index.append(slice(start, stop, draw(st.sampled_from([1, 2, -1]))))
    return tuple(index)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_getitem_basic(data, shape):
    x = data.draw(values(shape))
    index = data.draw(basic_index(shape))
    np.testing.assert_array_equal(leaf(x)[index].numpy(), x[index])
    check(lambda t: t[index] ** 2, x)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_getitem_integer_array_with_repeats(data, shape):
    x = data.draw(values(shape))
    rows = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    np.testing.assert_array_equal(leaf(x)[rows].numpy(), x[rows])
    check(lambda t: t[rows] ** 2, x)
    t = leaf(x)
    t[rows].sum().backward()
    counts = np.bincount(np.asarray(rows) % shape[0], minlength=shape[0]).astype(np.float64)
    np.testing.assert_array_equal(t.grad.numpy(), np.broadcast_to(counts.reshape((-1,) + (1,) * (len(shape) - 1)),
                                                                   shape))


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=3))
def test_getitem_boolean_mask(data, shape):
    x = data.draw(values(shape))
    mask = data.draw(arrays(np.bool_, shape))
    np.testing.assert_array_equal(leaf(x)[mask].numpy(), x[mask])
    check(lambda t: t[mask] ** 2, x)


@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, max_side=3))
def test_pad(data, shape):
    x = data.draw(values(shape))
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in shape)
    np.testing.assert_array_equal(F.pad(leaf(x), widths).numpy(), np.pad(x, widths))
    check(lambda t: F.pad(t, widths) ** 2, x)


# ---- composition ------------------------------------------------------------------------------

@given(data=st.data(), shape=array_shapes(min_dims=2, max_dims=2, max_side=3))
def test_a_composite_expression(data, shape):
    x, w = data.draw(values(shape)), data.draw(values(shape[::-1]))
    check(lambda a, b: ((a @ b).exp().sum(axis=0, keepdims=True) / (1.0 + (a ** 2).mean())).log(), x, w)
