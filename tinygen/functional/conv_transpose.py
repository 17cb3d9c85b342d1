"""Transposed convolution: the documented steps, literally, and the fast col2im path.

For an input of size i, kernel k, stride s, padding p (the parameters of the convolution
it undoes the shape of) the output has size o = (i - 1) s + k - 2p. The course teaches it
as four steps, each a public differentiable function here:
  1. z = s - 1 and p' = d(k - 1) - p (p' = k - p - 1 without dilation),
  2. insert_zeros: z zeros between neighbouring rows and columns (size s(i - 1) + 1),
  3. pad_for_transpose: p' zeros on each side (cropping where p' < 0), output padding bottom/right,
  4. conv2d with stride 1 and the kernel flipped, its in/out channels swapped (flip_kernel).
method="col2im" gives the same numbers without the multiplications by inserted zeros: one
matrix product makes every window's contribution and col2im adds them into place.
"""
from tinygen.autograd import as_tensor
from tinygen.functional.conv import ConvTranspose2d, conv2d
from tinygen.functional.conv_arguments import check_at_least, check_operands, pair, spatial_size
from tinygen.functional.indexing import IndexAdd, pad

METHODS = ("zero_insertion", "col2im")


def conv_transpose_output_size(i, k, s=1, p=0, output_padding=0, d=1):
    """Output length of a transposed convolution: o = (i-1)s - 2p + d(k-1) + output_padding + 1.

    Without dilation and output padding this is o = (i - 1)s + k - 2p. output_padding (extra
    rows at the bottom/right) must be smaller than the stride or the dilation, as in PyTorch.
    """
    check_at_least("conv_transpose_output_size", i=(i, 1, "input size"), k=(k, 1, "kernel size"),
                   s=(s, 1, "stride"), p=(p, 0, "padding"), output_padding=(output_padding, 0, "output padding"),
                   d=(d, 1, "dilation"))
    if output_padding >= max(s, d):
        raise ValueError(f"conv_transpose_output_size: output padding output_padding={output_padding} must be "
                         f"smaller than the stride s={s} or the dilation d={d}")
    o = (i - 1) * s - 2 * p + d * (k - 1) + output_padding + 1
    if o < 1:
        raise ValueError(
            f"conv_transpose_output_size: the output would be empty: o = (i-1)s - 2p + d(k-1) + output_padding + 1 "
            f"= ({i}-1)*{s} - 2*{p} + {d}*({k}-1) + {output_padding} + 1 = {o} < 1 (padding p={p} crops more "
            "than the output has)")
    return o


def insert_zeros(x, stride):
    """Step 2: (N, C, H, W) -> (N, C, s(H-1)+1, s(W-1)+1) with s-1 zeros between rows and columns.

    x lands on every s-th row and column; the backward pass reads those positions back.
    """
    x = as_tensor(x)
    (stride_h, stride_w) = pair(stride, "stride", "insert_zeros")
    check_at_least("insert_zeros", stride_h=(stride_h, 1, "stride"), stride_w=(stride_w, 1, "stride"))
    _check_4d("insert_zeros", x)
    n, channels, height, width = x.shape
    shape = (n, channels, stride_h * (height - 1) + 1, stride_w * (width - 1) + 1)
    return IndexAdd((slice(None), slice(None), slice(None, None, stride_h), slice(None, None, stride_w)), shape)(x)


def pad_for_transpose(x, k, p, output_padding=0, dilation=1):
    """Step 3: p' = d(k-1) - p zeros on each side of (N, C, H, W), plus output_padding at the bottom/right.

    Where p' (or p' + output_padding) is negative, that many rows/columns are cropped instead.
    A stride-1 convolution with the (dilated) kernel then yields o = H + 2p' + output_padding - d(k-1).
    """
    x = as_tensor(x)
    _check_4d("pad_for_transpose", x)
    params = [pair(v, name, "pad_for_transpose") for v, name in
              ((k, "k"), (p, "p"), (output_padding, "output_padding"), (dilation, "dilation"))]
    sides = [(d * (kk - 1) - pp, d * (kk - 1) - pp + extra) for kk, pp, extra, d in zip(*params)]
    crop = tuple(slice(max(0, -before), size - max(0, -after)) for (before, after), size in zip(sides, x.shape[2:]))
    widths = ((0, 0), (0, 0)) + tuple((max(0, before), max(0, after)) for before, after in sides)
    return pad(x[(slice(None), slice(None)) + crop], widths)


def flip_kernel(weight):
    """Step 4's kernel: (C_in, C_out, kH, kW) -> (C_out, C_in, kH, kW), rotated by 180 degrees."""
    return as_tensor(weight).swapaxes(0, 1)[:, :, ::-1, ::-1]


def _check_4d(op, x):
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-d (N, C, H, W), got shape {x.shape}")


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1, method="col2im"):
    """Transposed convolution as PyTorch's F.conv_transpose2d: x (N, C_in, H, W), weight (C_in, C_out, kH, kW).

    Returns (N, C_out, oH, oW), oH = conv_transpose_output_size(H, kH, sH, pH, output_padding_h, dH).
    method="col2im" (the default: what layers use) is the fast path; method="zero_insertion"
    runs the documented steps one by one (what the lessons show). Both give the same numbers
    and gradients. It is the adjoint of conv2d: its input gradient is conv2d(gy, weight).
    """
    x, weight = as_tensor(x), as_tensor(weight)
    op = "conv_transpose2d"
    if method not in METHODS:
        raise ValueError(f"{op}: method must be one of {METHODS}, got {method!r}")
    check_operands(op, x, weight, bias, in_channel_axis=0, out_channel_axis=1)
    stride, padding, output_padding, dilation = (
        pair(v, name, op) for v, name in
        ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"), (dilation, "dilation")))
    kernel = tuple(weight.shape[2:])
    out_size = spatial_size(op, x, zip(kernel, stride, padding, output_padding, dilation),
                            conv_transpose_output_size)
    if method == "col2im":
        inputs = (x, weight) if bias is None else (x, weight, bias)
        return ConvTranspose2d(stride, padding, dilation, out_size)(*inputs)
    padded = pad_for_transpose(insert_zeros(x, stride), kernel, padding, output_padding, dilation)
    y = conv2d(padded, flip_kernel(weight), dilation=dilation)
    return y if bias is None else y + bias.reshape(1, -1, 1, 1)
