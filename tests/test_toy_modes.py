"""Toy-set mode metrics: the true mixture covers every mode, one mode covers one, noise is rarely on a mode."""
import math

import numpy as np
import pytest

from tinygen.data.toy2d import TOY_SETS, sample_mixture
from tinygen.metrics import mode_statistics, toy_set_statistics

SAMPLES = 2500
WITHIN_3_STD_2D = 1 - math.exp(-4.5)   # P(|z| <= 3) for z ~ N(0, I_2): the chi distribution with 2 dof


def binomial_tolerance_pct(p, n, sigmas=4):
    return 100 * sigmas * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("name", sorted(TOY_SETS))
def test_true_mixture_covers_every_mode_with_high_quality(name):
    centers, std = TOY_SETS[name]
    points, _ = sample_mixture(centers, std, SAMPLES, seed=7)
    stats = toy_set_statistics(points, name)
    assert stats.modes == stats.mode_count == len(centers)
    assert abs(stats.high_quality_pct - 100 * WITHIN_3_STD_2D) < binomial_tolerance_pct(WITHIN_3_STD_2D, SAMPLES)
    # a multinomial histogram's KL from its own probabilities is about (K - 1) / (2 n) on average
    assert stats.mode_kl < 5 * (len(centers) - 1) / (2 * SAMPLES)


def test_one_mode_covers_one_with_the_largest_kl():
    centers, std = TOY_SETS["ring8"]
    points = centers[3] + std * np.random.default_rng(0).standard_normal((SAMPLES, 2))
    stats = toy_set_statistics(points, "ring8")
    assert stats.modes == 1
    assert stats.mode_kl == pytest.approx(math.log(8))


def test_two_modes_in_equal_shares_give_kl_log_k_over_2():
    centers, std = TOY_SETS["ring8"]
    points = np.concatenate([centers[[0]].repeat(10, 0), centers[[5]].repeat(10, 0)])
    stats = mode_statistics(points, centers, std)
    assert (stats.modes, stats.high_quality_pct) == (2, 100.0)
    assert stats.mode_kl == pytest.approx(math.log(4))


@pytest.mark.parametrize("name, half_width", [("ring8", 2.5), ("grid25", 5.0)])
def test_uniform_noise_is_high_quality_only_in_proportion_to_the_discs_area(name, half_width):
    centers, std = TOY_SETS[name]
    points = np.random.default_rng(1).uniform(-half_width, half_width, (SAMPLES, 2))
    stats = toy_set_statistics(points, name)
    disc_share = len(centers) * math.pi * (3 * std) ** 2 / (2 * half_width) ** 2
    assert stats.high_quality_pct < 2.0   # discs of 3 std cover < 2 % of the square
    assert abs(stats.high_quality_pct - 100 * disc_share) < binomial_tolerance_pct(disc_share, SAMPLES)


def test_no_high_quality_sample_reports_zero_modes_and_the_largest_kl():
    centers, std = TOY_SETS["ring8"]
    stats = mode_statistics(np.zeros((5, 2)), centers, std)
    assert (stats.modes, stats.high_quality_pct, stats.mode_kl) == (0, 0.0, pytest.approx(math.log(8)))


@pytest.mark.parametrize("samples, std, match", [
    (np.zeros((4, 3)), 0.1, "samples must be .* shape \\(n, 2\\), got shape \\(4, 3\\)"),
    (np.zeros((0, 2)), 0.1, "non-empty"),
    (np.zeros((4, 2)), 0.0, "std must be positive, got 0.0"),
])
def test_bad_input_is_named(samples, std, match):
    with pytest.raises(ValueError, match=match):
        mode_statistics(samples, TOY_SETS["ring8"][0], std)


def test_unknown_toy_set_is_named():
    with pytest.raises(ValueError, match="dataset must be one of .*'mnist'"):
        toy_set_statistics(np.zeros((3, 2)), "mnist")
