"""A rigorous lower bound on an RBM's log Z: the mean-field (naive variational) bound.

For any distribution q over visible states, log Z = log sum_v exp(-F(v)) >= E_q[-F(v)] + H(q)
(Jensen). With q factorized, q(v) = prod_i mu_i^v_i (1 - mu_i)^(1 - v_i), and softplus convex,

    log Z >= L(mu) = mu.b + sum_j softplus(c_j + W_j.mu) + H(mu)

for EVERY mu in [0, 1]^n: the bound needs no convergence, only some mu. The best mu is found by the
fixed-point iteration mu <- sigmoid(b + W^T sigmoid(c + W mu)), which is coordinate ascent on the
joint mean-field objective, so L never decreases; starting it at training images (L at a binary v
is -F(v)) makes the bound at least the best -F of those images; one more run always starts at
mu = sigmoid(b), the optimum when W = 0, so a barely trained model gets a bound near its base
model's log Z. The bound is what AIS can be checked against: an AIS estimate below it is certainly wrong.
"""
from tinygen.backend import xp
from tinygen.models.rbm.exact_partition import parameters64
import tinygen.functional as F


def mean_field_lower_bound(rbm, starts, n_iterations=100):
    """max over the runs started at ``starts`` (S, n_visible) in [0, 1] and at sigmoid(b) of L(mu) after
    ``n_iterations`` steps (a float)."""
    if isinstance(n_iterations, bool) or not isinstance(n_iterations, int) or n_iterations < 0:
        raise ValueError(f"mean_field_lower_bound: n_iterations must be a non-negative int, got {n_iterations!r}")
    weight, visible_bias, hidden_bias = parameters64(rbm)
    mu = rbm.visible(starts, "starts").data.astype(xp.float64)
    mu = xp.concatenate([mu, F.sigmoid(visible_bias).data[None]])
    for _ in range(n_iterations):
        mu = F.sigmoid(visible_bias + F.sigmoid(hidden_bias + mu @ weight.T).data @ weight).data
    bound = mu @ visible_bias + xp.logaddexp(0.0, hidden_bias + mu @ weight.T).sum(axis=1) + bernoulli_entropy(mu)
    return float(bound.max())


def bernoulli_entropy(mu):
    """H(mu) = -sum_i [mu_i log mu_i + (1 - mu_i) log(1 - mu_i)] per row, with 0 log 0 = 0: (S, n) -> (S,)."""
    return -(xlogx(mu) + xlogx(1.0 - mu)).sum(axis=1)


def xlogx(p):
    return xp.where(p > 0, p * xp.log(xp.where(p > 0, p, 1.0)), 0.0)
