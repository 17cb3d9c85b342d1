"""Train the metric's digit classifier with tinygen and write tinygen/metrics/digit_classifier_mnist.npz.

    python scripts/train_metric_classifier.py [--epochs 30] [--seed 0]

Seeded: the same command on the same backend remakes the same weights. Data: mnist-5k (4,000 train,
1,000 test), each training image shifted by up to 2 pixels at random so the features do not hinge
on exact centring (generated digits are not always centred); Adam 1e-3, 1e-4 for the last third. Prints the test accuracy and stores
it next to the weights.
"""
import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import optim
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.metrics.digit_classifier import WEIGHTS, DigitClassifier, features_and_logits

SHIFT = 2


def shifted(images, rng):
    """Each image moved by a random (dy, dx) in [-2, 2]^2, zeros shifted in: (N, 1, 28, 28) -> same."""
    count, _, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (SHIFT, SHIFT), (SHIFT, SHIFT)))
    dy, dx = rng.integers(0, 2 * SHIFT + 1, size=(2, count))
    rows = dy[:, None, None] + np.arange(height)[None, :, None]
    cols = dx[:, None, None] + np.arange(width)[None, None, :]
    return padded[np.arange(count)[:, None, None], 0, rows, cols][:, None]


def accuracy(classifier, dataset):
    _, logits = features_and_logits(classifier, dataset.images)
    return float((logits.argmax(axis=1) == dataset.labels).mean())


def train(epochs, seed):
    tg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
    classifier = DigitClassifier()
    optimizer = optim.Adam(classifier.parameters(), lr=1e-3)
    for epoch in range(epochs):
        optimizer.param_groups[0]["lr"] = 1e-3 if epoch < epochs * 2 // 3 else 1e-4  # settle at the end
        augmented = Dataset(shifted(train_set.images, rng), train_set.labels, "shifted mnist-5k train")
        classifier.train()
        for images, labels in DataLoader(augmented, batch_size=64, shuffle=True, seed=seed + epoch):
            optimizer.zero_grad()
            loss = F.cross_entropy(classifier(tg.Tensor(images)), tg.Tensor(labels))
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: last loss {loss.item():.3f}, test accuracy {accuracy(classifier, test_set):.4f}")
    return classifier, accuracy(classifier, test_set)


def save(classifier, test_accuracy, path):
    arrays = {key: value.numpy() for key, value in classifier.state_dict().items()}
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(handle)
    np.savez_compressed(temporary, test_accuracy=np.float64(test_accuracy), **arrays)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the package file is for everyone
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS["mnist"])
    arguments = parser.parse_args()
    classifier, test_accuracy = train(arguments.epochs, arguments.seed)
    save(classifier, test_accuracy, arguments.out)
    print(f"test accuracy {test_accuracy:.4f} on mnist-5k's 1,000 test digits; wrote {arguments.out}")


if __name__ == "__main__":
    main()
