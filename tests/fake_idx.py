"""Small fake MNIST-layout IDX sets for the dataset and download tests (no real data needed)."""
import numpy as np

from tinygen.data.idx import write_idx

SPLIT_NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def fake_split(count, seed):
    """(pixels uint8 (count, 28, 28), labels uint8 (count,)) drawn at random."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), rng.integers(0, 10, count, dtype=np.uint8)


def write_fake_set(directory, sizes=(("train", 12), ("test", 5)), gz=True):
    """Write the four IDX files into ``directory``; return {split: (pixels, labels)}."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for seed, (split, count) in enumerate(sizes):
        pixels, labels = fake_split(count, seed)
        images_name, labels_name = SPLIT_NAMES[split]
        suffix = ".gz" if gz else ""
        write_idx(directory / (images_name + suffix), pixels)
        write_idx(directory / (labels_name + suffix), labels)
        written[split] = (pixels, labels)
    return written
