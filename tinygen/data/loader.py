"""DataLoader: batches of a Dataset as backend arrays, in a shuffled order that a resumed run can repeat."""
import numpy as np

from tinygen import backend


def _is_whole(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class DataLoader:
    """Iterate over ``dataset`` in batches ``(images, labels)`` of backend arrays.

    images: (B, ...) float32, labels: (B,) int64, B = ``batch_size`` (the last batch is smaller
    unless ``drop_last``). With ``shuffle`` the order of epoch e is the permutation drawn from
    ``numpy.random.default_rng([seed, e])``; ``epoch`` counts finished passes and may be set, so
    a resumed run meets the same orders as an uninterrupted one.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, seed=0):
        if hasattr(dataset, "shape") or isinstance(dataset, (list, tuple)) or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must give (images, labels) pairs when indexed, got a "
                            f"{type(dataset).__name__}; wrap arrays as tinygen.data.Dataset(images, labels, name)")
        if not _is_whole(batch_size) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if not _is_whole(seed) or seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative integer, got {seed!r}")
        if drop_last and batch_size > len(dataset):
            raise ValueError(f"batch_size={batch_size} with drop_last=True leaves no batch "
                             f"from a dataset of {len(dataset)} samples")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.epoch = 0

    def __len__(self):
        """Number of batches per epoch: floor(N / B) with drop_last, else ceil(N / B)."""
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def order(self, epoch):
        """The sample indices of ``epoch`` in visiting order (N,), or None for the stored order."""
        if not self.shuffle:
            return None
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.dataset))

    def __iter__(self):
        order = self.order(self.epoch)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = slice(start, start + self.batch_size)
            images, labels = self.dataset[rows if order is None else order[rows]]
            yield backend.to_backend(images), backend.to_backend(labels)
        self.epoch += 1
