"""The convolutional autoencoder: stride-2 convolutions down to a small stack of feature maps, transposed
convolutions back up.

    (N, 1, 28, 28) -conv s2-> (16, 14, 14) -conv s2-> (16, 7, 7) -conv s2-> (8, 4, 4) = code of 128
                   <-convT s2- (16, 14, 14) <-convT s2- (16, 7, 7) <-convT s2-

Each 3x3, stride-2, padding-1 convolution takes a side s to ceil(s / 2); the transposed convolution
that mirrors it gives back exactly s with output_padding = 1 for an even s and 0 for an odd one.
Weights are shared across the image, so it needs far fewer parameters than the dense autoencoder
for a code of the same size. ``method="zero_insertion"`` runs the decoder through the literal steps
of a transposed convolution (insert zeros, pad, convolve with the flipped kernel): same numbers, slower.
"""
import math

from tinygen import nn
from tinygen.functional.conv_transpose import METHODS
from tinygen.models.autoencoders.model import AutoencoderBase, _check_code_size


class ConvAutoencoder(AutoencoderBase):
    """x (N, C, H, W) in [0, 1] -> code (N, channels[-1] * h * w) -> (N, C, H, W); one conv per entry of ``channels``.

    ReLU between layers, a linear code, logits out (the sigmoid and the loss are ``AutoencoderBase``'s).
    """

    def __init__(self, channels=(16, 16, 8), loss="bce", image_shape=(1, 28, 28), method="col2im"):
        channels = _check_arguments(channels, image_shape, method)
        sides = halvings(image_shape[1:], len(channels))
        code_shape = (channels[-1],) + sides[-1]
        _check_code_size(math.prod(code_shape), math.prod(image_shape))
        widths = [image_shape[0]] + channels
        encoder = [layer for c_in, c_out in zip(widths[:-1], widths[1:])
                   for layer in (nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.ReLU())]
        decoder = []
        for c_in, c_out, side in zip(widths[:0:-1], widths[-2::-1], sides[-2::-1]):
            output_padding = tuple(1 - s % 2 for s in side)  # even side: the lost half-step comes back
            decoder += [nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=output_padding,
                                           method=method), nn.ReLU()]
        super().__init__(nn.Sequential(*encoder[:-1], nn.Flatten()),
                         nn.Sequential(nn.Unflatten(1, code_shape), *decoder[:-1]),
                         math.prod(code_shape), loss, image_shape)
        self.method = method

    def extra_repr(self):
        return f"{super().extra_repr()}, method={self.method!r}"


def halvings(side, count):
    """The spatial sizes through ``count`` stride-2 layers: [(H, W), (ceil(H/2), ceil(W/2)), ...]."""
    sizes = [tuple(side)]
    for _ in range(count):
        sizes.append(tuple(-(-s // 2) for s in sizes[-1]))
    return sizes


def _check_arguments(channels, image_shape, method):
    channels = list(channels) if isinstance(channels, (list, tuple)) else channels
    if not isinstance(channels, list) or not channels or not all(
            isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in channels):
        raise ValueError(f"ConvAutoencoder: channels must be a non-empty list of positive integers, got {channels!r}")
    if len(image_shape) != 3:
        raise ValueError(f"ConvAutoencoder: image_shape must be (C, H, W), got {tuple(image_shape)} "
                         f"(a convolutional autoencoder needs images, not points)")
    smallest = 2 ** len(channels)
    if min(image_shape[1:]) < smallest:
        raise ValueError(f"ConvAutoencoder: image_shape {tuple(image_shape)} is too small to halve "
                         f"{len(channels)} times (once per entry of channels): H and W must be at least "
                         f"2 ** {len(channels)} = {smallest}")
    if method not in METHODS:
        raise ValueError(f"ConvAutoencoder: method must be one of {METHODS}, got {method!r}")
    return channels
