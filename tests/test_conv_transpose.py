"""conv_transpose2d: the documented steps on the course's example, both methods against a brute-force
scatter and against each other, the size formula, first and second-order gradients, the adjoint
identity with conv2d, every bad input, and (optionally) PyTorch."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from conv_strategies import leaf, operands, window_parameters
from tinygen.functional.conv_transpose import flip_kernel

METHODS = ("col2im", "zero_insertion")


def output_size(i, k, s, p, op, d):
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


@st.composite
def transpose_cases(draw):
    """A valid transposed convolution: k = 1, s > k, p = k - 1, output padding and dilation all drawn."""
    kernel, stride, dilation, padding = draw(window_parameters())
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    assume(all(output_size(*args) >= 1 for args in zip(size, kernel, stride, padding, output_padding, dilation)))
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return dict(**draw(operands((n, c_in, *size), (c_in, c_out, *kernel), c_out)),
                stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)


def params(case):
    return {name: case[name] for name in ("stride", "padding", "output_padding", "dilation")}


def brute_force_conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation):
    """Each input pixel stamps weight * value onto the output at (a s + i d - p, b s + j d - p)."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    kh, kw = weight.shape[2:]
    out = [output_size(*args) for args in zip(x.shape[2:], weight.shape[2:], stride, padding, output_padding,
                                              dilation)]
    y = np.zeros((x.shape[0], weight.shape[1], *out))
    for a, b, i, j in np.ndindex(x.shape[2], x.shape[3], kh, kw):
        row, col = a * sh + i * dh - ph, b * sw + j * dw - pw
        if 0 <= row < out[0] and 0 <= col < out[1]:
            y[:, :, row, col] += x[:, :, a, b] @ weight[:, :, i, j]
    return y if bias is None else y + bias[None, :, None, None]


def tensors(case):
    return [None if case[k] is None else tg.tensor(case[k]) for k in ("x", "weight", "bias")]


# --- the course's documented example ------------------------------------------------------------

X = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
K = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)


def test_documented_example_step_by_step():
    """2x2 input, 3x3 kernel, stride 2, padding 0: z = 1, p' = k - p - 1 = 2, o = (2-1)*2 + 3 - 0 = 5."""
    zeros_inserted = F.insert_zeros(tg.tensor(X), 2)
    np.testing.assert_array_equal(zeros_inserted.numpy()[0, 0], [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    padded = F.pad_for_transpose(zeros_inserted, 3, 0)
    expected_padded = np.zeros((7, 7))
    expected_padded[2:5, 2:5] = [[1, 0, 2], [0, 0, 0], [3, 0, 4]]
    np.testing.assert_array_equal(padded.numpy()[0, 0], expected_padded)
    np.testing.assert_array_equal(flip_kernel(tg.tensor(K)).numpy()[0, 0], [[9, 8, 7], [6, 5, 4], [3, 2, 1]])
    # worked by hand: each input value stamps value * K, the stamps 2 apart, overlaps added
    by_hand = [[1, 2, 5, 4, 6],
               [4, 5, 14, 10, 12],
               [10, 14, 36, 24, 30],
               [12, 15, 34, 20, 24],
               [21, 24, 55, 32, 36]]
    step4 = F.conv2d(padded, flip_kernel(tg.tensor(K)), stride=1)
    np.testing.assert_array_equal(step4.numpy()[0, 0], by_hand)
    for method in METHODS:
        y = F.conv_transpose2d(tg.tensor(X), tg.tensor(K), stride=2, method=method)
        np.testing.assert_array_equal(y.numpy()[0, 0], by_hand)


def test_insert_zeros_puts_the_input_on_every_sth_row_and_column():
    x = tg.randn(2, 3, 4, 5)
    z = F.insert_zeros(x, (3, 2))
    assert z.shape == (2, 3, 3 * 3 + 1, 2 * 4 + 1)
    np.testing.assert_array_equal(z.numpy()[:, :, ::3, ::2], x.numpy())
    assert np.count_nonzero(z.numpy()) == np.count_nonzero(x.numpy())


def test_pad_for_transpose_crops_where_p_prime_is_negative():
    x = tg.tensor(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))
    cropped = F.pad_for_transpose(x, k=1, p=1)  # p' = 0 - 1 = -1: one row/column off each side
    np.testing.assert_array_equal(cropped.numpy()[0, 0], [[6, 7], [10, 11]])
    with_output_padding = F.pad_for_transpose(x, k=2, p=1, output_padding=1)  # p' = 0, one zero row/col
    np.testing.assert_array_equal(with_output_padding.numpy()[0, 0, :4, :4], x.numpy()[0, 0])
    assert with_output_padding.shape == (1, 1, 5, 5) and not with_output_padding.numpy()[0, 0, 4].any()


def test_each_step_is_differentiable():
    x = leaf(np.random.default_rng(0).standard_normal((1, 2, 3, 2)))
    for fn in (lambda t: F.insert_zeros(t, (2, 3)), lambda t: F.pad_for_transpose(t, (3, 1), (1, 2), (1, 0))):
        assert tg.gradcheck(fn, [x]) and tg.gradgradcheck(fn, [x])


# --- values, methods, shapes ---------------------------------------------------------------------

@given(transpose_cases())
def test_both_methods_match_the_definition_and_the_size_formula(case):
    expected = brute_force_conv_transpose2d(case["x"], case["weight"], case["bias"], **params(case))
    formula = tuple(F.conv_transpose_output_size(i, k, s, p, op, d) for i, k, s, p, op, d in
                    zip(case["x"].shape[2:], case["weight"].shape[2:], *params(case).values()))
    for method in METHODS:
        y = F.conv_transpose2d(*tensors(case), method=method, **params(case))
        assert y.shape == expected.shape == (case["x"].shape[0], case["weight"].shape[1], *formula)
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


@given(transpose_cases())
def test_the_two_methods_agree_with_the_same_gradients(case):
    outputs, grads = [], []
    for method in METHODS:
        inputs = [None if case[k] is None else leaf(case[k]) for k in ("x", "weight", "bias")]
        y = F.conv_transpose2d(*inputs, method=method, **params(case))
        y.backward(tg.tensor(np.random.default_rng(4).standard_normal(y.shape)))
        outputs.append(y.numpy())
        grads.append([t.grad.numpy() for t in inputs if t is not None])
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-12, atol=1e-12)
    for col2im_grad, literal_grad in zip(*grads):
        np.testing.assert_allclose(col2im_grad, literal_grad, rtol=1e-12, atol=1e-12)


