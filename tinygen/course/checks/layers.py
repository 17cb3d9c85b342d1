"""Checks of lessons 05 (batch norm), 06 (the classifier's loss) and 07 (the autoencoder's BCE loss).

The learner writes these with tinygen's Tensor operations, so besides the values the checks compare
the gradients that backward gives with those of tinygen's own functions.
"""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen.functional as F
from tinygen.course.checks.cases import Check, expect_same_gradients, for_all

seeds = st.integers(0, 2**16)


def verify_batch_norm(batch_norm):
    shapes = st.one_of(st.tuples(st.integers(2, 6), st.integers(1, 4)),
                       st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)))

    def claim(case):
        shape, seed = case
        if np.prod(shape) // shape[1] < 2:
            return  # one value per channel has no spread to normalize
        rng = np.random.default_rng(seed)
        x = rng.normal(3.0, 2.0, size=shape)
        gamma, beta = rng.normal(1.0, 0.5, size=shape[1]), rng.normal(size=shape[1])
        reference = lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5)
        expect_same_gradients(lambda x, g, b: batch_norm(x, g, b, eps=1e-5), reference, [x, gamma, beta],
                              f"batch_norm(x of shape {shape}, gamma, beta)")

    for_all(st.tuples(shapes, seeds), claim)


def verify_cross_entropy(cross_entropy):
    cases = st.tuples(st.integers(1, 8), st.integers(2, 10), st.sampled_from([1.0, 10.0, 1000.0]), seeds)

    def claim(case):
        n, k, scale, seed = case
        rng = np.random.default_rng(seed)
        logits, labels = rng.normal(size=(n, k)) * scale, rng.integers(0, k, size=n)
        expect_same_gradients(cross_entropy, F.cross_entropy, [logits, labels],
                              f"cross_entropy(logits of shape {(n, k)} about {scale:g} in size, labels)", [0])

    for_all(cases, claim)


def verify_bce_with_logits(bce_with_logits):
    extreme = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])
    for targets in (np.zeros_like(extreme), np.ones_like(extreme)):
        expect_same_gradients(bce_with_logits, F.binary_cross_entropy_with_logits, [extreme, targets],
                              f"bce_with_logits(logits {extreme.tolist()}, targets all {targets[0, 0]:g})", [0])
    cases = st.tuples(st.integers(1, 5), st.integers(1, 6), seeds)

    def claim(case):
        n, d, seed = case
        rng = np.random.default_rng(seed)
        logits, targets = rng.normal(size=(n, d)) * 5, rng.uniform(size=(n, d))
        expect_same_gradients(bce_with_logits, F.binary_cross_entropy_with_logits, [logits, targets],
                              f"bce_with_logits(logits of shape {(n, d)}, targets in [0, 1])")

    for_all(cases, claim)


CHECKS = {
    "05": [Check("batch_norm", verify_batch_norm,
                 "average over every axis but the channel axis 1 (keepdims=True), the biased variance "
                 "(divide by the count, not count - 1), then gamma and beta reshaped to (1, C, 1, ...)")],
    "06": [Check("cross_entropy", verify_cross_entropy,
                 "log softmax = z - max(z) - log(sum(exp(z - max(z)))): subtracting the row's maximum keeps exp "
                 "from overflowing; pick each row's label column with a one-hot mask and average over rows")],
    "07": [Check("bce_with_logits", verify_bce_with_logits,
                 "-(t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))) = softplus(z) - t z, and softplus(z) = "
                 "max(z, 0) + log(1 + exp(-|z|)) never overflows; average over every element")],
}
