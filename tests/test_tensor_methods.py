"""The tensor methods learners type from PyTorch (unsqueeze, permute, view, clone, numel, argmax, std, detach,
item) and tg.cat, tg.bernoulli, tg.randint: values, gradients to second order, bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygen as tg


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def values(shape):
    return arrays(np.float64, shape, elements=st.floats(-3, 3, allow_nan=False, width=64))


def check(fn, *arrays):
    inputs = [leaf(a) for a in arrays]
    assert tg.gradcheck(fn, inputs) and tg.gradgradcheck(fn, inputs)


@settings(max_examples=10)  # each example runs several second-order finite-difference checks
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=2))
def test_shape_methods_gradients_and_values(data, shape):
    x = data.draw(values(shape))
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    order = tuple(data.draw(st.permutations(range(len(shape)))))
    check(lambda t: t.unsqueeze(dim), x)
    check(lambda t: t.permute(*order), x)
    check(lambda t: t.view(-1), x)
    check(lambda t: t.clone() * t, x)
    check(lambda a, b: tg.cat([a, b], dim=0), x, x[:1])
    np.testing.assert_array_equal(tg.tensor(x).unsqueeze(dim).numpy(), np.expand_dims(x, dim))
    np.testing.assert_array_equal(tg.tensor(x).permute(order).numpy(), x.transpose(order))
    assert tg.tensor(x).numel() == x.size


@settings(max_examples=12)
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=3), ddof=st.sampled_from([0, 1]))
def test_std_gradients_and_value(data, shape, ddof):
    x = data.draw(values(shape))
    axis = data.draw(st.none() | st.integers(0, len(shape) - 1))
    assume(np.all(np.asarray(x.std(axis=axis)) > 0.1))  # sqrt is steep near a zero spread
    check(lambda t: t.std(axis=axis, ddof=ddof), x)
    np.testing.assert_allclose(tg.tensor(x).std(axis=axis, ddof=ddof).numpy(), x.std(axis=axis, ddof=ddof))


def test_methods_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    ours, theirs = tg.tensor(x), torch.tensor(x)
    np.testing.assert_array_equal(ours.unsqueeze(1).numpy(), theirs.unsqueeze(1).numpy())
    np.testing.assert_array_equal(ours.permute(2, 0, 1).numpy(), theirs.permute(2, 0, 1).numpy())
    np.testing.assert_array_equal(ours.view(6, 4).numpy(), theirs.view(6, 4).numpy())
    np.testing.assert_array_equal(ours.argmax(axis=1).numpy(), theirs.argmax(dim=1).numpy())
    assert ours.argmax().item() == theirs.argmax().item()
    np.testing.assert_allclose(ours.std(ddof=1).item(), theirs.std().item())
    np.testing.assert_array_equal(tg.cat([ours, ours], dim=2).numpy(), torch.cat([theirs, theirs], dim=2).numpy())


def test_tensor_copies_its_data_as_torch_tensor_does():
    array = np.zeros(2)
    copied = tg.tensor(array)
    array[0] = 5.0
    assert copied.numpy()[0] == 0.0 and tg.Tensor(array).numpy()[0] == 5.0  # Tensor(array) shares, as from_numpy


def test_clone_owns_its_memory_and_detach_cuts_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    copy = x.clone()
    copy.data[0] = 9.0
    assert x.data[0] == 1.0 and copy.requires_grad
    cut = (x * 2).detach()
    assert not cut.requires_grad and cut.creator is None
    np.testing.assert_array_equal(cut.numpy(), [2.0, 4.0])
    assert tg.tensor([3.5]).item() == 3.5


def test_argmax_takes_the_first_of_ties_and_has_no_gradient():
    x = tg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    index = x.argmax(axis=1)
    assert index.dtype == np.int64 and not index.requires_grad
    np.testing.assert_array_equal(index.numpy(), [1, 0])


def test_bernoulli_frequency_within_five_standard_errors():
    tg.manual_seed(3)
    p = tg.tensor(np.array([0.0, 0.1, 0.5, 0.9, 1.0], dtype=np.float32))
    draws = np.stack([tg.bernoulli(p).numpy() for _ in range(2000)])
    assert draws.dtype == np.float32 and set(np.unique(draws)) <= {0.0, 1.0}
    standard_error = np.sqrt(p.numpy() * (1 - p.numpy()) / 2000)
    assert np.all(np.abs(draws.mean(axis=0) - p.numpy()) <= 5 * standard_error + 1e-12)


def test_randint_range_shape_and_seed():
    tg.manual_seed(5)
    first = tg.randint(3, 7, size=(4, 500))
    tg.manual_seed(5)
    np.testing.assert_array_equal(first.numpy(), tg.randint(3, 7, size=(4, 500)).numpy())
    assert first.dtype == np.int64 and first.shape == (4, 500)
    assert set(np.unique(first.numpy())) == {3, 4, 5, 6}
    assert tg.randint(2, size=5).numpy().max() <= 1


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.ones(2, 3).permute(1, 0, 2), ValueError, "must name each of the 2 axes once"),
    (lambda: tg.ones(2, 3).permute(0, 0), ValueError, "not a permutation"),
    (lambda: tg.ones(2, 3).view(4, 2), ValueError, "cannot reshape"),
    (lambda: tg.ones(2, 3).unsqueeze(3), ValueError, "out of range"),
    (lambda: tg.ones(2, 3).argmax(axis=(0, 1)), ValueError, "one axis or None"),
    (lambda: tg.ones(0).argmax(), ValueError, "empty tensor"),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(3, 2)], dim=0), ValueError, "must match"),
    (lambda: tg.bernoulli(tg.tensor([0.5, 1.5])), ValueError, r"must lie in \[0, 1\]"),
    (lambda: tg.bernoulli(tg.tensor([0, 1])), TypeError, "floating-point"),
    (lambda: tg.randint(5, 5), ValueError, "low < high"),
    (lambda: tg.randint(0.5, 5), ValueError, "must be integers"),
    (lambda: tg.randint(5, size=-1), ValueError, "non-negative integers"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
