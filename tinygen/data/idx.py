"""The IDX file format of MNIST and Fashion-MNIST: read (validated) and write.

An IDX file is a header and the values, big-endian:
    bytes 0-1  zero; byte 2  the type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64); byte 3  the number of dimensions d;
    then d sizes as 4-byte unsigned integers; then prod(sizes) values, row-major.
A file may be gzip-compressed (recognised by its content, whatever its name).
"""
import gzip
import zlib
from pathlib import Path

import numpy as np

IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path, ndim=None):
    """The array stored in the IDX file ``path`` (native byte order), shape from the header.

    ``ndim`` (optional) is the number of dimensions the caller needs (3 for images, 1 for labels).
    A malformed file (bad magic number, unknown type, wrong number of dimensions, a length that
    disagrees with the header, a broken gzip stream) raises ValueError naming the file and the fault.
    """
    path = Path(path)
    content = _file_bytes(path)
    dtype, shape = _parse_header(path, content, ndim)
    header_length = 4 + 4 * len(shape)
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(content) - header_length
    if found < expected:
        raise ValueError(f"IDX file {path} is truncated: header says {shape} values of {dtype.name} "
                         f"({expected} bytes) but only {found} bytes follow the header")
    if found > expected:
        raise ValueError(f"IDX file {path} has {found - expected} extra bytes after the {expected} "
                         f"bytes its header {shape} of {dtype.name} announces")
    values = np.frombuffer(content, dtype=dtype, offset=header_length).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def _file_bytes(path):
    """The file's bytes, decompressed when it starts with the gzip magic number."""
    content = path.read_bytes()
    if not content.startswith(GZIP_MAGIC):
        return content
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"IDX file {path} is a broken gzip stream ({error}); delete it and fetch it again") from error


def _parse_header(path, content, ndim):
    """(dtype, shape) from the first 4 + 4 d bytes of ``content``."""
    if len(content) < 4:
        raise ValueError(f"IDX file {path} is truncated: {len(content)} bytes, shorter than the 4-byte magic number")
    zeros, type_code, dims = content[:2], content[2], content[3]
    if zeros != b"\x00\x00" or type_code not in IDX_TYPES:
        raise ValueError(f"IDX file {path} has a bad magic number 0x{content[:4].hex()}: expected 0x0000TTDD with "
                         f"type TT in {sorted(f'{code:02x}' for code in IDX_TYPES)} and DD dimensions")
    if dims == 0 or (ndim is not None and dims != ndim):
        wanted = f"{ndim}" if ndim is not None else "at least 1"
        raise ValueError(f"IDX file {path} has {dims} dimensions, expected {wanted}")
    if len(content) < 4 + 4 * dims:
        raise ValueError(f"IDX file {path} is truncated inside its header ({len(content)} bytes, "
                         f"{4 + 4 * dims} needed for {dims} sizes)")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=dims, offset=4))
    return IDX_TYPES[type_code], shape


def write_idx(path, array):
    """Write ``array`` (uint8, int8, int16, int32, float32 or float64) as an IDX file; gzip when ``path`` ends in .gz."""
    array = np.asarray(array)
    if array.dtype.newbyteorder("=") not in TYPE_CODES or array.ndim == 0:
        raise ValueError(f"array must have 1 or more dimensions and a dtype in "
                         f"{sorted(str(d) for d in TYPE_CODES)}, got {array.dtype} with {array.ndim} dimensions")
    code = TYPE_CODES[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + array.astype(IDX_TYPES[code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(content, mtime=0) if path.suffix == ".gz" else content)
    return path
