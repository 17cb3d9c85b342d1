"""Numbers from garbage are refused, naming the argument: NaN weights in AIS, exact log Z and the RBM
log-likelihood; images outside [0, 1] or NaN in SampleQuality; features that are not finite in the FD.
And the gradient penalty of a critic that ignores its input is its true value, lambda (the gradient is 0)."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.finite import NotFinite
from tinygen.models.rbm import annealed_importance_sampling, exact_log_partition, rbm_log_likelihood
from tinygen.metrics.frechet import feature_statistics, frechet_distance
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models.gan.gradient_penalty import gradient_penalty

from rbm_helpers import random_rbm


@pytest.fixture
def poisoned_rbm():
    rbm = random_rbm(6, 4)
    rbm.weight.data[2, 3] = np.nan
    return rbm


def test_ais_refuses_an_rbm_with_a_nan_weight(poisoned_rbm):
    with pytest.raises(ValueError, match=r"AIS: rbm.weight holds nan"):
        annealed_importance_sampling(poisoned_rbm, n_runs=4)


def test_exact_log_partition_refuses_an_infinite_bias():
    rbm = random_rbm(6, 4)
    rbm.hidden_bias.data[0] = -np.inf
    with pytest.raises(ValueError, match=r"exact_log_partition: rbm.hidden_bias holds -inf"):
        exact_log_partition(rbm)


def test_the_rbm_log_likelihood_refuses_nan_weights(poisoned_rbm):
    data = np.zeros((4, 6), dtype=np.float64)
    with pytest.raises(NotFinite, match=r"rbm_log_likelihood: rbm.weight holds nan"):
        rbm_log_likelihood(poisoned_rbm, data, data, n_runs=4, n_temperatures=10)


def digits(n=20, seed=0):
    return np.random.default_rng(seed).random((n, 1, 28, 28), dtype=np.float32)


def test_sample_quality_refuses_images_in_0_to_255():
    quality = SampleQuality(digits())
    with pytest.raises(ValueError, match=r"SampleQuality: samples must hold pixels in \[0, 1\], got values from "
                                         r"0 to 255"):
        quality.evaluate(np.round(digits() * 255).clip(0, 255))
    with pytest.raises(ValueError, match=r"SampleQuality: real_images must hold pixels in \[0, 1\]"):
        SampleQuality(digits() - 0.5)


def test_sample_quality_refuses_nan_samples_by_name():
    samples = digits()
    samples[3, 0, 5, 5] = np.nan
    with pytest.raises(ValueError, match="SampleQuality: samples holds nan"):
        SampleQuality(digits()).evaluate(samples)


def test_the_frechet_distance_refuses_features_that_are_not_finite():
    features = np.random.default_rng(0).standard_normal((10, 4))
    features[1, 2] = np.inf
    with pytest.raises(ValueError, match="feature_statistics: features holds inf"):
        feature_statistics(features)
    good = feature_statistics(features[2:])
    with pytest.raises(ValueError, match="frechet_distance: statistics_2 mean holds nan"):
        frechet_distance(good, (np.full(4, np.nan), good[1]))


class Constant(nn.Module):
    """A critic whose score does not read its input: a learned constant per example."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(tg.zeros(1).data)

    def forward(self, x):
        return tg.zeros(x.shape[0], 1) + self.bias


@pytest.mark.parametrize("critic", [Constant(), lambda x: tg.ones(x.shape[0], 1)], ids=["learned", "fixed"])
def test_a_critic_that_ignores_its_input_has_gradient_norm_0_and_penalty_lambda(critic):
    rng = np.random.default_rng(0)
    real, fake = (tg.Tensor(rng.standard_normal((5, 3)).astype(np.float32)) for _ in range(2))
    penalty, norms = gradient_penalty(critic, real, fake, weight=10.0)
    np.testing.assert_allclose(norms.numpy(), 0.0, atol=1e-5)
    assert penalty.item() == pytest.approx(10.0, rel=1e-4)
