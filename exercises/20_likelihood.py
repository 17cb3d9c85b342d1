"""Exercises of lesson 20 (likelihood: exact, bound, estimate). Check them with `tinygen check 20`."""
import numpy as np  # noqa: F401 (for your answer)
import tinygen as tg  # noqa: F401 (for your answer)


def made_masks(input_degrees, hidden_degrees):
    """The two masks of a one-hidden-layer MADE; returns (hidden_mask, output_mask) as 0/1 float arrays.

    input_degrees (D,): pixel d's position in the order, 1..D. hidden_degrees (H,): each hidden unit's
    degree, an integer in 1..D-1. A hidden unit k may see pixel d when hidden_degrees[k] >= input_degrees[d]
    (hidden_mask (H, D)); the logit of pixel d may see hidden unit k only when input_degrees[d] >
    hidden_degrees[k] (output_mask (D, H)) — strictly, so that no logit sees its own pixel.
    """
    raise NotImplementedError


def coupling_log_det(s, mask):
    """log |det dy/dx| of RealNVP's affine coupling y = mask * x + (1 - mask) * (x * exp(s) + t), per example.

    s: a Tensor (N, ...) of the log-scales the coupling's net computed; mask: a Tensor (1, ...) of 0/1 that
    broadcasts against s (1: the unit is kept fixed). Returns a Tensor (N,) through which gradients reach s.
    """
    raise NotImplementedError


def bits_per_dim(log_prob, dimensions):
    """Bits per dimension of 8-bit images from log p of their dequantized values: an array (N,) -> (N,).

    log_prob (N,): log-densities in nats of images dequantized onto [0, 1]^D (x = (k + u) / 256), D =
    ``dimensions``. Undo the 1/256 scaling (each of the D coordinates was divided by 256) and convert
    nats to bits, per dimension: a density of 1 everywhere (log_prob 0) is 8 bits per dimension.
    """
    raise NotImplementedError
