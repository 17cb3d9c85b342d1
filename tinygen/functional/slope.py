"""The gradient of a piecewise-linear op (relu, leaky_relu, abs): gy times the slope at x.

The slope is constant between the kinks, so its derivative in x is zero. PyTorch still
links that zero to x, so a second derivative of relu is a zero tensor (which can be
differentiated again) rather than "x was not used"; ``scale_by_slope`` does the same.
"""
from tinygen.autograd import Function, Tensor
from tinygen.backend import xp


class ScaleBySlope(Function):
    """(gy, x) -> gy * slope, slope a fixed array (x's shape); d/dgy = slope, d/dx = 0 (in the graph)."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, gy, x):
        return gy * self.slope

    def backward(self, g):
        x = self.inputs[1]
        return ScaleBySlope(self.slope)(g, x), ZerosLike()(x)


class ZerosLike(Function):
    """x -> zeros of x's shape and dtype; the gradient is zero."""

    def forward(self, x):
        return xp.zeros_like(x)

    def backward(self, gy):
        return Tensor(xp.zeros_like(gy.data))


def scale_by_slope(gy, x, slope):
    """gy * slope as the backward of a piecewise-linear op of x (slope: an array shaped like x)."""
    return ScaleBySlope(slope)(gy, x)
