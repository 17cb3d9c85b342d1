"""Indexing and padding: reading part of a tensor, and its adjoint, writing into zeros.

``x[index]`` picks elements; its backward puts ``gy`` back where they came from,
adding up where an integer-array index picked the same element twice.
"""
from tinygen import backend
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp


def _plain_index(index):
    """The index with Tensors and lists turned into backend arrays; always a tuple."""
    index = index if isinstance(index, tuple) else (index,)
    converted = []
    for part in index:
        if isinstance(part, Tensor):
            part = part.data
        elif isinstance(part, list):
            part = xp.asarray(part)
        if hasattr(part, "dtype") and not (backend.is_numeric(part.dtype) and part.dtype.kind in "iub"):
            raise TypeError(f"index arrays must hold integers or booleans, got dtype {part.dtype}")
        converted.append(part)
    return tuple(converted)


def _has_array(index):
    return any(hasattr(part, "dtype") for part in index)


class GetItem(Function):
    """y = x[index] for basic (slices, ints, None, ...) and integer/boolean-array indices."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        try:
            return x[self.index]
        except IndexError as error:
            raise ValueError(f"index {self.index} does not fit a tensor of shape {x.shape}: {error}") from None

    def backward(self, gy):
        return IndexAdd(self.index, self.inputs[0].shape)(gy)


class IndexAdd(Function):
    """Zeros of ``shape`` with ``g`` added at ``index``: the adjoint of x[index]."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, g):
        out = xp.zeros(self.shape, dtype=g.dtype)
        if _has_array(self.index):
            return backend.scatter_add(out, self.index, g)
        out[self.index] = g  # a basic index never repeats an element: plain assignment is exact
        return out

    def backward(self, ggx):
        return GetItem(self.index)(ggx)


class Pad(Function):
    """Zero padding: ``widths[i] = (before, after)`` for axis i; backward crops."""

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        return xp.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        return gy[tuple(slice(before, n - after) for (before, after), n in zip(self.widths, gy.shape))]


def getitem(x, index):
    return GetItem(_plain_index(index))(as_tensor(x))


def _pad_widths(pad_width, ndim):
    """numpy.pad's forms (n, (before, after), or one pair per axis) as one pair per axis."""
    try:  # host numbers, worked out on the host: xp would upload them to a GPU only to copy them back
        widths = backend.numpy.broadcast_to(backend.numpy.asarray(pad_width), (ndim, 2)).tolist()
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} must be an int, a (before, after) pair, "
                         f"or {ndim} such pairs") from None
    if any(not float(w).is_integer() or w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: pad_width {pad_width!r} must hold non-negative integers")
    return tuple((int(before), int(after)) for before, after in widths)


def pad(x, pad_width, value=0.0):
    """Pad with a constant like numpy.pad(mode="constant"): pad(x, ((0, 0), (1, 2)))."""
    x = as_tensor(x)
    return Pad(_pad_widths(pad_width, x.ndim), value)(x)
