"""Scaled dot-product attention, as PyTorch's F.scaled_dot_product_attention (no mask, no dropout).

Each query position takes a weighted average of the values, weighted by how well its query
matches every key: softmax(Q K^T / sqrt(d)) V. Dividing by sqrt(d) keeps the scores' spread
near 1 whatever the width d, so the softmax does not saturate at initialization.
"""
import math

from tinygen.autograd import as_tensor
from tinygen.functional.activations import softmax
from tinygen.functional.shape import swapaxes


def scaled_dot_product_attention(query, key, value, scale=None):
    """query (*, L, d), key (*, S, d), value (*, S, dv) -> (*, L, dv) = softmax(Q K^T * scale) V.

    scale defaults to 1 / sqrt(d); the leading axes * are batch axes (batched matrix products).
    """
    query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
    if query.ndim < 2 or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"scaled_dot_product_attention: query, key and value must have the same rank of at least 2, "
                         f"got shapes {query.shape}, {key.shape}, {value.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query (*, L, d) and key (*, S, d) must share d, and key and "
                         f"value (*, S, dv) must share S, got shapes {query.shape}, {key.shape}, {value.shape}")
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    weights = softmax((query * scale) @ swapaxes(key, -1, -2), dim=-1)  # (*, L, S), each row sums to 1
    return weights @ value
