"""Elementwise functions: exp, log, sqrt, abs, where and what is built from it.

``where`` is the one selection primitive; maximum, minimum and clip are written
with it, so their gradients (and gradients of gradients) come for free.
"""
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp
from tinygen.functional.promotion import promote
from tinygen.functional.shape import sum_to
from tinygen.functional.slope import scale_by_slope


class Exp(Function):
    """y = e^x;  dy/dx = y."""

    def forward(self, x):
        return xp.exp(x)

    def backward(self, gy):
        return gy * self.output_tensors[0]


class Log(Function):
    """y = ln x;  dy/dx = 1/x."""

    def forward(self, x):
        return xp.log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1 / (2y)."""

    def forward(self, x):
        return xp.sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.output_tensors[0])


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at 0)."""

    def forward(self, x):
        return xp.abs(x)

    def backward(self, gy):
        x = self.inputs[0]
        return scale_by_slope(gy, x, xp.sign(x.data))


class Where(Function):
    """y = a where condition else b (condition is a fixed boolean array, broadcast)."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return xp.where(self.condition, a, b)

    def backward(self, gy):
        a, b = self.inputs
        zero = Tensor(xp.zeros((), dtype=gy.dtype))
        return sum_to(where(self.condition, gy, zero), a.shape), sum_to(where(self.condition, zero, gy), b.shape)


def exp(x):
    return Exp()(as_tensor(x))


def log(x):
    return Log()(as_tensor(x))


def sqrt(x):
    return Sqrt()(as_tensor(x))


def abs(x):
    return Abs()(as_tensor(x))


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` holds, else from ``b``; condition gets no gradient."""
    condition = condition.data if isinstance(condition, Tensor) else xp.asarray(condition)
    a, b = promote(a, b)
    try:
        xp.broadcast_shapes(condition.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: condition {condition.shape}, a {a.shape} and b {b.shape} do not broadcast") from None
    return Where(condition.astype(bool))(a, b)


def maximum(a, b):
    """Elementwise larger value, NaN if either is NaN; at a tie each side gets half the gradient (as PyTorch)."""
    a, b = promote(a, b)
    return _select(a, b, a.data > b.data)


def minimum(a, b):
    """Elementwise smaller value, NaN if either is NaN; at a tie each side gets half the gradient (as PyTorch)."""
    a, b = promote(a, b)
    return _select(a, b, a.data < b.data)


def _select(a, b, a_wins):
    """a where ``a_wins`` or a is NaN; b where b wins or b is NaN; at a tie a/2 + b/2 (= either, and no overflow)."""
    take_a, take_b = a_wins | xp.isnan(a.data), ~a_wins & (a.data != b.data)  # a NaN b also != a
    tie = a * 0.5 + b * 0.5 if a.dtype.kind == "f" else a  # integers carry no gradient to share
    return where(take_a, a, where(take_b, b, tie))


def clip(x, low=None, high=None):
    """Limit values to [low, high] (NaN stays NaN); the gradient is 1 inside and on the bounds, 0 past them."""
    if low is not None and high is not None and low > high:
        raise ValueError(f"clip: low ({low}) must not exceed high ({high})")
    x = promote(x, *[bound for bound in (low, high) if bound is not None])[0]
    if low is not None:
        x = where(x.data < low, low, x)
    if high is not None:
        x = where(x.data > high, high, x)
    return x
