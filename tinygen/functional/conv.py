"""2-d convolution (cross-correlation, as in PyTorch) by im2col and one matrix product.

    y[n, o, a, b] = bias[o] + sum_{c, i, j} weight[o, c, i, j] x_pad[n, c, a sH + i dH, b sW + j dW]

y is bilinear in (x, weight), so three linear maps make up a convolution layer, and each
one's backward is built from the other two (which is why they live in one file):
  Conv2d           (x, weight) -> y       the convolution itself
  ConvTranspose2d  (y, weight) -> x       its adjoint in x: the transposed convolution (col2im)
  ConvWeightGrad   (x, y)      -> weight  its adjoint in weight: the weight gradient
The input gradient of a convolution IS a transposed convolution with the same weight, and
the input gradient of a transposed convolution is a convolution: the two ops are dual.
Which matrix product computes each map is a speed choice only: Winograd's tiles for a 3x3 stride-1
kernel between wide layers (winograd.py), the narrow side of a stride-1 map that changes the channel
count (flipped.py), im2col / col2im otherwise.
"""
from tinygen.autograd import Function, as_tensor, is_grad_enabled
from tinygen.backend import xp
from tinygen.functional.conv_arguments import check_at_least, check_operands, pair, spatial_size
from tinygen.functional import flipped, winograd
from tinygen.functional.im2col import conv_by_windows, conv_transpose_by_stamps, im2col, pixels_channels_last


def conv_output_size(i, k, s=1, p=0, d=1):
    """Output length of a convolution along one axis: o = floor((i + 2p - d(k-1) - 1) / s) + 1.

    i input length, k kernel size, s stride, p zero padding on each side, d dilation.
    """
    check_at_least("conv_output_size", i=(i, 1, "input size"), k=(k, 1, "kernel size"), s=(s, 1, "stride"),
                   p=(p, 0, "padding"), d=(d, 1, "dilation"))
    extent, padded = d * (k - 1) + 1, i + 2 * p
    o = (padded - extent) // s + 1
    if extent > padded:
        raise ValueError(
            f"conv_output_size: the kernel is larger than the padded input (d(k-1) + 1 = {extent} > "
            f"i + 2p = {padded}), so o = floor((i + 2p - d(k-1) - 1)/s) + 1 = "
            f"floor(({i} + 2*{p} - {d}*({k}-1) - 1)/{s}) + 1 = {o} < 1")
    return o


def _spatial(array):
    return tuple(array.shape[2:])


def _narrows(in_channels, out_channels, kernel, stride, padding, dilation, in_size, out_size):
    """Whether a correlation from ``in_channels`` to at most half as many ``out_channels`` (the forward
    convolution, or the one a transposed convolution is the adjoint of) is lowered on its narrow side
    (flipped.py). Measured at batch 64, 1 thread, forward + backward: 48 -> 16 at 28 x 28 72 -> 50 ms,
    16 -> 1 20 -> 5 ms; 24 -> 16 gains nothing, 64 -> 48 loses 8 %, and Winograd beats it where it applies."""
    return (2 * out_channels <= in_channels and flipped.applies(kernel, stride, padding, dilation, in_size, out_size)
            and not winograd.applies(kernel, stride, dilation, (in_channels, out_channels), out_size))


def _lower(x, out_channels, kernel, stride, padding, dilation, out_size):
    """What a convolution of x into ``out_channels`` multiplies, and keeps for its weight gradient: Winograd's
    input tiles for a 3x3 stride-1 kernel between wide layers (2.25x fewer products, winograd.py),
    im2col's column matrix otherwise."""
    if winograd.applies(kernel, stride, dilation, (x.shape[1], out_channels), out_size):
        return winograd.input_tiles(x, padding, out_size)
    return im2col(x, kernel, stride, padding, dilation, out_size)


class Conv2d(Function):
    """(x (N, C, H, W), weight (O, C, kH, kW)[, bias (O,)]) -> y (N, O, oH, oW): im2col(x) @ weight.T.

    ``out_size`` may be smaller than the natural conv_output_size: the windows past it are
    skipped (a transposed convolution with output padding >= stride needs that for its gradient).
    The column matrix is kept for the weight gradient, which would otherwise rebuild it.
    ``rows``: _lower(x) when the caller has already built it (a 3x3 stride-1 kernel takes Winograd's path).
    """

    def __init__(self, stride, padding, dilation, out_size, rows=None):
        self.stride, self.padding, self.dilation, self.out_size, self.rows = stride, padding, dilation, out_size, rows

    def forward(self, x, weight, bias=None):
        kernel = _spatial(weight)
        if self.rows is None and _narrows(x.shape[1], weight.shape[0], kernel, self.stride, self.padding,
                                          self.dilation, _spatial(x), self.out_size):
            return flipped.conv_by_stamps(x, weight, self.padding, self.dilation, self.out_size, bias)
        rows = self.rows if self.rows is not None else _lower(x, weight.shape[0], kernel, self.stride,
                                                              self.padding, self.dilation, self.out_size)
        self.rows = rows if is_grad_enabled() else None
        if winograd.applies(kernel, self.stride, self.dilation, weight.shape[:2], self.out_size):
            return winograd.conv3x3(rows, weight, x.shape[0], self.out_size, bias)
        return conv_by_windows(rows, weight, x.shape[0], self.out_size, bias)

    def backward(self, gy):
        x, weight = self.inputs[:2]
        params = (self.stride, self.padding, self.dilation)
        gx = ConvTranspose2d(*params, _spatial(x))(gy, weight) if x.requires_grad else None
        rows, self.rows = self.rows, None  # used once; a second backward rebuilds it from x
        gw = ConvWeightGrad(_spatial(weight), *params, rows=rows)(x, gy) if weight.requires_grad else None
        return (gx, gw) + ((gy.sum(axis=(0, 2, 3)),) if len(self.inputs) == 3 else ())


