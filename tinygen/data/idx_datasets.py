"""Full MNIST and Fashion-MNIST from their four standard IDX files: where to look, download, load.

Search order for a split's two files (each ``NAME`` or ``NAME.gz``):
``data_dir`` then ``$TINYGEN_DATA`` (each in a sub-folder named after the set, or directly),
the system directory a distribution package fills (Debian's ``dataset-fashion-mnist``), and
the download cache ``$TINYGEN_CACHE/<set>`` (default ``~/.cache/tinygen/<set>``). When none
holds them and ``TINYGEN_OFFLINE`` is not set, the four .gz files are downloaded into the
cache once, each checked against its published SHA-256.
"""
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygen.data import download
from tinygen.data.dataset import Dataset, unit_images
from tinygen.data.idx import read_idx

SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
NUM_CLASSES = 10


@dataclass(frozen=True)
class IdxSource:
    """One dataset in the four-IDX-file layout: its name, published checksums and where it can be found."""
    name: str
    sha256: dict              # "<file>.gz" -> published SHA-256 of the gzip file
    mirrors: tuple            # base URLs, tried in order
    url_variable: str         # environment variable that replaces the mirrors (a local server in tests)
    system_dirs: tuple = ()
    debian_package: str = ""


# SHA-256 of the distributed .gz files as pinned by TensorFlow Datasets
# (tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt).
MNIST = IdxSource(
    name="mnist",
    sha256={"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    url_variable="TINYGEN_MNIST_URL")

FASHION_MNIST = IdxSource(
    name="fashion-mnist",
    sha256={"train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"},
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    url_variable="TINYGEN_FASHION_MNIST_URL",
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    debian_package="dataset-fashion-mnist")


def candidate_dirs(source, data_dir=None):
    """Directories to search, in order (existing or not)."""
    roots = [Path(root) for root in (data_dir, os.environ.get("TINYGEN_DATA")) if root]
    dirs = [place for root in roots for place in (root / source.name, root)]
    return dirs + [Path(place) for place in source.system_dirs] + [download.cache_dir() / source.name]


def split_files_in(directory, split):
    """(images path, labels path) of ``split`` in ``directory``, each plain or .gz; None if either is missing."""
    found = []
    for base in SPLIT_FILES[split]:
        matches = [directory / name for name in (base, base + ".gz") if (directory / name).is_file()]
        if not matches:
            return None
        found.append(matches[0])
    return tuple(found)


def find_split_files(source, split, data_dir=None):
    """The first (images, labels) pair of ``split`` along ``candidate_dirs``, or None."""
    for directory in candidate_dirs(source, data_dir):
        pair = split_files_in(directory, split)
        if pair:
            return pair
    return None


def load_idx_dataset(source, split, data_dir=None):
    """The ``split`` of ``source`` as a Dataset: images (N, 1, 28, 28) float32 in [0, 1], labels int64."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise ValueError(f"data_dir {str(data_dir)!r} is not a directory; give the folder that holds the "
                         f"{source.name} IDX files ({', '.join(all_file_names())})")
    pair = find_split_files(source, split, data_dir)
    if pair is None:
        download_into_cache(source, data_dir)
        pair = find_split_files(source, split, data_dir)
    images_path, labels_path = pair
    pixels, labels = read_idx(images_path, ndim=3), read_idx(labels_path, ndim=1)
    check_pixels_and_labels(images_path, pixels, labels_path, labels)
    return Dataset(unit_images(pixels), labels, source.name)


def check_pixels_and_labels(images_path, pixels, labels_path, labels):
    if pixels.dtype != np.uint8 or labels.dtype != np.uint8:
        raise ValueError(f"{images_path} and {labels_path} must hold uint8 values, "
                         f"found {pixels.dtype} and {labels.dtype}")
    if len(pixels) != len(labels):
        raise ValueError(f"{images_path} holds {len(pixels)} images but {labels_path} holds {len(labels)} labels")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise ValueError(f"{labels_path} holds label {labels.max()}, outside 0..{NUM_CLASSES - 1}")


def download_into_cache(source, data_dir=None):
    """Fetch the four .gz files into the cache, or raise ValueError that lists every way to provide them."""
    if os.environ.get("TINYGEN_OFFLINE"):
        reason = "downloading is off (TINYGEN_OFFLINE is set)"
    else:
        mirrors = (os.environ[source.url_variable],) if os.environ.get(source.url_variable) else source.mirrors
        try:
            return download.fetch_files(source.sha256, mirrors, download.cache_dir() / source.name)
        except download.DownloadError as error:
            reason = f"the download failed ({error})"
    raise ValueError(missing_files_message(source, data_dir, reason))


def missing_files_message(source, data_dir, reason):
    searched = ", ".join(str(place) for place in candidate_dirs(source, data_dir))
    debian = (f" On Debian/Ubuntu, `apt install {source.debian_package}` puts them in {source.system_dirs[0]}."
              if source.debian_package else "")
    return (f"dataset {source.name!r} needs the IDX files {', '.join(all_file_names())} (each may end in .gz); "
            f"searched {searched}. Put them in a directory and pass it as data_dir (--data-dir), or set "
            f"TINYGEN_DATA to a directory that holds them (directly or in a '{source.name}' sub-folder).{debian} "
            f"With internet access they are downloaded once into {download.cache_dir() / source.name}; "
            f"{reason}. Offline, `mnist-5k` works with no files at all.")


def all_file_names():
    return [name for pair in SPLIT_FILES.values() for name in pair]


def describe_idx_source(source, data_dir=None):
    """(available offline, where) for `tinygen datasets`: both splits found, and the directory."""
    pairs = [find_split_files(source, split, data_dir) for split in SPLIT_FILES]
    if all(pairs):
        return True, str(pairs[0][0].parent)
    return False, f"not found; downloads into {download.cache_dir() / source.name} (or set TINYGEN_DATA)"
