"""RealNVP (Dinh, Sohl-Dickstein and Bengio 2017): an invertible network with an exact likelihood.

An invertible f with a tractable Jacobian turns a simple density into a rich one by the change of
variables:

    log p(x) = log N(f(x); 0, I) + log |det df/dx|

Here f, read top to bottom in ``forward``, is

    x in [0, 1]^D --logit transform--> 3 couplings with checkerboard masks --squeeze (C -> 4C)-->
    3 couplings with channel masks --> 3 couplings with checkerboard masks --unsqueeze--> z

with each coupling's mask the opposite of the one before, so every unit is changed by the next layer.
z has x's shape. Each coupling's s and t come from a small conv net (networks.py).

Pixels are 8-bit: k in {0, ..., 255}. A density on them as real numbers could pile up without limit
on 256 values, so each k is *dequantized*: x = (k + u) / 256 with u ~ U[0, 1). For any density p on
[0, 1]^D, the model P(k) = integral of p over k's cube of side 1/256 sums to at most 1 over all k, and
by Jensen log P(k) >= E_u[log p(x)] - D log 256. So the bits per dimension

    bpd = (-log p(x) + D log 256) / (D log 2)

of a dequantized image bound the 8-bit image's code length from above, as the paper reports them
(1.06 on full MNIST). The logit transform and the 1/256 scaling are both counted: the former in
log |det|, the latter in the D log 256. With a > 0 the model's mass reaches a little beyond [0, 1]
(layers.support); what lies outside the data's cube is lost, which can only make the bound looser.
"""
import math

from tinygen import nn
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import generator, xp
from tinygen.models.realnvp.layers import (AffineCoupling, channel_mask, checkerboard_mask, inverse_logit_transform,
                                          logit_transform, squeeze, unsqueeze)
from tinygen.models.realnvp.networks import conv_net
from tinygen.nn.module import check_sizes

LOG_2PI = math.log(2 * math.pi)
LEVELS = 256   # an 8-bit pixel takes one of 256 values


