"""What the literature measures about a generative model, one concept a module: likelihoods, partition
functions and their bounds, sample quality, toy-set modes."""
from tinygen.metrics.ais import AISEstimate, ais_schedule, annealed_importance_sampling
from tinygen.metrics.exact_partition import all_binary_states, exact_log_partition
from tinygen.metrics.likelihood_bounds import (iwae_bound, iwae_bounds, likelihood_report, log_normal,
                                               negative_elbo_terms)
from tinygen.metrics.linear_probe import linear_probe_accuracy
from tinygen.metrics.mean_field import mean_field_lower_bound
from tinygen.metrics.psnr import psnr
from tinygen.metrics.pseudo_likelihood import pseudo_likelihood
from tinygen.metrics.rbm_likelihood import AISBelowBoundWarning, rbm_log_likelihood
from tinygen.metrics.toy_modes import ModeStatistics, mode_statistics, toy_set_statistics
