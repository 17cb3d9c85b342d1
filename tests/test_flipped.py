"""The narrow-side lowering of stride-1 convolutions (tinygen/functional/flipped.py) against the plain
im2col / col2im path: the same outputs and gradients in float64 on hypothesis-drawn shapes (kernels 1-3 by
1-3, dilation 1-2, every padding up to d(k - 1), odd sizes), second derivatives through it, and which
layers take it."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn
from conv_strategies import assert_fast_path_equals_plain, float32_layer_outputs, leaf, seeded_layer_step
from parity import same_on_device
from tinygen.functional import flipped, winograd
from tinygen.functional.conv import _narrows


def everywhere(monkeypatch):
    """Every stride-1 map of natural size takes the narrow side's path, whatever its channels (and no Winograd)."""
    monkeypatch.setattr(winograd, "applies", lambda *args: False)
    monkeypatch.setattr(flipped, "applies", lambda kernel, stride, padding, dilation, in_size, out_size: (
        stride == (1, 1) and all(p <= d * (k - 1) and o == i + 2 * p - d * (k - 1) for k, p, d, i, o in
                                 zip(kernel, padding, dilation, in_size, out_size))))


def plain_path(monkeypatch):
    monkeypatch.setattr(winograd, "applies", lambda *args: False)
    monkeypatch.setattr(flipped, "applies", lambda *args: False)


@st.composite
def cases(draw):
    """A stride-1 convolution from c to o <= c / 2 channels (the ones the path takes), or, transposed, o to c."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, d * (k - 1))) for k, d in zip(kernel, dilation))
    # large enough for the convolution: H + 2p >= d(k - 1) + 1
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 5))
                 for k, p, d in zip(kernel, padding, dilation))
    n, o = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    c = 2 * o + draw(st.integers(0, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    conv_out = [s + 2 * p - d * (k - 1) for s, p, d, k in zip(size, padding, dilation, kernel)]
    return dict(x=rng.standard_normal((n, c, *size)), conv_weight=rng.standard_normal((o, c, *kernel)),
                y=rng.standard_normal((n, o, *conv_out)), transpose_weight=rng.standard_normal((o, c, *kernel)),
                bias=rng.standard_normal(o), transpose_bias=rng.standard_normal(c),
                gy_seed=draw(st.integers(0, 2 ** 16)), padding=padding, dilation=dilation)


def layer(case, transpose):
    """The function under test and its inputs: conv2d(x) from c to o channels, or conv_transpose2d(y) from o to c."""
    if transpose:
        inputs = [leaf(case["y"]), leaf(case["transpose_weight"]), leaf(case["transpose_bias"])]
        return lambda y, w, b: F.conv_transpose2d(y, w, b, padding=case["padding"], dilation=case["dilation"]), inputs
    inputs = [leaf(case["x"]), leaf(case["conv_weight"]), leaf(case["bias"])]
    return lambda x, w, b: F.conv2d(x, w, b, padding=case["padding"], dilation=case["dilation"]), inputs


def outputs_and_gradients(case, transpose):
    fn, inputs = layer(case, transpose)
    y = fn(*inputs)
    gy = np.random.default_rng(case["gy_seed"]).standard_normal(y.shape)
    (y * tg.tensor(gy)).sum().backward()
    return [y.numpy()] + [t.grad.numpy() for t in inputs]


@pytest.mark.parametrize("transpose", [False, True], ids=["conv2d", "conv_transpose2d"])
@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_the_narrow_side_equals_the_plain_path_forward_and_gradients(case, transpose):
    assert_fast_path_equals_plain(lambda: outputs_and_gradients(case, transpose), everywhere, plain_path)


@settings(max_examples=10, deadline=None)
@given(case=cases(), transpose=st.booleans())
def test_second_derivatives_through_the_narrow_side(case, transpose):
    fn, (data, weight, _) = layer(case, transpose)
    data = leaf(data.numpy()[:1, :, :5, :5]) if min(data.shape[2:]) >= 5 else leaf(data.numpy()[:1])
    with pytest.MonkeyPatch.context() as patch:
        everywhere(patch)
        assert tg.gradcheck(lambda a, w: fn(a, w, None), [data, weight])
        assert tg.gradgradcheck(lambda a, w: fn(a, w, None), [data, weight])


def test_which_layers_take_the_path():
    assert _narrows(48, 16, (3, 3), (1, 1), (1, 1), (1, 1), (27, 27), (27, 27))     # an odd side: no Winograd
    assert not _narrows(48, 16, (3, 3), (1, 1), (1, 1), (1, 1), (28, 28), (28, 28))  # Winograd's, faster there
    assert _narrows(16, 1, (3, 3), (1, 1), (1, 1), (1, 1), (28, 28), (28, 28))      # its output layer
    assert not _narrows(24, 16, (3, 3), (1, 1), (1, 1), (1, 1), (28, 28), (28, 28))  # less than halves: no gain
    assert _narrows(64, 32, (3, 3), (1, 1), (1, 1), (1, 1), (7, 7), (7, 7))         # odd side: no Winograd
    assert not _narrows(48, 16, (3, 3), (2, 2), (1, 1), (1, 1), (28, 28), (14, 14))  # stride 2
    assert not _narrows(48, 16, (1, 1), (1, 1), (0, 0), (1, 1), (28, 28), (28, 28))  # 1 x 1: nothing to gain
    assert not _narrows(48, 16, (3, 3), (1, 1), (3, 3), (1, 1), (27, 27), (31, 31))  # p > k - 1 would crop
    assert not _narrows(48, 16, (3, 3), (1, 1), (1, 1), (1, 1), (27, 27), (26, 26))  # fewer windows than natural


def test_float32_layer_agrees_with_the_plain_path(monkeypatch):
    """A real layer (48 -> 16, 28 x 28, float32): the same numbers up to float32 rounding."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((4, 48, 28, 28)).astype(np.float32), requires_grad=True)
    run = float32_layer_outputs(nn.Conv2d(48, 16, 3, padding=1), x)
    fast = run()
    plain_path(monkeypatch)
    for a, b in zip(fast, run()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())


@pytest.mark.parametrize("make, in_channels", [(lambda: nn.Conv2d(8, 3, 3, padding=1), 8),
                                               (lambda: nn.ConvTranspose2d(3, 8, 3), 3)], ids=["Conv2d", "ConvTranspose2d"])
def test_the_path_runs_on_the_device_like_backend_bit_for_bit(make, in_channels):
    """Only array-module calls CuPy has, nothing taken to the host: NumPy's numbers on the device-like backend."""
    same_on_device(seeded_layer_step(make, (2, in_channels, 6, 8)))
