"""The Fréchet distance between two Gaussians fitted to feature vectors (host NumPy, float64).

    FD = |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))

the squared 2-Wasserstein distance between N(mu_1, S_1) and N(mu_2, S_2). The trace of the matrix
square root is computed as sum sqrt(eigenvalues of S_1^(1/2) S_2 S_1^(1/2)), a symmetric PSD matrix with
the same eigenvalues as S_1 S_2, so only symmetric eigendecompositions are needed (no scipy).
"""
from tinygen.backend import numpy as np  # host arrays: float64 statistics of host features
from tinygen.finite import require_finite


def feature_statistics(features):
    """(mean (D,), covariance (D, D)) of host features (N, D), N >= 2, in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"feature_statistics: features must have shape (N, D) with N >= 2, got {features.shape}")
    require_finite([("features", features)], "feature_statistics")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(statistics_1, statistics_2):
    """FD between two (mean, covariance) pairs of equal dimension; >= 0 up to rounding."""
    (mean_1, cov_1), (mean_2, cov_2) = statistics_1, statistics_2
    if mean_1.shape != mean_2.shape or cov_1.shape != cov_2.shape:
        raise ValueError(f"frechet_distance: statistics of different sizes, means {mean_1.shape} and {mean_2.shape}")
    require_finite([("statistics_1 mean", mean_1), ("statistics_1 covariance", cov_1),
                    ("statistics_2 mean", mean_2), ("statistics_2 covariance", cov_2)], "frechet_distance")
    root_1 = _psd_sqrt(cov_1)
    cross = np.linalg.eigvalsh(root_1 @ cov_2 @ root_1)
    trace_root = np.sqrt(np.clip(cross, 0, None)).sum()
    difference = mean_1 - mean_2
    return float(difference @ difference + np.trace(cov_1) + np.trace(cov_2) - 2 * trace_root)


def _psd_sqrt(matrix):
    """The symmetric square root of a symmetric PSD matrix (tiny negative eigenvalues from rounding -> 0)."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
