"""Shape operations: reshape, transpose, broadcasting and its adjoint, joining.

None of these changes a value, so each backward just moves the gradient back:
reshape undoes reshape, transpose applies the inverse permutation,
broadcast_to and sum_to are each other's adjoints.
"""
import itertools

from tinygen.autograd import Function, as_tensor
from tinygen.backend import xp


def normalize_axis(axis, ndim, op):
    """``axis`` as a non-negative int, or a ValueError naming the op, axis and ndim."""
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions "
                         f"(valid: {-ndim} to {ndim - 1})")
    return axis % ndim


def normalize_position(axis, ndim, op):
    """Where a new axis goes in a tensor of ``ndim`` dimensions: -ndim-1 .. ndim, as numpy."""
    if not isinstance(axis, int) or not -ndim - 1 <= axis <= ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions "
                         f"(a new axis can go at {-ndim - 1} to {ndim})")
    return axis % (ndim + 1)


def normalize_axes(axis, ndim, op):
    """None -> every axis; an int or a tuple -> a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    normalized = tuple(sorted(normalize_axis(a, ndim, op) for a in axes))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {axis} repeats an axis")
    return normalized


def _broadcast_shape(source, target, op):
    if xp.broadcast_shapes(tuple(source), tuple(target)) != tuple(target):
        raise ValueError(f"{op}: cannot broadcast shape {tuple(source)} to {tuple(target)} "
                         "(each dimension must match or be 1, aligned from the right)")


class Reshape(Function):
    """Same values, new shape (one entry may be -1)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                             f"({x.size} elements) into shape {self.shape}") from None

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)


class Transpose(Function):
    """Permute axes: y.shape[i] = x.shape[axes[i]]."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        inverse = tuple(sorted(range(len(self.axes)), key=lambda i: self.axes[i]))
        return transpose(gy, inverse)


class BroadcastTo(Function):
    """Repeat size-1 (or missing leading) axes up to ``shape``; backward sums them back."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        _broadcast_shape(x.shape, self.shape, "broadcast_to")
        return xp.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)


class SumTo(Function):
    """Sum a broadcast result back down to ``shape``: the adjoint of broadcast_to."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        _broadcast_shape(self.shape, x.shape, "sum_to")
        lead = x.ndim - len(self.shape)
        stretched = tuple(lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
        return y.reshape(self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].shape)


class Concatenate(Function):
    """Join tensors along an existing axis; backward slices the gradient apart."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return xp.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        bounds = list(itertools.accumulate([0] + [t.shape[self.axis] for t in self.inputs]))
        prefix = (slice(None),) * self.axis
        return tuple(gy[prefix + (slice(start, stop),)] for start, stop in zip(bounds[:-1], bounds[1:]))


def reshape(x, *shape):
    """x with a new shape; ``reshape(x, 2, 3)`` and ``reshape(x, (2, 3))`` both work."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    x = as_tensor(x)
    return x if tuple(shape) == x.shape else Reshape(shape)(x)


def transpose(x, *axes):
    """Permute axes (reverse them when none are given), like numpy.transpose."""
    x = as_tensor(x)
    axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    if not axes:
        axes = tuple(reversed(range(x.ndim)))
    if sorted(normalize_axis(a, x.ndim, "transpose") for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes")
    return Transpose(tuple(a % x.ndim for a in axes))(x)


def swapaxes(x, axis1, axis2):
    x = as_tensor(x)
    axes = list(range(x.ndim))
    a, b = normalize_axis(axis1, x.ndim, "swapaxes"), normalize_axis(axis2, x.ndim, "swapaxes")
    axes[a], axes[b] = axes[b], axes[a]
    return Transpose(tuple(axes))(x)


def squeeze(x, axis=None):
    """Drop size-1 axes (all of them, or the ones named, which must have size 1)."""
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "squeeze")
    if axis is None:
        axes = tuple(a for a in axes if x.shape[a] == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, only size-1 axes can be squeezed")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def expand_dims(x, axis):
    """Insert a size-1 axis at position ``axis`` of the result."""
    x = as_tensor(x)
    position = normalize_position(axis, x.ndim, "expand_dims")
    return reshape(x, x.shape[:position] + (1,) + x.shape[position:])


def flatten(x, start_axis=1):
    """Merge every axis from ``start_axis`` on: (N, C, H, W) -> (N, C*H*W)."""
    x = as_tensor(x)
    start = normalize_axis(start_axis, x.ndim, "flatten")
    return reshape(x, x.shape[:start] + (-1,))


def broadcast_to(x, shape):
    x = as_tensor(x)
    return x if x.shape == tuple(shape) else BroadcastTo(shape)(x)


def sum_to(x, shape):
    x = as_tensor(x)
    return x if x.shape == tuple(shape) else SumTo(shape)(x)


def concatenate(tensors, axis=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    ndim = tensors[0].ndim
    axis = normalize_axis(axis, ndim, "concatenate")
    for i, t in enumerate(tensors):
        others_differ = t.ndim != ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, tensors[0].shape))
                                              if j != axis)
        if others_differ:
            raise ValueError(f"concatenate: tensor {i} has shape {t.shape}, tensor 0 has {tensors[0].shape}; "
                             f"all dimensions except axis {axis} must match")
    return Concatenate(axis)(*tensors)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has {tensors[0].shape}; they must match")
    position = normalize_position(axis, tensors[0].ndim, "stack")
    return concatenate([expand_dims(t, position) for t in tensors], axis=position)


def cat(tensors, axis=0, *, dim=None):
    """PyTorch's name for concatenate: join tensors along an existing axis ``axis`` (or ``dim``)."""
    return concatenate(tensors, axis=axis_or_dim(axis, dim, "cat", default=0))


def axis_or_dim(axis, dim, op, default=None):
    """The axis an op was given: NumPy's ``axis=`` or PyTorch's ``dim=`` (the same thing), not both."""
    if dim is None:
        return axis
    if axis is not None and axis != default:
        raise TypeError(f"{op}: give axis= or dim= (PyTorch's name for it), not both; got axis={axis!r}, dim={dim!r}")
    return dim


def permute(x, *dims):
    """PyTorch's name for transpose with an explicit order: y.shape[i] = x.shape[dims[i]]."""
    x = as_tensor(x)
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if len(dims) != x.ndim:
        raise ValueError(f"permute: dims {dims} must name each of the {x.ndim} axes once")
    return transpose(x, dims)


class Clone(Function):
    """A copy of x that owns its memory; the gradient passes through unchanged."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x):
    return Clone()(as_tensor(x))
