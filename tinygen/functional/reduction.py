"""Reductions over axes: sum, mean, max, min, var, std, and argmax (an index, no gradient).

A reduction's gradient spreads ``gy`` back over the reduced axes: evenly copied
for sum, shared among the tied largest elements for max.
"""
import math

from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp
from tinygen.functional.shape import broadcast_to, normalize_axes, reshape


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(gy, _keepdims_shape(shape, self.axes)), shape)


class Max(Function):
    """Largest value over ``axes`` (NaN if any is NaN); ties share the gradient equally, and NaNs take it all."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        largest = x.max(axis=self.axes, keepdims=True)
        is_max = ((x == largest) | (xp.isnan(x) & xp.isnan(largest))).astype(x.dtype)
        self.share = is_max / is_max.sum(axis=self.axes, keepdims=True)
        return largest if self.keepdims else largest.reshape([n for i, n in enumerate(largest.shape)
                                                              if i not in self.axes])

    def backward(self, gy):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(gy, _keepdims_shape(shape, self.axes)), shape) * Tensor(self.share)


def _reduce(function_class, name):
    def op(x, axis=None, keepdims=False):
        x = as_tensor(x)
        axes = normalize_axes(axis, x.ndim, name)
        if function_class is Max and any(x.shape[a] == 0 for a in axes):
            raise ValueError(f"{name}: cannot reduce an empty axis of a tensor of shape {x.shape}")
        return function_class(axes, keepdims)(x)
    op.__name__ = name
    return op


sum = _reduce(Sum, "sum")
max = _reduce(Max, "max")


def min(x, axis=None, keepdims=False):
    return -max(-as_tensor(x), axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "mean")
    count = math.prod(x.shape[a] for a in axes)
    return sum(x, axis=axes, keepdims=keepdims) / count


def var(x, axis=None, keepdims=False, ddof=0):
    """Mean squared deviation; ``ddof=1`` divides by n-1 (the unbiased estimate)."""
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "var")
    count = math.prod(x.shape[a] for a in axes)
    if count - ddof <= 0:
        raise ValueError(f"var: {count} elements with ddof={ddof} leaves no degrees of freedom")
    deviation = x - mean(x, axis=axes, keepdims=True)
    return sum(deviation * deviation, axis=axes, keepdims=keepdims) / (count - ddof)


def std(x, axis=None, keepdims=False, ddof=0):
    """sqrt(var): ``ddof=0`` as NumPy and ``var`` here; PyTorch's x.std() is ``ddof=1`` (unbiased)."""
    return var(x, axis=axis, keepdims=keepdims, ddof=ddof) ** 0.5


def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (the first at a tie) over one axis, or of the flattened tensor: int64, no gradient."""
    x = as_tensor(x)
    if axis is not None:
        axis = normalize_axes(axis, x.ndim, "argmax")
        if len(axis) != 1:
            raise ValueError(f"argmax: axis must be one axis or None, got {axis}")
        axis = axis[0]
    if x.size == 0:
        raise ValueError(f"argmax: cannot take the argmax of an empty tensor of shape {x.shape}")
    return Tensor(xp.argmax(x.data, axis=axis, keepdims=keepdims).astype(xp.int64))
