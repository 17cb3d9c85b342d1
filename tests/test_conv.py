"""conv2d: values against a brute-force loop, the size formula, gradients of first and second order,
the duality with conv_transpose2d, dtype, every bad input, and (optionally) PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from conv_strategies import leaf, operands, window_parameters


@st.composite
def conv_cases(draw):
    """Shapes and parameters of a valid conv2d, awkward ones included (k = 1, s > k, p = k - 1, H = k)."""
    kernel, stride, dilation, padding = draw(window_parameters())
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 3))
                 for k, d, p in zip(kernel, dilation, padding))
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return dict(**draw(operands((n, c, *size), (o, c, *kernel), o)),
                stride=stride, padding=padding, dilation=dilation)


def params(case):
    return {name: case[name] for name in ("stride", "padding", "dilation")}


def brute_force_conv2d(x, weight, bias, stride, padding, dilation):
    """The definition, one output pixel at a time (a test oracle, slow on purpose)."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    kh, kw = weight.shape[2:]
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out_h = (padded.shape[2] - dh * (kh - 1) - 1) // sh + 1
    out_w = (padded.shape[3] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((x.shape[0], weight.shape[0], out_h, out_w))
    for a in range(out_h):
        for b in range(out_w):
            window = padded[:, :, a * sh:a * sh + dh * (kh - 1) + 1:dh, b * sw:b * sw + dw * (kw - 1) + 1:dw]
            y[:, :, a, b] = np.einsum("ncij,ocij->no", window, weight)
    return y if bias is None else y + bias[None, :, None, None]


@given(conv_cases())
def test_conv2d_matches_the_definition_and_the_size_formula(case):
    y = F.conv2d(tg.tensor(case["x"]), tg.tensor(case["weight"]),
                 None if case["bias"] is None else tg.tensor(case["bias"]), **params(case))
    expected = brute_force_conv2d(case["x"], case["weight"], case["bias"], **params(case))
    formula = tuple(F.conv_output_size(i, k, s, p, d) for i, k, s, p, d in
                    zip(case["x"].shape[2:], case["weight"].shape[2:], *params(case).values()))
    assert y.shape == expected.shape == case["x"].shape[:1] + case["weight"].shape[:1] + formula
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=20)
@given(conv_cases())
def test_conv2d_gradients_first_and_second_order(case):
    inputs = [leaf(case["x"]), leaf(case["weight"])] + ([] if case["bias"] is None else [leaf(case["bias"])])

    def fn(x, weight, bias=None):
        return F.conv2d(x, weight, bias, **params(case))

    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@given(conv_cases())
def test_input_gradient_is_a_transposed_convolution_with_the_same_weight(case):
    x, weight = leaf(case["x"]), tg.tensor(case["weight"])
    y = F.conv2d(x, weight, **params(case))
    gy = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(gy))
    # output padding restores the rows the stride skipped past the last window
    output_padding = tuple((i + 2 * p - d * (k - 1) - 1) % s for i, k, s, p, d in
                           zip(case["x"].shape[2:], case["weight"].shape[2:], *params(case).values()))
    for method in ("col2im", "zero_insertion"):
        dual = F.conv_transpose2d(tg.tensor(gy), weight, output_padding=output_padding, method=method,
                                  **params(case))
        np.testing.assert_allclose(x.grad.numpy(), dual.numpy(), rtol=1e-12, atol=1e-12)


@given(conv_cases())
def test_weight_gradient_is_the_correlation_of_input_and_output_gradient(case):
    x, weight = tg.tensor(case["x"]), leaf(case["weight"])
    y = F.conv2d(x, weight, **params(case))
    gy = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(tg.tensor(gy))
    # d<y, gy>/dW[o, c, i, j] = sum over n, a, b of gy[n, o, a, b] * (the input under tap (i, j)):
    # taking one weight entry at a time through the brute-force conv is an independent oracle
    expected = np.zeros_like(case["weight"])
    for index in np.ndindex(*expected.shape):
        unit = np.zeros_like(case["weight"])
        unit[index] = 1.0
        expected[index] = np.sum(brute_force_conv2d(case["x"], unit, None, **params(case)) * gy)
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_float32_in_float32_out_and_float64_kept():
    for dtype in (np.float32, np.float64):
        x, w, b = tg.ones(1, 2, 5, 5, dtype=dtype), tg.ones(3, 2, 3, 3, dtype=dtype), tg.zeros(3, dtype=dtype)
        assert F.conv2d(x, w, b, padding=1).dtype == dtype


