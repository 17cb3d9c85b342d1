"""Run the same code on the NumPy backend and on the device-like one; the results must agree bit for bit.

The device-like backend (tests/devicelike.py) computes with NumPy, so any difference in a result
means tinygen took another path on a device (and any TypeError means the path would break on CuPy).
"""
import contextlib

import numpy as np

import devicelike
import tinygen as tg
from tinygen import backend


@contextlib.contextmanager
def device_backend():
    """Backend "cupy" served by the device-like stand-in for the duration of the block."""
    devicelike.install()
    try:
        tg.set_backend("cupy")
        yield
    finally:
        tg.set_backend("numpy")
        devicelike.uninstall()


def host(value, expected_backend):
    """Host copies of every array in a (nested) result; each array must live on ``expected_backend``."""
    if isinstance(value, tg.Tensor):
        value = value.data
    if backend.is_array(value):
        assert backend.backend_of(value) == expected_backend, \
            f"a result lives on {backend.backend_of(value)}, expected {expected_backend}"
        return backend.to_numpy(value).copy()
    if isinstance(value, dict):
        return {key: host(v, expected_backend) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [host(v, expected_backend) for v in value]
    return value


def run_on(name, build, seed=0, results_on=None):
    """``build()`` with backend ``name`` selected and every generator seeded; its results on the host.

    Its arrays must live on ``results_on`` (default: backend ``name``; "numpy" for host-facing code).
    """
    context = device_backend() if name == "cupy" else contextlib.nullcontext()
    with context:
        tg.manual_seed(seed)
        return host(build(), results_on or name)


def assert_identical(expected, got, path="result"):
    """Same structure, and every array the same dtype, shape and bytes (so -0.0 and NaN payloads too)."""
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), f"{path}: keys {sorted(got)} != {sorted(expected)}"
        for key in expected:
            assert_identical(expected[key], got[key], f"{path}[{key!r}]")
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{path}: {len(got)} items, expected {len(expected)}"
        for i, (a, b) in enumerate(zip(expected, got)):
            assert_identical(a, b, f"{path}[{i}]")
    elif isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), f"{path}: got {type(got).__name__}, expected an array"
        assert (got.dtype, got.shape) == (expected.dtype, expected.shape), \
            f"{path}: {got.dtype} {got.shape}, expected {expected.dtype} {expected.shape}"
        if got.tobytes() != expected.tobytes():
            differ = int(np.sum(got.view(np.uint8) != expected.view(np.uint8)))
            raise AssertionError(f"{path}: {differ} bytes differ from NumPy's result")
    else:
        assert got == expected or (got != got and expected != expected), f"{path}: {got!r} != {expected!r}"


def same_on_device(build, seed=0, results_on=None):
    """``build()`` on NumPy and on the device-like backend; asserts equal results and returns NumPy's."""
    expected = run_on("numpy", build, seed)
    assert_identical(expected, run_on("cupy", build, seed, results_on))
    return expected
