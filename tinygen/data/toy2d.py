"""Toy 2-D mixtures of Gaussians for watching GANs cover (or collapse onto) modes.

ring8: 8 Gaussians evenly spaced on a circle of radius 2, std 0.02 (the ring of Metz et al.'s
unrolled GAN). grid25: 25 Gaussians on the 5 x 5 grid {-4, -2, 0, 2, 4}^2, std 0.05 (the grid
of the VEEGAN and PacGAN papers). Each point's label is the index of its Gaussian.
"""
import numpy as np

from tinygen.data.dataset import Dataset

POINTS_PER_SPLIT = {"train": 10_000, "test": 2_000}
SPLIT_SEEDS = {"train": 0, "test": 1}


def ring_centers(count=8, radius=2.0):
    """(count, 2) centres at angles 2 pi k / count on a circle of ``radius``."""
    angles = 2 * np.pi * np.arange(count) / count
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centers(side=5, spacing=2.0):
    """(side^2, 2) centres of a side x side grid with ``spacing``, centred on the origin."""
    coordinates = spacing * (np.arange(side) - (side - 1) / 2)
    xs, ys = np.meshgrid(coordinates, coordinates, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def sample_mixture(centers, std, count, seed):
    """(points (count, 2) float32, labels (count,) int64): equal shares of every component, shuffled.

    point = centers[label] + std * z, z ~ N(0, I).
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % len(centers))
    points = centers[labels] + std * rng.standard_normal((count, 2))
    return points.astype(np.float32), labels.astype(np.int64)


TOY_SETS = {"ring8": (ring_centers(), 0.02), "grid25": (grid_centers(), 0.05)}


def load_toy(name, split):
    """The ``split`` of toy set ``name`` ("ring8" or "grid25") as a Dataset of (N, 2) points."""
    centers, std = TOY_SETS[name]
    points, labels = sample_mixture(centers, std, POINTS_PER_SPLIT[split], SPLIT_SEEDS[split])
    return Dataset(points, labels, name)
