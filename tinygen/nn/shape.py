"""Layers that only change a tensor's shape: Flatten, Unflatten, Reshape, and Identity (which changes nothing)."""
import math

import tinygen.functional as F
from tinygen.autograd import as_tensor
from tinygen.functional.shape import normalize_axis
from tinygen.nn.module import Module


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        x = as_tensor(x)
        start = normalize_axis(self.start_dim, x.ndim, "Flatten")
        end = normalize_axis(self.end_dim, x.ndim, "Flatten")
        if start > end:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                             f"for input of shape {x.shape}")
        return F.reshape(x, x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:])

    def extra_repr(self):
        return "" if (self.start_dim, self.end_dim) == (1, -1) else f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: Unflatten(1, (64, 7, 7)) maps (N, 3136) -> (N, 64, 7, 7)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        x = as_tensor(x)
        dim = normalize_axis(self.dim, x.ndim, "Unflatten")
        if x.shape[dim] != math.prod(self.unflattened_size):
            raise ValueError(f"{self.describe()}: axis {self.dim} of input shape {x.shape} has {x.shape[dim]} "
                             f"elements, but {self.unflattened_size} holds {math.prod(self.unflattened_size)}")
        return F.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self):
        return f"{self.dim}, {self.unflattened_size}"


class Reshape(Module):
    """Keras's Reshape: every sample to ``shape``, the batch axis kept: Reshape(64, 7, 7): (N, 3136) -> (N, 64, 7, 7)."""

    def __init__(self, *shape):
        super().__init__()
        self.shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape

    def forward(self, x):
        x = as_tensor(x)
        return F.reshape(x, (x.shape[0],) + self.shape)

    def extra_repr(self):
        return ", ".join(map(str, self.shape))


class Identity(Module):
    """Returns its input: a placeholder where an architecture has no layer (e.g. no norm in a critic)."""

    def __init__(self, *args, **kwargs):  # ignores its arguments, as PyTorch's does
        super().__init__()

    def forward(self, x):
        return x
