"""Elementwise functions: exp, log, sqrt, abs, where and what is built from it.

``where`` is the one selection primitive; maximum, minimum and clip are written
with it, so their gradients (and gradients of gradients) come for free.
"""
from tinygen.autograd import Function, Tensor, as_tensor, as_tensor_pair
from tinygen.backend import xp
from tinygen.functional.shape import sum_to


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
        return gy * Tensor(xp.sign(self.inputs[0].data))


class Where(Function):
    """y = a where condition else b (condition is a fixed boolean array, broadcast)."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return xp.where(self.condition, a, b)

    def backward(self, gy):
        a, b = self.inputs
        zero = as_tensor(0, like=gy)
        return sum_to(where(self.condition, gy, zero), a.shape), sum_to(where(self.condition, zero, gy), b.shape)


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.inputs[0].dtype)


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
    a, b = as_tensor_pair(a, b)
    try:
        xp.broadcast_shapes(condition.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: condition {condition.shape}, a {a.shape} and b {b.shape} do not broadcast") from None
    return Where(condition.astype(bool))(a, b)


def maximum(a, b):
    """Elementwise larger value; at a tie the gradient goes to ``a``."""
    a, b = as_tensor_pair(a, b)
    return where(a.data >= b.data, a, b)


def minimum(a, b):
    """Elementwise smaller value; at a tie the gradient goes to ``a``."""
    a, b = as_tensor_pair(a, b)
    return where(a.data <= b.data, a, b)


def clip(x, low=None, high=None):
    """Limit values to [low, high]; the gradient is 1 inside and 0 where clipped."""
    if low is not None and high is not None and low > high:
        raise ValueError(f"clip: low ({low}) must not exceed high ({high})")
    x = as_tensor(x)
    if low is not None:
        x = maximum(x, low)
    if high is not None:
        x = minimum(x, high)
    return x


def astype(x, dtype):
    x = as_tensor(x)
    return x if x.dtype == dtype else Cast(dtype)(x)
