"""The pseudo-likelihood of an RBM, as scikit-learn's BernoulliRBM.score_samples defines it.

For each example flip one visible unit i, drawn at random, and score

    n_visible * log p(v_i | v_rest) = n_visible * log sigmoid(F(v_flipped) - F(v))

an unbiased (in i) estimate of the sum over all units of log p(v_i | v_rest). It needs no
partition function, so it is cheap, but it is not the likelihood: it only asks whether the
model predicts each pixel from the others.

Flipping unit i changes the hidden pre-activations x = v W^T + c by (1 - 2 v_i) W_:i, so the
flipped free energy costs a column lookup, not a second matrix product.
"""
from tinygen import backend
from tinygen.backend import xp
from tinygen.models.rbm.exact_partition import parameters64


def pseudo_likelihood(rbm, v, units=None):
    """Per-example pseudo-likelihood (N,) float64 array of ``v`` (N, n_visible) in [0, 1] (flipped as 1 - v_i).

    ``units`` (N,) ints: which unit to flip in each example (default: drawn uniformly at random).
    """
    v = rbm.visible(v, "v").data.astype(xp.float64)
    weight, visible_bias, hidden_bias = parameters64(rbm)
    rows = xp.arange(len(v))
    flipped = _random_units(len(v), rbm.n_visible) if units is None else _units(units, v, rbm)
    change = 1.0 - 2.0 * v[rows, flipped]          # v_i -> 1 - v_i moves v_i by this much
    x = v @ weight.T + hidden_bias
    x_flipped = x + change[:, None] * weight[:, flipped].T
    # F(v) - F(v_flipped) = change * b_i + sum_j [softplus(x'_j) - softplus(x_j)]
    free_energy_drop = change * visible_bias[flipped] + (
        xp.logaddexp(0.0, x_flipped) - xp.logaddexp(0.0, x)).sum(axis=1)
    return -rbm.n_visible * xp.logaddexp(0.0, free_energy_drop)


def _random_units(count, n_visible):
    """``count`` unit indices uniform in [0, n_visible): floor(n * u) for u uniform in [0, 1)."""
    return (backend.generator().random(count) * n_visible).astype(xp.int64)


def _units(units, v, rbm):
    units = xp.asarray(units)
    if units.shape != (len(v),) or units.dtype.kind not in "iu" or not bool(
            xp.all((units >= 0) & (units < rbm.n_visible))):
        raise ValueError(f"pseudo_likelihood: units must be ({len(v)},) ints in [0, {rbm.n_visible}), got "
                         f"shape {units.shape}, dtype {units.dtype}")
    return units
