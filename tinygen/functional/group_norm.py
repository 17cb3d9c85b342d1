"""Group normalization, as PyTorch's F.group_norm: the diffusion U-Net's normalization.

Each sample's C channels split into G consecutive groups; each group is standardized over its
C/G channels and all pixels (M values), then every channel is scaled and shifted:
    y = weight_c (x - mean_g) / sqrt(var_g + eps) + bias_c      (biased var_g, as PyTorch)
No batch statistics: a sample's output never depends on the rest of its batch, so the U-Net
behaves alike on noisy images of every noise level in a batch. 1 group is layer norm over (C, *),
C groups is instance norm.

``GroupNorm`` is the fast path: statistics as matrix products with a vector of ones (in whichever
memory order the input has, so a convolution's channels-last output is neither copied nor
reordered), the affine map folded in, and the backward in closed form (g = dL/dy, x_hat the
standardized input, sums over each group's M values):
    dL/dx = inv_std (w g - mean(w g) - x_hat mean(w g x_hat)),  dL/dw = sum over N, * of g x_hat,  dL/db = sum g.
For a second derivative the same formula is written in differentiable ops (x_hat by Normalize, tinygen.functional.norm).
"""
from tinygen.autograd import Function, Tensor, as_tensor, is_grad_enabled
from tinygen.backend import xp
from tinygen.functional.norm import Normalize
from tinygen.functional.reduction import mean, var


def channel_sums(a):
    """(N, C, *) -> (N, C): each channel's sum over its pixels, one matrix product with a vector of ones."""
    n, channels = a.shape[:2]
    pixels = a.size // (n * channels) if n * channels else 0
    ones = xp.ones(pixels, dtype=a.dtype)
    if a.ndim > 2 and a.strides[1] == a.itemsize:  # channels innermost, as a convolution leaves them: (N, *, C)
        # a copy only if the pixels are not evenly spaced (a cropped view): several times faster than reordering
        channels_last = xp.ascontiguousarray(a.transpose(0, *range(2, a.ndim), 1))
        return ones @ channels_last.reshape(n, pixels, channels)
    return a.reshape(n, channels, pixels) @ ones


class GroupNorm(Function):
    """(x (N, C, *), weight (C,), bias (C,)) -> y (N, C, *) = weight x_hat + bias, x_hat standardized per group."""

    def __init__(self, groups, eps):
        self.groups, self.eps = groups, eps

    def _group_mean(self, sums):
        """(N, C) channel sums -> (N, C, 1, ..) each channel's group mean (its group's total / M)."""
        n, channels = sums.shape
        per_group = sums.reshape(n, self.groups, channels // self.groups).sum(axis=2, keepdims=True) / self.count
        return xp.broadcast_to(per_group, (n, self.groups, channels // self.groups)).reshape(self.stat_shape)

    def forward(self, x, weight, bias):
        self.count = x.size // (x.shape[0] * self.groups) if x.size else 1
        self.stat_shape = x.shape[:2] + (1,) * (x.ndim - 2)
        affine_shape = (1,) + self.stat_shape[1:]
        centered = x - self._group_mean(channel_sums(x))
        self.inv_std = 1 / xp.sqrt(self._group_mean(channel_sums(centered * centered)) + self.eps)
        centered *= self.inv_std
        self.x_hat = centered if is_grad_enabled() else None
        y = centered * weight.reshape(affine_shape)
        y += bias.reshape(affine_shape)
        return y

    def backward(self, gy):
        if is_grad_enabled():  # a second derivative will be taken: the same formula as a graph
            return _second_order_ready_gradients(self.inputs, gy, self.groups, self.eps)
        (_, weight, _), g, x_hat = self.inputs, gy.data, self.x_hat
        w = weight.data.reshape(self.stat_shape[1:])
        sum_g, sum_g_x_hat = channel_sums(g), channel_sums(g * x_hat)  # (N, C)
        gx = g * (self.inv_std * w)
        gx -= x_hat * (self.inv_std * self._group_mean(sum_g_x_hat * weight.data))
        gx -= self.inv_std * self._group_mean(sum_g * weight.data)
        return Tensor(gx), Tensor(sum_g_x_hat.sum(axis=0)), Tensor(sum_g.sum(axis=0))


def _second_order_ready_gradients(inputs, gy, groups, eps):
    """(dL/dx, dL/dw, dL/db) for inputs (x, weight, bias) and dL/dy = gy, by the closed form above written in
    differentiable ops: x_hat and inv_std are rebuilt from x as a graph (Normalize, var), so they can be
    differentiated again. Shapes are grouped as (N, G, C/G * pixels) for the group means."""
    x, weight, bias = inputs
    grouped = lambda t: t.reshape(x.shape[0], groups, -1)
    channel_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    other_axes = (0,) + tuple(range(2, x.ndim))
    x_hat = Normalize((2,), eps)(grouped(x))
    gw = (gy * x_hat.reshape(x.shape)).sum(axis=other_axes) if weight.requires_grad else None
    gb = gy.sum(axis=other_axes) if bias.requires_grad else None
    if not x.requires_grad:
        return None, gw, gb
    inv_std = (var(grouped(x), axis=2, keepdims=True) + eps) ** -0.5
    g = grouped(gy * weight.reshape(channel_shape))
    gx = inv_std * (g - mean(g, axis=2, keepdims=True) - x_hat * mean(g * x_hat, axis=2, keepdims=True))
    return gx.reshape(x.shape), gw, gb


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over each group's channels and pixels.

    Shapes: x (N, C, *) with C divisible by num_groups -> same; weight and bias (C,) or None (1 and 0).
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"group_norm: input must have shape (N, C, *), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"group_norm: input must hold floating-point numbers, got dtype {x.dtype}")
    channels = x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_groups must be a positive int dividing the {channels} channels of "
                         f"input shape {x.shape}, got {num_groups!r}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and (not isinstance(tensor, Tensor) or tensor.shape != (channels,)
                                   or tensor.dtype != x.dtype):
            raise ValueError(f"group_norm: {name} must be a {x.dtype} Tensor of shape ({channels},), one value per "
                             f"channel, got {getattr(tensor, 'shape', type(tensor).__name__)} "
                             f"{getattr(tensor, 'dtype', '')}")
    if not eps > 0:
        raise ValueError(f"group_norm: eps must be positive, got {eps}")
    weight = Tensor(xp.ones(channels, dtype=x.dtype)) if weight is None else weight
    bias = Tensor(xp.zeros(channels, dtype=x.dtype)) if bias is None else bias
    return GroupNorm(num_groups, eps)(x, weight, bias)
