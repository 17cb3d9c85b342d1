"""Exercises of lesson 04 (transposed convolution). Write each function, then check it with `tinygen check 04`."""
import numpy as np  # noqa: F401 (for your answer)


def insert_zeros(x, s):
    """Step 2 of a transposed convolution: s - 1 zeros between neighbouring rows and columns.

    x: a NumPy array (N, C, H, W); stride s >= 1. Return a new array (N, C, s(H - 1) + 1, s(W - 1) + 1)
    with x's values on every s-th row and column and zeros elsewhere; for s = 1, a copy of x.
    """
    raise NotImplementedError


def transposed_padding(k, p):
    """Step 3: how many zeros p' go around the zero-inserted input, for kernel size k and padding p?

    Return the int p' such that a stride-1 convolution with the flipped kernel, run on
    insert_zeros(x, s) padded by p' zeros on every side, equals conv_transpose2d(x, w, stride=s,
    padding=p) (for 0 <= p <= k - 1).
    """
    raise NotImplementedError


def transposed_output_size(i, k, s, p, output_padding):
    """The output size of a transposed convolution along one axis.

    Input size i, kernel size k, stride s, padding p, and output_padding (0 <= output_padding < s: extra
    rows added on one side). Return the int o; e.g. transposed_output_size(7, 4, 2, 1, 0) == 14.
    """
    raise NotImplementedError
