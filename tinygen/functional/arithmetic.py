"""Arithmetic with NumPy broadcasting: + - * / ** @ and negation.

Broadcasting copies an input along some axes, so its gradient is the sum over
those axes: every backward ends with ``sum_to(g, input.shape)``.
"""
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp
from tinygen.functional.elementwise import where
from tinygen.functional.promotion import promote
from tinygen.functional.shape import reshape, sum_to, swapaxes


def _broadcastable(shape_a, shape_b):
    """Whether two shapes broadcast: aligned from the right, each pair of sizes equal or one of them 1."""
    return all(m == n or m == 1 or n == 1 for m, n in zip(reversed(shape_a), reversed(shape_b)))


def _check_broadcast(op, a, b):
    if a.shape != b.shape and not _broadcastable(a.shape, b.shape):  # pure Python: numpy's check costs ~10 us
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast "
                         "(each dimension must match or be 1, aligned from the right)")


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(gy, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(-gy, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs  # a constant operand (a mask, a target) needs no gradient: skip its product
        return (sum_to(gy * b, a.shape) if a.requires_grad else None,
                sum_to(gy * a, b.shape) if b.requires_grad else None)


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = gy / b
        return sum_to(ga, a.shape), (sum_to(-ga * a / b, b.shape) if b.requires_grad else None)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowConstant(Function):
    """y = x ** c for a constant number c;  dy/dx = c x^(c-1), and 0 for c = 0 (also at x = 0, as PyTorch)."""

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        return x ** x.dtype.type(self.exponent)

    def backward(self, gy):
        x, = self.inputs
        if self.exponent == 0:
            return Tensor(xp.zeros(x.shape, dtype=gy.dtype))
        return gy * self.exponent * x ** (self.exponent - 1)


class Pow(Function):
    """y = a ** b for tensors;  dy/da = b a^(b-1),  dy/db = a^b log a.

    At the edges, as PyTorch: dy/da = 0 where a = b = 0 (b a^(b-1) is 0 elsewhere on b = 0), and dy/db = 0 where
    a = 0 and b >= 0 (the limit from a > 0; log 0 = -inf would give NaN).
    """

    def forward(self, a, b):
        return a ** b

    def backward(self, gy):
        a, b = self.inputs
        y = self.output_tensors[0]
        ga = gb = None
        if a.requires_grad:  # where twice: the masked branch must not see 0 ** -1 either, or its gradient is NaN
            edge = (a.data == 0) & (b.data == 0)
            ga = sum_to(where(edge, 0, gy * b * where(edge, 1, a) ** (b - 1)), a.shape)
        if b.requires_grad:
            edge = (a.data == 0) & (b.data >= 0)
            gb = sum_to(where(edge, 0, gy * y * where(edge, 1, a).log()), b.shape)
        return ga, gb


class MatMul(Function):
    """(..., n, k) @ (..., k, m) -> (..., n, m), batch axes broadcast."""

    def forward(self, a, b):
        return xp.matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy @ swapaxes(b, -1, -2), a.shape) if a.requires_grad else None
        gb = sum_to(swapaxes(a, -1, -2) @ gy, b.shape) if b.requires_grad else None
        return ga, gb


def _binary(function_class, name, true_division=False):
    def op(a, b):
        a, b = promote(a, b, true_division=true_division)
        _check_broadcast(name, a, b)
        return function_class()(a, b)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name} with NumPy broadcasting and PyTorch's dtype promotion (tinygen.dtypes)."
    return op


add = _binary(Add, "add")
sub = _binary(Sub, "sub")
mul = _binary(Mul, "mul")
div = _binary(Div, "div", true_division=True)
_pow_tensor = _binary(Pow, "pow")


def neg(x):
    return Neg()(as_tensor(x))


def pow(x, exponent):
    """x ** exponent; a plain number exponent is a constant, a tensor one is differentiable."""
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        x, _ = promote(x, exponent)  # an integer tensor ** 0.5 is float, never truncated
        return PowConstant(exponent)(x)
    return _pow_tensor(x, exponent)


def matmul(a, b):
    """Matrix product like numpy.matmul; 1-D operands are promoted and the added axis dropped."""
    a, b = promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes {a.shape} and {b.shape}")
    a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
    b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last dimension "
                         f"of the first ({a2.shape[-1]}) must equal the second-to-last of the second ({b2.shape[-2]})")
    if not _broadcastable(a2.shape[:-2], b2.shape[:-2]):
        raise ValueError(f"matmul: batch dimensions {a2.shape[:-2]} and {b2.shape[:-2]} of shapes "
                         f"{a.shape} and {b.shape} do not broadcast")
    y = MatMul()(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y
