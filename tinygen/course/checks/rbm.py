"""Checks of lesson 15 (RBMs): the free energy, and one contrastive-divergence (CD-1) update."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

from tinygen.course.checks.cases import Check, expect_same_values, for_all

seeds = st.integers(0, 2**16)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _rbm(case, scale=0.5):
    n, visible, hidden, seed = case
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(hidden, visible)) * scale
    visible_bias, hidden_bias = rng.normal(size=visible) * scale, rng.normal(size=hidden) * scale
    v = (rng.uniform(size=(n, visible)) < 0.5).astype(float)
    return rng, weight, visible_bias, hidden_bias, v


def _free_energy(v, weight, visible_bias, hidden_bias):
    return -v @ visible_bias - np.logaddexp(0, v @ weight.T + hidden_bias).sum(axis=1)


def verify_free_energy(free_energy):
    def claim(case):
        *shape, scale = case
        _, weight, visible_bias, hidden_bias, v = _rbm(shape, scale)
        n, visible, hidden, _ = shape
        expect_same_values(free_energy, _free_energy, [v, weight, visible_bias, hidden_bias],
                           f"free_energy(v of shape {(n, visible)}, weight of shape {(hidden, visible)}, biases, "
                           f"weights about {scale:g} in size)")

    for_all(st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5), seeds, st.sampled_from([0.5, 300.0])),
            claim)


def _cd1_update(weight, visible_bias, hidden_bias, v, lr, uniform_h, uniform_v):
    p_h = _sigmoid(v @ weight.T + hidden_bias)
    h = (uniform_h < p_h).astype(v.dtype)
    v1 = (uniform_v < _sigmoid(h @ weight + visible_bias)).astype(v.dtype)
    p_h1 = _sigmoid(v1 @ weight.T + hidden_bias)
    return (weight + lr * (p_h.T @ v - p_h1.T @ v1) / len(v), visible_bias + lr * (v - v1).mean(axis=0),
            hidden_bias + lr * (p_h - p_h1).mean(axis=0))


def verify_cd1_update(cd1_update):
    def claim(case):
        rng, weight, visible_bias, hidden_bias, v = _rbm(case)
        n, visible, hidden, _ = case
        uniform_h, uniform_v = rng.uniform(size=(n, hidden)), rng.uniform(size=(n, visible))
        expect_same_values(cd1_update, _cd1_update, [weight, visible_bias, hidden_bias, v, 0.1, uniform_h, uniform_v],
                           f"cd1_update on {n} images of {visible} pixels, {hidden} hidden units")

    for_all(st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5), seeds), claim)


CHECKS = {
    "15": [Check("free_energy", verify_free_energy,
                 "sum the binary hidden units out of exp(-E(v, h)): each contributes a factor 1 + exp(its input); "
                 "for inputs in the hundreds, compute log(1 + exp(a)) without forming exp(a)", gives="array"),
           Check("cd1_update", verify_cd1_update,
                 "positive phase from the data, one Gibbs step down and up for the negative phase; a unit is on "
                 "when its uniform number is below its probability, but the statistics use the hidden "
                 "probabilities; average over the batch", gives="array")],
}
