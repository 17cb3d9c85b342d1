"""im2col and col2im: a convolution as one matrix product, and the scatter that undoes it.

im2col lays every kernel window of the input out as one row, so that a convolution
becomes ``rows @ weight_matrix``. The windows are read through a strided *view*
(no Python loop over batch, channel or pixel) and copied once into the matrix.
col2im is its adjoint: it adds each row back into the window it came from, one
strided slice per kernel offset (a loop over the kH x kW window only).

Inside, images are channels-last (N, H, W, C): a window's (kW, C) block is then one
contiguous run of memory, which makes the copy several times faster than reading
(C, kH, kW) windows out of (N, C, H, W). Raw arrays in and out; the Functions in
conv.py give them gradients. ``conv_by_windows`` and ``conv_transpose_by_stamps`` are the two
products around them: a convolution from im2col's rows, a transposed convolution into col2im's stamps.
"""
from tinygen.backend import xp


def channels_last(x, padding=(0, 0)):
    """(N, C, H, W) -> zero-padded (N, H + 2pH, W + 2pW, C), one copy.

    Only the border is zeroed (not the whole buffer first): one pass over memory fewer.
    """
    n, channels, height, width = x.shape
    (pad_h, pad_w) = padding
    out = xp.empty((n, height + 2 * pad_h, width + 2 * pad_w, channels), dtype=x.dtype)
    out[:, :pad_h], out[:, pad_h + height:] = 0, 0
    out[:, :, :pad_w], out[:, :, pad_w + width:] = 0, 0
    out[:, pad_h:pad_h + height, pad_w:pad_w + width] = x.transpose(0, 2, 3, 1)
    return out


def channels_first(y):
    """(N, H, W, C) -> (N, C, H, W) as a view: no copy, the memory stays channels-last.

    Elementwise ops keep that memory order (NumPy's and CuPy's order="K"), so the next
    convolution's channels_last() is a plain copy and its x.transpose(0, 2, 3, 1) is free:
    the layout does not flip back and forth between layers (PyTorch's channels_last format).
    """
    return y.transpose(0, 3, 1, 2)


def windows(image, kernel, stride, dilation, out_size):
    """A view (N, oH, oW, kH, kW, C) of a channels-last image (windows overlap: only read it):
    [n, a, b, i, j, c] = image[n, a sH + i dH, b sW + j dW, c]."""
    stride_n, stride_h, stride_w, stride_c = image.strides
    shape = (image.shape[0], *out_size, *kernel, image.shape[3])
    strides = (stride_n, stride_h * stride[0], stride_w * stride[1],
               stride_h * dilation[0], stride_w * dilation[1], stride_c)
    return xp.lib.stride_tricks.as_strided(image, shape=shape, strides=strides)


def im2col(x, kernel, stride, padding, dilation, out_size):
    """x (N, C, H, W) -> the column matrix (N oH oW, kH kW C): one row per output pixel, its receptive field."""
    view = windows(channels_last(x, padding), kernel, stride, dilation, out_size)
    return view.reshape(-1, kernel[0] * kernel[1] * x.shape[1])


def col2im(stamps, stride, padding, dilation, out_size, start=0):
    """Adjoint of im2col: stamps (kH, kW, N, H, W, C) -> (N, C, oH, oW).

    stamps[i, j, n, a, b, c] is added at padded position (a sH + i dH, b sW + j dW), then the
    padding is cropped away. Rows past the last window keep ``start`` (output padding).
    ``start``: what every output pixel starts from, 0 or a bias (C,) (adding it here saves a pass).
    """
    kernel_h, kernel_w, n, height, width, channels = stamps.shape
    spans = [(size - 1) * s + d * (k - 1) + 1 for size, s, d, k in
             zip((height, width), stride, dilation, (kernel_h, kernel_w))]
    buffer_size = [max(span, p + o) for span, p, o in zip(spans, padding, out_size)]
    buffer = xp.empty((n, *buffer_size, channels), dtype=stamps.dtype)
    buffer[...] = start
    for i in range(kernel_h):
        rows = slice(i * dilation[0], i * dilation[0] + (height - 1) * stride[0] + 1, stride[0])
        for j in range(kernel_w):
            columns = slice(j * dilation[1], j * dilation[1] + (width - 1) * stride[1] + 1, stride[1])
            buffer[:, rows, columns] += stamps[i, j]
    (pad_h, pad_w), (out_h, out_w) = padding, out_size
    return channels_first(buffer[:, pad_h:pad_h + out_h, pad_w:pad_w + out_w])


def taps_channels_last(weight):
    """(A, B, kH, kW) -> (A, kH kW B), the column order of im2col's rows."""
    return weight.transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)


def pixels_channels_last(x):
    """(N, C, H, W) -> (N H W, C): one row per pixel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def conv_by_windows(rows, weight, n, out_size, bias=None):
    """y (N, O, oH, oW) = rows @ weight's taps, rows = im2col(x) (N oH oW, kH kW C); weight (O, C, kH, kW)."""
    y = (rows @ taps_channels_last(weight).T).reshape(n, *out_size, weight.shape[0])
    if bias is not None:
        y += bias
    return channels_first(y)


def conv_transpose_by_stamps(x, weight, stride, padding, dilation, out_size, bias=None):
    """conv_transpose2d(x, weight): x (N, C_in, H, W), weight (C_in, C_out, kH, kW) -> (N, C_out, oH, oW).

    One (batched) matrix product makes every input pixel's k x k stamp, col2im adds the stamps into
    place. No multiplications by inserted zeros.
    """
    (n, _, height, width), (in_channels, out_channels, *kernel) = x.shape, weight.shape
    # one (C_in, C_out) matrix per kernel tap: each tap's stamps come out as one contiguous block
    taps = weight.transpose(2, 3, 0, 1).reshape(-1, in_channels, out_channels)
    stamps = xp.matmul(pixels_channels_last(x), taps)
    return col2im(stamps.reshape(*kernel, n, height, width, out_channels),
                  stride, padding, dilation, out_size, start=0 if bias is None else bias)
