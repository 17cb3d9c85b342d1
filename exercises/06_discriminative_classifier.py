"""Exercises of lesson 06 (the classifier). Write each function, then check it with `tinygen check 06`."""
import numpy as np  # noqa: F401 (for your answer)

import tinygen as tg  # noqa: F401 (for your answer)


def log_softmax(logits):
    """Log-probabilities of each row: log softmax(z)_k = z_k - log sum_j exp(z_j).

    logits: a Tensor (N, K). Return a Tensor (N, K), finite for logits in the thousands (exp(1000)
    overflows). Use Tensor operations so that backward gives the gradient.
    """
    raise NotImplementedError


def cross_entropy(logits, labels):
    """The classifier's loss: -log softmax(logits)[label], averaged over the batch.

    logits: a Tensor (N, K) of scores; labels: a NumPy array (N,) of ints in 0..K-1. Return a scalar
    Tensor, finite for logits in the thousands. Use Tensor operations so that backward gives the gradient.
    """
    raise NotImplementedError
