"""Mode coverage on the toy 2-D mixtures, with the definitions of VEEGAN and PacGAN.

A generated sample is *high quality* when it lies within ``3`` standard deviations of its nearest
mode (the mixture component's centre); a mode is *covered* when at least one high-quality sample
has it as nearest mode. ``mode_kl`` is KL(p || u) = sum_k p_k log(K p_k): p is the histogram of
the high-quality samples over the K modes, u the uniform histogram of the true mixture (0 when every
mode gets an equal share, log K when one mode gets everything).

Host-side arithmetic on NumPy arrays: samples come back from ``sample`` as host float32 points.
"""
from dataclasses import dataclass

from tinygen.backend import numpy as np   # host arrays only (files, metrics), never a kernel

from tinygen.data.toy2d import TOY_SETS

HIGH_QUALITY_STDS = 3.0


@dataclass
class ModeStatistics:
    """modes: modes covered (of ``mode_count``); high_quality_pct: % of samples within 3 std of a mode;
    mode_kl: KL of the high-quality samples' histogram over modes from the uniform one."""
    modes: int
    mode_count: int
    high_quality_pct: float
    mode_kl: float

def mode_statistics(samples, centers, std, threshold=HIGH_QUALITY_STDS):
    """ModeStatistics of ``samples`` (n, 2) against mixture ``centers`` (K, 2) of standard deviation ``std``.

    When no sample is of high quality the histogram is empty; ``mode_kl`` is then log K, the value of
    the worst generator with samples on a mode (all of them on one).
    """
    samples, centers = _checked_points(samples, "samples"), _checked_points(centers, "centers")
    if not std > 0:
        raise ValueError(f"mode_statistics: std must be positive, got {std}")
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    high_quality = distances.min(axis=1) <= threshold * std
    counts = np.bincount(nearest[high_quality], minlength=len(centers))
    return ModeStatistics(modes=int((counts > 0).sum()), mode_count=len(centers),
                          high_quality_pct=float(100.0 * high_quality.mean()),
                          mode_kl=_kl_from_uniform(counts))


def toy_set_statistics(samples, dataset):
    """mode_statistics against toy set ``dataset`` ("ring8" or "grid25")."""
    if dataset not in TOY_SETS:
        raise ValueError(f"toy_set_statistics: dataset must be one of {sorted(TOY_SETS)}, got {dataset!r}")
    centers, std = TOY_SETS[dataset]
    return mode_statistics(samples, centers, std)


def _kl_from_uniform(counts):
    total = counts.sum()
    if total == 0:
        return float(np.log(len(counts)))
    shares = counts[counts > 0] / total
    return float(np.sum(shares * np.log(len(counts) * shares)))


def _checked_points(points, name):
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"mode_statistics: {name} must be a non-empty array of 2-D points of shape (n, 2), "
                         f"got shape {points.shape}")
    return points
