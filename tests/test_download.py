"""The downloader against a local HTTP server: checksums, atomic writes, one download, clear refusals.

Every test serves files it wrote from 127.0.0.1; none touches the internet.
"""
import dataclasses
import functools
import hashlib
import http.server
import threading

import numpy as np
import pytest

from fake_idx import write_fake_set
from tinygen.data import datasets, download, load_dataset


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requested = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        QuietHandler.requested.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """(base URL, served directory, list of requested paths) of a local HTTP server."""
    served = tmp_path / "served"
    served.mkdir()
    QuietHandler.requested = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(QuietHandler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served, QuietHandler.requested
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """A private cache, no TINYGEN_DATA, downloads on (the tests point them at the local server)."""
    monkeypatch.setenv("TINYGEN_CACHE", str(tmp_path / "cache"))
    for variable in ("TINYGEN_DATA", "TINYGEN_OFFLINE", "TINYGEN_MNIST_URL", "TINYGEN_FASHION_MNIST_URL"):
        monkeypatch.delenv(variable, raising=False)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(served):
    """The checksums a test 'publishes' for the files it serves: their real SHA-256."""
    return {path.name: sha256(path) for path in sorted(served.iterdir())}


def test_files_arrive_intact_and_only_once(server, tmp_path):
    url, served, requested = server
    write_fake_set(served)
    checksums = published(served)
    target = tmp_path / "cache" / "mnist"
    paths = download.fetch_files(checksums, [url], target)
    assert sorted(path.name for path in paths) == sorted(checksums)
    for path in paths:
        assert path.read_bytes() == (served / path.name).read_bytes()
    assert sorted(p.name for p in target.iterdir()) == sorted(checksums)  # no temporary files left
    assert len(requested) == 4
    download.fetch_files(checksums, [url], target)
    assert len(requested) == 4


def test_corrupted_download_is_refused_and_nothing_is_kept(server, tmp_path):
    url, served, _ = server
    write_fake_set(served)
    checksums = published(served)
    good_hash = checksums["t10k-labels-idx1-ubyte.gz"]
    corrupted = served / "t10k-labels-idx1-ubyte.gz"
    damaged = bytearray(corrupted.read_bytes())
    damaged[20] ^= 0xFF  # one byte flipped in transit
    corrupted.write_bytes(bytes(damaged))
    target = tmp_path / "cache" / "mnist"
    with pytest.raises(ValueError) as caught:
        download.fetch_files(checksums, [url], target)
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert good_hash in message and sha256(corrupted) in message
    assert not (target / "t10k-labels-idx1-ubyte.gz").exists()
    assert not any(".part" in p.name for p in target.iterdir())


def test_a_missing_file_on_the_server_is_a_download_error(server, tmp_path):
    url, served, _ = server
    with pytest.raises(download.DownloadError, match=r"could not download absent.gz: .*absent.gz: HTTP Error 404"):
        download.fetch_files({"absent.gz": "0" * 64}, [url], tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_next_mirror_is_tried_when_one_fails(server, tmp_path):
    url, served, requested = server
    (served / "a.bin").write_bytes(b"payload")
    (served / "mirror2").mkdir()
    (served / "mirror2" / "b.bin").write_bytes(b"other")
    checksums = {"b.bin": hashlib.sha256(b"other").hexdigest()}
    [path] = download.fetch_files(checksums, [url, url + "mirror2/"], tmp_path / "cache")
    assert path.read_bytes() == b"other"
    assert requested == ["/b.bin", "/mirror2/b.bin"]


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGEN_CACHE", str(tmp_path / "elsewhere"))
    assert download.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("TINYGEN_CACHE")
    assert download.cache_dir().parts[-2:] == (".cache", "tinygen")


@pytest.fixture
def mnist_served_locally(server, monkeypatch):
    """Serve a fake MNIST; the registry's 'mnist' expects the served files' checksums."""
    url, served, requested = server
    written = write_fake_set(served)
    monkeypatch.setattr(datasets, "MNIST", dataclasses.replace(datasets.MNIST, sha256=published(served)))
    monkeypatch.setenv("TINYGEN_MNIST_URL", url)
    return written, served, requested


def test_load_dataset_downloads_into_the_cache_once(mnist_served_locally, tmp_path):
    written, served, requested = mnist_served_locally
    test_set = load_dataset("mnist", "test")
    pixels, labels = written["test"]
    np.testing.assert_array_equal(test_set.images[:, 0], pixels / np.float32(255))
    np.testing.assert_array_equal(test_set.labels, labels)
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(published(served))
    assert len(load_dataset("mnist", "train")) == len(written["train"][1])
    assert len(requested) == 4


def test_load_dataset_refuses_a_corrupted_download(mnist_served_locally, tmp_path):
    _, served, _ = mnist_served_locally
    images = served / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:100])  # the connection dropped half-way
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz .* is corrupted: its SHA-256 is"):
        load_dataset("mnist", "train")
    assert not (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_the_real_checksums_are_sha256_hex():
    for source in (datasets.MNIST, datasets.FASHION_MNIST):
        assert len(source.sha256) == 4
        assert all(len(value) == 64 and int(value, 16) >= 0 for value in source.sha256.values())
