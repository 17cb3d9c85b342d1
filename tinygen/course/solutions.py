"""The exercises answered with tinygen's own functions: ``tinygen check NN --solutions`` runs the checks
on these, proving that every check passes on a correct answer."""
import numpy as np

import tinygen.functional as F
from tinygen.functional.im2col import im2col as _im2col


def conv_output_size(i, k, s, p, d):
    return F.conv_output_size(i, k, s, p, d)


def im2col(x, k, s, p):
    size = tuple(F.conv_output_size(n, k, s, p) for n in x.shape[2:])
    return _im2col(np.asarray(x), (k, k), (s, s), (p, p), (1, 1), size)


def insert_zeros(x, s):
    return F.insert_zeros(x, s).numpy()


def transposed_padding(k, p):
    return k - 1 - p  # F.pad_for_transpose's p' without dilation


def batch_norm(x, gamma, beta, eps=1e-5):
    return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def cross_entropy(logits, labels):
    return F.cross_entropy(logits, labels)


def bce_with_logits(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets)
