"""The dataset registry: ``load_dataset(name, split)`` and ``describe_datasets()`` for ``tinygen datasets``."""
from dataclasses import dataclass
from typing import Callable

from tinygen.data.mnist5k import MNIST5K_FILE, load_mnist5k

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Source:
    """How to load one dataset (``load(split, data_dir) -> Dataset``) and say where it is
    (``locate(data_dir) -> (available offline: bool, where: str)``)."""
    load: Callable
    locate: Callable
    summary: str


REGISTRY = {
    "mnist-5k": Source(lambda split, data_dir: load_mnist5k(split),
                       lambda data_dir: (True, f"shipped: {MNIST5K_FILE}"),
                       "5,000 MNIST digits shipped with tinygen (4,000 train / 1,000 test)"),
}


def load_dataset(name, split="train", data_dir=None):
    """The ``split`` ("train" or "test") of dataset ``name`` as a Dataset (images in [0, 1], int64 labels)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(REGISTRY)} "
                         f"(`tinygen datasets` lists them and where their files are)")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return REGISTRY[name].load(split, data_dir)


def describe_datasets(data_dir=None):
    """Rows ``(name, available offline, where)``, one per registered dataset."""
    return [(name, *source.locate(data_dir)) for name, source in REGISTRY.items()]
