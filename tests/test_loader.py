"""DataLoader: every sample once per epoch, batch counts, drop_last, reproducible shuffles, resume."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import backend
from tinygen.data import DataLoader, Dataset


def numbered_dataset(n):
    """Sample i has label i and every pixel equal to i, so a batch tells which samples it holds."""
    images = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None, None], (n, 1, 2, 2))
    return Dataset(images, np.arange(n), "numbered")


def visited(loader):
    return np.concatenate([backend.to_numpy(labels) for _, labels in loader])


@pytest.mark.parametrize("n, batch_size, drop_last, expected", [
    (10, 3, False, 4), (10, 3, True, 3), (9, 3, False, 3), (9, 3, True, 3), (10, 10, True, 1), (1, 5, False, 1)])
def test_number_of_batches(n, batch_size, drop_last, expected):
    loader = DataLoader(numbered_dataset(n), batch_size, drop_last=drop_last)
    assert len(loader) == expected
    assert sum(1 for _ in loader) == expected


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_per_epoch(shuffle):
    loader = DataLoader(numbered_dataset(23), 5, shuffle=shuffle)
    for _ in range(3):
        assert sorted(visited(loader)) == list(range(23))


def test_batches_are_backend_arrays_with_matching_images_and_labels():
    loader = DataLoader(numbered_dataset(11), 4, shuffle=True)
    sizes = []
    for images, labels in loader:
        assert backend.backend_of(images) == tg.get_backend() == backend.backend_of(labels)
        assert images.dtype == np.float32 and labels.dtype == np.int64
        assert images.shape[1:] == (1, 2, 2)
        np.testing.assert_array_equal(images[:, 0, 0, 0], labels.astype(np.float32))
        sizes.append(len(labels))
    assert sizes == [4, 4, 3]


def test_drop_last_skips_the_short_batch():
    loader = DataLoader(numbered_dataset(10), 4, drop_last=True)
    assert [len(labels) for _, labels in loader] == [4, 4]
    assert list(visited(loader)) == list(range(8))


def test_without_shuffle_the_order_is_the_stored_one():
    assert list(visited(DataLoader(numbered_dataset(7), 3))) == list(range(7))


def test_shuffle_differs_between_epochs_and_repeats_for_the_same_seed_and_epoch():
    dataset = numbered_dataset(50)
    loader = DataLoader(dataset, 8, shuffle=True, seed=3)
    first, second = visited(loader), visited(loader)
    assert loader.epoch == 2
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50))
    again = DataLoader(dataset, 8, shuffle=True, seed=3)
    np.testing.assert_array_equal(visited(again), first)
    other_seed = DataLoader(dataset, 8, shuffle=True, seed=4)
    assert not np.array_equal(visited(other_seed), first)


def test_setting_epoch_resumes_the_same_order():
    dataset = numbered_dataset(40)
    uninterrupted = DataLoader(dataset, 6, shuffle=True, seed=1)
    orders = [visited(uninterrupted) for _ in range(3)]
    resumed = DataLoader(dataset, 6, shuffle=True, seed=1)
    resumed.epoch = 2
    np.testing.assert_array_equal(visited(resumed), orders[2])


def test_order_does_not_depend_on_the_global_generator():
    dataset = numbered_dataset(30)
    tg.manual_seed(1)
    first = visited(DataLoader(dataset, 4, shuffle=True))
    tg.manual_seed(2)
    np.random.seed(5)
    np.testing.assert_array_equal(visited(DataLoader(dataset, 4, shuffle=True)), first)


def test_an_abandoned_epoch_is_not_counted():
    loader = DataLoader(numbered_dataset(10), 3)
    next(iter(loader))
    assert loader.epoch == 0


@pytest.mark.parametrize("batch_size", [0, -2, 2.5, "4", None, True])
def test_bad_batch_size_is_refused(batch_size):
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got"):
        DataLoader(numbered_dataset(5), batch_size)


def test_drop_last_with_a_batch_larger_than_the_dataset_is_refused():
    with pytest.raises(ValueError, match=r"batch_size=8 with drop_last=True leaves no batch from a dataset of 5"):
        DataLoader(numbered_dataset(5), 8, drop_last=True)
