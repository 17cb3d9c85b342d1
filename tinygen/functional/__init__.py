"""Stateless differentiable operations, one topic a module.

Importing this package also gives ``Tensor`` its operators and NumPy-style
methods (``x + y``, ``x @ w``, ``x.sum(axis=1)``, ``x[idx]``), each a thin call
into the functions below.
"""
from tinygen.autograd import Tensor
from tinygen.functional.activations import (dropout, leaky_relu, log_softmax, logsumexp, relu, sigmoid, silu,
                                           softmax, softplus, tanh)
from tinygen.functional.attention import scaled_dot_product_attention
from tinygen.functional.arithmetic import add, div, matmul, mul, neg, pow, sub
from tinygen.functional.conv import conv2d, conv_output_size
from tinygen.functional.conv_transpose import (conv_transpose2d, conv_transpose_output_size, insert_zeros,
                                               pad_for_transpose)
from tinygen.functional.elementwise import abs, clip, exp, log, maximum, minimum, sqrt, where
from tinygen.functional.embedding import embedding, one_hot
from tinygen.functional.promotion import astype
from tinygen.functional.indexing import getitem, pad
from tinygen.functional.linear import linear
from tinygen.functional.losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                                       kl_normal, l1_loss, mse_loss, nll_loss)
from tinygen.functional.group_norm import group_norm
from tinygen.functional.norm import batch_norm, layer_norm
from tinygen.functional.pooling import avg_pool2d, interpolate, max_pool2d
from tinygen.functional.reduction import argmax, max, mean, min, std, sum, var
from tinygen.functional.timestep import timestep_embedding
from tinygen.functional.shape import (broadcast_to, cat, clone, concatenate, expand_dims, flatten, permute, reshape,
                                      squeeze, stack, sum_to, swapaxes, transpose)


def _reflected(op):
    return lambda self, other: op(other, self)


def _compare(name):
    def compare(self, other):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(getattr(self.data, name)(other))
    compare.__doc__ = "Elementwise comparison: a boolean tensor, never part of the graph."
    return compare


def _install_tensor_methods():
    methods = {
        "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
        "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div, "__rtruediv__": _reflected(div),
        "__pow__": pow, "__rpow__": _reflected(pow), "__matmul__": matmul, "__rmatmul__": _reflected(matmul),
        "__neg__": neg, "__getitem__": getitem,
        "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "clip": clip,
        "sum": sum, "mean": mean, "max": max, "min": min, "var": var,
        "reshape": reshape, "transpose": transpose, "swapaxes": swapaxes, "squeeze": squeeze,
        "expand_dims": expand_dims, "broadcast_to": broadcast_to, "flatten": flatten, "pad": pad,
        "astype": astype,
        # the names learners type from PyTorch
        "unsqueeze": expand_dims, "permute": permute, "view": reshape, "clone": clone, "argmax": argmax, "std": std,
        "logsumexp": logsumexp, "softmax": softmax,
    }
    for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        methods[name] = _compare(name)
    for name, function in methods.items():
        setattr(Tensor, name, function)
    Tensor.T = property(transpose)
    Tensor.numel = lambda self: self.size
    Tensor.__hash__ = object.__hash__


_install_tensor_methods()
