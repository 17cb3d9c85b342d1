"""Winograd's F(2x2, 3x3) path (tinygen/functional/winograd.py) against the plain im2col / col2im path:
the same outputs and gradients in float64 on hypothesis-drawn shapes (odd sizes, every padding it takes),
second derivatives through it, and which layers take it."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn
from conv_strategies import assert_fast_path_equals_plain, float32_layer_outputs, leaf, seeded_layer_step
from parity import same_on_device
from tinygen.functional import winograd


def everywhere(monkeypatch):
    """Every 3x3 stride-1 convolution takes the path, whatever its channels and size (a speed choice only)."""
    monkeypatch.setattr(winograd, "applies", lambda kernel, stride, dilation, channels, out_size:
                        kernel == (3, 3) and stride == (1, 1) and dilation == (1, 1))


def plain_path(monkeypatch):
    """Switch the fast path off: every convolution goes through im2col / col2im."""
    monkeypatch.setattr(winograd, "applies", lambda *args: False)


@st.composite
def cases(draw):
    """A 3x3 stride-1 convolution: batch 1-2, 1-3 channels each side, sizes 1-9 (odd ones included), padding 0-2."""
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    # large enough for the convolution (H + 2p >= 3) and for the transposed one (H + 2 - 2p >= 1)
    size = tuple(max(1, 3 - 2 * p, 2 * p - 1) + draw(st.integers(0, 6)) for p in padding)
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    return dict(x=rng.standard_normal((n, c, *size)), conv_weight=rng.standard_normal((o, c, 3, 3)),
                transpose_weight=rng.standard_normal((c, o, 3, 3)), bias=rng.standard_normal(o),
                gy_seed=draw(st.integers(0, 2 ** 16)), padding=padding)


def outputs_and_gradients(case, transpose):
    """y and the gradients of sum(y * gy) in x, weight and bias, as host arrays."""
    x, bias = leaf(case["x"]), leaf(case["bias"])
    if transpose:
        weight = leaf(case["transpose_weight"])
        y = F.conv_transpose2d(x, weight, bias, padding=case["padding"])
    else:
        weight = leaf(case["conv_weight"])
        y = F.conv2d(x, weight, bias, padding=case["padding"])
    gy = np.random.default_rng(case["gy_seed"]).standard_normal(y.shape)
    (y * tg.tensor(gy)).sum().backward()
    return [t.numpy() for t in (y, x.grad, weight.grad, bias.grad)]


@pytest.mark.parametrize("transpose", [False, True], ids=["conv2d", "conv_transpose2d"])
@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_winograd_equals_the_plain_path_forward_and_gradients(case, transpose):
    assert_fast_path_equals_plain(lambda: outputs_and_gradients(case, transpose), everywhere, plain_path)


@settings(max_examples=10, deadline=None)
@given(case=cases(), transpose=st.booleans())
def test_winograd_second_derivatives(case, transpose):
    weight = case["transpose_weight" if transpose else "conv_weight"]
    inputs = [leaf(case["x"][:1, :, :6, :6]), leaf(weight)]  # at most 6 x 6: finite differences are slow
    padding = case["padding"]

    def fn(x, w):
        return (F.conv_transpose2d if transpose else F.conv2d)(x, w, padding=padding)

    with pytest.MonkeyPatch.context() as patch:
        everywhere(patch)
        assert tg.gradcheck(fn, inputs)
        assert tg.gradgradcheck(fn, inputs)


def test_which_layers_take_the_path():
    assert winograd.applies((3, 3), (1, 1), (1, 1), (32, 64), (14, 14))
    assert winograd.applies((3, 3), (1, 1), (1, 1), (16, 16), (28, 28))      # a width-16 U-Net's top level
    assert not winograd.applies((3, 3), (1, 1), (1, 1), (32, 1), (28, 28))   # a decoder's last layer
    assert not winograd.applies((3, 3), (1, 1), (1, 1), (4, 32), (14, 14))   # RealNVP's first layer after a squeeze
    assert not winograd.applies((3, 3), (1, 1), (1, 1), (64, 64), (7, 7))    # half-empty tiles at the edge
    assert not winograd.applies((3, 3), (2, 2), (1, 1), (32, 64), (14, 14))
    assert not winograd.applies((3, 3), (1, 1), (2, 2), (32, 64), (14, 14))
    assert not winograd.applies((4, 4), (1, 1), (1, 1), (32, 64), (14, 14))
    # a stride-1 transposed convolution is a convolution padded by 2 - p: padding 3 would crop, so not
    assert winograd.transpose_applies((3, 3), (1, 1), (2, 2), (1, 1), (32, 32), (8, 8), (6, 6))
    assert not winograd.transpose_applies((3, 3), (1, 1), (3, 3), (1, 1), (32, 32), (10, 10), (6, 6))


def test_float32_layer_agrees_with_the_plain_path(monkeypatch):
    """A real layer's width (32 -> 64, 14 x 14, float32): the rounding of the transforms stays small."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((4, 32, 14, 14)).astype(np.float32), requires_grad=True)
    run = float32_layer_outputs(nn.Conv2d(32, 64, 3, padding=1), x)
    fast = run()
    plain_path(monkeypatch)
    for a, b in zip(fast, run()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * np.abs(b).max())


@pytest.mark.parametrize("layer", [lambda: nn.Conv2d(32, 32, 3, padding=1), lambda: nn.ConvTranspose2d(32, 32, 3)],
                         ids=["Conv2d", "ConvTranspose2d"])
def test_the_path_runs_on_the_device_like_backend_bit_for_bit(layer):
    """Only array-module calls CuPy has, nothing taken to the host: NumPy's numbers on the device-like backend."""
    same_on_device(seeded_layer_step(layer, (2, 32, 6, 8)))
