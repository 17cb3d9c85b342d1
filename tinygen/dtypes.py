"""Which dtype an operation on mixed operands gives: PyTorch's promotion rules, written once.

Every operand has a *category*, bool < integer < floating, and a *priority*: a tensor (or
array) with dimensions > a 0-d tensor > a plain number (Python or NumPy scalar).

    1. The result's category is the highest category among all operands.
    2. Its dtype comes from the operands of highest priority that have that category,
       promoted among themselves as NumPy does (float32 with float64 -> float64).
    3. When only plain numbers have that category, it is the default: float32 for
       floating, int64 for integers.
So ``int64 tensor * 0.5`` is float32 (a float never truncates), ``float32 tensor * 0.5``
stays float32, ``float32 weight * float64 input`` (both with dimensions) is float64, and a
float64 0-d tensor does not widen a float32 matrix. True division (``/``) of integers gives
the default float, as in PyTorch.
"""
import numbers

from tinygen import backend

numpy = backend.numpy  # dtype objects and promotion tables are host-side, the same for cupy

_CATEGORIES = ("bool", "integer", "floating")
_KINDS = {"b": "bool", "i": "integer", "u": "integer", "f": "floating"}
_DEFAULTS = {"bool": numpy.bool_, "integer": numpy.int64, "floating": None}  # None: backend.default_float()
_NUMBERS = {bool: "bool", int: "integer", float: "floating"}  # the common case, without the slower ABC checks


def category(dtype):
    """"bool", "integer" or "floating" for a NumPy dtype; TypeError for anything else."""
    dtype = numpy.dtype(dtype)
    if dtype.kind not in _KINDS:
        raise TypeError(f"dtype {dtype} is not supported (bool, integer and floating dtypes are)")
    return _KINDS[dtype.kind]


def _describe(operand):
    """(category, priority, dtype or None): priority 2 for arrays with dimensions, 1 for 0-d, 0 for numbers."""
    if type(operand) in _NUMBERS:
        return _NUMBERS[type(operand)], 0, None
    if isinstance(operand, (bool, numpy.bool_)):
        return "bool", 0, None
    if isinstance(operand, (numbers.Integral, numpy.integer)):
        return "integer", 0, None
    if isinstance(operand, (numbers.Real, numpy.floating)):
        return "floating", 0, None
    dtype = getattr(operand, "dtype", None)
    if dtype is None:
        raise TypeError(f"cannot combine a {type(operand).__name__} with tensors; use a Tensor, an array or a number")
    return category(dtype), (2 if operand.ndim else 1), dtype


def result_type(*operands, true_division=False):
    """The dtype of an elementwise operation on ``operands`` (Tensors, arrays or numbers), as PyTorch."""
    arrays = [x for x in operands if type(x) not in _NUMBERS]
    if arrays and arrays[0].dtype.kind == "f" and all(getattr(x, "dtype", None) == arrays[0].dtype for x in arrays):
        return arrays[0].dtype  # the common case, decided at once: one floating dtype, maybe with Python numbers
    described = [_describe(x) for x in operands]
    top = max((c for c, _, _ in described), key=_CATEGORIES.index)
    in_top = [(priority, dtype) for c, priority, dtype in described if c == top]
    strongest = max(priority for priority, _ in in_top)
    if strongest == 0:
        dtype = numpy.dtype(_DEFAULTS[top] or backend.default_float())
    else:
        dtype = numpy.result_type(*[d for priority, d in in_top if priority == strongest])
    if true_division and top != "floating":
        return numpy.dtype(backend.default_float())
    return dtype
