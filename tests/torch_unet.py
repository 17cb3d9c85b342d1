"""The PyTorch twin of tinygen's diffusion U-Net (tinygen/models/diffusion/networks.py), written in plain
torch.nn with the same attribute names, so it loads a tinygen ``state_dict()`` as it is, and DDPM's and flow
matching's losses on it. Used by the equality tests, benchmarks/unet.py and benchmarks/epochs.py. torch is passed
in, so importing this module needs no torch.
"""
import math

import numpy as np

from tinygen.models.diffusion.flow_matching import TIME_SCALE


def timestep_embedding(torch, t, dim, max_period=10000):
    """[sin(t w), cos(t w)] with w_i = max_period^(-i / half), a zero column for odd dim (float64 angles)."""
    half = dim // 2
    frequencies = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / half)
    angles = t.to(torch.float64)[:, None] * frequencies[None]
    columns = [torch.sin(angles), torch.cos(angles)] + ([torch.zeros(len(t), 1, dtype=torch.float64)] if dim % 2 else [])
    return torch.cat(columns, dim=1).to(torch.float32)


def unet_class(torch):
    """The twin's class, built on demand so that torch stays optional."""
    nn, F = torch.nn, torch.nn.functional

    class ResidualBlock(nn.Module):
        def __init__(self, in_channels, out_channels, embedding_dim, groups):
            super().__init__()
            self.norm1 = nn.GroupNorm(groups, in_channels)
            self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
            self.embedding = nn.Linear(embedding_dim, out_channels)
            self.norm2 = nn.GroupNorm(groups, out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
            self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

        def forward(self, x, e):
            h = self.conv1(F.silu(self.norm1(x))) + self.embedding(F.silu(e))[:, :, None, None]
            return self.skip(x) + self.conv2(F.silu(self.norm2(h)))

    class SelfAttention2d(nn.Module):
        def __init__(self, channels, groups):
            super().__init__()
            self.norm = nn.GroupNorm(groups, channels)
            self.query, self.key, self.value, self.out = (nn.Linear(channels, channels) for _ in range(4))

        def forward(self, x):
            n, c, h, w = x.shape
            rows = self.norm(x).reshape(n, c, h * w).transpose(1, 2)
            mixed = F.scaled_dot_product_attention(self.query(rows), self.key(rows), self.value(rows))
            return x + self.out(mixed).transpose(1, 2).reshape(x.shape)

    class UNet(nn.Module):
        def __init__(self, in_channels=1, base_channels=32, channel_mults=(1, 2, 2), num_res_blocks=1, time_dim=None,
                     num_classes=None, attention=True, groups=8):
            super().__init__()
            self.base_channels, self.num_classes = base_channels, num_classes
            time_dim = time_dim or 4 * base_channels
            self.time_embedding = nn.Sequential(nn.Linear(base_channels, time_dim), nn.SiLU(),
                                                nn.Linear(time_dim, time_dim))
            self.class_embedding = nn.Embedding(num_classes + 1, time_dim) if num_classes else None
            self.stem = nn.Conv2d(in_channels, base_channels, 3, padding=1)
            widths = [base_channels * m for m in channel_mults]
            self.down, self.downsample, channels = nn.ModuleList(), nn.ModuleList(), base_channels
            for level, width in enumerate(widths):
                self.down.append(nn.ModuleList([ResidualBlock(channels if i == 0 else width, width, time_dim, groups)
                                                for i in range(num_res_blocks)]))
                channels = width
                if level < len(widths) - 1:
                    self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
            self.middle1 = ResidualBlock(channels, channels, time_dim, groups)
            self.middle_attention = SelfAttention2d(channels, groups) if attention else nn.Identity()
            self.middle2 = ResidualBlock(channels, channels, time_dim, groups)
            self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
            for level in reversed(range(len(widths))):
                width = widths[level]
                self.up.append(nn.ModuleList([ResidualBlock(channels + width if i == 0 else width, width, time_dim,
                                                            groups) for i in range(num_res_blocks)]))
                channels = width
                if level > 0:
                    self.upsample.append(nn.ConvTranspose2d(width, width, 4, stride=2, padding=1))
            self.norm_out = nn.GroupNorm(groups, channels)
            self.conv_out = nn.Conv2d(channels, in_channels, 3, padding=1)

        def forward(self, x, t, y=None):
            e = self.time_embedding(timestep_embedding(torch, t, self.base_channels))
            if self.class_embedding is not None:
                y = torch.full((len(x),), self.num_classes) if y is None else y
                e = e + self.class_embedding(y)
            h, skips = self.stem(x), []
            for level, blocks in enumerate(self.down):
                for block in blocks:
                    h = block(h, e)
                skips.append(h)
                if level < len(self.downsample):
                    h = self.downsample[level](h)
            h = self.middle2(self.middle_attention(self.middle1(h, e)), e)
            for level, blocks in enumerate(self.up):
                h = torch.cat([h, skips.pop()], dim=1)
                for block in blocks:
                    h = block(h, e)
                if level < len(self.upsample):
                    h = self.upsample[level](h)
            return self.conv_out(F.silu(self.norm_out(h)))

    return UNet


def torch_twin(torch, unet, **settings):
    """A torch U-Net built with ``settings`` (the ones ``unet`` was built with) holding a copy of its weights."""
    twin = unet_class(torch)(**settings)
    twin.load_state_dict({key: torch.from_numpy(np.array(value.numpy())) for key, value in unet.state_dict().items()})
    return twin


def diffusion_loss(torch, twin, kind, alpha_bars, x0, t, noise, labels):
    """The loss of DDPM (eps target; t (N,) ints, ``alpha_bars`` the schedule's (T,) host array) or of flow matching
    (velocity target; t (N,) floats in [0, 1]) on the twin, from host x0 in [-1, 1], noise and labels (None:
    unconditional)."""
    x0, noise = torch.from_numpy(x0), torch.from_numpy(noise)
    y = None if labels is None else torch.from_numpy(labels)
    if kind == "ddpm":
        abar = torch.from_numpy(alpha_bars[t].astype(np.float32))[:, None, None, None]
        x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * noise
        return torch.nn.functional.mse_loss(twin(x_t, torch.from_numpy(t.astype(np.float32)), y), noise)
    times = torch.from_numpy(t)
    x_t = (1 - times[:, None, None, None]) * x0 + times[:, None, None, None] * noise
    return torch.nn.functional.mse_loss(twin(x_t, times * TIME_SCALE, y), noise - x0)
