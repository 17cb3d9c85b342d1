"""Exercises of lesson 10 (the VAE's latent space and its likelihood). Check them with `tinygen check 10`."""
import math  # noqa: F401 (for your answer)

import tinygen as tg  # noqa: F401 (for your answer)


def log_mean_exp(x):
    """log(mean_k exp(x[n, k])) for each row n, computed so that it stays finite.

    x: a Tensor (N, K) of log-weights, which can be -1000 or lower (exp underflows to 0 there). Return a
    Tensor (N,). Use Tensor operations so that backward gives the gradient.
    """
    raise NotImplementedError


def iwae_bound(log_p_x_given_z, log_p_z, log_q_z):
    """The importance-weighted bound on log p(x) with K samples, averaged over the batch.

    Each argument is a Tensor (N, K): for example n and its k-th sample z ~ q(z | x_n), the log-likelihood
    log p(x_n | z), the prior's log-density log p(z) and the encoder's log-density log q(z | x_n). Return
    the scalar Tensor mean over n of log (1/K) sum_k p(x_n, z_k) / q(z_k | x_n).
    """
    raise NotImplementedError
