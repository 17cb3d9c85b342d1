"""An RBM's average test log-likelihood, with AIS for log Z and the mean-field bound as its check.

    log p(v) = -F(v) - log Z

log Z comes from AIS started at the training data's base-rate model. AIS errs low, which makes
the likelihood look better than it is, so the rigorous mean-field lower bound is computed beside
it: when the AIS estimate falls below the bound, AIS has certainly failed; a loud warning says so
and the likelihood is reported from the bound (an upper bound on the true average log-likelihood).
"""
import warnings

from tinygen.backend import xp
from tinygen.finite import require_finite_parameters
from tinygen.models.rbm.ais import ais_schedule, annealed_importance_sampling
from tinygen.models.rbm.mean_field import mean_field_lower_bound
from tinygen.models.rbm.model import base_rate_log_odds


class AISBelowBoundWarning(UserWarning):
    """The AIS estimate of log Z fell below a rigorous lower bound: the AIS runs did not reach the model."""


def rbm_log_likelihood(rbm, test_data, train_data, n_runs=100, n_temperatures=1000, n_bound_starts=500):
    """{"avg_log_likelihood", "log_z", "log_z_std", "log_z_lower_bound", "ais_below_bound"} as floats.

    ``test_data``/``train_data``: binary (N, n_visible) (images are flattened); the base model's
    rates come from ``train_data``, and the bound starts at its first ``n_bound_starts`` rows.
    """
    require_finite_parameters(rbm, "rbm_log_likelihood", "rbm")
    test = _binary(rbm, test_data, "test_data")
    train = _binary(rbm, train_data, "train_data")
    ais = annealed_importance_sampling(rbm, n_runs, ais_schedule(n_temperatures),
                                       base_visible_bias=base_rate_log_odds(train))
    bound = mean_field_lower_bound(rbm, train[:n_bound_starts])
    below = ais.log_z < bound
    if below:
        warnings.warn(f"AIS FAILED: its log Z estimate {ais.log_z:.2f} (± {3 * ais.log_z_std:.2f}) is below the "
                      f"rigorous mean-field lower bound {bound:.2f}, so the AIS runs never reached the model's "
                      f"modes. The log-likelihood is reported from the bound instead (it is then an upper "
                      f"bound); use more temperatures or runs.", AISBelowBoundWarning, stacklevel=2)
    log_z = bound if below else ais.log_z
    mean_negative_free_energy = -float(rbm.free_energy(test).data.astype(xp.float64).mean())
    return {"avg_log_likelihood": mean_negative_free_energy - log_z, "log_z": ais.log_z,
            "log_z_std": ais.log_z_std, "log_z_lower_bound": bound, "ais_below_bound": float(below)}


def _binary(rbm, data, name):
    data = rbm.visible(data, name).data
    if not bool(xp.all((data == 0) | (data == 1))):
        raise ValueError(f"rbm_log_likelihood: {name} must be binary (0 or 1) for a likelihood of binary "
                         f"units; binarize it first (tinygen.data.transforms.binarize)")
    return data
