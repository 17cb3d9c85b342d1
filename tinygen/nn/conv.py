"""Convolution layers: Conv2d and its adjoint ConvTranspose2d (the decoder's upsampling layer).

Both hold a 4-d weight and an optional bias and take (N, C, H, W) input; they differ in
the weight's layout (Conv2d: (C_out, C_in, kH, kW); ConvTranspose2d: (C_in, C_out, kH, kW),
as PyTorch) and in the functional op they call.
"""
import tinygen.functional as F
from tinygen import creation
from tinygen.autograd import as_tensor
from tinygen.functional.conv_arguments import pair
from tinygen.functional.conv_transpose import METHODS as TRANSPOSE_METHODS
from tinygen.nn import init
from tinygen.nn.module import Module, Parameter, check_sizes


def _check_pair_at_least(layer, name, values, minimum):
    if min(values) < minimum:
        raise ValueError(f"{layer}: {name}={values if values[0] != values[1] else values[0]} must be at least {minimum}")


class _Convolution(Module):
    """Sizes, parameters, default initialization, input checks and repr shared by both layers."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, bias, weight_shape):
        super().__init__()
        name = type(self).__name__
        check_sizes(name, in_channels=in_channels, out_channels=out_channels)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = pair(kernel_size, "kernel_size", name), pair(stride, "stride", name)
        self.padding, self.dilation = pair(padding, "padding", name), pair(dilation, "dilation", name)
        for setting, minimum in (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1)):
            _check_pair_at_least(name, setting, getattr(self, setting), minimum)
        self.weight = Parameter(creation.zeros(*weight_shape, *self.kernel_size))
        self.register_parameter("bias", Parameter(creation.zeros(out_channels)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _checked(self, x):
        x = as_tensor(x)
        if x.ndim != 4:
            raise ValueError(f"{self.describe()} expects input of shape (N, C, H, W), got shape {x.shape}")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{self.describe()} expects {self.in_channels} input channels (axis 1), "
                             f"got {x.shape[1]} in input of shape {x.shape}")
        return x

    def _settings(self):
        """Non-default settings as text: "kernel 3, stride 2, padding 1"."""
        show = lambda size: str(size[0]) if size[0] == size[1] else f"{size[0]}x{size[1]}"
        settings = [f"kernel {show(self.kernel_size)}"]
        settings += [f"{name} {show(value)}" for name, value, default in self._optional_settings()
                     if value != (default, default)]
        return ", ".join(settings + ([] if self.bias is not None else ["bias=False"]))

    def _optional_settings(self):
        return [("stride", self.stride, 1), ("padding", self.padding, 0), ("dilation", self.dilation, 1)]

    def extra_repr(self):
        return f"{self.in_channels} -> {self.out_channels}, {self._settings()}"


class Conv2d(_Convolution):
    """(N, C_in, H, W) -> (N, C_out, oH, oW), oH = floor((H + 2p - d(k-1) - 1)/s) + 1; weight (C_out, C_in, kH, kW)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias,
                         weight_shape=(out_channels, in_channels))

    def forward(self, x):
        return F.conv2d(self._checked(x), self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_Convolution):
    """(N, C_in, H, W) -> (N, C_out, oH, oW), oH = (H-1)s - 2p + d(k-1) + output_padding + 1; weight (C_in, C_out, kH, kW).

    With kernel 3, stride 2, padding 1, output_padding 1 it doubles H and W (Keras's 'same').
    ``method`` picks F.conv_transpose2d's path: "col2im" (fast) or "zero_insertion" (the literal steps, same numbers).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, dilation=1,
                 bias=True, method="col2im"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias,
                         weight_shape=(in_channels, out_channels))
        self.output_padding = pair(output_padding, "output_padding", type(self).__name__)
        for axis, (extra, stride, dilation) in enumerate(zip(self.output_padding, self.stride, self.dilation)):
            if not 0 <= extra < max(stride, dilation):
                raise ValueError(f"ConvTranspose2d: output_padding={output_padding!r} must be at least 0 and smaller "
                                 f"than stride or dilation ({extra} >= max({stride}, {dilation}) along axis {axis})")
        if method not in TRANSPOSE_METHODS:
            raise ValueError(f"{type(self).__name__}: method must be one of {TRANSPOSE_METHODS}, "
                             f"got {method!r}")
        self.method = method

    def _optional_settings(self):
        return super()._optional_settings() + [("output_padding", self.output_padding, 0)]

    def forward(self, x):
        return F.conv_transpose2d(self._checked(x), self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.dilation, method=self.method)
