"""one_hot, embedding / nn.Embedding and layer_norm / nn.LayerNorm: gradients to second order, PyTorch, bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def values(shape):
    return arrays(np.float64, shape, elements=st.floats(-3, 3, allow_nan=False, width=64))


@given(labels=arrays(np.int64, array_shapes(min_dims=0, max_dims=2, max_side=4), elements=st.integers(0, 4)),
       extra=st.integers(0, 2))
def test_one_hot_marks_each_label(labels, extra):
    classes = int(labels.max()) + 1 + extra if labels.size else 1 + extra
    encoded = F.one_hot(tg.tensor(labels), classes).numpy()
    assert encoded.shape == labels.shape + (classes,) and encoded.dtype == np.int64
    np.testing.assert_array_equal(encoded.argmax(axis=-1), labels)
    np.testing.assert_array_equal(encoded.sum(axis=-1), np.ones(labels.shape))


def test_one_hot_infers_the_class_count_and_matches_pytorch():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 2]])
    np.testing.assert_array_equal(F.one_hot(labels).numpy(), torch.nn.functional.one_hot(torch.tensor(labels)).numpy())


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), rows=st.integers(1, 4), dim=st.integers(1, 3),
       index_shape=array_shapes(min_dims=0, max_dims=2, max_side=3))
def test_embedding_gradients_add_up_repeated_rows(data, rows, dim, index_shape):
    weight = data.draw(values((rows, dim)))
    indices = data.draw(arrays(np.int64, index_shape, elements=st.integers(0, rows - 1)))
    fn = lambda w: F.embedding(indices, w)
    assert tg.gradcheck(fn, [leaf(weight)]) and tg.gradgradcheck(fn, [leaf(weight)])
    np.testing.assert_array_equal(fn(tg.tensor(weight)).numpy(), weight[indices])


def test_embedding_layer_layout_and_pytorch():
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    ours = nn.Embedding(10, 4)
    assert list(ours.state_dict()) == ["weight"] and ours.weight.shape == (10, 4)
    assert abs(ours.weight.numpy().std() - 1) < 0.5  # N(0, 1) initial rows, as PyTorch (40 draws)
    theirs = torch.nn.Embedding(10, 4)
    theirs.load_state_dict({"weight": torch.from_numpy(ours.weight.numpy().copy())})
    indices = np.array([[1, 9, 1], [0, 3, 3]])
    out = ours(tg.tensor(indices))
    (out * out).sum().backward()
    expected = theirs(torch.tensor(indices))
    (expected * expected).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)


@settings(max_examples=12)  # each example runs a second-order finite-difference check
@given(data=st.data(), lead=array_shapes(min_dims=0, max_dims=1, max_side=2),
       normalized=array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=3), affine=st.booleans())
def test_layer_norm_gradients(data, lead, normalized, affine):
    x = data.draw(values(lead + normalized))
    if affine:
        weight, bias = data.draw(values(normalized)), data.draw(values(normalized))
        fn = lambda x, w, b: F.layer_norm(x, normalized, w, b)
        inputs = [leaf(x), leaf(weight), leaf(bias)]
    else:
        fn, inputs = (lambda x: F.layer_norm(x, normalized)), [leaf(x)]
    # a nearly constant sample makes 1/sqrt(var + eps) too steep for finite differences
    assume(np.all(x.reshape(lead + (-1,)).std(axis=-1) > 0.1))
    assert tg.gradcheck(fn, inputs) and tg.gradgradcheck(fn, inputs)


def test_layer_norm_matches_pytorch_and_ignores_the_batch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    ours, theirs = nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4))
    ours.weight.data[...] = rng.standard_normal((3, 4))
    theirs.load_state_dict({key: torch.from_numpy(value.numpy().copy()) for key, value in ours.state_dict().items()})
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.eval()(tg.tensor(x[:1])).numpy(), ours(tg.tensor(x)).numpy()[:1], rtol=1e-6)
    assert list(ours.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.one_hot(tg.tensor([0.0, 1.0])), TypeError, "indices must be integers"),
    (lambda: F.one_hot(tg.tensor([0, 3]), 3), ValueError, r"must lie in \[0, 2\] for 3 classes"),
    (lambda: F.one_hot(tg.tensor([-1, 0])), ValueError, "must lie in"),
    (lambda: F.one_hot(tg.tensor([0]), 0), ValueError, "num_classes must be a positive int or -1"),
    (lambda: nn.Embedding(3, 2)(tg.tensor([3])), ValueError, r"must lie in \[0, 2\] for 3 embeddings"),
    (lambda: nn.Embedding(0, 2), ValueError, "num_embeddings must be a positive int"),
    (lambda: F.embedding([0], tg.ones(3)), ValueError, "weight must have shape"),
    (lambda: nn.LayerNorm(4)(tg.ones(2, 3)), ValueError, r"must end in normalized_shape \(4,\)"),
    (lambda: nn.LayerNorm(0), ValueError, "normalized_shape must be a positive int"),
    (lambda: nn.LayerNorm(3, eps=0), ValueError, "eps must be positive"),
    (lambda: F.layer_norm(tg.tensor(np.ones((2, 3), dtype=np.int64)), 3), TypeError, "floating-point"),
    (lambda: F.layer_norm(tg.ones(2, 3), 3, weight=tg.ones(2)), ValueError, r"weight must be a float32 Tensor of shape \(3,\)"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
