"""Checks of lessons 05 (batch norm: the training forward pass, the running statistics) and 06 (the
classifier: log-softmax, cross-entropy).

The learner writes the Tensor ones with tinygen's Tensor operations, so besides the values the checks
compare the gradients that backward gives with those of tinygen's own functions.
"""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen.course.checks.cases import Check, expect_same_gradients, expect_same_values, for_all

seeds = st.integers(0, 2**16)
batch_shapes = st.one_of(st.tuples(st.integers(2, 6), st.integers(1, 4)),
                         st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)))


def verify_batch_norm(batch_norm):
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

    for_all(st.tuples(batch_shapes, seeds), claim)


def _running_statistics(running_mean, running_var, x, momentum):
    """tinygen's BatchNorm update: running = (1 - momentum) running + momentum batch (unbiased variance)."""
    mean, var = tg.zeros(x.shape[1], dtype=x.dtype), tg.ones(x.shape[1], dtype=x.dtype)
    mean.data[...], var.data[...] = running_mean, running_var
    F.batch_norm(tg.tensor(x), mean, var, training=True, momentum=momentum)
    return mean.numpy(), var.numpy()


def verify_update_running_stats(update_running_stats):
    def claim(case):
        shape, momentum, seed = case
        if np.prod(shape) // shape[1] < 2:
            return  # the unbiased variance of one value is undefined
        rng = np.random.default_rng(seed)
        x = rng.normal(2.0, 3.0, size=shape)
        mean, var = rng.normal(size=shape[1]), rng.uniform(0.5, 2.0, size=shape[1])
        expect_same_values(update_running_stats, _running_statistics, [mean, var, x, momentum],
                           f"update_running_stats(running_mean, running_var, x of shape {shape}, momentum={momentum})")

    for_all(st.tuples(batch_shapes, st.sampled_from([0.1, 0.5, 1.0]), seeds), claim)


logit_cases = st.tuples(st.integers(1, 8), st.integers(2, 10), st.sampled_from([1.0, 10.0, 1000.0]), seeds)


def verify_log_softmax(log_softmax):
    def claim(case):
        n, k, scale, seed = case
        logits = np.random.default_rng(seed).normal(size=(n, k)) * scale
        expect_same_gradients(log_softmax, lambda z: F.log_softmax(z, axis=1), [logits],
                              f"log_softmax(logits of shape {(n, k)} about {scale:g} in size)")

    for_all(logit_cases, claim)


def verify_cross_entropy(cross_entropy):
    def claim(case):
        n, k, scale, seed = case
        rng = np.random.default_rng(seed)
        logits, labels = rng.normal(size=(n, k)) * scale, rng.integers(0, k, size=n)
        expect_same_gradients(cross_entropy, F.cross_entropy, [logits, labels],
                              f"cross_entropy(logits of shape {(n, k)} about {scale:g} in size, labels)")

    for_all(logit_cases, claim)


CHECKS = {
    "05": [Check("batch_norm", verify_batch_norm,
                 "each channel is standardized with its own mean and spread, taken over every axis but the "
                 "channel axis; which variance does training mode use, and what shape must gamma take to line "
                 "up with x's channels?"),
           Check("update_running_stats", verify_update_running_stats,
                 "the running values move a fraction `momentum` of the way toward this batch's statistics; "
                 "evaluation must estimate the population's variance, not the batch's", gives="array")],
    "06": [Check("log_softmax", verify_log_softmax,
                 "log softmax(z) = z - log sum exp(z) along each row; exp overflows for large z, but "
                 "shifting every entry of a row by one constant does not change the softmax"),
           Check("cross_entropy", verify_cross_entropy,
                 "the loss of one example is minus the log-probability of its own label; how do you pick one "
                 "column per row with an operation backward understands?")],
}
