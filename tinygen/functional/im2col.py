"""im2col and col2im: a convolution as one matrix product, and the scatter that undoes it.

im2col lays every kernel window of the input out as one row, so that a convolution
becomes ``rows @ weight_matrix``. The windows are read through a strided *view*
(no Python loop over batch, channel or pixel) and copied once into the matrix.
col2im is its adjoint: it adds each row back into the window it came from, one
strided slice per kernel offset (a loop over the kH x kW window only).
Raw arrays in and out; the Functions in conv.py give them gradients.
"""
from tinygen.backend import xp


def pad_spatial(x, padding):
    """Zeros around the last two axes: (N, C, H, W) -> (N, C, H + 2pH, W + 2pW)."""
    (pad_h, pad_w) = padding
    if pad_h == pad_w == 0:
        return x
    return xp.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))


def windows(x_padded, kernel, stride, dilation, out_size):
    """A read-only view (N, oH, oW, C, kH, kW) with [n, a, b, c, i, j] = x_padded[n, c, a sH + i dH, b sW + j dW]."""
    n, channels = x_padded.shape[:2]
    stride_n, stride_c, stride_h, stride_w = x_padded.strides
    shape = (n, *out_size, channels, *kernel)
    strides = (stride_n, stride_h * stride[0], stride_w * stride[1], stride_c,
               stride_h * dilation[0], stride_w * dilation[1])
    return xp.lib.stride_tricks.as_strided(x_padded, shape=shape, strides=strides, writeable=False)


def im2col(x, kernel, stride, padding, dilation, out_size):
    """The column matrix (N oH oW, C kH kW): one row per output pixel, holding its receptive field."""
    view = windows(pad_spatial(x, padding), kernel, stride, dilation, out_size)
    return view.reshape(-1, view.shape[3] * view.shape[4] * view.shape[5])


def col2im(cols, kernel, stride, padding, dilation, out_size):
    """Adjoint of im2col: cols (N, H, W, C, kH, kW) -> (N, C, oH, oW).

    cols[n, a, b, c, i, j] is added at padded position (a sH + i dH, b sW + j dW), then the
    padding is cropped away. Rows past the last window stay zero (output padding).
    """
    n, height, width, channels = cols.shape[:4]
    spans = [(size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip((height, width), stride, dilation, kernel)]
    buffer_size = [max(span, p + o) for span, p, o in zip(spans, padding, out_size)]
    buffer = xp.zeros((n, channels, *buffer_size), dtype=cols.dtype)
    as_nchw = cols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kH, kW, H, W)
    for i in range(kernel[0]):
        rows = slice(i * dilation[0], i * dilation[0] + (height - 1) * stride[0] + 1, stride[0])
        for j in range(kernel[1]):
            columns = slice(j * dilation[1], j * dilation[1] + (width - 1) * stride[1] + 1, stride[1])
            buffer[:, :, rows, columns] += as_nchw[:, :, i, j]
    (pad_h, pad_w), (out_h, out_w) = padding, out_size
    return buffer[:, :, pad_h:pad_h + out_h, pad_w:pad_w + out_w]
