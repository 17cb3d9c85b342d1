"""Solutions of lesson 15's exercises (RBMs)."""
import numpy as np


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def free_energy(v, weight, visible_bias, hidden_bias):
    # sum over h of exp(-E) factorizes: one factor 1 + e^(input_j) per hidden unit; logaddexp(0, a) never overflows
    return -v @ visible_bias - np.logaddexp(0, v @ weight.T + hidden_bias).sum(axis=1)


def cd1_update(weight, visible_bias, hidden_bias, v, lr, uniform_h, uniform_v):
    p_h = _sigmoid(v @ weight.T + hidden_bias)  # positive phase, from the data
    h = (uniform_h < p_h).astype(v.dtype)
    v1 = (uniform_v < _sigmoid(h @ weight + visible_bias)).astype(v.dtype)  # one Gibbs step down ...
    p_h1 = _sigmoid(v1 @ weight.T + hidden_bias)  # ... and up: the negative phase
    n = len(v)
    return (weight + lr * (p_h.T @ v - p_h1.T @ v1) / n,  # new arrays: the caller's stay as they were
            visible_bias + lr * (v - v1).mean(axis=0),
            hidden_bias + lr * (p_h - p_h1).mean(axis=0))
