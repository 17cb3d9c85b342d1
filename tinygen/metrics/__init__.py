"""What the literature measures, one concept a module: likelihood bounds, sample quality, toy-set modes."""
from tinygen.metrics.likelihood_bounds import (iwae_bound, iwae_bounds, likelihood_report, log_normal,
                                               negative_elbo_terms)