@settings(max_examples=12)
@given(transpose_cases(), st.sampled_from(METHODS))
def test_gradients_first_and_second_order(case, method):
    inputs = [leaf(case["x"]), leaf(case["weight"])] + ([] if case["bias"] is None else [leaf(case["bias"])])

    def fn(x, weight, bias=None):
        return F.conv_transpose2d(x, weight, bias, method=method, **params(case))

    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@given(transpose_cases())
def test_adjoint_identity_with_conv2d(case):
    """<conv2d(u, w), v> = <u, conv_transpose2d(v, w)> exactly: the transposed conv is the adjoint."""
    v, weight = case["x"], case["weight"]
    conv_params = {k: case[k] for k in ("stride", "padding", "dilation")}
    y_shape = [output_size(*args) for args in zip(v.shape[2:], weight.shape[2:], *params(case).values())]
    u = np.random.default_rng(5).standard_normal((v.shape[0], weight.shape[1], *y_shape))
    conv = F.conv2d(tg.tensor(u), tg.tensor(weight), **conv_params).numpy()
    # sizes match unless output padding >= stride (allowed when the dilation is larger): then conv2d
    # has windows that start past the last input row, which the transposed conv never fed
    assert conv.shape[:2] == v.shape[:2] and conv.shape[2] >= v.shape[2] and conv.shape[3] >= v.shape[3]
    left = np.sum(conv[:, :, :v.shape[2], :v.shape[3]] * v)
    for method in METHODS:
        right = np.sum(u * F.conv_transpose2d(tg.tensor(v), tg.tensor(weight), method=method, **params(case)).numpy())
        assert abs(left - right) <= 1e-10 * max(1.0, abs(left))


@given(transpose_cases())
def test_input_gradient_is_a_convolution_with_the_same_weight(case):
    x, weight = leaf(case["x"]), tg.tensor(case["weight"])
    y = F.conv_transpose2d(x, weight, **params(case))
    gy = tg.tensor(np.random.default_rng(6).standard_normal(y.shape))
    y.backward(gy)
    dual = F.conv2d(gy, weight, **{k: case[k] for k in ("stride", "padding", "dilation")})
    # output padding >= stride (allowed when the dilation is larger) leaves windows past the input: crop them
    np.testing.assert_allclose(x.grad.numpy(), dual.numpy()[:, :, :x.shape[2], :x.shape[3]], rtol=1e-12, atol=1e-12)


@given(st.integers(1, 10), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4), st.data())
def test_transposed_size_is_the_course_formula_and_inverts_the_conv_size(i, k, s, p, data):
    assume((i - 1) * s + k - 2 * p >= 1)
    assert F.conv_transpose_output_size(i, k, s, p) == (i - 1) * s + k - 2 * p
    output_padding = data.draw(st.integers(0, s - 1))
    o = F.conv_transpose_output_size(i, k, s, p, output_padding)
    if o + 2 * p >= k:
        assert F.conv_output_size(o, k, s, p) == i


