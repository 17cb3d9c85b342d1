"""A device-like backend: NumPy's arithmetic behind CuPy's refusals, so the GPU path runs on a CPU.

An ``ndarray`` here holds a NumPy array and computes exactly as NumPy does (so every result equals
the NumPy backend's bit for bit), but refuses what CuPy refuses, where code that works on NumPy
breaks on a GPU:

* implicit conversion to a host array: ``numpy.asarray(a)``, ``a.__array__()`` -> TypeError (CuPy's words);
* ``a.tolist()`` -> TypeError: a hidden copy to the host (CuPy allows it; we ask for backend.to_numpy);
* an operation mixing a device array with a host ``numpy.ndarray`` -> TypeError, as CuPy;
* writing a host array into a device array (``a[...] = host``) -> ValueError, as CuPy's ``fill``;
* a name or a keyword CuPy lacks (tests/cupy_snapshot.json, recorded from a real CuPy) ->
  AttributeError / TypeError.

Every device -> host copy (``get``, ``item``, ``float``/``int``/``bool``, ``repr``) is recorded in
``transfers``, so a test can count what a training step pulls to the host. Uploads copy, as CuPy's do.

``install()`` makes ``tinygen.backend`` serve backend "cupy" from this module (``uninstall()`` undoes it).
"""
import json
import numbers
import operator
import types
from pathlib import Path

import numpy

SNAPSHOT = json.loads(Path(__file__).with_name("cupy_snapshot.json").read_text())
NOT_LIKE_CUPY = {"data", "device"}  # NumPy has these on arrays, but they mean host things there
IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly.")


class Transfers:
    """Device -> host copies, each recorded with how it happened and how many elements it moved."""

    def __init__(self):
        self.log = []

    def record(self, how, size):
        self.log.append((how, int(size)))

    def reset(self):
        self.log.clear()

    @property
    def count(self):
        return len(self.log)


transfers = Transfers()


def _refuse_host(where):
    raise TypeError(f"{where}: Unsupported type <class 'numpy.ndarray'>: a host array cannot meet a device "
                    "array (CuPy refuses it); move it with backend.to_backend first")


def _check_keywords(where, kwargs, allowed):
    if allowed is None:
        return
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"{where}() got keyword {unknown[0]!r}, which CuPy {SNAPSHOT['cupy_version']} does not "
                        f"take (it takes {allowed})")


def _device(value):
    """Wrap NumPy results as device arrays; NumPy scalars become 0-d arrays, as CuPy's reductions give."""
    if isinstance(value, numpy.ndarray):
        return ndarray(value)
    if isinstance(value, numpy.generic):
        return ndarray(numpy.asarray(value))
    if isinstance(value, (tuple, list)):
        return type(value)(_device(v) for v in value)
    return value


def _inner(value, where):
    """The NumPy array inside device arrays (in lists, tuples, dicts too); a host array is refused."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, numpy.ndarray):
        _refuse_host(where)
    if isinstance(value, (tuple, list)):
        return type(value)(_inner(v, where) for v in value)
    if isinstance(value, dict):
        return {key: _inner(v, where) for key, v in value.items()}
    return value


def _operand(value, where):
    """An operand of arithmetic: a device array or a scalar; None for anything else (NotImplemented)."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, numpy.ndarray):
        _refuse_host(where)
    if isinstance(value, (numbers.Number, numpy.generic)):
        return value
    return None


def _index(key):
    """Device index arrays unwrapped; host index arrays and lists are allowed (CuPy uploads them)."""
    if isinstance(key, tuple):
        return tuple(_index(part) for part in key)
    return key._array if isinstance(key, ndarray) else key


def _wrapped(where, function, allowed):
    def call(*args, **kwargs):
        _check_keywords(where, kwargs, allowed)
        return _device(function(*_inner(args, where), **_inner(kwargs, where)))
    call.__name__ = where
    return call


