"""A stratified train/test split: the same fraction of every class goes to the test set."""
import numpy as np


def stratified_split(labels, test_fraction, seed):
    """Indices (train, test) into ``labels`` (N,) int; each class gives round(fraction * count) to test.

    Both index arrays come back shuffled by ``numpy.random.default_rng(seed)``, so the first
    rows of either split mix the classes (a grid of the first 64 images shows every digit).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction!r}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(labels):  # a loop over the ~10 classes, not over samples
        members = np.flatnonzero(labels == label)
        n_test = int(round(test_fraction * len(members)))
        test_parts.append(rng.choice(members, size=n_test, replace=False))
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[np.concatenate(test_parts)] = True
    return rng.permutation(np.flatnonzero(~is_test)), rng.permutation(np.flatnonzero(is_test))
