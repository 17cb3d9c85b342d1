"""The linear probe: a softmax classifier on given features, scored on held-out ones."""
import numpy as np
import pytest

from tinygen.metrics import linear_probe_accuracy


def clusters(rng, n, informative):
    """Three classes; their features are class means plus noise when ``informative``, pure noise else."""
    labels = rng.integers(0, 3, n)
    means = np.eye(3, 5, dtype=np.float32) * 4
    features = rng.normal(0, 1, (n, 5)).astype(np.float32) + (means[labels] if informative else 0)
    return features, labels


@pytest.mark.parametrize("informative, low, high", [(True, 0.95, 1.0), (False, 0.25, 0.42)])
def test_accuracy_is_high_on_separable_features_and_near_chance_on_noise(informative, low, high):
    rng = np.random.default_rng(0)
    train, test = clusters(rng, 600, informative), clusters(rng, 600, informative)
    # chance is 1/3; 600 test examples give it a standard deviation of 0.019: the noise band is about ±4 of them
    assert low <= linear_probe_accuracy(*train, *test, epochs=10) <= high


def test_features_of_different_widths_are_refused():
    with pytest.raises(ValueError, match="features must be \\(N, D\\) with the same D"):
        linear_probe_accuracy(np.zeros((4, 3)), np.zeros(4, int), np.zeros((4, 2)), np.zeros(4, int))
