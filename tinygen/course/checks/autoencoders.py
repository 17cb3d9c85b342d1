"""Checks of lessons 07 (the autoencoder: its loss from logits, one forward pass) and 08 (the family's
penalties: contractive and sparse)."""
import math

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn
from tinygen.course.checks.cases import (Check, expect_same_gradients, expect_same_parameter_gradients,
                                         for_all)

seeds = st.integers(0, 2**16)


def verify_bce_with_logits(bce_with_logits):
    extreme = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])
    for targets in (np.zeros_like(extreme), np.ones_like(extreme)):
        expect_same_gradients(bce_with_logits, F.binary_cross_entropy_with_logits, [extreme, targets],
                              f"bce_with_logits(logits {extreme.tolist()}, targets all {targets[0, 0]:g})", [0])

    def claim(case):
        n, d, seed = case
        rng = np.random.default_rng(seed)
        logits, targets = rng.normal(size=(n, d)) * 5, rng.uniform(size=(n, d))
        expect_same_gradients(bce_with_logits, F.binary_cross_entropy_with_logits, [logits, targets],
                              f"bce_with_logits(logits of shape {(n, d)}, targets in [0, 1])")

    for_all(st.tuples(st.integers(1, 5), st.integers(1, 6), seeds), claim)


def _autoencoder_loss(encoder, decoder, images):
    flat = images.reshape(images.shape[0], -1)
    return F.binary_cross_entropy_with_logits(decoder(encoder(flat)), flat)


def verify_autoencoder_loss(autoencoder_loss):
    """Value and every weight's gradient, for small dense autoencoders on images of several shapes."""
    def claim(case):
        n, channels, side, code, seed = case
        tg.manual_seed(seed)
        pixels = channels * side * side
        encoder = nn.Sequential(nn.Linear(pixels, code), nn.Sigmoid()).double()
        decoder = nn.Linear(code, pixels).double()
        images = tg.tensor(np.random.default_rng(seed).uniform(size=(n, channels, side, side)))
        expect_same_parameter_gradients(autoencoder_loss, _autoencoder_loss, [encoder, decoder], [images],
                                        f"autoencoder_loss(encoder {pixels} -> {code}, decoder {code} -> {pixels}, "
                                        f"images of shape {(n, channels, side, side)})")

    for_all(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 4), st.integers(1, 3), seeds), claim)


def _codes(seed, n, units, pixels):
    """A sigmoid code layer's output h (N, K) and its weight W (K, D), as an encoder would make them."""
    rng = np.random.default_rng(seed)
    x, weight, bias = rng.uniform(size=(n, pixels)), rng.normal(size=(units, pixels)), rng.normal(size=units)
    return 1 / (1 + np.exp(-(x @ weight.T + bias))), weight


def _contractive_penalty(code, weight):
    slope = code * (1 - code)  # the sigmoid's derivative, from its output
    return (slope * slope) @ (weight * weight).sum(axis=1)


def verify_contractive_penalty(contractive_penalty):
    def claim(case):
        n, units, pixels, seed = case
        code, weight = _codes(seed, n, units, pixels)
        expect_same_gradients(contractive_penalty, _contractive_penalty, [code, weight],
                              f"contractive_penalty(code of shape {(n, units)}, weight of shape {(units, pixels)})")

    for_all(st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 6), seeds), claim)


def _sparse_penalty(code, rho):
    rate = code.mean(axis=0)
    return (rho * (math.log(rho) - rate.log()) + (1 - rho) * (math.log(1 - rho) - (1 - rate).log())).sum()


def verify_sparse_penalty(sparse_penalty):
    def claim(case):
        n, units, rho, seed = case
        code = np.random.default_rng(seed).uniform(0.01, 0.99, size=(n, units))
        expect_same_gradients(lambda h: sparse_penalty(h, rho), lambda h: _sparse_penalty(h, rho), [code],
                              f"sparse_penalty(code of shape {(n, units)}, rho={rho})")

    for_all(st.tuples(st.integers(1, 6), st.integers(1, 5), st.sampled_from([0.05, 0.2, 0.5]), seeds), claim)


CHECKS = {
    "07": [Check("bce_with_logits", verify_bce_with_logits,
                 "taking sigmoid first loses everything for large |z| (log of 0); write each case's log-sigmoid "
                 "directly in terms of z, in a form whose exp never sees a large positive number; and look at "
                 "the gradient at z = 0 exactly, where the slope of max or |.| is a choice"),
           Check("autoencoder_loss", verify_autoencoder_loss,
                 "the dense networks take one row per image; what shape must the images have going in, and "
                 "what do the decoder's outputs compare against? They are logits, not probabilities")],
    "08": [Check("contractive_penalty", verify_contractive_penalty,
                 "for a sigmoid code layer, the Jacobian's row j is the derivative of h_j with respect to its "
                 "pre-activation times row j of W; what is that derivative in terms of h_j, and what is the "
                 "squared norm of a scaled row?"),
           Check("sparse_penalty", verify_sparse_penalty,
                 "first measure how often each unit fires over the batch; then compare that rate with rho as two "
                 "Bernoulli distributions, one KL term per unit")],
}
