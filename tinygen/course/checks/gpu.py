"""Checks of lesson 16 (the GPU backend): ops written once for either array library.

Each answer runs on host NumPy arrays and, in a clone of the repository, on the device-like backend
(tests/devicelike.py: NumPy's arithmetic behind CuPy's refusals), so an answer that calls NumPy on a
device array, or brings the result back to the host, fails as it would on a GPU.
"""
import importlib.util

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

from tinygen import backend
from tinygen.course import REPOSITORY
from tinygen.course.checks.cases import Check, Wrong, call, expect_array, expect_close, for_all

DEVICE_LIKE = REPOSITORY / "tests" / "devicelike.py"
seeds = st.integers(0, 2**16)


def _device_like():
    """The device-like array module (what ``tests/devicelike.py`` serves as "cupy"), or None outside a clone."""
    if not DEVICE_LIKE.is_file():
        return None
    spec = importlib.util.spec_from_file_location("tinygen_course_devicelike", DEVICE_LIKE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.module


def on_both_backends(learner, reference, host_input, words, *args):
    """learner(x, *args) equals reference(x, *args) for x on the host and on the device-like backend, and
    returns an array of x's backend."""
    what = f"{getattr(learner, '__name__', 'your function')}({words})"
    expect_close(expect_array(call(learner, host_input, *args, what=what), what), reference(host_input, *args), what)
    device_like = _device_like()
    if device_like is None:
        return
    previous = backend.get_backend()
    backend.use_cupy_stand_in(device_like)
    try:
        backend.set_backend("cupy")
        x = backend.to_backend(host_input.copy(), "cupy")
        what = f"{getattr(learner, '__name__', 'your function')}({words}, on the device)"
        result = call(learner, x, *args, what=what)
        if not backend.is_array(result) or backend.backend_of(result) != "cupy":
            raise Wrong(f"{what} returned {type(result).__module__}.{type(result).__name__}, not an array on the "
                        "device: the result must stay where its input lives")
        got = backend.to_numpy(result)
    finally:
        backend.set_backend(previous)
        backend.use_cupy_stand_in(None)
    expect_close(got, reference(host_input, *args), what)


def verify_softplus(softplus):
    def claim(case):
        shape, scale, seed = case
        x = np.random.default_rng(seed).normal(size=shape) * scale
        on_both_backends(softplus, lambda a: np.logaddexp(0, a), x, f"x of shape {shape}, about {scale:g} in size")

    for_all(st.tuples(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
                      st.sampled_from([1.0, 1000.0]), seeds), claim)


def _logsumexp(x, axis):
    top = x.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def verify_logsumexp(logsumexp):
    def claim(case):
        rows, columns, axis, scale, seed = case
        x = np.random.default_rng(seed).normal(size=(rows, columns)) * scale
        on_both_backends(logsumexp, _logsumexp, x, f"x of shape {(rows, columns)}, about {scale:g} in size, "
                         f"axis={axis}", axis)

    for_all(st.tuples(st.integers(1, 4), st.integers(1, 5), st.sampled_from([0, 1]), st.sampled_from([1.0, 1000.0]),
                      seeds), claim)


CHECKS = {
    "16": [Check("softplus", verify_softplus,
                 "one line of code must run on either library: ask which array module the input belongs to, "
                 "and keep exp away from large positive numbers", gives="array"),
           Check("logsumexp", verify_logsumexp,
                 "the same module question as softplus; and the largest entry along the axis can be taken out "
                 "of the sum before exponentiating", gives="array")],
}