def test_output_padding_separates_inputs_that_a_strided_conv_maps_to_one_size():
    assert F.conv_output_size(7, 3, 2, 1) == F.conv_output_size(8, 3, 2, 1) == 4
    assert [F.conv_transpose_output_size(4, 3, 2, 1, op) for op in (0, 1)] == [7, 8]


def test_float32_kept():
    y = F.conv_transpose2d(tg.ones(1, 2, 3, 3), tg.ones(2, 1, 4, 4), tg.zeros(1), stride=2, padding=1)
    assert y.dtype == np.float32 and y.shape == (1, 1, 6, 6)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (dict(i=3, k=0), r"kernel size k=0 must be at least 1"),
    (dict(i=3, k=3, s=0), r"stride s=0 must be at least 1"),
    (dict(i=3, k=3, p=-2), r"padding p=-2 must be at least 0"),
    (dict(i=3, k=3, d=0), r"dilation d=0 must be at least 1"),
    (dict(i=0, k=3), r"input size i=0 must be at least 1"),
    (dict(i=3, k=3, s=2, output_padding=2), r"output_padding=2 must be smaller than the stride s=2 or the "
                                            r"dilation d=1"),
    (dict(i=3, k=3, s=1, output_padding=1), r"output_padding=1 must be smaller than the stride s=1"),
    (dict(i=3, k=3, output_padding=-1), r"output padding output_padding=-1 must be at least 0"),
    (dict(i=2, k=3, s=1, p=2), r"o = \(i-1\)s - 2p \+ d\(k-1\) \+ output_padding \+ 1 = "
                               r"\(2-1\)\*1 - 2\*2 \+ 1\*\(3-1\) \+ 0 \+ 1 = 0 < 1"),
])
def test_size_errors_show_the_rule(args, message):
    with pytest.raises(ValueError, match=message):
        F.conv_transpose_output_size(**args)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("call, error, message", [
    (lambda m: F.conv_transpose2d(tg.ones(1, 3, 4, 4), tg.ones(2, 5, 3, 3), method=m), ValueError,
     r"input has 3 channels \(shape \(1, 3, 4, 4\)\) but weight expects 2 \(axis 0"),
    (lambda m: F.conv_transpose2d(tg.ones(3, 4, 4), tg.ones(3, 5, 3, 3), method=m), ValueError,
     r"conv_transpose2d: input must be 4-d \(N, C, H, W\), got shape \(3, 4, 4\)"),
    (lambda m: F.conv_transpose2d(tg.ones(1, 3, 4, 4), tg.ones(3, 5, 3), method=m), ValueError,
     r"weight must be 4-d \(C_in, C_out, kH, kW\)"),
    (lambda m: F.conv_transpose2d(tg.ones(1, 1, 4, 4), tg.ones(1, 1, 3, 3), stride=2, output_padding=(0, 2),
                                  method=m), ValueError,
     r"along the width \(axis 3\).*output_padding=2 must be smaller than the stride s=2"),
    (lambda m: F.conv_transpose2d(tg.ones(1, 1, 1, 4), tg.ones(1, 1, 1, 3), padding=1, method=m), ValueError,
     r"along the height \(axis 2\).*= -1 < 1"),
    (lambda m: F.conv_transpose2d(tg.ones(1, 1, 4, 4), tg.ones(1, 2, 3, 3), tg.ones(1), method=m), ValueError,
     r"bias must be a float32 Tensor of shape \(2,\)"),
])
def test_conv_transpose2d_bad_input(call, error, message, method):
    with pytest.raises(error, match=message):
        call(method)


def test_unknown_method():
    with pytest.raises(ValueError, match=r"method must be one of \('zero_insertion', 'col2im'\), got 'fft'"):
        F.conv_transpose2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 3, 3), method="fft")


def test_insert_zeros_bad_input():
    with pytest.raises(ValueError, match=r"insert_zeros: stride stride_w=0 must be at least 1"):
        F.insert_zeros(tg.ones(1, 1, 2, 2), (1, 0))
    with pytest.raises(ValueError, match=r"insert_zeros: input must be 4-d"):
        F.insert_zeros(tg.ones(2, 2), 2)


@settings(max_examples=15)
@given(transpose_cases(), st.sampled_from(METHODS))
def test_conv_transpose2d_agrees_with_pytorch(case, method):
    torch = pytest.importorskip("torch")
    theirs = [None if case[k] is None else torch.tensor(case[k], requires_grad=True) for k in ("x", "weight", "bias")]
    expected = torch.nn.functional.conv_transpose2d(*theirs, stride=case["stride"], padding=case["padding"],
                                                    output_padding=case["output_padding"],
                                                    dilation=case["dilation"])
    gy = np.random.default_rng(7).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(gy))
    ours = [None if case[k] is None else leaf(case[k]) for k in ("x", "weight", "bias")]
    y = F.conv_transpose2d(*ours, method=method, **params(case))
    y.backward(tg.tensor(gy))
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours, theirs):
        if mine is not None:
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12)
