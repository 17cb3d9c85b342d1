"""Checks of lessons 09 (the VAE: the reparameterization trick, the Gaussian KL term) and 10 (the
importance-weighted bound: log-mean-exp)."""
import math

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen.course.checks.cases import (Check, Wrong, call, expect_close, expect_gradients_reach,
                                         expect_same_gradients, expect_tensor, for_all)

SAMPLES = 4000
SPREAD = 5  # standard errors: a right answer fails a statistic with probability below 1e-6
seeds = st.integers(0, 2**16)


def verify_reparameterize(reparameterize):
    """Mean mu and variance exp(logvar) over many draws (so sigma = exp(logvar) fails), fresh noise on each
    call, and gradients d z/d mu = 1, d z/d logvar = (z - mu) / 2."""
    tg.manual_seed(0)
    mu_row, logvar_row = np.array([0.5, -1.0, 2.0]), np.array([-1.5, 1.0, 2.0])
    mu = tg.tensor(np.tile(mu_row, (SAMPLES, 1)), requires_grad=True)
    logvar = tg.tensor(np.tile(logvar_row, (SAMPLES, 1)), requires_grad=True)
    what = f"reparameterize(mu = {mu_row.tolist()}, logvar = {logvar_row.tolist()}) over {SAMPLES} draws"
    z = expect_tensor(call(reparameterize, mu, logvar, what=what), what, mu.shape)
    draws, variance = z.numpy(), np.exp(logvar_row)
    mean_error = np.abs(draws.mean(axis=0) - mu_row) / np.sqrt(variance / SAMPLES)
    if not np.all(mean_error <= SPREAD):
        raise Wrong(f"{what}: the draws' means are {draws.mean(axis=0).round(3).tolist()}, not mu")
    variance_ratio = draws.var(axis=0, ddof=1) / variance
    if not np.all(np.abs(variance_ratio - 1) <= SPREAD * np.sqrt(2 / (SAMPLES - 1))):
        raise Wrong(f"{what}: the draws' variances are {draws.var(axis=0).round(3).tolist()}, expected "
                    f"exp(logvar) = {variance.round(3).tolist()}")
    again = expect_tensor(call(reparameterize, mu, logvar, what=what), what, mu.shape)
    if np.allclose(again.numpy(), draws):
        raise Wrong(f"{what}: two calls gave the same z; draw fresh noise every time")
    expect_gradients_reach(z, [mu, logvar], what)
    z.sum().backward()
    expect_close(mu.grad, np.ones_like(draws), f"{what}: dz/dmu")
    expect_close(logvar.grad, (draws - mu.numpy()) / 2, f"{what}: dz/dlogvar (should be sigma * eps / 2)")


def verify_gaussian_kl(gaussian_kl):
    def claim(case):
        n, d, seed = case
        rng = np.random.default_rng(seed)
        mu, logvar = rng.normal(size=(n, d)) * 2, rng.normal(size=(n, d)) * 2
        expect_same_gradients(gaussian_kl, lambda m, lv: F.kl_normal(m, lv, reduction="none"), [mu, logvar],
                              f"gaussian_kl(mu of shape {(n, d)}, logvar of shape {(n, d)})")

    for_all(st.tuples(st.integers(1, 5), st.integers(1, 6), seeds), claim)


def _log_mean_exp(x):
    return F.logsumexp(x, dim=1) - math.log(x.shape[1])


log_weight_cases = st.tuples(st.integers(1, 5), st.integers(1, 8), st.sampled_from([1.0, 30.0, 1000.0]), seeds)


def verify_log_mean_exp(log_mean_exp):
    def claim(case):
        n, k, scale, seed = case
        x = np.random.default_rng(seed).normal(size=(n, k)) * scale - scale
        expect_same_gradients(log_mean_exp, _log_mean_exp, [x],
                              f"log_mean_exp(x of shape {(n, k)}, entries about -{scale:g})")

    for_all(log_weight_cases, claim)


def _iwae_bound(log_p_x_given_z, log_p_z, log_q_z):
    return _log_mean_exp(log_p_x_given_z + log_p_z - log_q_z).mean()


def verify_iwae_bound(iwae_bound):
    def claim(case):
        n, k, scale, seed = case
        rng = np.random.default_rng(seed)
        terms = [rng.normal(size=(n, k)) * scale - scale, rng.normal(size=(n, k)) - 5, rng.normal(size=(n, k)) - 3]
        expect_same_gradients(iwae_bound, _iwae_bound, terms,
                              f"iwae_bound(log p(x|z), log p(z), log q(z|x), each of shape {(n, k)}, "
                              f"log p(x|z) about -{scale:g})")

    for_all(log_weight_cases, claim)


CHECKS = {
    "09": [Check("reparameterize", verify_reparameterize,
                 "move the randomness into noise that depends on nothing, and build z from mu, sigma and that "
                 "noise with operations backward can follow; logvar is the log of the variance, not of sigma"),
           Check("gaussian_kl", verify_gaussian_kl,
                 "write KL(N(mu, sigma^2) || N(0, 1)) per latent dimension as an expectation of log densities and "
                 "work it out (lesson 09 derives it); sum over the latent dimensions, one value per example")],
    "10": [Check("log_mean_exp", verify_log_mean_exp,
                 "exp of -1000 is 0 in floating point; pull the largest entry of each row out of the sum first, "
                 "the way a stable log-sum-exp does, then account for averaging instead of summing"),
           Check("iwae_bound", verify_iwae_bound,
                 "each sample's importance weight is p(x, z) / q(z | x); the bound averages the weights (not "
                 "their logs) inside the log, for each example, then averages over the batch")],
}
