"""Exercises of lesson 16 (the GPU backend). Write each function, then check it with `tinygen check 16`.

Each function takes a raw array, a NumPy array on the host or a CuPy array on the device, and must
return an array of the same kind, computed where it lives. The check runs it on both (on a machine
without a GPU, the device is tinygen's device-like test backend, which refuses what CuPy refuses).
"""
from tinygen import backend  # noqa: F401 (for your answer: backend.get_array_module)


def softplus(x):
    """softplus(x) = log(1 + exp(x)), elementwise, finite for x of +-1000.

    x: a NumPy or CuPy array. Return an array of x's shape and of x's library.
    """
    raise NotImplementedError


def logsumexp(x, axis):
    """log(sum(exp(x))) along ``axis`` (the axis removed), finite for entries of +-1000.

    x: a NumPy or CuPy array. Return an array of x's library.
    """
    raise NotImplementedError
