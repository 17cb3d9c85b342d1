"""The U-Net's building block: a residual block that hears the time step (and the class).

A plain nn.Module whose attribute names a torch.nn twin can copy, so state_dicts move between them.
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

