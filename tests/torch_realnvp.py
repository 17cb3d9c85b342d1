"""RealNVP written in PyTorch with tinygen's module layout, so the two share state_dict keys.

Only the tests import it, after pytest.importorskip("torch").
"""
import math

import torch
from torch import nn


class ScaleShiftNet(nn.Module):
    def __init__(self, channels, hidden):
        super().__init__()
        self.channels = channels
        self.layers = nn.Sequential(nn.Conv2d(channels, hidden, 3, padding=1), nn.ReLU(),
                                    nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(),
                                    nn.Conv2d(hidden, 2 * channels, 3, padding=1))
        self.scale = nn.Parameter(torch.ones(channels, 1, 1))

    def forward(self, x):
        out = self.layers(x)
        return self.scale * torch.tanh(out[:, :self.channels]), out[:, self.channels:]


class AffineCoupling(nn.Module):
    def __init__(self, mask, channels, hidden):
        super().__init__()
        self.register_buffer("mask", mask, persistent=False)
        self.net = ScaleShiftNet(channels, hidden)

    def forward(self, x):
        s, t = self.net(x * self.mask)
        s, t = s * (1 - self.mask), t * (1 - self.mask)
        return x * torch.exp(s) + t, s.flatten(1).sum(1)


def checkerboard(h, w, parity):
    rows, columns = torch.arange(h)[:, None], torch.arange(w)[None, :]
    return ((rows + columns + parity) % 2 == 0).float().reshape(1, 1, h, w)


def channels(c, parity):
    first = torch.arange(c) < c // 2
    return (first if parity == 0 else ~first).float().reshape(1, c, 1, 1)


def squeeze(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


def unsqueeze(y):
    n, c4, h, w = y.shape
    return y.reshape(n, c4 // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c4 // 4, 2 * h, 2 * w)


class RealNVP(nn.Module):
    def __init__(self, image_shape, hidden, couplings, alpha):
        super().__init__()
        c, h, w = image_shape
        self.alpha, self.dimensions = alpha, c * h * w
        self.checkerboard = nn.ModuleList([AffineCoupling(checkerboard(h, w, i % 2), c, hidden)
                                           for i in range(couplings)])
        self.channelwise = nn.ModuleList([AffineCoupling(channels(4 * c, i % 2), 4 * c, hidden)
                                          for i in range(couplings)])
        self.squeezed_checkerboard = nn.ModuleList([AffineCoupling(checkerboard(h // 2, w // 2, i % 2), 4 * c, hidden)
                                                    for i in range(couplings)])

    def log_prob(self, x):
        p = self.alpha + (1 - 2 * self.alpha) * x
        y = torch.log(p) - torch.log(1 - p)
        log_det = (math.log(1 - 2 * self.alpha) - torch.log(p) - torch.log(1 - p)).flatten(1).sum(1)
        for i, group in enumerate((self.checkerboard, self.channelwise, self.squeezed_checkerboard)):
            if i == 1:
                y = squeeze(y)
            for coupling in group:
                y, step = coupling(y)
                log_det = log_det + step
        z = unsqueeze(y)
        return -0.5 * (z ** 2 + math.log(2 * math.pi)).flatten(1).sum(1) + log_det

    def loss(self, x):
        """Mean bits per dimension of already dequantized x."""
        bpd = (-self.log_prob(x) + self.dimensions * math.log(256)) / (self.dimensions * math.log(2))
        return bpd.mean()