class ConvTranspose2d(Function):
    """(x (N, C_in, H, W), weight (C_in, C_out, kH, kW)[, bias]) -> y (N, C_out, oH, oW), by col2im.

    The adjoint of Conv2d in its input: one (batched) matrix product makes every input pixel's
    k x k stamp, col2im adds the stamps into place. No multiplications by inserted zeros.
    """

    def __init__(self, stride, padding, dilation, out_size):
        self.stride, self.padding, self.dilation, self.out_size = stride, padding, dilation, out_size

    def forward(self, x, weight, bias=None):
        if winograd.transpose_applies(_spatial(weight), self.stride, self.padding, self.dilation,
                                      weight.shape[:2], _spatial(x), self.out_size):
            return winograd.conv_transpose3x3(x, weight, self.padding, self.out_size, bias)
        if _narrows(weight.shape[1], weight.shape[0], _spatial(weight), self.stride, self.padding, self.dilation,
                    self.out_size, _spatial(x)):
            return flipped.conv_transpose_by_windows(x, weight, self.padding, self.dilation, self.out_size, bias)
        return conv_transpose_by_stamps(x, weight, self.stride, self.padding, self.dilation, self.out_size, bias)

    def backward(self, gy):
        x, weight = self.inputs[:2]
        params = (self.stride, self.padding, self.dilation)
        # both gradients multiply the same windows of gy: build its column matrix once
        rows = (_lower(gy.data, x.shape[1], _spatial(weight), *params, _spatial(x))
                if (x.requires_grad or weight.requires_grad)
                and not _narrows(gy.shape[1], x.shape[1], _spatial(weight), *params, _spatial(gy), _spatial(x))
                else None)
        gx = Conv2d(*params, _spatial(x), rows=rows)(gy, weight) if x.requires_grad else None
        gw = ConvWeightGrad(_spatial(weight), *params, rows=rows)(gy, x) if weight.requires_grad else None
        return (gx, gw) + ((gy.sum(axis=(0, 2, 3)),) if len(self.inputs) == 3 else ())


class ConvWeightGrad(Function):
    """(x (N, C, H, W), g (N, O, oH, oW)) -> (O, C, kH, kW): g.T @ im2col(x), one matrix product.

    The weight gradient of Conv2d(x) when g is its output gradient. It is bilinear too, so its
    backward is again a transposed convolution (in x) and a convolution (in g).
    ``rows``: _lower(x) when the forward pass has already built it.
    """

    def __init__(self, kernel, stride, padding, dilation, rows=None):
        self.kernel, self.stride, self.padding, self.dilation, self.rows = kernel, stride, padding, dilation, rows

    def forward(self, x, g):
        if self.rows is None and _narrows(x.shape[1], g.shape[1], self.kernel, self.stride, self.padding,
                                          self.dilation, _spatial(x), _spatial(g)):
            return flipped.weight_grad_by_windows_of_g(x, g, self.kernel, self.padding, self.dilation)
        rows = self.rows if self.rows is not None else _lower(x, g.shape[1], self.kernel, self.stride,
                                                              self.padding, self.dilation, _spatial(g))
        if winograd.applies(self.kernel, self.stride, self.dilation, (x.shape[1], g.shape[1]), _spatial(g)):
            return winograd.weight_grad3x3(rows, g)
        g_weight = (pixels_channels_last(g).T @ rows).reshape(g.shape[1], *self.kernel, x.shape[1])
        return xp.ascontiguousarray(g_weight.transpose(0, 3, 1, 2))

    def backward(self, g_weight):
        x, g = self.inputs
        params = (self.stride, self.padding, self.dilation)
        gx = ConvTranspose2d(*params, _spatial(x))(g, g_weight) if x.requires_grad else None
        gg = Conv2d(*params, _spatial(g))(x, g_weight) if g.requires_grad else None
        return gx, gg


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-d convolution as PyTorch's F.conv2d: x (N, C, H, W), weight (O, C, kH, kW), bias (O,) or None.

    stride, padding, dilation: an int or an (h, w) pair. Returns (N, O, oH, oW) with
    oH = conv_output_size(H, kH, sH, pH, dH). Backward: the input gradient is
    conv_transpose2d(gy, weight) with the same stride, padding and dilation.
    """
    x, weight = as_tensor(x), as_tensor(weight)
    check_operands("conv2d", x, weight, bias, in_channel_axis=1, out_channel_axis=0)
    stride, padding, dilation = (pair(v, name, "conv2d") for v, name in
                                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    kernel = _spatial(weight)
    out_size = spatial_size("conv2d", x, zip(kernel, stride, padding, dilation), conv_output_size)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d(stride, padding, dilation, out_size)(*inputs)
