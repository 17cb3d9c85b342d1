"""Making tensors: from data, filled with a constant, or drawn from the seeded generator (randn, rand, randint,
bernoulli)."""
import numbers

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp


def _shape(shape):
    """A tuple of Python ints from ``(2, 3)``, ``2, 3`` or NumPy integers; ValueError for anything else."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    if any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0 for n in shape):
        raise ValueError(f"shape must hold non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def tensor(data, requires_grad=False, dtype=None):
    """A new Tensor holding a copy of ``data``, as torch.tensor (Python floats become float32; arrays keep their dtype).

    ``Tensor(array)`` shares the array's memory instead, as torch.from_numpy.
    """
    data = data.data if isinstance(data, Tensor) else data
    return Tensor(backend.asarray(data, dtype=dtype).copy() if hasattr(data, "dtype") else data,
                  requires_grad=requires_grad, dtype=dtype)


def zeros(*shape, dtype=None, requires_grad=False):
    return Tensor(xp.zeros(_shape(shape), dtype=dtype or backend.default_float()), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return Tensor(xp.ones(_shape(shape), dtype=dtype or backend.default_float()), requires_grad=requires_grad)


def full(shape, value, dtype=None, requires_grad=False):
    return Tensor(xp.full(_shape((shape,)), value, dtype=dtype or backend.default_float()),
                  requires_grad=requires_grad)


def arange(*args, dtype=None):
    return Tensor(xp.arange(*args, dtype=dtype))


def randn(*shape, dtype=None, requires_grad=False):
    """Standard normal samples from the generator that ``manual_seed`` resets."""
    values = backend.generator().standard_normal(_shape(shape), dtype=dtype or backend.default_float())
    return Tensor(values, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the generator that ``manual_seed`` resets."""
    values = backend.generator().random(_shape(shape), dtype=dtype or backend.default_float())
    return Tensor(values, requires_grad=requires_grad)


def randint(low, high=None, size=(), dtype="int64"):
    """Integers drawn uniformly from [low, high) (from [0, low) when high is None), as torch.randint."""
    low, high = (0, low) if high is None else (low, high)
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (low, high)) or low >= high:
        raise ValueError(f"randint: low and high must be integers with low < high, got low={low!r}, high={high!r}")
    size = _shape((size,) if isinstance(size, (tuple, list)) else (size,))
    return Tensor(backend.generator().integers(int(low), int(high), size=size, dtype=dtype))


def bernoulli(probabilities):
    """1 with probability p, else 0, for each element p of ``probabilities`` (in [0, 1]); same shape and dtype.

    A sample carries no gradient (as in PyTorch): it is a draw, not a function of p.
    """
    p = probabilities if isinstance(probabilities, Tensor) else Tensor(probabilities)
    if p.dtype.kind != "f":
        raise TypeError(f"bernoulli: probabilities must be floating-point, got dtype {p.dtype}")
    if p.size and not bool(((p.data >= 0) & (p.data <= 1)).all()):
        raise ValueError(f"bernoulli: probabilities must lie in [0, 1], got values from {float(p.data.min())} "
                         f"to {float(p.data.max())}")
    return Tensor((backend.generator().random(p.shape, dtype=p.dtype) < p.data).astype(p.dtype))


def _like(make):
    def like(other, dtype=None, requires_grad=False):
        return make(*other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)
    like.__name__ = make.__name__ + "_like"
    like.__doc__ = f"``{make.__name__}`` with the shape and dtype of another tensor."
    return like


zeros_like, ones_like, randn_like, rand_like = (_like(f) for f in (zeros, ones, randn, rand))
