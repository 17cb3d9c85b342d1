"""Normalization layers: BatchNorm1d for (N, C) or (N, C, L), BatchNorm2d for (N, C, H, W), LayerNorm and GroupNorm.

    y = weight * (x - mean) / sqrt(var + eps) + bias, per channel.
Training normalizes with the batch's statistics and moves the running estimates toward
them; evaluation uses the running estimates. As in PyTorch: ``momentum=None`` makes the
running estimate a plain average over all batches seen (counted by num_batches_tracked),
``affine=False`` drops weight and bias, ``track_running_stats=False`` keeps no estimates
and uses batch statistics in evaluation too.
"""
import tinygen.functional as F
from tinygen import creation
from tinygen.autograd import as_tensor
from tinygen.nn.module import Module, Parameter, check_sizes


class BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept."""

    input_ranks = ()
    layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        if not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must lie in [0, 1] or be None, got {momentum}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(creation.ones(num_features)) if affine else None)
        self.register_parameter("bias", Parameter(creation.zeros(num_features)) if affine else None)
        tracked = track_running_stats
        self.register_buffer("running_mean", creation.zeros(num_features) if tracked else None)
        self.register_buffer("running_var", creation.ones(num_features) if tracked else None)
        self.register_buffer("num_batches_tracked", creation.tensor(0, dtype="int64") if tracked else None)

    def _check_input(self, x):
        if x.ndim not in self.input_ranks:
            raise ValueError(f"{self.describe()} expects input of shape {self.layout}, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{self.describe()} expects {self.num_features} channels (axis 1), "
                             f"got {x.shape[1]} in input of shape {x.shape}")
        own = next((t.dtype for t in (self.weight, self.running_mean) if t is not None), x.dtype)
        if x.dtype != own or x.dtype.kind != "f":
            raise TypeError(f"{self.describe()}: input dtype {x.dtype} differs from the layer's {own}; "
                            "convert the input with .astype() or the layer with .to(dtype)")

    def _momentum(self):
        """This step's averaging factor: momentum, or 1/(batches seen) for a cumulative average."""
        if not (self.training and self.track_running_stats):
            return 0.0
        self.num_batches_tracked.data[...] += 1
        return self.momentum if self.momentum is not None else 1.0 / int(self.num_batches_tracked.item())

    def forward(self, x):
        self._check_input(x)
        factor = self._momentum()
        use_batch_statistics = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=use_batch_statistics, momentum=factor, eps=self.eps)

    def extra_repr(self):
        extras = "" if self.affine and self.track_running_stats else (
            f", affine={self.affine}, track_running_stats={self.track_running_stats}")
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}{extras}"


class BatchNorm1d(BatchNorm):
    """Normalizes each feature of (N, C) (or each channel of (N, C, L)) over the batch (and length)."""

    input_ranks = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(BatchNorm):
    """Normalizes each channel of (N, C, H, W) over the batch and every pixel."""

    input_ranks = (4,)
    layout = "(N, C, H, W)"


class LayerNorm(Module):
    """Standardizes each sample over its last axes (``normalized_shape``), then weight * . + bias (that shape).

    No running statistics and no batch dependence: training and evaluation compute the same thing.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not shape or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a tuple of them, "
                             f"got {normalized_shape!r}")
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps!r}")
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(creation.ones(*shape)) if elementwise_affine else None)
        self.register_parameter("bias", Parameter(creation.zeros(*shape)) if elementwise_affine else None)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}" + ("" if self.elementwise_affine else ", elementwise_affine=False")


class GroupNorm(Module):
    """Standardizes each sample's groups of num_channels / num_groups channels over those channels and all pixels,
    then weight * . + bias per channel (C,). (N, C, *) -> same; no running statistics, no batch dependence.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True):
        super().__init__()
        check_sizes("GroupNorm", num_groups=num_groups, num_channels=num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_groups={num_groups} must divide num_channels={num_channels}")
        if not eps > 0:
            raise ValueError(f"GroupNorm: eps must be positive, got {eps!r}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.register_parameter("weight", Parameter(creation.ones(num_channels)) if affine else None)
        self.register_parameter("bias", Parameter(creation.zeros(num_channels)) if affine else None)

    def forward(self, x):
        x = as_tensor(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"{self.describe()} expects input of shape (N, {self.num_channels}, *), got shape {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}" + ("" if self.affine else ", affine=False")
