"""Download dataset files once into a cache, each checked against its published SHA-256.

A file is streamed into a temporary file next to its destination, hashed on the way, and
renamed into place (``os.replace``) only when the hash matches: the cache never holds a
partial or corrupted file, whatever happens during the transfer.
"""
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

CHUNK_BYTES = 1 << 20


class DownloadError(OSError):
    """No mirror could deliver a file (no network, server error): the caller explains the offline options."""


def cache_dir():
    """Where downloads go: ``$TINYGEN_CACHE``, else ``~/.cache/tinygen``."""
    return Path(os.environ.get("TINYGEN_CACHE") or Path.home() / ".cache" / "tinygen")



def fetch_files(checksums, mirrors, target_dir, timeout=30):
    """Make sure every file of ``checksums`` (name -> SHA-256 hex) is in ``target_dir``; return the paths.

    Files already there are kept (they were checked when written); a missing one is fetched from
    the first of ``mirrors`` (base URLs, the file name is appended) that answers.
    """
    target_dir = Path(target_dir)
    paths = []
    for name, sha256 in checksums.items():
        path = target_dir / name
        if not path.exists():
            fetch_from_mirrors(name, sha256, mirrors, path, timeout)
        paths.append(path)
    return paths


def fetch_from_mirrors(name, sha256, mirrors, destination, timeout):
    """Fetch ``name`` from the first mirror that answers; a wrong checksum is never retried elsewhere."""
    failures = []
    for base_url in mirrors:
        url = base_url.rstrip("/") + "/" + name
        try:
            return download_file(url, destination, sha256, timeout)
        except (OSError, http.client.HTTPException) as error:  # URLError and HTTPError are OSErrors
            failures.append(f"{url}: {error}")
    raise DownloadError(f"could not download {name}: " + "; ".join(failures))


def download_file(url, destination, sha256, timeout=30):
    """Stream ``url`` into ``destination`` atomically; ValueError (and no file) if its SHA-256 is not ``sha256``."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    print(f"tinygen: downloading {url} -> {destination}", file=sys.stderr)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as stream, urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                digest.update(chunk)
                stream.write(chunk)
        if digest.hexdigest() != sha256.lower():
            raise ValueError(f"downloaded file {destination.name} from {url} is corrupted: its SHA-256 is "
                             f"{digest.hexdigest()} but the published checksum is {sha256.lower()}; "
                             f"nothing was saved in {destination.parent}")
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination
