"""The dataset registry: ``load_dataset(name, split)`` and ``describe_datasets()`` for ``tinygen datasets``."""
from dataclasses import dataclass
from typing import Callable

from tinygen.data.digits import load_digits_dataset, sklearn_available
from tinygen.data.idx_datasets import FASHION_MNIST, MNIST, describe_idx_source, load_idx_dataset
from tinygen.data.mnist5k import MNIST5K_FILE, load_mnist5k
from tinygen.data.toy2d import load_toy

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Source:
    """How to load one dataset (``load(split, data_dir) -> Dataset``) and say where it is
    (``locate(data_dir) -> (available offline: bool, where: str)``)."""
    load: Callable
    locate: Callable
    summary: str


def _generated(data_dir):
    return True, "generated (no files)"


REGISTRY = {
    "mnist-5k": Source(lambda split, data_dir: load_mnist5k(split),
                       lambda data_dir: (True, f"shipped: {MNIST5K_FILE}"),
                       "5,000 MNIST digits shipped with tinygen, 28x28 (4,000 train / 1,000 test)"),
    "mnist": Source(lambda split, data_dir: load_idx_dataset(MNIST, split, data_dir),
                    lambda data_dir: describe_idx_source(MNIST, data_dir),
                    "MNIST digits, 28x28 (60,000 train / 10,000 test), IDX files"),
    "fashion-mnist": Source(lambda split, data_dir: load_idx_dataset(FASHION_MNIST, split, data_dir),
                            lambda data_dir: describe_idx_source(FASHION_MNIST, data_dir),
                            "Zalando's Fashion-MNIST, 28x28 (60,000 train / 10,000 test), IDX files"),
    "digits": Source(lambda split, data_dir: load_digits_dataset(split),
                     lambda data_dir: ((True, "scikit-learn") if sklearn_available()
                                       else (False, "needs scikit-learn (pip install scikit-learn)")),
                     "scikit-learn's 8x8 digits (1,438 train / 359 test)"),
    "ring8": Source(lambda split, data_dir: load_toy("ring8", split), _generated,
                    "2-D points: 8 Gaussians on a circle (10,000 train / 2,000 test)"),
    "grid25": Source(lambda split, data_dir: load_toy("grid25", split), _generated,
                     "2-D points: 25 Gaussians on a 5x5 grid (10,000 train / 2,000 test)"),
}


def load_dataset(name, split="train", data_dir=None):
    """The ``split`` ("train" or "test") of dataset ``name`` as a Dataset.

    Images come as float32 (N, 1, H, W) in [0, 1] (28 x 28, or 8 x 8 for "digits"), the toy
    sets as (N, 2) points; labels are int64 (N,). ``data_dir`` is where to look for IDX files.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(REGISTRY)} "
                         f"(`tinygen datasets` lists them and where their files are)")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return REGISTRY[name].load(split, data_dir)


def describe_datasets(data_dir=None):
    """Rows ``(name, available offline, where)``, one per registered dataset."""
    return [(name, *source.locate(data_dir)) for name, source in REGISTRY.items()]
