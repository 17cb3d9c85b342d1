"""Batch and layer normalization, as PyTorch's F.batch_norm and F.layer_norm.

Both standardize with one Function, ``Normalize``; they differ in the axes it averages over.
Batch norm, for (N, C) and (N, C, H, W) (any (N, C, ...)):

Each channel c is normalized over every other axis (M values):
    y = weight * (x - mean) / sqrt(var + eps) + bias.
Training uses the batch's mean and biased variance, and moves the running estimates
toward the batch's mean and unbiased variance: running = (1 - momentum) running + momentum batch.
Evaluation uses the running estimates, so one sample's output no longer depends on its batch.
Layer norm standardizes each sample over its last axes (``normalized_shape``), in training and
evaluation alike, so a sample never depends on its batch: what a WGAN-GP critic needs.
Group norm (group_norm.py) uses Normalize too, where a second derivative is asked for.
"""
from tinygen.autograd import Function, Tensor, as_tensor, is_grad_enabled
from tinygen.backend import xp
from tinygen.functional.reduction import mean, var


class Normalize(Function):
    """x_hat = (x - mean) / sqrt(var + eps) with batch statistics over ``axes`` (every axis but 1).

    Backward in closed form rather than op by op (g = gy, M values per channel):
        gx = inv_std / M * (M g - sum(g) - x_hat sum(g x_hat)) = inv_std (g - mean(g) - x_hat mean(g x_hat)).
    """

    def __init__(self, axes, eps):
        self.axes, self.eps = axes, eps

    def forward(self, x):
        self.mean = x.mean(axis=self.axes, keepdims=True)
        centered = x - self.mean
        self.var = (centered * centered).mean(axis=self.axes, keepdims=True)
        self.inv_std = 1 / xp.sqrt(self.var + self.eps)
        return centered * self.inv_std

    def backward(self, gy):
        x_hat = self.output_tensors[0]
        average = lambda t: mean(t, axis=self.axes, keepdims=True)
        return self._inv_std() * (gy - average(gy) - x_hat * average(gy * x_hat))

    def _inv_std(self):
        if not is_grad_enabled():  # first-order backward: the number saved by forward is all it needs
            return Tensor(self.inv_std)
        # a second derivative also needs d(inv_std)/dx, so rebuild inv_std from x as a graph
        return (var(self.inputs[0], axis=self.axes, keepdims=True) + self.eps) ** -0.5


def _check_channel_vector(name, tensor, channels, input_shape):
    if tensor is None:
        return
    if not isinstance(tensor, Tensor):
        raise TypeError(f"batch_norm: {name} must be a Tensor or None, got {type(tensor).__name__}")
    if tensor.shape != (channels,):
        raise ValueError(f"batch_norm: {name} shape {tensor.shape} must be ({channels},), one value per channel "
                         f"of input shape {input_shape}")


def _check_arguments(x, running_mean, running_var, weight, bias, training, momentum, eps):
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C) or (N, C, H, W), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"batch_norm: input must hold floating-point numbers, got dtype {x.dtype}")
    for name, tensor in [("weight", weight), ("bias", bias)]:
        if isinstance(tensor, Tensor) and tensor.dtype != x.dtype:
            raise TypeError(f"batch_norm: {name} dtype {tensor.dtype} differs from input dtype {x.dtype}; "
                            "convert one with .astype()")
    for name, tensor in [("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)]:
        _check_channel_vector(name, tensor, x.shape[1], x.shape)
    if not 0 <= momentum <= 1:
        raise ValueError(f"batch_norm: momentum must lie in [0, 1], got {momentum}")
    if not eps > 0:
        raise ValueError(f"batch_norm: eps must be positive, got {eps}")
    if training and x.size // x.shape[1] < 2:
        raise ValueError(f"batch_norm: training needs more than one value per channel to estimate a variance, "
                         f"got input shape {x.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")


def _update_running(running, batch_statistic, momentum):
    """In place, outside any graph: running = (1 - momentum) * running + momentum * batch."""
    if running is not None:
        running.data[...] = (1 - momentum) * running.data + momentum * batch_statistic.reshape(running.shape)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalize each channel (axis 1) of x: (N, C, ...) -> same shape; weight, bias, running stats (C,)."""
    x = as_tensor(x)
    _check_arguments(x, running_mean, running_var, weight, bias, training, momentum, eps)
    channel_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    as_channels = lambda t: Tensor(t.data.astype(x.dtype).reshape(channel_shape))
    if training:
        axes = (0,) + tuple(range(2, x.ndim))
        count = x.size // x.shape[1]
        normalize = Normalize(axes, eps)
        x_hat = normalize(x)
        _update_running(running_mean, normalize.mean, momentum)
        _update_running(running_var, normalize.var * (count / (count - 1)), momentum)
    else:
        inv_std = Tensor(1 / xp.sqrt(as_channels(running_var).data + eps))
        x_hat = (x - as_channels(running_mean)) * inv_std
    if weight is not None:
        x_hat = x_hat * weight.reshape(channel_shape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(channel_shape)
    return x_hat


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over the last axes.

    Shapes: x (*, *normalized_shape) -> same; weight and bias ``normalized_shape`` or None.
    """
    x = as_tensor(x)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or x.shape[x.ndim - len(shape):] != shape or x.ndim < len(shape):
        raise ValueError(f"layer_norm: input shape {x.shape} must end in normalized_shape {shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"layer_norm: input must hold floating-point numbers, got dtype {x.dtype}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and (not isinstance(tensor, Tensor) or tensor.shape != shape or tensor.dtype != x.dtype):
            raise ValueError(f"layer_norm: {name} must be a {x.dtype} Tensor of shape {shape} (normalized_shape), "
                             f"got {getattr(tensor, 'shape', type(tensor).__name__)} {getattr(tensor, 'dtype', '')}")
    if not eps > 0:
        raise ValueError(f"layer_norm: eps must be positive, got {eps}")
    y = Normalize(tuple(range(x.ndim - len(shape), x.ndim)), eps)(x)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias

