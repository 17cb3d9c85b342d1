"""The affine map of a fully connected layer, as PyTorch's F.linear."""
from tinygen.autograd import Tensor, as_tensor


def linear(x, weight, bias=None):
    """y = x W^T + b: x (*, in), weight (out, in), bias (out,) or None -> (*, out).

    The three must share one floating dtype (as in PyTorch): a float64 batch through float32
    weights is refused rather than silently widened.
    """
    x, weight = as_tensor(x), as_tensor(weight)
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
    y = x @ weight.T
    return y if bias is None else y + bias
