"""Exercises of lesson 07 (the autoencoder). Write each function, then check it with `tinygen check 07`."""
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


def autoencoder_loss(encoder, decoder, images):
    """One forward pass of a dense autoencoder and its loss.

    encoder: a module mapping (N, D) to codes (N, K); decoder: a module mapping codes (N, K) to logits
    (N, D); images: a Tensor (N, C, H, W) of pixel values in [0, 1], with D = C * H * W. Return the scalar
    Tensor: the binary cross-entropy between the reconstruction's logits and the images' pixels, averaged
    over every pixel of every image. The check compares the gradient on every weight of both networks.
    """
    raise NotImplementedError
