"""The U-Net's building blocks: a residual block that hears the time step, and 2x nearest upsampling.

Each is a plain nn.Module whose attribute names a torch.nn twin can copy, so state_dicts move between them.
"""
import tinygen.functional as F
from tinygen import nn


class ResidualBlock(nn.Module):
    """x (N, C_in, H, W), embedding (N, D) -> (N, C_out, H, W), as in the DDPM U-Net (Ho et al. 2020):

        h = conv1(silu(norm1(x))) + embedding(silu(e))  (one shift per channel: the time step, and the class)
        y = skip(x) + conv2(silu(norm2(h)))             (skip: a 1x1 conv when C_in != C_out, else identity)
    """

    def __init__(self, in_channels, out_channels, embedding_dim, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.embedding = nn.Linear(embedding_dim, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x, embedding):
        h = self.conv1(F.silu(self.norm1(x)))
        shift = self.embedding(F.silu(embedding))
        h = h + shift.reshape(shift.shape + (1, 1))
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


def upsample_nearest(x):
    """(N, C, H, W) -> (N, C, 2H, 2W), each pixel copied into a 2x2 block (F.interpolate(x, scale_factor=2)).

    A broadcast rather than an index: its backward is a sum over each block, not a scatter.
    """
    n, c, height, width = x.shape
    blocks = x.reshape(n, c, height, 1, width, 1).broadcast_to((n, c, height, 2, width, 2))
    return blocks.reshape(n, c, 2 * height, 2 * width)


class Upsample(nn.Module):
    """(N, C, H, W) -> (N, C, 2H, 2W): nearest-neighbour doubling, then a 3x3 conv to smooth the blocks."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(upsample_nearest(x))
