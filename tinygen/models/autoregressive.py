"""What MADE and PixelCNN share: binary images, the Bernoulli factorization, and sampling in order.

Both models give each pixel a logit computed from the pixels before it in their order, so

    log p(x) = sum_d log Bernoulli(x_d | sigmoid(l_d)) = -sum_d BCE_with_logits(l_d, x_d),   l_d = logit_d(x_<d)

is an exact, normalized log-likelihood in nats; and a sample is drawn one pixel at a time, each from
the logits of the pixels drawn so far (D network calls for D pixels: the price of exactness).
"""
import tinygen.functional as F
from tinygen import backend
from tinygen.autograd import Tensor, as_tensor, no_grad
from tinygen.backend import xp
from tinygen.data.transforms import binarize


def check_binary(x, owner):
    """``x`` as a floating-point Tensor; ValueError unless every value is 0 or 1 (the models are Bernoulli)."""
    x = as_tensor(x)
    if not backend.is_floating(x.dtype):
        raise TypeError(f"{owner}: x must be a floating-point array of 0s and 1s, got dtype {x.dtype}")
    outside = (x.data != 0) & (x.data != 1)
    if bool(outside.any()):
        example = float(x.data[outside].reshape(-1)[0])
        raise ValueError(f"{owner}: x must be binary (every pixel 0 or 1), got a pixel of {example:g}; binarize the "
                         "images first (tinygen.data.transforms.binarize: 1 where a pixel is above 0.5)")
    return x


def bernoulli_log_prob(logits, x):
    """sum over every axis but the first of log Bernoulli(x | sigmoid(logits)): (N, ...) twice -> (N,), nats."""
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return -per_pixel.reshape(len(x), -1).sum(axis=1)


def check_count(n, owner):
    """``n`` as the number of samples to draw; ValueError unless it is a positive int."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{owner}: n must be a positive int (how many images to draw), got {n!r}")
    return n


def sample_in_order(logit_of, order, n, size, dtype):
    """``n`` binary vectors of ``size`` pixels, drawn in ``order`` (a permutation of range(size)).

    ``logit_of(x, pixel)`` gives the logits (n,) of pixel ``pixel`` given x, a Tensor (n, size) whose pixels
    not yet drawn are 0 (the models never look at them): pixel order[d] ~ Bernoulli(sigmoid(logit)) from
    x_order[<d]. Returns a backend array (n, size) of 0 and 1.
    """
    x = xp.zeros((n, size), dtype=dtype)
    uniforms = backend.generator().random((len(order), n), dtype=dtype)
    with no_grad():
        for step, pixel in enumerate(order):
            probability = F.sigmoid(logit_of(Tensor(x), int(pixel))).data
            x[:, int(pixel)] = (uniforms[step] < probability).astype(dtype)
    return x


def binarized_loss(model):
    """A GradientTrainer's loss_fn: ``model.loss`` of the batch's images binarized at 0.5 (the RBM's binarization,
    one for every likelihood in tinygen's table)."""
    return lambda batch: model.loss(Tensor(binarize(backend.to_backend(batch[0]))))
