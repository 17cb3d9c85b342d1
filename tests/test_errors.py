"""Bad input gets a clear error naming the problem, never an IndexError from deep inside."""
import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F
from tinygen import backend


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned.*\(3\).*\(4\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)


def test_matmul_batch_mismatch():
    with pytest.raises(ValueError, match="batch dimensions"):
        tg.ones(2, 2, 3) @ tg.ones(3, 3, 4)


@pytest.mark.parametrize("call", [lambda t: t.sum(axis=2), lambda t: t.mean(axis=-3), lambda t: t.max(axis=5),
                                  lambda t: t.swapaxes(0, 2), lambda t: F.expand_dims(t, 4),
                                  lambda t: F.concatenate([t, t], axis=2)])
def test_axis_out_of_range(call):
    with pytest.raises(ValueError, match=r"axis -?\d+ is out of range for a tensor with 2 dimensions"):
        call(tg.ones(2, 3))


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = tg.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"scalar output; this output has shape \(2, 3\)"):
        (x * 2).backward()


def test_backward_gradient_of_the_wrong_shape():
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient shape \(3,\) does not match output shape \(2,\)"):
        (x * 2).backward(tg.ones(3))


def test_backward_on_a_tensor_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()


def test_mixing_backends_is_refused(monkeypatch):
    class DeviceArray(np.ndarray):
        """Stands in for a cupy array: this machine has no GPU."""

    real_backend_of = backend.backend_of
    monkeypatch.setattr(backend, "backend_of",
                        lambda a: "cupy" if isinstance(a, DeviceArray) else real_backend_of(a))
    on_host = tg.ones(3)
    on_device = tg.ones(3)
    on_device.data = on_device.data.view(DeviceArray)  # as if made while the cupy backend was on
    with pytest.raises(ValueError, match=r"different backends \['cupy', 'numpy'\].*\.to\(name\)"):
        on_host + on_device


@pytest.mark.parametrize("data", [np.array(["a", "b"]), ["x", "y"], np.array([object(), 1], dtype=object)])
def test_non_numeric_data(data):
    with pytest.raises(TypeError, match="numeric"):
        tg.tensor(data)


def test_an_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require grad.*int64"):
        tg.tensor(np.array([1, 2]), requires_grad=True)


def test_broadcasting_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) do not broadcast"):
        tg.ones(2, 3) + tg.ones(4)


def test_reshape_to_a_wrong_size():
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4,\)"):
        tg.ones(2, 3).reshape(4)


def test_index_out_of_bounds_is_an_index_error():
    """IndexError, as Python's iteration protocol expects, with tinygen's message."""
    with pytest.raises(IndexError, match=r"does not fit a tensor of shape \(2, 3\)"):
        tg.ones(2, 3)[5]


def test_squeeze_of_a_wide_axis():
    with pytest.raises(ValueError, match="axis 1 has size 3"):
        F.squeeze(tg.ones(2, 3), 1)


def test_bad_pad_width():
    with pytest.raises(ValueError, match="non-negative"):
        F.pad(tg.ones(2, 3), ((1, -1), (0, 0)))
    with pytest.raises(ValueError, match="2 such pairs"):
        F.pad(tg.ones(2, 3), ((1, 1), (0, 0), (2, 2)))


def test_stack_of_different_shapes():
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(3,\), tensor 0 has \(2,\)"):
        F.stack([tg.ones(2), tg.ones(3)])


def test_item_of_many_elements_and_ambiguous_truth():
    with pytest.raises(ValueError, match="one element"):
        tg.ones(2).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.ones(2) > 0)


def test_var_without_degrees_of_freedom():
    with pytest.raises(ValueError, match="ddof=1"):
        tg.ones(1).var(ddof=1)


def test_bad_shapes_and_seeds():
    with pytest.raises(ValueError, match="non-negative integers"):
        tg.zeros(2, -1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        tg.manual_seed(-3)
