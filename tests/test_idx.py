"""IDX files: round trip for every type, plain and gzip, and a clear refusal of every malformed case."""
import gzip

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygen.data.idx import read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(dtype=st.sampled_from(DTYPES), shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       compressed=st.booleans(), seed=st.integers(0, 2**16))
def test_round_trip(tmp_path_factory, dtype, shape, compressed, seed):
    values = (np.random.default_rng(seed).standard_normal(shape) * 100).astype(dtype)
    path = tmp_path_factory.mktemp("idx") / ("values.idx" + (".gz" if compressed else ""))
    write_idx(path, values)
    back = read_idx(path)
    assert back.dtype == values.dtype and back.shape == values.shape
    np.testing.assert_array_equal(back, values)


def test_header_layout_is_the_published_one(tmp_path):
    """Magic 0x00000803 for a 3-D uint8 array, then the sizes big-endian, then the bytes."""
    path = write_idx(tmp_path / "images", np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    content = path.read_bytes()
    assert content[:4] == bytes([0, 0, 0x08, 3])
    assert content[4:16] == bytes([0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])
    assert content[16:] == bytes(range(24))


def test_multibyte_values_are_big_endian(tmp_path):
    path = write_idx(tmp_path / "ints", np.array([1, 256], dtype=np.int32))
    assert path.read_bytes()[:4] == bytes([0, 0, 0x0C, 1])
    assert path.read_bytes()[8:] == bytes([0, 0, 0, 1, 0, 0, 1, 0])


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    values = np.arange(6, dtype=np.uint8).reshape(2, 3)
    plain = write_idx(tmp_path / "plain", values)
    disguised = tmp_path / "disguised"
    disguised.write_bytes(gzip.compress(plain.read_bytes()))
    np.testing.assert_array_equal(read_idx(disguised), values)


def write_raw(tmp_path, content, name="bad.idx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def labels_file_bytes(count=3):
    return bytes([0, 0, 0x08, 1]) + count.to_bytes(4, "big") + bytes(range(count))


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00", r"truncated: 2 bytes, shorter than the 4-byte magic number"),
    (bytes([1, 0, 0x08, 1]) + bytes(5), r"bad magic number 0x01000801"),
    (bytes([0, 0, 0x07, 1]) + bytes(5), r"bad magic number 0x00000701"),
    (bytes([0, 0, 0x08, 0]), r"has 0 dimensions, expected at least 1"),
    (bytes([0, 0, 0x08, 3, 0, 0, 0, 2]), r"truncated inside its header \(8 bytes, 16 needed for 3 sizes\)"),
    (labels_file_bytes()[:-1], r"truncated: header says \(3,\) values of uint8 \(3 bytes\) but only 2 bytes"),
    (labels_file_bytes() + b"\x07\x07", r"has 2 extra bytes after the 3 bytes its header \(3,\) of uint8 announces"),
    (bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + bytes(7), r"header says \(2,\) values of int32 \(8 bytes\) but only 7"),
])
def test_malformed_files_are_refused_by_name(tmp_path, content, message):
    for name, data in (("bad.idx", content), ("bad.idx.gz", gzip.compress(content))):
        path = write_raw(tmp_path, data, name)
        with pytest.raises(ValueError, match=message) as caught:
            read_idx(path)
        assert str(path) in str(caught.value)


def test_wrong_number_of_dimensions_is_refused(tmp_path):
    path = write_idx(tmp_path / "labels", np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"labels has 1 dimensions, expected 3"):
        read_idx(path, ndim=3)
    assert read_idx(path, ndim=1).shape == (4,)


def test_truncated_gzip_stream_is_refused(tmp_path):
    packed = gzip.compress(labels_file_bytes(200))
    path = write_raw(tmp_path, packed[: len(packed) // 2], "cut.gz")
    with pytest.raises(ValueError, match=r"cut.gz is a broken gzip stream"):
        read_idx(path)


def test_write_refuses_unsupported_arrays(tmp_path):
    with pytest.raises(ValueError, match=r"dtype in .* got int64 with 1 dimensions"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"got uint8 with 0 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))
