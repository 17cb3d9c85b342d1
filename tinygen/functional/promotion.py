"""Casting between dtypes, and bringing an op's operands to one dtype by ``tinygen.dtypes``' rules.

A cast is differentiable: its gradient is cast back, so the gradient of a float32 leaf
that met a float64 operand is float32 again.
"""
from tinygen import dtypes
from tinygen.autograd import Function, Tensor


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.inputs[0].dtype)


def astype(x, dtype):
    """x as ``dtype`` (x itself when it already has it)."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return x if x.dtype == dtype else Cast(dtype)(x)


def promote(*operands, true_division=False):
    """Every operand as a Tensor of the one dtype ``dtypes.result_type`` gives them."""
    dtype = _shared_floating_dtype(operands)
    if dtype is not None and all(type(x) is Tensor for x in operands):
        return operands
    if dtype is None:
        dtype = dtypes.result_type(*operands, true_division=true_division)
    return tuple(astype(x, dtype) if isinstance(x, Tensor) else Tensor(x, dtype=dtype) for x in operands)


def _shared_floating_dtype(operands):
    """The common case decided at once (every op of a float32 model): tensors of one floating dtype,
    maybe with Python numbers, which never change it. None for anything else."""
    dtype = None
    for x in operands:
        if type(x) is Tensor:
            if dtype is not None and x.data.dtype != dtype:
                return None
            dtype = x.data.dtype
        elif type(x) not in (int, float):
            return None
    return dtype if dtype is not None and dtype.kind == "f" else None
