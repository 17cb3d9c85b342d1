"""Train a metric classifier with tinygen and write it into tinygen/metrics/ (the file the metric loads).

    python scripts/train_metric_classifier.py                                   # digits: mnist-5k
    python scripts/train_metric_classifier.py --dataset fashion-mnist --epochs 15

Seeded: the same command on the same backend remakes the same weights. Data: mnist-5k (all 4,000
training digits, tested on its 1,000) or Fashion-MNIST (a seeded draw of --train-size training
images, tested on all 10,000 test images). Each training image is shifted by up to 2 pixels at
random so the features do not hinge on exact centring (generated images are not always centred);
Adam 1e-3, 1e-4 for the last third. Prints the test accuracy and stores it next to the weights.
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
from tinygen.metrics.digit_classifier import CLASSIFIER_OF_DATASET, WEIGHTS, DigitClassifier, features_and_logits

SHIFT = 2
TRAIN_SIZE = {"mnist-5k": 4000, "fashion-mnist": 60000}  # the default --train-size: all


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


def training_subset(dataset, size, seed):
    """``size`` training images of ``dataset`` drawn without replacement (all of them, in order, when size covers the set)."""
    full = load_dataset(dataset, "train")
    if size >= len(full):
        return full
    chosen = np.sort(np.random.default_rng(seed + 1).choice(len(full), size=size, replace=False))
    return Dataset(full.images[chosen], full.labels[chosen], f"{size:,} of {dataset} train")


def train(dataset, epochs, seed, train_size):
    tg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train_set, test_set = training_subset(dataset, train_size, seed), load_dataset(dataset, "test")
    classifier = DigitClassifier()
    optimizer = optim.Adam(classifier.parameters(), lr=1e-3)
    for epoch in range(epochs):
        optimizer.param_groups[0]["lr"] = 1e-3 if epoch < epochs * 2 // 3 else 1e-4  # settle at the end
        augmented = Dataset(shifted(train_set.images, rng), train_set.labels, f"shifted {dataset} train")
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
    parser.add_argument("--dataset", choices=sorted(TRAIN_SIZE), default="mnist-5k")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-size", type=int, help="training images (default: 4,000 for mnist-5k, "
                        "60,000 for fashion-mnist: all, as the shipped weights)")
    parser.add_argument("--out", type=Path, help="default: the shipped file for the dataset")
    arguments = parser.parse_args()
    train_size = arguments.train_size or TRAIN_SIZE[arguments.dataset]
    out = arguments.out or WEIGHTS[CLASSIFIER_OF_DATASET[arguments.dataset]]
    classifier, test_accuracy = train(arguments.dataset, arguments.epochs, arguments.seed, train_size)
    save(classifier, test_accuracy, out)
    print(f"test accuracy {test_accuracy:.4f} on {arguments.dataset}'s test split; wrote {out}")


if __name__ == "__main__":
    main()
