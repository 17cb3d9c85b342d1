"""The small conv classifier whose features measure sample quality (tinygen's own "FD", not Inception's).

    image (N, 1, 28, 28) in [0, 1] --features--> (N, 64) --head--> logits (N, 10)

    features: Conv 1->16 k3 s2 p1, ReLU (14x14) -> Conv 16->32 k3 s2 p1, ReLU (7x7) -> Flatten ->
              Linear 1568->64, ReLU       (the penultimate layer: the space where FD is measured)
    head:     Linear 64->10

Trained with tinygen on mnist-5k's 4,000 training digits by ``scripts/train_metric_classifier.py``
(seeded, so the shipped weights can be remade); the weights ship as ``digit_classifier_mnist.npz``
next to this file, with its test accuracy stored beside them.
"""
from functools import lru_cache
from pathlib import Path

from tinygen.backend import numpy as np  # host arrays: float64 statistics of host features

from tinygen import nn
from tinygen.autograd import Tensor, no_grad
from tinygen.backend import get_backend

WEIGHTS = {"mnist": Path(__file__).with_name("digit_classifier_mnist.npz")}
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


def shipped_classifier(dataset="mnist"):
    """The shipped classifier for ``dataset`` ("mnist": any of the 28x28 digit sets), loaded once per backend."""
    return _loaded(dataset, get_backend())


@lru_cache(maxsize=None)
def _loaded(dataset, backend_name):
    """The weights on backend ``backend_name`` (the cache key: a switch of backend loads them again)."""
    if dataset not in WEIGHTS or not WEIGHTS[dataset].is_file():
        raise ValueError(f"no shipped metric classifier for dataset {dataset!r}; shipped: "
                         f"{sorted(name for name, path in WEIGHTS.items() if path.is_file())} "
                         "(scripts/train_metric_classifier.py makes one)")
    classifier = DigitClassifier()
    with np.load(WEIGHTS[dataset], allow_pickle=False) as saved:
        classifier.load_state_dict({key: saved[key] for key in saved.files if key != "test_accuracy"})
    return classifier.eval()


def shipped_test_accuracy(dataset="mnist"):
    """The test accuracy stored with the shipped weights (measured by the training script)."""
    with np.load(WEIGHTS[dataset], allow_pickle=False) as saved:
        return float(saved["test_accuracy"])
