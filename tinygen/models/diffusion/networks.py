"""The small U-Net that predicts the noise (or the velocity) of a noisy image at a time step.

For 28x28 with the defaults (channel_mults (1, 2, 2)): 28x28x32 -> 14x14x64 -> 7x7x64, a middle at
7x7 (residual block, self-attention, residual block), and back up, each level joined to its mirror
image by a skip connection (concatenated channels). Every residual block adds the embedding of the
time step (and of the class label, for a conditional model) to its feature maps.

    e = MLP(timestep_embedding(t)) [+ class_embedding(y)]
    down:   h = stem(x); per level: residual blocks, keep h as the level's skip, halve (stride-2 conv)
    middle: h = block(attention(block(h)))
    up:     per level (lowest first): h = blocks(cat(h, skip)), double (transposed conv, kernel 4, stride 2)
    out:    conv_out(silu(norm_out(h)))   -> the same shape as x

Attribute names, module order and layouts are torch.nn's, so a torch twin with the same names loads
``state_dict()`` as it is (tests/torch_unet.py is one). Upsampling is a transposed convolution (lesson 04)
rather than nearest-neighbour copies and a 3x3 convolution: at 14x14 -> 28x28 with 64 channels it does
0.44x the multiplications, and that 3x3 convolution alone was a fifth of the U-Net's.
"""
import tinygen.functional as F
from tinygen import nn
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import xp
from tinygen.models.diffusion.blocks import ResidualBlock


def _check_settings(in_channels, base_channels, channel_mults, num_res_blocks, time_dim, num_classes, groups):
    for name, value in (("in_channels", in_channels), ("base_channels", base_channels),
                        ("num_res_blocks", num_res_blocks), ("groups", groups)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"UNet: {name} must be a positive int, got {value!r}")
    if not channel_mults or any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in channel_mults):
        raise ValueError(f"UNet: channel_mults must be a non-empty tuple of positive ints, got {channel_mults!r}")
    for name, value in (("time_dim", time_dim), ("num_classes", num_classes)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"UNet: {name} must be a positive int or None, got {value!r}")
    if base_channels % groups:
        raise ValueError(f"UNet: groups={groups} must divide base_channels={base_channels} (GroupNorm splits every "
                         "level's channels, all multiples of base_channels, into that many groups)")


class UNet(nn.Module):
    """x (N, C, H, W), t (N,) or one time step, y (N,) labels or None -> (N, C, H, W).

    H and W must be divisible by 2^(len(channel_mults) - 1): each level but the last halves them.
    A conditional model (num_classes set) has num_classes + 1 class embeddings; the last,
    index num_classes, means "no label" (classifier-free guidance), and y=None uses it for all.
    """

    def __init__(self, in_channels=1, base_channels=32, channel_mults=(1, 2, 2), num_res_blocks=1, time_dim=None,
                 num_classes=None, attention=True, groups=8):
        super().__init__()
        channel_mults = tuple(channel_mults)
        _check_settings(in_channels, base_channels, channel_mults, num_res_blocks, time_dim, num_classes, groups)
        self.in_channels, self.base_channels, self.channel_mults = in_channels, base_channels, channel_mults
        self.num_classes, self.attention = num_classes, attention
        time_dim = time_dim or 4 * base_channels
        self.time_dim = time_dim
        self.time_embedding = nn.Sequential(nn.Linear(base_channels, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.class_embedding = nn.Embedding(num_classes + 1, time_dim) if num_classes else None
        self.stem = nn.Conv2d(in_channels, base_channels, 3, padding=1)
        block = lambda c_in, c_out: ResidualBlock(c_in, c_out, time_dim, groups)
        widths = [base_channels * m for m in channel_mults]
        self.down, self.downsample, channels = nn.ModuleList(), nn.ModuleList(), base_channels
        for level, width in enumerate(widths):
            self.down.append(nn.ModuleList([block(channels if i == 0 else width, width) for i in range(num_res_blocks)]))
            channels = width
            if level < len(widths) - 1:
                self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.middle1 = block(channels, channels)
        self.middle_attention = nn.SelfAttention2d(channels, groups) if attention else nn.Identity()
        self.middle2 = block(channels, channels)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for level in reversed(range(len(widths))):
            width = widths[level]
            self.up.append(nn.ModuleList([block(channels + width if i == 0 else width, width)
                                          for i in range(num_res_blocks)]))
            channels = width
            if level > 0:
                self.upsample.append(nn.ConvTranspose2d(width, width, 4, stride=2, padding=1))
        self.norm_out = nn.GroupNorm(groups, channels)
        self.conv_out = nn.Conv2d(channels, in_channels, 3, padding=1)

    def forward(self, x, t, y=None):
        x = self._checked_images(as_tensor(x))
        embedding = self.embed(t, y, x.shape[0], x.dtype)
        h, skips = self.stem(x), []
        for level, blocks in enumerate(self.down):
            for block in blocks:
                h = block(h, embedding)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)
        h = self.middle2(self.middle_attention(self.middle1(h, embedding)), embedding)
        for level, blocks in enumerate(self.up):
            h = F.cat([h, skips.pop()], dim=1)
            for block in blocks:
                h = block(h, embedding)
            if level < len(self.upsample):
                h = self.upsample[level](h)
        return self.conv_out(F.silu(self.norm_out(h)))

    def embed(self, t, y, batch, dtype):
        """(N, time_dim): the time steps' MLP-mapped sinusoids, plus the labels' (or "no label"'s) rows."""
        steps = t.data if isinstance(t, Tensor) else xp.asarray(t)
        if steps.ndim == 0:
            steps = xp.full((batch,), steps.item(), dtype=steps.dtype)
        if steps.shape != (batch,):
            raise ValueError(f"UNet: t must be one time step or one per image, shape ({batch},), got shape {steps.shape}")
        embedding = self.time_embedding(F.timestep_embedding(steps, self.base_channels).astype(dtype))
        if self.class_embedding is None:
            if y is not None:
                raise ValueError("UNet: labels y were given to an unconditional U-Net (num_classes=None)")
            return embedding
        labels = xp.full((batch,), self.num_classes, dtype=xp.int64) if y is None else (
            y.data if isinstance(y, Tensor) else xp.asarray(y))
        if labels.shape != (batch,):
            raise ValueError(f"UNet: y must hold one label per image, shape ({batch},), got shape {labels.shape}")
        return embedding + self.class_embedding(labels)

    def _checked_images(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"UNet: x must have shape (N, {self.in_channels}, H, W), got {x.shape}")
        factor = 2 ** (len(self.channel_mults) - 1)
        if x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(f"UNet: image size {x.shape[2]}x{x.shape[3]} cannot be halved {factor.bit_length() - 1} "
                             f"times: with channel_mults {self.channel_mults} height and width must be divisible "
                             f"by {factor}")
        return x

    def summary(self, input_shape=(1, 28, 28), dtype=None, file=None):
        """The layer table (nn.summary) with the parameter count, run at time step 0 (and "no label")."""
        return nn.summary(self, input_shape, dtype=dtype, file=file, inputs=(0,))

    def extra_repr(self):
        return (f"in_channels={self.in_channels}, base_channels={self.base_channels}, "
                f"channel_mults={self.channel_mults}, num_classes={self.num_classes}, attention={self.attention}")
