"""The one place that imports numpy or cupy.

Every kernel reaches arrays through ``xp``, a thin proxy that forwards to the
module of the current backend, so ``set_backend("cupy")`` really moves the work.
The random generator lives here too: one host generator, reseeded by ``manual_seed``, whose
state is the whole random state (a device backend's draws are made by it and copied over).
"""
import os

import numpy

from tinygen import host_memory

_BACKENDS = ("numpy", "cupy")
_state = {"name": "numpy", "module": numpy}
_generators = {}
_seed = {"value": None}
_cupy_stand_in = {"module": None}


def use_cupy_stand_in(module):
    """For tests: serve backend "cupy" from ``module`` instead of the real cupy (None undoes it).

    tests/devicelike.py is such a module: NumPy's arithmetic behind CuPy's refusals (no implicit
    host conversion, no host/device mixing, CuPy's names only), so the GPU path runs without a GPU.
    """
    _cupy_stand_in["module"] = module


def _import_cupy():
    """Import cupy and make sure a GPU is usable, or say exactly what is missing."""
    if _cupy_stand_in["module"] is not None:
        return _cupy_stand_in["module"]
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError(
            "backend 'cupy' needs the cupy package, which is not installed "
            "(pip install -e '.[gpu]' on a machine with an NVIDIA GPU)") from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # cupy raises its own CUDA error types
        raise RuntimeError(f"backend 'cupy' found no usable GPU: {error}") from error
    if count < 1:
        raise RuntimeError("backend 'cupy' found no GPU on this machine")
    return cupy


def _module_named(name):
    if name not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {name!r}")
    return numpy if name == "numpy" else _import_cupy()


def set_backend(name):
    """Select the array library for every new tensor: "numpy" or "cupy"."""
    _state["module"] = _module_named(name)
    _state["name"] = name


def get_backend():
    """The name of the current backend: "numpy" or "cupy"."""
    return _state["name"]


class _ArrayModule:
    """Forwards attribute access to the current backend's module (numpy or cupy)."""

    def __getattr__(self, attr):
        return getattr(_state["module"], attr)

    def __repr__(self):
        return f"<xp: {_state['name']}>"


xp = _ArrayModule()


def _is_cupy_array(value):
    stand_in = _cupy_stand_in["module"]
    if stand_in is not None:
        return isinstance(value, stand_in.ndarray)
    return type(value).__module__.startswith("cupy")


def is_array(value):
    """Whether ``value`` is an array of either backend (numpy or cupy)."""
    return isinstance(value, numpy.ndarray) or _is_cupy_array(value)


def backend_of(array):
    """The backend name an array belongs to; TypeError for anything that is not an array."""
    if isinstance(array, numpy.ndarray):
        return "numpy"
    if _is_cupy_array(array):
        return "cupy"
    raise TypeError(f"expected a numpy or cupy array, got {type(array).__name__}")


def get_array_module(array=None):
    """The module (numpy or cupy) for ``array``, or of the current backend when None."""
    if array is None:
        return _state["module"]
    return numpy if backend_of(array) == "numpy" else _import_cupy()


def ensure_array(value):
    """NumPy reductions return scalars (numpy.float64); make them 0-d arrays like cupy's."""
    return numpy.asarray(value) if isinstance(value, numpy.generic) else value


def to_numpy(array):
    """A host NumPy array, whatever device ``array`` lives on."""
    if backend_of(array) == "numpy":
        return array
    return array.get()


def to_backend(array, name=None):
    """Copy a host or device array onto backend ``name`` (default: the current one)."""
    name = name or get_backend()
    if backend_of(array) == name:
        return array
    host = to_numpy(array)
    return host if name == "numpy" else _module_named(name).asarray(host)


def asarray(data, dtype=None):
    """An array of the current backend from lists, scalars or arrays of either backend."""
    if is_array(data):
        data = to_backend(data)
    return _state["module"].asarray(data, dtype=dtype)


def is_floating(dtype):
    return numpy.issubdtype(dtype, numpy.floating)


def is_numeric(dtype):
    return numpy.issubdtype(dtype, numpy.number) or numpy.issubdtype(dtype, numpy.bool_)


def default_float():
    return numpy.float32


def scatter_add(target, index, values):
    """target[index] += values, adding repeated indices (numpy's add.at; cupy has it since v12)."""
    get_array_module(target).add.at(target, index, values)
    return target


def manual_seed(seed):
    """Reseed the random generator so that runs repeat exactly, on every backend."""
    if not isinstance(seed, (int, numpy.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    _seed["value"] = int(seed)
    _generators.clear()


def generator():
    """The current backend's random generator (created from the last manual_seed)."""
    return generator_for(get_backend())


def get_rng_state():
    """The host generator's state as plain JSON-able data (for checkpoints)."""
    return generator_for("numpy").bit_generator.state


def set_rng_state(state):
    generator_for("numpy").bit_generator.state = state


def generator_for(name):
    """The random generator of backend ``name``: NumPy's (made on first use), or its draws copied to a device."""
    if name not in _generators:
        _generators[name] = (numpy.random.default_rng(_seed["value"]) if name == "numpy"
                             else _DeviceDraws(name))
    return _generators[name]


class _DeviceDraws:
    """A device backend's random numbers: drawn by the host generator, then copied to the device.

    Why not CuPy's own generator: its state cannot be saved in a checkpoint (nor put back around an
    epoch-end hook), so a resumed GPU run would draw other numbers than an uninterrupted one. With one
    host stream the checkpointed state is the whole random state, and a device run draws exactly what
    a NumPy run draws. The price: the numbers are made on the CPU and uploaded (no synchronisation).
    """

    def __init__(self, name):
        self.name = name

    def random(self, size=None, dtype=numpy.float64):
        return to_backend(numpy.asarray(generator_for("numpy").random(size, dtype=dtype)), self.name)

    def standard_normal(self, size=None, dtype=numpy.float64):
        return to_backend(numpy.asarray(generator_for("numpy").standard_normal(size, dtype=dtype)), self.name)


def _backend_from_environment():
    name = os.environ.get("TINYGEN_BACKEND")
    if name:
        set_backend(name)


if host_memory.wanted():
    host_memory.keep_freed_memory()
_backend_from_environment()
