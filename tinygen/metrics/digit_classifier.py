"""The small conv classifier whose features measure sample quality (tinygen's own "FD", not Inception's).

    image (N, 1, 28, 28) in [0, 1] --features--> (N, 64) --head--> logits (N, 10)

    features: Conv 1->16 k3 s2 p1, ReLU (14x14) -> Conv 16->32 k3 s2 p1, ReLU (7x7) -> Flatten ->
              Linear 1568->64, ReLU       (the penultimate layer: the space where FD is measured)
    head:     Linear 64->10

One network per kind of image, the same architecture: trained with tinygen by
``scripts/train_metric_classifier.py --dataset NAME`` (seeded, so the shipped weights can be remade)
on mnist-5k's 4,000 training digits (``digit_classifier_mnist.npz``, used for mnist-5k and mnist) and
on Fashion-MNIST's 60,000 training images (``fashion_classifier.npz``); each file stores its test accuracy.
"""
from functools import lru_cache
from pathlib import Path

from tinygen.backend import numpy as np  # host arrays: float64 statistics of host features

from tinygen import nn
from tinygen.autograd import Tensor, no_grad
from tinygen.backend import get_backend, get_rng_state, set_rng_state

WEIGHTS = {"mnist": Path(__file__).with_name("digit_classifier_mnist.npz"),
           "fashion-mnist": Path(__file__).with_name("fashion_classifier.npz")}
# which shipped classifier judges each dataset's images (the 5k subset and full MNIST are both digits)
CLASSIFIER_OF_DATASET = {"mnist-5k": "mnist", "mnist": "mnist", "fashion-mnist": "fashion-mnist"}
FEATURES = 64


class DigitClassifier(nn.Module):
    """(N, 1, 28, 28) -> logits (N, 10); ``features`` gives the (N, 64) penultimate activations."""

    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 7 * 7, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, classes)

    def forward(self, images):
        return self.head(self.features(images))


def features_and_logits(classifier, images, batch_size=500):
    """Host arrays (N, 64) and (N, 10) for host images (N, 1, 28, 28) in [0, 1], in eval mode, in batches."""
    classifier.eval()
    features, logits = [], []
    with no_grad():
        for start in range(0, len(images), batch_size):
            hidden = classifier.features(Tensor(np.ascontiguousarray(images[start:start + batch_size])))
            features.append(hidden.numpy())
            logits.append(classifier.head(hidden).numpy())
    return np.concatenate(features), np.concatenate(logits)


def has_classifier(dataset):
    """Whether a shipped classifier judges images of ``dataset`` (a name of ``tinygen.data``)."""
    return CLASSIFIER_OF_DATASET.get(dataset) in WEIGHTS and WEIGHTS[CLASSIFIER_OF_DATASET[dataset]].is_file()


def weights_path(dataset):
    """The shipped weights file for ``dataset``'s images; a ValueError naming the datasets that have one."""
    if not has_classifier(dataset):
        raise ValueError(f"no shipped metric classifier for dataset {dataset!r}; datasets with one: "
                         f"{sorted(name for name in CLASSIFIER_OF_DATASET if has_classifier(name))} "
                         "(scripts/train_metric_classifier.py --dataset NAME makes one)")
    return WEIGHTS[CLASSIFIER_OF_DATASET[dataset]]


def shipped_classifier(dataset="mnist"):
    """The shipped classifier for ``dataset``'s images, loaded once per backend."""
    return _loaded(weights_path(dataset), get_backend())


@lru_cache(maxsize=None)
def _loaded(path, backend_name):
    """The weights in ``path`` on backend ``backend_name`` (the cache key: a switch of backend loads them again).

    Building the network draws its random initial weights, which the shipped ones then replace: the
    generator is put back, so that loading (first in an uninterrupted run, later in a resumed one)
    leaves the caller's random numbers, and so its samples and metrics, as they were.
    """
    state = get_rng_state()
    try:
        classifier = DigitClassifier()
    finally:
        set_rng_state(state)
    with np.load(path, allow_pickle=False) as saved:
        classifier.load_state_dict({key: saved[key] for key in saved.files if key != "test_accuracy"})
    return classifier.eval()


def shipped_test_accuracy(dataset="mnist"):
    """The test accuracy stored with the shipped weights for ``dataset`` (measured by the training script)."""
    with np.load(weights_path(dataset), allow_pickle=False) as saved:
        return float(saved["test_accuracy"])
