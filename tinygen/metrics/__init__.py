"""What the literature measures about a generative model, one concept a module."""
from tinygen.metrics.toy_modes import ModeStatistics, mode_statistics, toy_set_statistics
