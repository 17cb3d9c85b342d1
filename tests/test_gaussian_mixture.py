"""The ideal predictors of a Gaussian mixture, and the samplers that use them: they reproduce the data."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.gaussian_mixture import GaussianMixture
from tinygen.models.diffusion.schedules import make_schedule

MEANS = np.array([[-1.0, 0.5], [1.0, -0.5], [0.0, 1.5]])


@pytest.mark.parametrize("labels", [None, np.array([0, 1, 2, 1])])
@pytest.mark.parametrize("a, b", [(0.9, 0.3), (0.2, 0.95)])
def test_posterior_means_add_up_to_x(labels, a, b):
    """x = a x_0 + b eps holds for the posterior means too: a E[x_0 | x] + b E[eps | x] = x."""
    mixture = GaussianMixture(MEANS, 0.3)
    x = np.random.default_rng(0).standard_normal((4, 2))
    eps, x0 = mixture.posterior_means(x, a, b, labels)
    np.testing.assert_allclose(a * tg.backend.to_numpy(x0) + b * tg.backend.to_numpy(eps), x, atol=1e-12)


def test_one_gaussian_posterior_mean_is_gaussian_conditioning():
    mixture, x = GaussianMixture([[0.5, -1.0]], 0.4), np.array([[0.3, 0.2]])
    a, b = 0.6, 0.8
    eps, _ = mixture.posterior_means(x, a, b)
    variance = a * a * 0.16 + b * b                      # Cov(eps, x) / Var(x) (x - E x)
    np.testing.assert_allclose(tg.backend.to_numpy(eps), b / variance * (x - a * np.array([0.5, -1.0])))


def class_statistics(points, labels, k):
    chosen = points[labels == k]
    return chosen.mean(axis=0), chosen.std(axis=0)


@pytest.mark.parametrize("method", ["ancestral", "ddim", "heun"])
def test_samplers_with_the_ideal_predictor_reproduce_each_class(method):
    mixture, n = GaussianMixture(MEANS, 0.3), 3000
    labels = np.arange(n) % 3
    alpha_bars = tg.backend.to_numpy(make_schedule("cosine").alpha_bars)
    eps = lambda x, t: mixture.noise_prediction(x, float(alpha_bars[t]), labels)
    start = tg.randn(n, 2)
    if method == "ancestral":
        points = samplers.ancestral(eps, make_schedule("cosine"), start, steps=200)
    elif method == "ddim":
        points = samplers.ddim(eps, make_schedule("cosine"), start, steps=100)
    else:
        points = samplers.heun(lambda x, t: mixture.velocity(x, t, labels), start, 50)
    points = points.numpy()
    for k in range(3):   # tolerance: 5 standard errors of a mean and of a std over n / 3 points
        mean, std = class_statistics(points, labels, k)
        assert np.abs(mean - MEANS[k]).max() < 5 * 0.3 / np.sqrt(n / 3)
        assert np.abs(std - 0.3).max() < 5 * 0.3 / np.sqrt(2 * n / 3)


def test_classify_picks_the_nearest_mean():
    mixture = GaussianMixture(MEANS, 0.3)
    assert mixture.classify(MEANS + 0.01).tolist() == [0, 1, 2]
