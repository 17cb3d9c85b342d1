"""PixelCNN's network for binary images (van den Oord, Kalchbrenner, Kavukcuoglu 2016, section 3.4):

    masked conv A (k x k) -> [x + conv_B 3x3(relu(x))] x blocks -> relu, 1x1, relu, 1x1 -> one logit per pixel

The A layer hides the centre pixel and everything after it in raster order; the B layers keep the
centre, which by then carries only the past. So logit (i, j) depends on pixels before (i, j) alone
(minus the blind spot up and right of a plain masked stack, which loses information but never leaks).
"""
import tinygen.functional as F
from tinygen import nn


class ResidualBlock(nn.Module):
    """x + conv_B(relu(x)) with a 3x3 type-B masked convolution: (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.MaskedConv2d(channels, channels, 3, "B")

    def forward(self, x):
        return x + self.conv(F.relu(x))


def pixelcnn_network(channels, blocks, first_kernel):
    """(N, 1, H, W) binary images -> (N, 1, H, W) logits, as a Sequential (keys "0.weight", "1.conv.weight", ...)."""
    return nn.Sequential(nn.MaskedConv2d(1, channels, first_kernel, "A"),
                         *[ResidualBlock(channels) for _ in range(blocks)],
                         nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1))


def rows_seen(blocks, first_kernel):
    """How many rows above its own a logit can see (and columns to either side): the A layer's reach plus one
    per 3x3 B layer."""
    return first_kernel // 2 + blocks
