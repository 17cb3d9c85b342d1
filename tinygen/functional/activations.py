"""Activation functions: relu, leaky_relu, sigmoid, silu, tanh, softplus, softmax (log_softmax, logsumexp), dropout.

Each is computed so that no intermediate overflows for large |x|: sigmoid and
softplus only ever take exp of -|x|, which lies in (0, 1]; silu takes exp of at most 80. Backward passes are
Tensor expressions, so every activation is twice differentiable.
"""
from tinygen import backend
from tinygen.autograd import Function, Tensor, as_tensor, is_grad_enabled
from tinygen.backend import xp
from tinygen.functional.elementwise import log
from tinygen.functional.reduction import sum
from tinygen.functional.shape import axis_or_dim, normalize_axes
from tinygen.functional.slope import scale_by_slope


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x (slope 0 is ReLU).  Shapes: any -> same."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        positive = x > 0
        if self.slope == 0:  # relu: one pass, and its 0/1 slope kept as booleans (gy * bool is gy's dtype)
            self.slope_mask = positive
            return xp.maximum(x, 0)  # 0, not the -0 of x * 0, for x <= 0, as PyTorch prints it; NaN stays NaN
        # arithmetic on the 0/1 mask, not xp.where: numpy's where branches per element and is
        # several times slower on a mask as unpredictable as the signs of activations
        positive = positive.astype(x.dtype)
        self.slope_mask = positive + (1 - positive) * x.dtype.type(self.slope)
        return x * self.slope_mask

    def backward(self, gy):
        return scale_by_slope(gy, self.inputs[0], self.slope_mask)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x) = e^x / (1 + e^x), from d = e^-|x| so nothing overflows;  dy/dx = y (1 - y).

    The numerator is 1 for x >= 0 and d otherwise, i.e. max(d, [x >= 0]) since d <= 1
    (exact, and without numpy's slow per-element branching in where).
    """

    def forward(self, x):
        decay = xp.exp(-xp.abs(x))
        return xp.maximum(decay, (x >= 0).astype(x.dtype)) / (1 + decay)

    def backward(self, gy):
        y = self.output_tensors[0]
        return gy * y * (1 - y)


class SiLU(Function):
    """y = x sigmoid(x) (the swish);  dy/dx = s + x s (1 - s) = s (1 + x (1 - s)), s = sigmoid(x).

    Here s = 1 / (1 + e^-x) with -x capped at 80 (e^80 fits float32): four in-place passes, about twice as
    fast as Sigmoid's branch-free form, and as accurate; below x = -80, x s is below 1e-33 either way.
    """

    def forward(self, x):
        s = xp.negative(x, out=xp.empty_like(x))  # out=: an array even for 0-d x, so the passes stay in place
        xp.minimum(s, 80, out=s)
        xp.exp(s, out=s)
        s += 1
        self.s = xp.reciprocal(s, out=s)
        return x * s

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # first order: the slope from the saved sigmoid in place, no graph to build
            slope = 1 - self.s
            slope *= x.data
            slope += 1
            slope *= self.s
            slope *= gy.data
            return Tensor(slope)
        s = sigmoid(x)  # second order needs s as a function of x
        return gy * (s * (1 + x * (1 - s)))


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 - y^2."""

    def forward(self, x):
        return xp.tanh(x)

    def backward(self, gy):
        y = self.output_tensors[0]
        return gy * (1 - y * y)


def log1p_of_fraction(u):
    """log(1 + u) for arrays u in [0, 1], to about an ulp: log(w) + (u - (w - 1)) / w with w = 1 + u rounded.

    w - 1 and u - (w - 1) are exact here, so the second term restores, to first order, what rounding
    1 + u lost (all of u when u < eps). NumPy's log is vectorized and its log1p is not: ~5x faster.
    """
    w = 1 + u
    return xp.log(w) + (u - (w - 1)) / w


class Softplus(Function):
    """y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|);  dy/dx = sigmoid(x)."""

    def forward(self, x):
        return xp.maximum(x, 0) + log1p_of_fraction(xp.exp(-xp.abs(x)))

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


def relu(x):
    """max(x, 0); the gradient at 0 is 0, as in PyTorch."""
    return LeakyReLU(0.0)(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU(negative_slope)(as_tensor(x))


def sigmoid(x):
    return Sigmoid()(as_tensor(x))


def silu(x):
    """x * sigmoid(x): smooth, and unlike relu slightly negative for x < 0. Shapes: any -> same."""
    return SiLU()(as_tensor(x))


def tanh(x):
    return Tanh()(as_tensor(x))


def softplus(x):
    return Softplus()(as_tensor(x))


def logsumexp(x, axis=None, keepdim=False, *, dim=None):
    """log(sum(e^x)) over ``axis`` (every axis when None), computed as m + log(sum(e^(x - m))), m the maximum.

    m enters as a constant: the value does not depend on it, so no gradient is lost and
    e^(x - m) <= 1 cannot overflow. d/dx = softmax(x). Shapes: reduced over ``axis``.
    ``dim=`` is PyTorch's name for ``axis`` (as for softmax, log_softmax and cat): either may be given.
    """
    x = _floating(x, "logsumexp")
    axes = normalize_axes(axis_or_dim(axis, dim, "logsumexp"), x.ndim, "logsumexp")
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"logsumexp: cannot reduce an empty axis of a tensor of shape {x.shape}")
    largest = x.data.max(axis=axes, keepdims=True)
    shift = Tensor(xp.where(xp.isfinite(largest), largest, 0))  # all -inf (or an inf) stays -inf (or inf), not NaN
    total = shift + log(sum((x - shift).exp(), axis=axes, keepdims=True))
    return total if keepdim else total.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


def _floating(x, op):
    x = as_tensor(x)
    if not backend.is_floating(x.dtype):
        raise TypeError(f"{op}: input must hold floating-point numbers, got dtype {x.dtype}")
    return x


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x) along ``axis`` (or ``dim``): log-probabilities that cannot overflow."""
    x = _floating(x, "log_softmax")
    return x - logsumexp(x, axis=axis_or_dim(axis, dim, "log_softmax", default=-1), keepdim=True)


def softmax(x, axis=-1, *, dim=None):
    """e^x / sum(e^x) along ``axis`` (or ``dim``), as exp(log_softmax): each slice sums to 1. Shapes: any -> same."""
    return log_softmax(_floating(x, "softmax"), axis=axis_or_dim(axis, dim, "softmax", default=-1)).exp()


def dropout(x, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p).

    The expected value is unchanged, so evaluation (``training=False``) is the identity.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1), got {p!r}")
    x = as_tensor(x)
    if not training or p == 0:
        return x
    keep = backend.generator().random(x.shape, dtype=x.dtype) >= p
    return x * Tensor(keep.astype(x.dtype) / x.dtype.type(1 - p))
