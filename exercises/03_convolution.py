"""Exercises of lesson 03 (convolution). Write each function, then check it with `tinygen check 03`."""
import numpy as np  # noqa: F401 (for your answer)


def conv_output_size(i, k, s, p, d):
    """How many outputs does a convolution give along one axis?

    Input size i, kernel size k, stride s, padding p (zeros on each side), dilation d (the kernel's
    taps are d pixels apart). Return the int o, e.g. conv_output_size(28, 3, 1, 0, 1) == 26.
    """
    raise NotImplementedError


def im2col(x, k, s, p):
    """The column matrix of a convolution: one row per output pixel, holding its k x k window.

    x: a NumPy array (N, C, H, W); square kernel k, stride s, padding p (zeros around the image).
    Return an array (N * oH * oW, k * k * C): row number (n * oH + a) * oW + b holds the window of
    image n whose top-left corner is at (a s, b s) of the padded image, its entries in the order
    (kernel row i, kernel column j, channel c) — the order tinygen uses. For a 4 x 4 image numbered
    0..15 and k=3, s=1, p=0 the first row is [0, 1, 2, 4, 5, 6, 8, 9, 10].
    A loop over the k x k kernel taps is fine; try to avoid loops over images and pixels.
    """
    raise NotImplementedError
