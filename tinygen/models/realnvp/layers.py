"""RealNVP's invertible steps (Dinh, Sohl-Dickstein and Bengio 2017); each gives log|det| of its Jacobian.

    affine coupling   y = x * exp(s) + t with (s, t) = net(m * x) zeroed where m = 1, so the
                      fixed part m * x passes unchanged and the Jacobian is triangular:
                      log|det dy/dx| = sum over the free units of s
    masks             checkerboard (pixels with (row + column) even / odd), channel (first / second half
                      of the channels), feature (first / second half of a point's coordinates)
    squeeze           (C, H, W) -> (4C, H/2, W/2): each 2x2 block becomes 4 channels; a permutation,
                      so log|det| = 0
    logit transform   y = logit(a + (1 - 2a) x) maps pixels in [0, 1] onto the real line, where a
                      Gaussian's tails live; log|det dy/dx| = sum log(1 - 2a) - log p - log(1 - p),
                      p = a + (1 - 2a) x. ``a`` keeps y finite at x = 0 and 1.
Shapes: x (N, ...); log-determinants (N,).
"""
import math

import tinygen.functional as F
from tinygen import nn
from tinygen.autograd import Tensor
from tinygen.backend import default_float, xp


def checkerboard_mask(height, width, parity):
    """(1, 1, H, W): 1 where (row + column + parity) is even — the pixels a coupling keeps fixed."""
    rows, columns = xp.arange(height)[:, None], xp.arange(width)[None, :]
    return Tensor(((rows + columns + parity) % 2 == 0).astype(default_float()).reshape(1, 1, height, width))


def channel_mask(channels, parity):
    """(1, C, 1, 1): 1 on the first half of the channels (parity 0) or on the second (parity 1)."""
    return Tensor(_half(channels, parity).reshape(1, channels, 1, 1))


def feature_mask(features, parity):
    """(1, D): 1 on the first half of a point's coordinates (parity 0) or on the second (parity 1)."""
    return Tensor(_half(features, parity).reshape(1, features))


def _half(size, parity):
    first = xp.arange(size) < size // 2
    return (first if parity == 0 else ~first).astype(default_float())


class AffineCoupling(nn.Module):
    """One affine coupling layer: ``net(m * x) -> (s, t)`` shaped like x; ``mask`` broadcasts against x."""

    def __init__(self, mask, net):
        super().__init__()
        self.register_buffer("mask", mask, persistent=False)
        self.net = net

    def scale_and_shift(self, fixed):
        """(s, t) from the fixed part, zero where the mask keeps units fixed."""
        s, t = self.net(fixed)
        free = 1.0 - self.mask
        return s * free, t * free

    def forward(self, x):
        """x -> (y, log|det dy/dx| (N,))."""
        s, t = self.scale_and_shift(x * self.mask)
        return x * s.exp() + t, s.reshape(x.shape[0], -1).sum(axis=1)

    def inverse(self, y):
        """y -> x: the fixed part of y is the fixed part of x, so s and t are known again."""
        s, t = self.scale_and_shift(y * self.mask)
        return (y - t) * (-s).exp()


def squeeze(x):
    """(N, C, H, W) -> (N, 4C, H/2, W/2): channel 4c + 2i + j holds pixel (2h + i, 2w + j) of channel c."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


def unsqueeze(y):
    """The inverse of ``squeeze``: (N, 4C, H, W) -> (N, C, 2H, 2W)."""
    n, c4, h, w = y.shape
    return y.reshape(n, c4 // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c4 // 4, 2 * h, 2 * w)


def logit_transform(x, alpha):
    """x in [0, 1] (or a little beyond, down to where p = 0) -> (y = logit(p), log|det| (N,))."""
    p = alpha + (1 - 2 * alpha) * x
    log_p, log_q = F.log(p), F.log(1.0 - p)
    per_unit = math.log(1 - 2 * alpha) - log_p - log_q
    return log_p - log_q, per_unit.reshape(x.shape[0], -1).sum(axis=1)


def inverse_logit_transform(y, alpha):
    """y -> x = (sigmoid(y) - a) / (1 - 2a); x lies in (-a / (1 - 2a), 1 + a / (1 - 2a))."""
    return (F.sigmoid(y) - alpha) / (1 - 2 * alpha)


def support(alpha):
    """(low, high): the x a logit transform with ``alpha`` reaches — a little wider than [0, 1]."""
    margin = alpha / (1 - 2 * alpha)
    return -margin, 1 + margin
