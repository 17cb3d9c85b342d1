"""Exercises of lesson 02 (gradient checking). Write each function, then check it with `tinygen check 02`."""
import numpy as np  # noqa: F401 (for your answer)


def central_difference(f, x, eps):
    """The numerical gradient of f at x by central differences.

    f: a function of a float64 NumPy array of x's shape that returns a float; x: a float64 NumPy array of any
    shape; eps: the step. Return a NumPy array g of x's shape with
        g[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),
    e_i the array that is 1 at index i and 0 elsewhere. Leave x as you found it (the caller still uses it).
    """
    raise NotImplementedError


def relative_error(analytic, numeric):
    """How far apart two gradients are, relative to their size: the worst element's relative error.

    analytic, numeric: NumPy arrays of one shape. For each element, |a - n| / max(|a|, |n|), counted as 0
    where both are 0; return the largest of these as a float.
    """
    raise NotImplementedError
