"""Reading and checking what a 2-d convolution is given, before any array is touched.

A size parameter (kernel, stride, padding, dilation, output padding) is an int or a
(height, width) pair; inputs are (N, C, H, W) and weights 4-d, with matching channels.
"""
import numbers

from tinygen import backend
from tinygen.autograd import Tensor


def pair(value, name, op):
    """(height, width) from an int or a pair of ints; TypeError naming ``name`` otherwise."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(_is_int(v) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(int(v) for v in values)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_operands(op, x, weight, bias, in_channel_axis, out_channel_axis):
    """x (N, C, H, W), a 4-d weight whose axis ``in_channel_axis`` counts C, bias one value per output channel."""
    for name, tensor in (("input", x), ("weight", weight)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(tensor).__name__}")
        if tensor.ndim != 4:
            raise ValueError(f"{op}: {name} must be 4-d ({_LAYOUTS[op][name]}), got shape {tensor.shape}")
        if not backend.is_floating(tensor.dtype):
            raise TypeError(f"{op}: {name} must hold floating-point numbers, got dtype {tensor.dtype}")
    if x.shape[1] != weight.shape[in_channel_axis]:
        raise ValueError(f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but weight expects "
                         f"{weight.shape[in_channel_axis]} (axis {in_channel_axis} of weight shape {weight.shape})")
    if weight.dtype != x.dtype:
        raise TypeError(f"{op}: weight dtype {weight.dtype} differs from input dtype {x.dtype}; "
                        "convert one with .astype()")
    if bias is not None:
        out_channels = weight.shape[out_channel_axis]
        if not isinstance(bias, Tensor) or bias.shape != (out_channels,) or bias.dtype != x.dtype:
            raise ValueError(f"{op}: bias must be a {x.dtype} Tensor of shape ({out_channels},), one value per "
                             f"output channel, got {_describe(bias)}")


def _describe(value):
    return f"shape {value.shape}, dtype {value.dtype}" if isinstance(value, Tensor) else type(value).__name__


_LAYOUTS = {
    "conv2d": {"input": "N, C, H, W", "weight": "C_out, C_in, kH, kW"},
    "conv_transpose2d": {"input": "N, C, H, W", "weight": "C_in, C_out, kH, kW"},
}


def spatial_size(op, x, axis_sizes, size_function):
    """``size_function(i, *params)`` for height and width, naming the axis when it raises."""
    sizes = []
    for axis, name, params in zip((2, 3), ("height", "width"), axis_sizes):
        try:
            sizes.append(size_function(x.shape[axis], *params))
        except ValueError as error:
            raise ValueError(f"{op}: along the {name} (axis {axis}) of input shape {x.shape}: {error}") from None
    return tuple(sizes)


def check_at_least(op, **bounds):
    """Each keyword is ``name=(value, minimum, meaning)``: an int no smaller than minimum, or a clear error."""
    for name, (value, minimum, meaning) in bounds.items():
        if not _is_int(value):
            raise TypeError(f"{op}: {meaning} {name} must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"{op}: {meaning} {name}={value} must be at least {minimum}")
