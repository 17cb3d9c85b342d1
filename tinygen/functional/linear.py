"""The affine map of a fully connected layer, as PyTorch's F.linear: one operation, not four.

Written as ``x @ W.T + b`` it would record a transpose, a product, a broadcast add and, going
back, a transpose, two products and a sum over the batch: most of a small layer's time goes to
that bookkeeping. ``Affine`` does the same arithmetic in one forward and one backward.
"""
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.functional.shape import reshape, swapaxes


class Affine(Function):
    """y = x W^T + b.  x (N, in), weight (out, in), bias (out,) -> (N, out).

    dL/dx = g W,  dL/dW = g^T x,  dL/db = sum over N of g  (g = dL/dy, shape (N, out)).
    """

    def forward(self, x, weight, bias):
        y = x @ weight.T
        y += bias
        return y

    def backward(self, gy):
        x, weight, bias = self.inputs
        gx = gy @ weight if x.requires_grad else None
        gw = swapaxes(gy, 0, 1) @ x if weight.requires_grad else None
        gb = gy.sum(axis=0) if bias.requires_grad else None
        return gx, gw, gb


def linear(x, weight, bias=None):
    """y = x W^T + b: x (*, in), weight (out, in), bias (out,) or None -> (*, out).

    The three must share one floating dtype (as in PyTorch): a float64 batch through float32
    weights is refused rather than silently widened.
    """
    x, weight = as_tensor(x), as_tensor(weight)
    _check(x, weight, bias)
    if bias is None:
        return x @ weight.T
    if x.ndim == 2:
        return Affine()(x, weight, bias)
    rows = reshape(x, (-1, x.shape[-1]))  # (*, in) -> (N, in) and back: the batch axes are all alike
    return reshape(Affine()(rows, weight, bias), x.shape[:-1] + (weight.shape[0],))


def _check(x, weight, bias):
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must have shape (out_features, in_features), got {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input shape {x.shape} must end in in_features = {weight.shape[1]} "
                         f"(weight shape {weight.shape})")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"linear: bias must be a Tensor of shape ({weight.shape[0]},), one value per output "
                         f"feature, got {getattr(bias, 'shape', type(bias).__name__)}")
    for name, tensor in (("input", x), ("bias", bias)):
        if tensor is not None and tensor.dtype != weight.dtype:
            raise TypeError(f"linear: {name} dtype {tensor.dtype} differs from weight dtype {weight.dtype}; "
                            "convert one with .astype()")
