"""The device-like backend refuses what CuPy refuses, so a pass on it means something."""
import numpy as np
import pytest

import devicelike
from devicelike import module as cupy_like


def test_names_and_keywords_cupy_lacks_are_refused():
    with pytest.raises(AttributeError, match="has no attribute 'errstate'"):
        cupy_like.errstate  # noqa: B018  (NumPy has it, CuPy does not)
    x = cupy_like.asarray(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="keyword 'where'"):
        cupy_like.sum(x, where=x > 0)
    with pytest.raises(TypeError, match="keyword 'initial'"):
        x.max(initial=0.0)
    with pytest.raises(AttributeError, match="no attribute 'data'"):
        x.data  # noqa: B018  (host memory on NumPy, a device pointer on CuPy)


def test_implicit_copies_to_the_host_are_refused_and_explicit_ones_counted():
    x = cupy_like.asarray(np.arange(4, dtype=np.float32))
    devicelike.transfers.reset()
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x)
    with pytest.raises(TypeError, match="tolist"):
        x.tolist()
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        x[...] = np.zeros(4, np.float32)
    assert devicelike.transfers.count == 0
    assert x.get().tolist() == [0, 1, 2, 3] and float(x[1]) == 1.0
    assert devicelike.transfers.log == [("get", 4), ("__float__", 1)]


def test_uploads_and_downloads_copy_and_results_stay_on_the_device():
    host = np.zeros(3, np.float32)
    x = cupy_like.asarray(host)
    host[0] = 5
    y = x.get()
    y[1] = 7
    assert x.get().tolist() == [0, 0, 0]
    assert isinstance(x.sum(), cupy_like.ndarray) and x.sum().shape == ()  # CuPy's 0-d arrays, not scalars
    assert isinstance(np.exp(x), cupy_like.ndarray)  # NumPy's functions dispatch to the device twin