def test_pair_parameters_act_per_axis():
    x, w = tg.randn(1, 1, 7, 9), tg.randn(1, 1, 3, 2)
    y = F.conv2d(x, w, stride=(2, 3), padding=(1, 0), dilation=(1, 2))
    assert y.shape == (1, 1, (7 + 2 - 2 - 1) // 2 + 1, (9 - 2 - 1) // 3 + 1)


@pytest.mark.parametrize("args, message", [
    (dict(i=5, k=0), r"kernel size k=0 must be at least 1"),
    (dict(i=5, k=3, s=0), r"stride s=0 must be at least 1"),
    (dict(i=5, k=3, p=-1), r"padding p=-1 must be at least 0"),
    (dict(i=5, k=3, d=0), r"dilation d=0 must be at least 1"),
    (dict(i=0, k=1), r"input size i=0 must be at least 1"),
    (dict(i=3, k=5, p=0), r"kernel is larger than the padded input \(d\(k-1\) \+ 1 = 5 > i \+ 2p = 3\).*"
                          r"floor\(\(3 \+ 2\*0 - 1\*\(5-1\) - 1\)/1\) \+ 1 = -1 < 1"),
    (dict(i=4, k=3, p=0, d=2), r"d\(k-1\) \+ 1 = 5 > i \+ 2p = 4"),
])
def test_conv_output_size_errors_show_the_formula(args, message):
    with pytest.raises(ValueError, match=message):
        F.conv_output_size(**args)


def test_conv_output_size_rejects_non_integers():
    with pytest.raises(TypeError, match=r"stride s must be an int, got 1.5"):
        F.conv_output_size(5, 3, s=1.5)


@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_conv_output_size_counts_the_windows_that_fit(i, k, s, p, d):
    extent = d * (k - 1) + 1
    starts = [start for start in range(0, i + 2 * p, s) if start + extent <= i + 2 * p]
    if not starts:
        with pytest.raises(ValueError, match="larger than the padded input"):
            F.conv_output_size(i, k, s, p, d)
    else:
        assert F.conv_output_size(i, k, s, p, d) == len(starts)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(tg.ones(1, 3, 5, 5), tg.ones(4, 2, 3, 3)), ValueError,
     r"input has 3 channels \(shape \(1, 3, 5, 5\)\) but weight expects 2"),
    (lambda: F.conv2d(tg.ones(3, 5, 5), tg.ones(4, 3, 3, 3)), ValueError,
     r"conv2d: input must be 4-d \(N, C, H, W\), got shape \(3, 5, 5\)"),
    (lambda: F.conv2d(tg.ones(1, 3, 5, 5), tg.ones(3, 3, 3)), ValueError,
     r"conv2d: weight must be 4-d \(C_out, C_in, kH, kW\), got shape \(3, 3, 3\)"),
    (lambda: F.conv2d(tg.ones(1, 1, 2, 5), tg.ones(1, 1, 3, 3)), ValueError,
     r"along the height \(axis 2\).*kernel is larger than the padded input \(d\(k-1\) \+ 1 = 3 > i \+ 2p = 2\)"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 3, 3), stride=(1, 0)), ValueError,
     r"along the width \(axis 3\).*stride s=0 must be at least 1"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 3, 3), padding=-1), ValueError, r"padding p=-1"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 3, 3), dilation=0), ValueError, r"dilation d=0"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 0, 3)), ValueError, r"kernel size k=0"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 3, 3), stride=(1, 2, 3)), TypeError,
     r"conv2d: stride must be an int or a pair of ints, got \(1, 2, 3\)"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(2, 1, 3, 3), tg.ones(3)), ValueError,
     r"bias must be a float32 Tensor of shape \(2,\).*got shape \(3,\)"),
    (lambda: F.conv2d(tg.ones(1, 1, 5, 5), tg.ones(1, 1, 3, 3, dtype=np.float64)), TypeError,
     r"weight dtype float64 differs from input dtype float32"),
])
def test_conv2d_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@settings(max_examples=15)
@given(conv_cases())
def test_conv2d_agrees_with_pytorch(case):
    torch = pytest.importorskip("torch")
    tensors = [None if case[k] is None else torch.tensor(case[k], requires_grad=True)
               for k in ("x", "weight", "bias")]
    expected = torch.nn.functional.conv2d(*tensors, **params(case))
    gy = np.random.default_rng(3).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(gy))
    ours = [None if case[k] is None else leaf(case[k]) for k in ("x", "weight", "bias")]
    y = F.conv2d(*ours, **params(case))
    y.backward(tg.tensor(gy))
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(ours, tensors):
        if mine is not None:
            np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_layers_hand_on_channels_last_memory_and_read_it_as_any_input():
    """A conv's output is a (N, C, H, W) view of channels-last memory (no transposing copy); relu keeps that
    layout, and the next layers read it exactly as they read a contiguous copy: values and gradients."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 8))
    w1, w2, w3 = (rng.standard_normal(shape) for shape in ((4, 3, 3, 3), (4, 5, 3, 3), (2, 5, 2, 2)))
    b2 = rng.standard_normal(5)

    def chain(copy):
        def settle(t):  # a differentiable contiguous copy (flattening a transposed view copies in C order)
            return t.reshape(-1).reshape(t.shape) if copy else t

        tensors = [leaf(array) for array in (x, w1, w2, b2, w3)]
        xt, w1t, w2t, b2t, w3t = tensors
        hidden = F.relu(F.conv2d(xt, w1t, stride=2, padding=1))
        if not copy:
            assert hidden.numpy().transpose(0, 2, 3, 1).flags.c_contiguous
        up = F.relu(F.conv_transpose2d(settle(hidden), w2t, b2t, stride=2, padding=1, output_padding=1))
        assert settle(up).numpy().flags.c_contiguous == copy
        y = F.conv2d(settle(up), w3t, stride=(1, 2), dilation=(2, 1))
        y.backward(tg.tensor(np.cos(np.arange(y.size).reshape(y.shape))))
        return y.numpy(), [t.grad.numpy() for t in tensors]

    (y_view, grads_view), (y_copy, grads_copy) = chain(copy=False), chain(copy=True)
    np.testing.assert_allclose(y_view, y_copy, rtol=1e-12, atol=1e-12)
    for mine, reference in zip(grads_view, grads_copy):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)
