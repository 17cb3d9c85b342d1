"""What the literature measures, one concept a module: likelihood bounds, sample quality, toy-set modes."""
from tinygen.metrics.likelihood_bounds import iwae_bound, likelihood_report, log_normal, negative_elbo_terms
from tinygen.metrics.toy_modes import ModeStatistics, mode_statistics, toy_set_statistics
