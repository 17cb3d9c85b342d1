"""Solutions of lesson 10's exercises (the importance-weighted bound)."""
import math

import tinygen as tg


def log_mean_exp(x):
    top = tg.tensor(x.numpy().max(axis=1, keepdims=True))  # pulled out of the sum; a constant for backward
    return (x - top).exp().mean(axis=1).log() + top.reshape(-1)


def iwae_bound(log_p_x_given_z, log_p_z, log_q_z):
    log_weights = log_p_x_given_z + log_p_z - log_q_z  # log p(x, z) / q(z | x)
    return log_mean_exp(log_weights).mean()
