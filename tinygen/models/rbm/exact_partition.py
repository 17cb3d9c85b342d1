"""The exact log partition function of a small RBM: sum over every state of its smaller layer.

    log Z = log sum_v exp(-F(v)) = log sum_h exp(h.c + sum_i softplus(b_i + (h W)_i))

Either layer can be summed out in closed form given the other, so only the smaller one is
enumerated: 2^n states for n = min(n_visible, n_hidden) <= 20 (about a million). The sum is taken
in float64, in chunks, through a running log-sum-exp.
"""

from tinygen.autograd import Tensor, no_grad
from tinygen.backend import xp
from tinygen.finite import require_finite_parameters
from tinygen.functional import logsumexp

MAX_ENUMERATED_UNITS = 20
CHUNK = 2 ** 12


def all_binary_states(n, start=0, stop=None):
    """The binary vectors of integers start..stop-1 (all 2^n by default): float64 (count, n), unit 0 the lowest bit."""
    stop = 2 ** n if stop is None else stop
    return ((xp.arange(start, stop)[:, None] >> xp.arange(n)) & 1).astype(xp.float64)


def exact_log_partition(rbm):
    """log Z of ``rbm`` (a float), enumerating its smaller layer; ValueError when both have more than 20 units
    or a parameter is not finite."""
    require_finite_parameters(rbm, "exact_log_partition", "rbm")
    weight, visible_bias, hidden_bias = parameters64(rbm)
    if min(rbm.n_visible, rbm.n_hidden) > MAX_ENUMERATED_UNITS:
        raise ValueError(f"exact_log_partition: enumerating 2^{min(rbm.n_visible, rbm.n_hidden)} states is "
                         f"too many: one layer must have at most {MAX_ENUMERATED_UNITS} units "
                         f"(n_visible={rbm.n_visible}, n_hidden={rbm.n_hidden}); use AIS instead")
    if rbm.n_hidden <= rbm.n_visible:
        return _log_sum_over_layer(weight, hidden_bias, visible_bias)
    return _log_sum_over_layer(weight.T, visible_bias, hidden_bias)


def _log_sum_over_layer(weight, own_bias, other_bias):
    """log sum_s exp(s.own_bias + sum softplus(other_bias + s W)) over binary s; weight (n_own, n_other)."""
    n = len(own_bias)
    chunk_sums = []
    for start in range(0, 2 ** n, CHUNK):
        states = all_binary_states(n, start, min(start + CHUNK, 2 ** n))
        terms = states @ own_bias + xp.logaddexp(0.0, states @ weight + other_bias).sum(axis=1)
        chunk_sums.append(log_sum_exp(terms))
    return log_sum_exp(xp.asarray(chunk_sums))


def log_sum_exp(values):
    """log sum exp(values) of a 1-D backend array, as a float (the functional logsumexp, without a graph)."""
    with no_grad():
        return float(logsumexp(Tensor(values)).item())


def parameters64(rbm):
    """(weight, visible_bias, hidden_bias) of ``rbm`` as float64 backend arrays."""
    return tuple(p.data.astype(xp.float64) for p in (rbm.weight, rbm.visible_bias, rbm.hidden_bias))
