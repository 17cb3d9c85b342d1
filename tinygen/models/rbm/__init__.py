"""The restricted Boltzmann machine and the estimators that exist only for it: exact log Z for small
models (``exact_partition.py``), annealed importance sampling (``ais.py``), the mean-field lower bound
(``mean_field.py``), pseudo-likelihood (``pseudo_likelihood.py``) and the log-likelihood report that
combines them (``likelihood.py``); recipe ``rbm``."""
from tinygen.models.rbm import recipe  # noqa: F401  (registers the recipe)
from tinygen.models.rbm.model import RBM
from tinygen.models.rbm.ais import AISEstimate, ais_schedule, annealed_importance_sampling
from tinygen.models.rbm.exact_partition import all_binary_states, exact_log_partition
from tinygen.models.rbm.likelihood import AISBelowBoundWarning, rbm_log_likelihood
from tinygen.models.rbm.mean_field import mean_field_lower_bound
from tinygen.models.rbm.pseudo_likelihood import pseudo_likelihood
