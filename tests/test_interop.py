"""Python and NumPy interop: len, iteration, float/int/bool/index, numpy.asarray, item, tolist, IndexError."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import backend


def test_len_and_iteration_walk_the_first_axis():
    t = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(t)
    assert len(t) == len(rows) == 3
    for i, row in enumerate(rows):
        np.testing.assert_array_equal(row.numpy(), [2 * i, 2 * i + 1])
    sum(row[1] for row in t).backward()  # iteration stays differentiable
    np.testing.assert_array_equal(t.grad.numpy(), [[0, 1], [0, 1], [0, 1]])


def test_a_zero_d_tensor_has_no_len_and_no_iteration():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tg.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tg.tensor(1.0))


def test_python_numbers_from_one_element_tensors():
    assert float(tg.tensor([2.5])) == 2.5 and isinstance(float(tg.tensor(2)), float)
    assert int(tg.tensor([[7.9]])) == 7 and int(tg.tensor(-3)) == -3
    assert bool(tg.tensor([0.0])) is False and bool(tg.tensor(3)) is True
    assert tg.tensor(4.0).item() == 4.0 and isinstance(tg.tensor(4).item(), int)
    assert [10, 20, 30][tg.tensor(1)] == 20  # __index__: an integer tensor indexes a list
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("convert", [float, int, bool, lambda t: t.item()], ids=["float", "int", "bool", "item"])
def test_many_elements_do_not_convert_to_one_number(convert):
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        convert(tg.ones(2))


def test_a_float_tensor_is_no_index():
    with pytest.raises(TypeError, match="only integer tensors can be used as an index"):
        [1, 2][tg.tensor(1.0)]


def test_numpy_asarray_on_the_numpy_backend():
    t = tg.tensor(np.arange(3.0), requires_grad=True)
    array = np.asarray(t)
    assert isinstance(array, np.ndarray) and array.dtype == t.dtype
    np.testing.assert_array_equal(array, [0, 1, 2])
    assert np.asarray(t, dtype=np.int64).dtype == np.int64
    assert np.array(t, copy=True) is not t.data


def test_numpy_operators_defer_to_the_tensor():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    for result in (np.ones(2) + t, np.float32(2) * t, np.float64(1) - t):
        assert isinstance(result, tg.Tensor) and result.requires_grad


class _DeviceArray:
    """Stands in for a cupy array (its type's module starts with "cupy"), to reach the device branch here."""
    __module__ = "cupy._core.core"

    def __init__(self, array):
        self.dtype, self.shape, self.ndim, self.size = array.dtype, array.shape, array.ndim, array.size


def test_a_device_tensor_refuses_implicit_conversion_like_cupy():
    t = tg.Tensor.__new__(tg.Tensor)
    t.data = _DeviceArray(np.ones(2))
    assert backend.backend_of(t.data) == "cupy"
    with pytest.raises(TypeError, match=r"backend 'cupy' does not convert to a NumPy array implicitly; call \.numpy\(\)"):
        np.asarray(t)


def test_out_of_range_index_is_an_index_error_with_the_shape():
    with pytest.raises(IndexError, match=r"does not fit a tensor of shape \(3,\)"):
        tg.ones(3)[3]
    with pytest.raises(IndexError):
        tg.ones(2, 2)[0, -3]


def test_iteration_protocol_stops_at_the_end_through_getitem():
    t = tg.tensor([4.0, 5.0])
    values = []
    index = 0
    while True:  # what Python does for an object with only __getitem__
        try:
            values.append(t[index].item())
        except IndexError:
            break
        index += 1
    assert values == [4.0, 5.0]


def test_to_names_a_backend_and_points_to_astype_for_a_dtype():
    with pytest.raises(ValueError, match=r"got 'float64' \(for another dtype use \.astype\(dtype\)\)"):
        tg.ones(2).to("float64")