class ndarray:
    """A device array: a NumPy array inside, CuPy's behaviour outside."""

    __array_priority__ = 100  # CuPy's: a Tensor (1000) gets the reflected operator
    __hash__ = None

    def __init__(self, array):
        self._array = array

    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    T = property(lambda self: ndarray(self._array.T))

    def __getattr__(self, name):
        allowed = SNAPSHOT["ndarray"]
        if name.startswith("_") or name not in allowed or name in NOT_LIKE_CUPY:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        value = getattr(self._array, name)
        return _wrapped(f"ndarray.{name}", value, allowed[name]) if callable(value) else _device(value)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (_device(row) for row in self._array)

    # --- the ways to the host: explicit ones counted, implicit ones refused ---------------------
    def get(self, stream=None, order="C", out=None, blocking=True):
        transfers.record("get", self.size)
        return numpy.array(self._array, copy=True)

    def item(self):
        transfers.record("item", self.size)
        return self._array.item()

    def tolist(self):
        raise TypeError("tolist() on a device array copies it to the host behind your back: "
                        "use tinygen.backend.to_numpy(array).tolist()")

    def __array__(self, *args, **kwargs):
        raise TypeError(IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy.<ufunc>(...) or host-array-op-device: CuPy runs its own ufunc, which refuses host arrays."""
        return getattr(_UFunc(ufunc), method)(*inputs, **kwargs)

    def __array_function__(self, function, types, args, kwargs):
        """numpy.<function>(device array): CuPy dispatches to its twin when it has one."""
        name = function.__name__
        if name not in SNAPSHOT["module"]:
            raise TypeError(f"numpy.{name} got a device array and CuPy has no {name}")
        return getattr(module, name)(*args, **kwargs)

    # --- indexing ----------------------------------------------------------------------------------
    def __getitem__(self, key):
        return _device(self._array[_index(key)])

    def __setitem__(self, key, value):
        if isinstance(value, numpy.ndarray) and value.ndim:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill (CuPy's refusal of "
                             "device[...] = host array; move it with backend.to_backend first)")
        self._array[_index(key)] = value._array if isinstance(value, ndarray) else value


def _binary(op, reflected=False, inplace=False):
    def method(self, other):
        value = _operand(other, op.__name__)
        if value is None:
            return NotImplemented
        if inplace:
            op(self._array, value)
            return self
        return _device(op(value, self._array) if reflected else op(self._array, value))
    return method


def _pull(how):
    """A conversion that copies to the host (a synchronisation on a GPU): allowed, and recorded."""
    def pull(self, *args):
        transfers.record(how, self.size)
        return getattr(self._array, how)(*args)
    return pull


for _name in ("__float__", "__int__", "__bool__", "__index__", "__repr__", "__str__", "__format__"):
    setattr(ndarray, _name, _pull(_name))

_OPERATORS = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
              "lshift", "rshift"]
for _name in _OPERATORS:
    _op = getattr(operator, _name + "_" if _name in ("and", "or") else _name)
    setattr(ndarray, f"__{_name}__", _binary(_op))
    setattr(ndarray, f"__r{_name}__", _binary(_op, reflected=True))
    setattr(ndarray, f"__i{_name}__", _binary(getattr(operator, "i" + _name), inplace=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _binary(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_name}__", (lambda op: lambda self: _device(op(self._array)))(getattr(operator, _name)))


class _UFunc:
    """A NumPy ufunc that takes device arrays and scalars only, as a cupy.ufunc does."""

    def __init__(self, ufunc):
        self._ufunc, self.__name__ = ufunc, ufunc.__name__

    def _operands(self, inputs):
        values = [_operand(value, f"cupy.{self.__name__}") for value in inputs]
        if any(value is None for value in values):
            kinds = sorted({type(v).__name__ for v, u in zip(inputs, values) if u is None})
            raise TypeError(f"cupy.{self.__name__}: Unsupported type {kinds} (a ufunc takes arrays and scalars)")
        return values

    def __call__(self, *inputs, **kwargs):
        _check_keywords(f"cupy.{self.__name__}", kwargs, SNAPSHOT["module"].get(self.__name__, []))
        return _device(self._ufunc(*self._operands(inputs), **_inner(kwargs, self.__name__)))

    def at(self, array, indices, values=None):
        """In place, adding repeated indices (cupy.ufunc.at)."""
        if not isinstance(array, ndarray):
            raise TypeError(f"cupy.{self.__name__}.at: the target must be a device array")
        operands = () if values is None else tuple(self._operands([values]))
        self._ufunc.at(array._array, _index(indices), *operands)

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False):
        return _device(self._ufunc.reduce(*self._operands([array]), axis=axis, dtype=dtype,
                                          out=_inner(out, self.__name__), keepdims=keepdims))


def asarray(a, dtype=None, order=None, copy=None, blocking=False):
    """Upload (a copy, as CuPy's) from host data, or the device array itself when nothing changes."""
    if isinstance(a, ndarray):
        return a if dtype is None or numpy.dtype(dtype) == a.dtype else ndarray(a._array.astype(dtype))
    return ndarray(numpy.array(a, dtype=dtype, order=order or "K", copy=True))


def array(a, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    """A new device array (always a copy, as cupy.array)."""
    source = a._array if isinstance(a, ndarray) else a
    return ndarray(numpy.array(source, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    return a.get() if isinstance(a, ndarray) else numpy.asarray(a)


class _Module(types.ModuleType):
    """The stand-in for the ``cupy`` module: NumPy's names that CuPy also has, with CuPy's keywords."""

    def __getattr__(self, name):
        allowed = SNAPSHOT["module"]
        if name.startswith("_") or name not in allowed:
            raise AttributeError(f"module 'cupy' has no attribute {name!r}")
        value = getattr(numpy, name)
        if isinstance(value, numpy.ufunc):
            value = _UFunc(value)
        elif callable(value) and not isinstance(value, type):
            value = _wrapped(f"cupy.{name}", value, allowed[name])
        setattr(self, name, value)
        return value


module = _Module("cupy_devicelike", __doc__)
module.ndarray, module.asarray, module.array, module.asnumpy = ndarray, asarray, array, asnumpy
module.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(**{
    name: _wrapped(f"cupy.lib.stride_tricks.{name}", getattr(numpy.lib.stride_tricks, name), allowed)
    for name, allowed in SNAPSHOT["lib.stride_tricks"].items()}))


def install():
    """Serve tinygen's backend "cupy" from this module."""
    from tinygen import backend
    backend.use_cupy_stand_in(module)


def uninstall():
    from tinygen import backend
    backend.use_cupy_stand_in(None)

