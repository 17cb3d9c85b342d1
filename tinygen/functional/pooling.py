"""Pooling and nearest-neighbour resizing of (N, C, H, W) images, as PyTorch's F.avg_pool2d,
F.max_pool2d and F.interpolate(mode="nearest").

Each is built from ops that already differentiate to any order:
  avg_pool2d   a convolution of every channel alone with a k x k kernel of 1/(kH kW)
               (zero padding counts in the mean, PyTorch's count_include_pad=True);
  max_pool2d   indexing: the position of each window's maximum is found on raw arrays
               (padding counts as -inf, a tie goes to the first in the window, NaN wins),
               then x[those positions] carries the gradient to exactly those pixels;
  interpolate  indexing too: output pixel (a, b) copies input (floor(a * H/oH), floor(b * W/oW)).
"""
from tinygen.autograd import as_tensor
from tinygen.backend import xp
from tinygen.functional.conv import conv2d, conv_output_size
from tinygen.functional.conv_arguments import pair
from tinygen.functional.im2col import channels_last, windows


def check_pool_arguments(op, kernel_size, stride, padding):
    """(kernel, stride, padding) as pairs; stride defaults to the kernel, as in PyTorch; ValueError naming the rule."""
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding = pair(padding, "padding", op)
    for k, s, p in zip(kernel, stride, padding):
        if k < 1 or s < 1 or p < 0 or p > k // 2:
            raise ValueError(f"{op}: kernel_size {kernel} and stride {stride} must be at least 1 and padding {padding} "
                             f"between 0 and half the kernel ({k} // 2 = {k // 2})")
    return kernel, stride, padding


def _pool_arguments(op, x, kernel_size, stride, padding):
    """Checked (x, kernel, stride, padding, out_size)."""
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must have shape (N, C, H, W), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must hold floating-point numbers, got dtype {x.dtype}")
    kernel, stride, padding = check_pool_arguments(op, kernel_size, stride, padding)
    sizes = [conv_output_size(i, k, s, p) for i, k, s, p in zip(x.shape[2:], kernel, stride, padding)]
    return x, kernel, stride, padding, tuple(sizes)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean of each kH x kW window: (N, C, H, W) -> (N, C, oH, oW), oH = floor((H + 2p - k)/s) + 1."""
    x, kernel, stride, padding, _ = _pool_arguments("avg_pool2d", x, kernel_size, stride, padding)
    n, channels, height, width = x.shape
    weight = as_tensor(xp.full((1, 1, *kernel), 1 / (kernel[0] * kernel[1]), dtype=x.dtype))
    y = conv2d(x.reshape(n * channels, 1, height, width), weight, stride=stride, padding=padding)
    return y.reshape(n, channels, *y.shape[2:])


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Largest value of each kH x kW window: (N, C, H, W) -> (N, C, oH, oW); the gradient goes to it alone."""
    x, kernel, stride, padding, out_size = _pool_arguments("max_pool2d", x, kernel_size, stride, padding)
    n, channels = x.shape[:2]
    padded = channels_last(x.data, padding) if padding == (0, 0) else _pad_with(x.data, padding, -xp.inf)
    view = windows(padded, kernel, stride, (1, 1), out_size)  # (N, oH, oW, kH, kW, C)
    flat = view.reshape(*view.shape[:3], -1, channels)
    where_max = xp.where(xp.isnan(flat), xp.inf, flat).argmax(axis=3)  # (N, oH, oW, C): NaN counts as largest
    row_in_window, column_in_window = xp.divmod(where_max, kernel[1])
    rows = xp.arange(out_size[0]).reshape(1, -1, 1, 1) * stride[0] + row_in_window - padding[0]
    columns = xp.arange(out_size[1]).reshape(1, 1, -1, 1) * stride[1] + column_in_window - padding[1]
    batch = xp.arange(n).reshape(-1, 1, 1, 1)
    channel = xp.arange(channels).reshape(1, 1, 1, -1)
    return x[batch, channel, rows, columns].transpose(0, 3, 1, 2)


def _pad_with(x, padding, value):
    """(N, C, H, W) -> channels-last (N, H + 2pH, W + 2pW, C) padded with ``value``."""
    out = channels_last(x, padding)
    (pad_h, pad_w), (height, width) = padding, x.shape[2:]
    border = xp.ones(out.shape[1:3], dtype=bool)
    border[pad_h:pad_h + height, pad_w:pad_w + width] = False
    out[:, border] = value
    return out


def interpolate(x, size=None, scale_factor=None, mode="nearest"):
    """Nearest-neighbour resize of (N, C, H, W) to ``size`` (oH, oW) or by ``scale_factor`` (oH = floor(H s)).

    Output pixel a reads input floor(a * scale) with scale = H / oH (1 / s when a factor is given),
    in float32 as PyTorch computes it, so both pick the same pixels.
    """
    x = as_tensor(x)
    if mode != "nearest":
        raise ValueError(f"interpolate: mode must be 'nearest' (the only one tinygen has), got {mode!r}")
    if x.ndim != 4:
        raise ValueError(f"interpolate: input must have shape (N, C, H, W), got {x.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"interpolate: give exactly one of size and scale_factor, got size={size!r}, "
                         f"scale_factor={scale_factor!r}")
    if size is not None:
        out_size = pair(size, "size", "interpolate")
        scales = [i / o for i, o in zip(x.shape[2:], out_size)]
    else:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
        if len(factors) != 2 or not all(isinstance(f, (int, float)) and f > 0 for f in factors):
            raise ValueError(f"interpolate: scale_factor must be a positive number or a pair, got {scale_factor!r}")
        out_size = tuple(int(i * f) for i, f in zip(x.shape[2:], factors))
        scales = [1 / f for f in factors]
    if min(out_size) < 1:
        raise ValueError(f"interpolate: the output size {out_size} must be at least 1 along each axis")
    rows, columns = (_nearest_sources(o, i, s) for o, i, s in zip(out_size, x.shape[2:], scales))
    return x[:, :, rows.reshape(-1, 1), columns.reshape(1, -1)]


def _nearest_sources(out_length, in_length, scale):
    """Source index of each output position: min(floor(a * scale), in_length - 1), in float32."""
    positions = xp.arange(out_length, dtype=xp.float32) * xp.float32(scale)
    return xp.minimum(xp.floor(positions).astype(xp.int64), in_length - 1)
