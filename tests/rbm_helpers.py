"""Small RBMs for the tests, and brute-force sums over every joint state to check them against."""
import numpy as np

from tinygen.models.rbm import all_binary_states
from tinygen.models.rbm.model import RBM


def random_rbm(n_visible, n_hidden, scale=1.0, seed=0, dtype="float64"):
    """An RBM with weights N(0, scale^2) and biases N(0, 1), in ``dtype``."""
    rng = np.random.default_rng(seed)
    rbm = RBM(n_visible, n_hidden).to(dtype)
    rbm.weight.data[...] = rng.normal(0.0, scale, (n_hidden, n_visible))
    rbm.visible_bias.data[...] = rng.normal(0.0, 1.0, n_visible)
    rbm.hidden_bias.data[...] = rng.normal(0.0, 1.0, n_hidden)
    return rbm


def joint_log_weights(rbm):
    """-E(v, h) for every visible state (rows) and hidden state (columns), computed by rbm.energy."""
    vs, hs = all_binary_states(rbm.n_visible), all_binary_states(rbm.n_hidden)
    v = np.repeat(vs, len(hs), axis=0)
    h = np.tile(hs, (len(vs), 1))
    return -rbm.energy(v, h).numpy().reshape(len(vs), len(hs)), vs, hs


def log_sum_exp(values, axis=None):
    top = values.max(axis=axis, keepdims=True)
    return np.squeeze(top + np.log(np.exp(values - top).sum(axis=axis, keepdims=True)), axis=axis)


def exact_visible_distribution(rbm):
    """p(v) for every visible state, in all_binary_states order, by summing exp(-E) over both layers."""
    log_weights, _, _ = joint_log_weights(rbm)
    log_marginal = log_sum_exp(log_weights, axis=1)
    return np.exp(log_marginal - log_sum_exp(log_marginal))
