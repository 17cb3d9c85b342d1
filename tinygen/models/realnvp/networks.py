"""The small networks that give an affine coupling layer its scale s and shift t.

A coupling layer feeds its fixed half, x * mask, to one of these and gets back (s, t), each shaped
like x. The network's last layer outputs 2C channels (or features): the first C are raw scales,
the last C shifts. The scale is bounded, s = scale * tanh(raw), with one learned ``scale`` per
channel (Dinh et al. 2017, section 4.1): exp(s) then stays within exp(+-|scale|), so one layer can
never blow its output up by a huge factor. ``scale`` starts at 1: a coupling can scale by up to e from
the first step. (Started at 0, each coupling would begin as a pure shift, but Adam moves ``scale`` by
about lr a step, and the flow would need thousands of steps to learn the contraction that piles up
MNIST's many black pixels.)

    conv_net(C, hidden):   (N, C, H, W) -> conv3x3 -> ReLU -> conv3x3 -> ReLU -> conv3x3 (2C)
    dense_net(D, hidden):  (N, D) -> Linear -> ReLU -> Linear -> ReLU -> Linear (2D)
"""
import tinygen.functional as F
from tinygen import creation, nn
from tinygen.nn.module import check_sizes


class ScaleShiftNet(nn.Module):
    """``layers`` (N, C, ...) -> (N, 2C, ...) made into (s, t), each (N, C, ...); s = scale * tanh(raw)."""

    def __init__(self, layers, channels, scale_shape):
        super().__init__()
        self.channels = channels
        self.layers = layers
        self.scale = nn.Parameter(creation.ones(*scale_shape))

    def forward(self, x):
        out = self.layers(x)
        raw, shift = out[:, :self.channels], out[:, self.channels:]
        return self.scale * F.tanh(raw), shift


def conv_net(channels, hidden):
    """Three 3x3 convolutions (padding 1, sizes kept) for images of ``channels`` channels."""
    check_sizes("conv_net", channels=channels, hidden=hidden)
    layers = nn.Sequential(nn.Conv2d(channels, hidden, 3, padding=1), nn.ReLU(),
                           nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(),
                           nn.Conv2d(hidden, 2 * channels, 3, padding=1))
    return ScaleShiftNet(layers, channels, (channels, 1, 1))


def dense_net(features, hidden):
    """Three linear layers for points of ``features`` coordinates."""
    check_sizes("dense_net", features=features, hidden=hidden)
    layers = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                           nn.Linear(hidden, 2 * features))
    return ScaleShiftNet(layers, features, (features,))
