"""What measures any generative model, one concept a module: sample quality (Frechet distance and
classifier score in a shipped classifier's features), PSNR, toy-set modes, the linear probe, and the
likelihood bounds that take any model's numbers. It imports no model: the estimators that exist only
for the RBM (AIS, exact log Z, the mean-field bound, pseudo-likelihood) live in tinygen/models/rbm/."""
from tinygen.metrics.likelihood_bounds import (iwae_bound, iwae_bounds, likelihood_report, log_normal,
                                               negative_elbo_terms)
from tinygen.metrics.linear_probe import linear_probe_accuracy
from tinygen.metrics.psnr import psnr
from tinygen.metrics.toy_modes import ModeStatistics, mode_statistics, toy_set_statistics