class RealNVP(nn.Module):
    """RealNVP for images ``image_shape`` = (C, H, W) with H and W even (the squeeze halves them).

    ``hidden``: channels of every coupling net; ``couplings``: coupling layers in each of the three
    groups; ``alpha``: the logit transform's margin. All log-densities are nats, per example (N,).
    """

    def __init__(self, image_shape, hidden, couplings, alpha):
        super().__init__()
        self.image_shape = _checked_shape(image_shape)
        check_sizes("RealNVP", hidden=hidden, couplings=couplings)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha < 0.5:
            raise ValueError(f"RealNVP: alpha must be a number in [0, 0.5), got {alpha!r}")
        self.alpha = float(alpha)
        c, h, w = self.image_shape
        self.checkerboard = nn.ModuleList([AffineCoupling(checkerboard_mask(h, w, i % 2), conv_net(c, hidden))
                                           for i in range(couplings)])
        self.channelwise = nn.ModuleList([AffineCoupling(channel_mask(4 * c, i % 2), conv_net(4 * c, hidden))
                                          for i in range(couplings)])
        self.squeezed_checkerboard = nn.ModuleList([
            AffineCoupling(checkerboard_mask(h // 2, w // 2, i % 2), conv_net(4 * c, hidden))
            for i in range(couplings)])

    @property
    def dimensions(self):
        """D: the number of pixel values in one image."""
        return math.prod(self.image_shape)

    # --- the algorithm, top to bottom --------------------------------------------------------
    def forward(self, x):
        """x (N, C, H, W) in [0, 1] -> (z shaped like x, log|det dz/dx| (N,))."""
        x = self._checked_pixels(x, "x")
        y, log_det = logit_transform(x, self.alpha)
        y, log_det = _through(self.checkerboard, y, log_det)
        y = squeeze(y)
        y, log_det = _through(self.channelwise, y, log_det)
        y, log_det = _through(self.squeezed_checkerboard, y, log_det)
        return unsqueeze(y), log_det

    def inverse(self, z):
        """z (N, C, H, W) -> x: every step of ``forward`` undone, last first."""
        z = as_tensor(z)
        self._check_shape(z, "z")
        y = squeeze(z)
        for coupling in list(self.squeezed_checkerboard)[::-1] + list(self.channelwise)[::-1]:
            y = coupling.inverse(y)
        y = unsqueeze(y)
        for coupling in list(self.checkerboard)[::-1]:
            y = coupling.inverse(y)
        return inverse_logit_transform(y, self.alpha)

    def log_prob(self, x):
        """log p(x) of continuous images x in [0, 1]: log N(z; 0, I) + log|det| (N,) nats."""
        z, log_det = self(x)
        log_normal = -0.5 * (z ** 2 + LOG_2PI).reshape(z.shape[0], -1).sum(axis=1)
        return log_normal + log_det

    def dequantize(self, images, noise=None):
        """8-bit images k / 255 in [0, 1] -> x = (k + u) / 256, u ~ U[0, 1) (or the given ``noise``)."""
        images = self._checked_pixels(images, "images")
        levels = xp.round(images.data * (LEVELS - 1))
        if noise is None:
            noise = generator().random(images.shape, dtype=images.dtype)
        noise = noise.data if isinstance(noise, Tensor) else xp.asarray(noise, dtype=images.dtype)
        if noise.shape != images.shape or not bool(((noise >= 0) & (noise < 1)).all()):
            raise ValueError(f"RealNVP.dequantize: noise must have the images' shape {images.shape} with values "
                             f"in [0, 1), got shape {noise.shape}")
        return Tensor((levels + noise) / LEVELS)

    def bits_per_dim(self, images, noise=None):
        """The bits per dimension of the dequantized 8-bit ``images``: (N,)."""
        return bits_per_dim(self.log_prob(self.dequantize(images, noise)), self.dimensions)

    def loss(self, images, noise=None):
        """The batch's mean bits per dimension (what training minimizes)."""
        return self.bits_per_dim(images, noise).mean()

    def sample(self, n, temperature=1.0):
        """``n`` images x = f^-1(z), z ~ N(0, temperature^2 I), clipped to [0, 1]: (n, C, H, W)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"RealNVP.sample: n must be an integer >= 1, got {n!r}")
        if not temperature > 0:
            raise ValueError(f"RealNVP.sample: temperature must be > 0, got {temperature!r}")
        dtype = self.checkerboard[0].net.scale.dtype
        z = generator().standard_normal((n,) + self.image_shape, dtype=dtype) * temperature
        return self.inverse(Tensor(z.astype(dtype))).clip(0.0, 1.0)

    # --- checks ------------------------------------------------------------------------------
    def _check_shape(self, x, name):
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"RealNVP: {name} must have shape (N, {', '.join(map(str, self.image_shape))}), "
                             f"got {tuple(x.shape)}")

    def _checked_pixels(self, x, name):
        x = as_tensor(x)
        self._check_shape(x, name)
        low, high = float(x.data.min()), float(x.data.max())
        if not (0.0 <= low and high <= 1.0):
            raise ValueError(f"RealNVP: {name} must hold pixel values in [0, 1], got values from {low:g} to "
                             f"{high:g}")
        return x


def bits_per_dim(log_prob, dimensions):
    """(-log p(x) + D log 256) / (D log 2): nats of a density on [0, 1]^D -> bits per 8-bit pixel value."""
    return (-log_prob + dimensions * math.log(LEVELS)) / (dimensions * math.log(2))


def _through(couplings, y, log_det):
    for coupling in couplings:
        y, step = coupling(y)
        log_det = log_det + step
    return y, log_det


def _checked_shape(image_shape):
    shape = tuple(image_shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"RealNVP: image_shape must be (C, H, W) of positive ints, got {image_shape!r}")
    c, h, w = shape
    if h % 2 or w % 2:
        raise ValueError(f"RealNVP: image_shape {shape}: the squeeze halves the height and width, so both must "
                         f"be even, got H={h}, W={w}")
    return shape
