"""Solutions of lesson 03's exercises (convolution)."""
import numpy as np


def conv_output_size(i, k, s, p, d):
    span = d * (k - 1) + 1  # the pixels one placement of the kernel covers
    return (i + 2 * p - span) // s + 1


def im2col(x, k, s, p):
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out_h, out_w = conv_output_size(h, k, s, p, 1), conv_output_size(w, k, s, p, 1)
    columns = np.empty((n, out_h, out_w, k, k, c), dtype=x.dtype)
    for i in range(k):  # one loop over the kernel's taps: tap (i, j) sees a strided slice of the image
        for j in range(k):
            window = padded[:, :, i:i + s * (out_h - 1) + 1:s, j:j + s * (out_w - 1) + 1:s]
            columns[:, :, :, i, j, :] = window.transpose(0, 2, 3, 1)
    return columns.reshape(n * out_h * out_w, k * k * c)
