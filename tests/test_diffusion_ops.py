"""The U-Net's engine pieces: group_norm / nn.GroupNorm, silu / nn.SiLU, timestep_embedding,
scaled_dot_product_attention and nn.SelfAttention2d. Gradients to second order by finite differences
(hypothesis draws the shapes, awkward ones included), and forward and backward against PyTorch."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def values(shape, low=-3.0, high=3.0):
    return arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


def check(fn, *arrays):
    inputs = [leaf(a) for a in arrays]
    assert tg.gradcheck(fn, inputs) and tg.gradgradcheck(fn, inputs)


@st.composite
def group_shapes(draw):
    """(N, C, H, W) and a group count dividing C: 1 group, groups == channels, H = W = 1, batch 1 all reachable."""
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 2))
    return (draw(st.integers(1, 2)), channels, draw(st.integers(1, 2)), draw(st.integers(1, 2))), groups


@settings(max_examples=15)  # each example runs a second-order finite-difference check
@given(data=st.data(), shape_groups=group_shapes(), affine=st.booleans(), channels_last=st.booleans())
def test_group_norm_gradients(data, shape_groups, affine, channels_last):
    """channels_last: x arrives as a (N, H, W, C) array seen as (N, C, H, W), as a convolution leaves it."""
    shape, groups = shape_groups
    x = data.draw(values(shape))
    group_size = shape[1] // groups * shape[2] * shape[3]
    # a nearly constant group makes 1/sqrt(var + eps) too steep for finite differences (a one-value group is exact: 0)
    assume(group_size == 1 or np.all(x.reshape(shape[0], groups, -1).std(axis=-1) > 0.2))
    layout = (lambda x: x.permute(0, 3, 1, 2)) if channels_last else (lambda x: x)
    x = x.transpose(0, 2, 3, 1) if channels_last else x
    if affine:
        fn = lambda x, w, b: F.group_norm(layout(x), groups, w, b)
        check(fn, x, data.draw(values(shape[1:2])), data.draw(values(shape[1:2])))
    else:
        check(lambda x: F.group_norm(layout(x), groups), x)


def test_group_norm_is_the_same_in_every_memory_order():
    rng = np.random.default_rng(5)
    padded = rng.standard_normal((3, 7, 6, 8)).astype(np.float32)
    cropped = padded[:, 1:6, 1:5]  # (N, H, W, C) with uneven pixel strides, as col2im's cropped output
    layouts = [np.ascontiguousarray(cropped.transpose(0, 3, 1, 2)), cropped.transpose(0, 3, 1, 2),
               np.ascontiguousarray(cropped).transpose(0, 3, 1, 2)]
    upstream = rng.standard_normal((3, 8, 5, 4)).astype(np.float32)
    results = []
    for array in layouts:
        x = tg.Tensor(array, requires_grad=True)  # Tensor keeps the memory order (tg.tensor copies, as torch.tensor)
        assert x.data.strides == array.strides
        weight, bias = tg.tensor(np.linspace(-1, 2, 8, dtype=np.float32), requires_grad=True), tg.ones(8)
        y = F.group_norm(x, 4, weight, bias)
        (y * tg.tensor(upstream)).sum().backward()
        results.append((y.numpy(), x.grad.numpy(), weight.grad.numpy()))
    for other in results[1:]:
        for expected, got in zip(results[0], other):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, groups", [((2, 6, 4, 4), 3), ((2, 4, 1, 1), 4), ((1, 4, 2, 1), 4), ((3, 4, 5, 2), 1), ((2, 4, 7), 2)])
def test_group_norm_matches_pytorch_forward_and_backward(shape, groups):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32) * 3 + 1
    ours, theirs = nn.GroupNorm(groups, shape[1], eps=1e-4), torch.nn.GroupNorm(groups, shape[1], eps=1e-4)
    state = {key: rng.standard_normal(shape[1]).astype(np.float32) for key in ("weight", "bias")}
    assert list(ours.state_dict()) == list(theirs.state_dict()) == list(state)
    ours.load_state_dict(state)
    theirs.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    upstream = rng.standard_normal(shape).astype(np.float32)
    x_ours, x_theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    (y_ours * tg.tensor(upstream)).sum().backward()
    (y_theirs * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-4)
    for name in ("weight", "bias"):
        np.testing.assert_allclose(getattr(ours, name).grad.numpy(), getattr(theirs, name).grad.numpy(),
                                   rtol=1e-4, atol=1e-4)


def test_group_norm_ignores_the_batch_and_standardizes_each_group():
    x = np.random.default_rng(1).standard_normal((3, 6, 2, 2)).astype(np.float32) * 5 + 2
    y = F.group_norm(tg.tensor(x), 2).numpy().reshape(3, 2, -1)
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-3)
    np.testing.assert_array_equal(F.group_norm(tg.tensor(x[1:2]), 2).numpy(), F.group_norm(tg.tensor(x), 2).numpy()[1:2])


@settings(max_examples=15)
@given(data=st.data(), shape=st.sampled_from([(), (1,), (3,), (2, 3), (1, 2, 2)]))
def test_silu_gradients(data, shape):
    check(F.silu, data.draw(values(shape, -6.0, 6.0)))


def test_silu_matches_pytorch_and_does_not_overflow():
    torch = pytest.importorskip("torch")
    x = np.array([-1000.0, -30.0, -2.0, -1e-3, 0.0, 0.5, 3.0, 40.0, 1000.0], dtype=np.float32)
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = nn.SiLU()(ours), torch.nn.SiLU()(theirs)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert np.all(np.isfinite(ours.grad.numpy()))


@pytest.mark.parametrize("dim", [2, 7, 32])
def test_timestep_embedding_is_the_sinusoids(dim):
    t = np.array([0, 1, 17, 999])
    embedding = F.timestep_embedding(t, dim).numpy()
    half = dim // 2
    frequencies = 10000.0 ** (-np.arange(half) / half)
    expected = np.concatenate([np.sin(t[:, None] * frequencies), np.cos(t[:, None] * frequencies)], axis=1)
    assert embedding.shape == (4, dim) and embedding.dtype == np.float32
    np.testing.assert_allclose(embedding[:, :2 * half], expected, atol=1e-6)
    if dim % 2:
        np.testing.assert_array_equal(embedding[:, -1], 0)
    # float time steps (flow matching's t in [0, 1]) embed by the same formula, and step 0 is [0.., 1..]
    np.testing.assert_allclose(F.timestep_embedding(tg.tensor(t.astype(np.float64)), dim).numpy(), embedding)
    np.testing.assert_array_equal(embedding[0, :2 * half], [0] * half + [1] * half)


@settings(max_examples=15)
@given(data=st.data(), batch=st.sampled_from([(), (1,), (2,)]), lengths=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       widths=st.tuples(st.integers(1, 3), st.integers(1, 2)))
def test_attention_gradients(data, batch, lengths, widths):
    (queries, keys), (d, dv) = lengths, widths
    q, k, v = (data.draw(values(batch + shape, -2.0, 2.0)) for shape in ((queries, d), (keys, d), (keys, dv)))
    check(F.scaled_dot_product_attention, q, k, v)


def test_attention_matches_its_formula_and_pytorch():
    rng = np.random.default_rng(2)
    q, k, v = (rng.standard_normal(shape) for shape in ((2, 5, 4), (2, 6, 4), (2, 6, 3)))
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(4)
    weights = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).numpy(), weights @ v, rtol=1e-12)
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (q, k, v)), scale=0.3)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, scale=0.3).numpy(), expected.numpy(), rtol=1e-10)


class TorchSelfAttention2d:
    """The torch.nn twin of nn.SelfAttention2d, built on demand so that torch stays optional."""

    @staticmethod
    def build(torch, channels, groups):
        class Twin(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = torch.nn.GroupNorm(groups, channels)
                self.query, self.key, self.value, self.out = (torch.nn.Linear(channels, channels) for _ in range(4))

            def forward(self, x):
                n, c, h, w = x.shape
                rows = self.norm(x).reshape(n, c, h * w).transpose(1, 2)
                mixed = torch.nn.functional.scaled_dot_product_attention(self.query(rows), self.key(rows),
                                                                         self.value(rows))
                return x + self.out(mixed).transpose(1, 2).reshape(x.shape)
        return Twin()


def test_self_attention_block_matches_its_torch_twin():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = TorchSelfAttention2d.build(torch, 8, 4)
    ours = nn.SelfAttention2d(8, groups=4)
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({key: value.detach().numpy().copy() for key, value in state.items()})
    x = np.random.default_rng(3).standard_normal((3, 8, 5, 4)).astype(np.float32)
    x_ours, x_theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    (y_ours * y_ours).sum().backward()
    (y_theirs * y_theirs).sum().backward()
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-3, atol=1e-4)
    for name, parameter in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad.numpy(), parameter.grad.numpy(),
                                   rtol=1e-3, atol=1e-4, err_msg=name)


def test_self_attention_block_gradients_in_float64():
    block = nn.SelfAttention2d(2, groups=1).to(np.float64)
    x = np.random.default_rng(4).standard_normal((2, 2, 2, 1))
    check(block, x)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.group_norm(tg.ones(2, 6, 3, 3), 4), ValueError, "num_groups must be a positive int dividing the 6"),
    (lambda: F.group_norm(tg.ones(6), 2), ValueError, r"input must have shape \(N, C, \*\)"),
    (lambda: F.group_norm(tg.ones(2, 4), 2, weight=tg.ones(3)), ValueError, r"weight must be a float32 Tensor of shape \(4,\)"),
    (lambda: F.group_norm(tg.ones(2, 4), 2, eps=0), ValueError, "eps must be positive"),
    (lambda: F.group_norm(tg.tensor(np.ones((2, 4), dtype=np.int64)), 2), TypeError, "floating-point"),
    (lambda: nn.GroupNorm(3, 8), ValueError, "num_groups=3 must divide num_channels=8"),
    (lambda: nn.GroupNorm(0, 8), ValueError, "num_groups must be a positive int"),
    (lambda: nn.GroupNorm(2, 8)(tg.ones(2, 4, 3, 3)), ValueError, r"expects input of shape \(N, 8, \*\)"),
    (lambda: F.timestep_embedding([1, 2], 1), ValueError, "dim must be an int of at least 2"),
    (lambda: F.timestep_embedding([[1, 2]], 4), ValueError, "t must be a 1-d array"),
    (lambda: F.scaled_dot_product_attention(tg.ones(2, 3), tg.ones(2, 4), tg.ones(2, 4)), ValueError, "must share d"),
    (lambda: F.scaled_dot_product_attention(tg.ones(3), tg.ones(3), tg.ones(3)), ValueError, "rank of at least 2"),
    (lambda: nn.SelfAttention2d(8)(tg.ones(1, 4, 2, 2)), ValueError, r"expects input of shape \(N, 8, H, W\)"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
