"""Annealed importance sampling (AIS) of an RBM's log partition function (Salakhutdinov & Murray, 2008).

Start from a base model A whose log Z_A is known: the RBM with W = 0, c = 0 and visible biases b_A
(the data's base rates, or 0 for the uniform model). Anneal through the distributions

    log p*_β(v) = (1 - β) b_A.v + β b.v + sum_j softplus(β (W_j.v + c_j)),    0 = β_0 < ... < β_K = 1

(β = 0 is A, β = 1 the RBM). Each of M runs draws v from A, then for k = 1..K adds
log p*_k(v) - log p*_(k-1)(v) to its log weight and moves v by one Gibbs step that leaves p_k
invariant. The mean weight is an unbiased estimate of Z / Z_A:

    log Z ≈ log Z_A + log mean_m exp(log w_m)        log Z_A = sum_i softplus(b_A,i) + n_hidden log 2

By Jensen's inequality the estimate of log Z is low on average, and when the runs never reach the
RBM's modes it is low by a lot, while its spread still looks small: check it against a lower bound
(``tinygen.models.rbm.mean_field``).
"""
import math
from dataclasses import dataclass

from tinygen.backend import xp
from tinygen.finite import require_finite_parameters
from tinygen.models.rbm.exact_partition import log_sum_exp
import tinygen.functional as F
from tinygen.creation import bernoulli


@dataclass
class AISEstimate:
    """log_z: the estimate; log_z_std: its standard deviation (delta method, std(w) / (sqrt(M) mean(w)));
    log_z_low / log_z_high: log(Ẑ ∓ 3 std(Ẑ)), the paper's ±3 standard deviations (low may be -inf)."""
    log_z: float
    log_z_std: float
    log_z_low: float
    log_z_high: float
    base_log_z: float
    n_runs: int
    n_temperatures: int


def ais_schedule(n_temperatures=14500):
    """Inverse temperatures 0 .. 1 spaced as in the paper (500 up to 0.5, 4,000 up to 0.9, 10,000 up to 1):
    (n_temperatures + 1,) float64, denser where the distributions change fastest."""
    if isinstance(n_temperatures, bool) or not isinstance(n_temperatures, int) or n_temperatures < 3:
        raise ValueError(f"ais_schedule: n_temperatures must be an int >= 3, got {n_temperatures!r}")
    first, second = max(1, round(n_temperatures * 500 / 14500)), max(1, round(n_temperatures * 4000 / 14500))
    third = n_temperatures - first - second
    pieces = [xp.linspace(0.0, 0.5, first, endpoint=False), xp.linspace(0.5, 0.9, second, endpoint=False),
              xp.linspace(0.9, 1.0, third + 1)]
    return xp.concatenate(pieces)


def check_schedule(betas):
    """``betas`` as a float64 array; ValueError unless 1-D, finite, non-decreasing, from exactly 0 to exactly 1."""
    betas = xp.asarray(betas, dtype=xp.float64)
    if betas.ndim != 1 or len(betas) < 2:
        raise ValueError(f"AIS: betas must be a 1-D schedule of at least 2 inverse temperatures, "
                         f"got shape {betas.shape}")
    if float(betas[0]) != 0.0 or float(betas[-1]) != 1.0:
        raise ValueError(f"AIS: betas must start at 0 (the base model) and end at 1 (the RBM), "
                         f"got {float(betas[0])!r} ... {float(betas[-1])!r}")
    if not bool(xp.all(xp.diff(betas) >= 0)):
        raise ValueError("AIS: betas must be non-decreasing (0 = β_0 <= β_1 <= ... <= β_K = 1)")
    return betas


def annealed_importance_sampling(rbm, n_runs=100, betas=None, base_visible_bias=None):
    """AIS estimate of log Z for ``rbm`` from ``n_runs`` parallel runs through ``betas`` (default ais_schedule(1000)).

    ``base_visible_bias`` (n_visible,): b_A of the base model, e.g. ``base_rate_log_odds(train_data)``;
    None for the uniform base model (b_A = 0). Returns an AISEstimate.
    """
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 2:
        raise ValueError(f"AIS: n_runs must be an int >= 2 (the spread needs several runs), got {n_runs!r}")
    require_finite_parameters(rbm, "AIS", "rbm")
    betas = check_schedule(ais_schedule(1000) if betas is None else betas)
    dtype = rbm.weight.dtype
    weight, visible_bias, hidden_bias = rbm.weight.data, rbm.visible_bias.data, rbm.hidden_bias.data
    base_bias = _base_bias(base_visible_bias, rbm.n_visible, dtype)
    visible_shift = (visible_bias - base_bias).astype(xp.float64)
    v = bernoulli(xp.broadcast_to(F.sigmoid(base_bias).data, (n_runs, rbm.n_visible))).data
    log_w = xp.zeros(n_runs, dtype=xp.float64)
    for k in range(1, len(betas)):
        beta, previous = float(betas[k]), float(betas[k - 1])
        x = (v @ weight.T + hidden_bias).astype(xp.float64)
        log_w += (beta - previous) * (v @ visible_shift) + (
            xp.logaddexp(0.0, beta * x) - xp.logaddexp(0.0, previous * x)).sum(axis=1)
        if k < len(betas) - 1:  # one Gibbs step that leaves p_k invariant
            h = bernoulli(F.sigmoid(beta * x).data.astype(dtype)).data
            v = bernoulli(F.sigmoid((1 - beta) * base_bias + beta * (visible_bias + h @ weight)).data).data
    base_log_z = float(xp.logaddexp(0.0, base_bias.astype(xp.float64)).sum()) + rbm.n_hidden * math.log(2.0)
    return _estimate(log_w, base_log_z, len(betas) - 1)


def _base_bias(base_visible_bias, n_visible, dtype):
    if base_visible_bias is None:
        return xp.zeros(n_visible, dtype=dtype)
    bias = xp.asarray(base_visible_bias, dtype=dtype)
    if bias.shape != (n_visible,) or not bool(xp.all(xp.isfinite(bias))):
        raise ValueError(f"AIS: base_visible_bias must be a finite ({n_visible},) array, got shape {bias.shape}")
    return bias


def _estimate(log_w, base_log_z, n_temperatures):
    """Log-mean-exp of the log weights, and the spread of the mean weight carried into log space."""
    n_runs = len(log_w)
    log_mean = log_sum_exp(log_w) - math.log(n_runs)
    scaled = xp.exp(log_w - log_mean)             # weights divided by their mean: mean(scaled) = 1
    relative_std = float(scaled.std(ddof=1)) / math.sqrt(n_runs)
    log_z = base_log_z + log_mean
    low = log_z + math.log(1 - 3 * relative_std) if 3 * relative_std < 1 else -math.inf
    return AISEstimate(log_z=log_z, log_z_std=relative_std, log_z_low=low,
                       log_z_high=log_z + math.log(1 + 3 * relative_std), base_log_z=base_log_z,
                       n_runs=n_runs, n_temperatures=n_temperatures)
