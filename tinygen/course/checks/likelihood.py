"""Checks of lesson 20 (likelihood): MADE's masks, the coupling layer's log-determinant, bits per dimension."""
import math

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

from tinygen.course.checks.cases import Check, expect_same_gradients, expect_same_values, for_all

seeds = st.integers(0, 2**16)


def _made_masks(input_degrees, hidden_degrees):
    return ((hidden_degrees[:, None] >= input_degrees[None, :]).astype(float),
            (input_degrees[:, None] > hidden_degrees[None, :]).astype(float))


def verify_made_masks(made_masks):
    def claim(case):
        size, hidden, seed = case
        rng = np.random.default_rng(seed)
        inputs, degrees = rng.permutation(size) + 1, rng.integers(1, size, hidden)
        expect_same_values(made_masks, _made_masks, [inputs, degrees],
                           f"made_masks(input_degrees={inputs.tolist()}, hidden_degrees={degrees.tolist()})")

    for_all(st.tuples(st.integers(2, 7), st.integers(1, 6), seeds), claim)


def _coupling_log_det(s, mask):
    return ((1 - mask) * s).reshape(s.shape[0], -1).sum(axis=1)


def verify_coupling_log_det(coupling_log_det):
    def claim(case):
        n, channels, side, parity, seed = case
        s = np.random.default_rng(seed).normal(size=(n, channels, side, side))
        rows, columns = np.indices((side, side))
        mask = ((rows + columns + parity) % 2 == 0).astype(float).reshape(1, 1, side, side)
        expect_same_gradients(coupling_log_det, _coupling_log_det, [s, mask],
                              f"coupling_log_det(s of shape {s.shape}, a checkerboard mask of parity {parity})",
                              differentiable=[0])

    for_all(st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(2, 4), st.integers(0, 1), seeds), claim)


def _bits_per_dim(log_prob, dimensions):
    return (-log_prob + dimensions * math.log(256)) / (dimensions * math.log(2))


def verify_bits_per_dim(bits_per_dim):
    def claim(case):
        n, dimensions, seed = case
        log_prob = np.random.default_rng(seed).normal(0, 100, n)
        expect_same_values(bits_per_dim, _bits_per_dim, [log_prob, dimensions],
                           f"bits_per_dim(log_prob={np.round(log_prob, 2).tolist()}, dimensions={dimensions})")

    for_all(st.tuples(st.integers(1, 4), st.integers(1, 784), seeds), claim)


CHECKS = {
    "20": [Check("made_masks", verify_made_masks,
                 "a hidden unit may see the pixels whose degree is at most its own; a logit only the hidden units "
                 "whose degree is strictly below its pixel's, so that no logit sees its own pixel",
                 gives="array", differentiable=False),
           Check("coupling_log_det", verify_coupling_log_det,
                 "the Jacobian is triangular, with exp(s) on the diagonal where a unit changes and 1 where the mask "
                 "keeps it: add up s over each example's free units only"),
           Check("bits_per_dim", verify_bits_per_dim,
                 "dividing each of the D coordinates by 256 multiplied the density by 256^D; add that back to "
                 "-log p, then turn nats into bits and share them among the D dimensions",
                 gives="array", differentiable=False)],
}
