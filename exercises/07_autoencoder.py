"""Exercises of lesson 07 (the autoencoder). Check them with `tinygen check 07`."""
import tinygen as tg  # noqa: F401 (for your answer)


def bce_with_logits(logits, targets):
    """The binary cross-entropy of sigmoid(logits) against targets, from the logits directly.

    logits, targets: Tensors of one shape, targets in [0, 1]. Per element the loss is
        -(t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))),
    averaged over all elements; return a scalar Tensor. Computing sigmoid first fails for large |z|
    (log(0)); rewrite the loss so that it stays finite, and its gradient too, for z = +-1000.
    Use Tensor operations so that backward gives the gradient.
    """
    raise NotImplementedError
