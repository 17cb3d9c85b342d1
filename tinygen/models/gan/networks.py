"""The GAN networks of the course, in PyTorch's module layout (weights move both ways).

* The course's dense MNIST GAN: generator 100 -> 256 -> 512 -> 1024 -> 784 (LeakyReLU 0.2, tanh),
  1,486,352 parameters; discriminator 784 -> 1024 -> 512 -> 256 -> 1 (LeakyReLU 0.2, dropout 0.3),
  1,460,225 parameters. The course ends D with a sigmoid; here D returns the logit and the loss
  applies the sigmoid inside (same parameters, no log of a saturated sigmoid).
* DCGAN for 28x28 (any H = W divisible by 4): generator z -> Linear -> (2w, H/4, W/4), BN, ReLU ->
  ConvT k4 s2 p1 -> (w, H/2, W/2), BN, ReLU -> ConvT k4 s2 p1 -> (C, H, W), tanh; discriminator
  Conv k4 s2 p1 C -> w, LeakyReLU 0.2 -> Conv k4 s2 p1 w -> 2w, BN, LeakyReLU 0.2 -> Linear -> 1.
  Weights N(0, 0.02), BN scales N(1, 0.02), biases 0 (the DCGAN paper's init). w = 64 in the course.
  A layer followed by batch norm has no bias (as in PyTorch's DCGAN example): BN subtracts the
  batch mean, so such a bias has zero gradient and only adds rounding noise for Adam to amplify.
* The conditional DCGAN: the label enters both networks as a one-hot vector y (N, K). The generator
  reads [z, y] concatenated (N, latent + K); the discriminator reads the image with K extra
  channels, channel k filled with y_k (the one-hot "painted" over the whole image), so every
  filter of its first layer sees the class. One-hot concatenation rather than a learned embedding:
  nothing to learn about the label, and a K-class one-hot is already small.
"""
import math

import tinygen.functional as F
from tinygen import nn
from tinygen.nn.init import dcgan_normal_

LEAK = 0.2


def dense_generator(latent_dim=100, data_shape=(1, 28, 28), widths=(256, 512, 1024)):
    """z (N, latent_dim) -> widths (LeakyReLU 0.2) -> prod(data_shape), tanh -> (N, *data_shape)."""
    sizes = [latent_dim, *widths]
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.LeakyReLU(LEAK)]
    layers += [nn.Linear(sizes[-1], math.prod(data_shape)), nn.Tanh(), nn.Unflatten(1, tuple(data_shape))]
    return nn.Sequential(*layers)


def dense_discriminator(data_shape=(1, 28, 28), widths=(1024, 512, 256), dropout=0.3):
    """(N, *data_shape) -> flatten -> widths (LeakyReLU 0.2, dropout after all but the last) -> logit (N, 1)."""
    sizes = [math.prod(data_shape), *widths]
    layers = [nn.Flatten()]
    for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers += [nn.Linear(fan_in, fan_out), nn.LeakyReLU(LEAK)]
        if index < len(widths) - 1:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-1], 1))
    return nn.Sequential(*layers)


def dcgan_generator(latent_dim=100, data_shape=(1, 28, 28), width=64, extra_inputs=0):
    """z (N, latent_dim + extra_inputs) -> (N, *data_shape) in [-1, 1]; shapes grow 7 -> 14 -> 28 for 28x28."""
    channels, height, _ = _square(data_shape)
    base = height // 4
    return dcgan_normal_(nn.Sequential(
        nn.Linear(latent_dim + extra_inputs, 2 * width * base * base, bias=False),
        nn.Unflatten(1, (2 * width, base, base)), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1), nn.Tanh()))


def dcgan_discriminator(data_shape=(1, 28, 28), width=64, extra_channels=0, batch_norm=True):
    """(N, C + extra_channels, H, W) -> logit (N, 1); shapes shrink 28 -> 14 -> 7 for 28x28.

    ``batch_norm=False`` (a WGAN-GP critic): the second conv keeps its bias and no batch norm follows.
    """
    channels, height, _ = _square(data_shape)
    base = height // 4
    normalized = [nn.BatchNorm2d(2 * width)] if batch_norm else []
    return dcgan_normal_(nn.Sequential(
        nn.Conv2d(channels + extra_channels, width, 4, stride=2, padding=1), nn.LeakyReLU(LEAK),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batch_norm), *normalized, nn.LeakyReLU(LEAK),
        nn.Flatten(), nn.Linear(2 * width * base * base, 1)))


class ConditionalGenerator(nn.Module):
    """(z (N, latent), y one-hot (N, K)) -> net([z, y]): the class is part of the generator's input."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, z, condition):
        return self.net(F.concatenate([z, condition], axis=1))


class ConditionalDiscriminator(nn.Module):
    """(images (N, C, H, W), y one-hot (N, K)) -> net(images with K more channels, channel k = y_k)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images, condition):
        count, _, height, width = images.shape
        planes = condition.reshape(count, -1, 1, 1).broadcast_to((count, condition.shape[1], height, width))
        return self.net(F.concatenate([images, planes], axis=1))


def conditional_dcgan(latent_dim=100, data_shape=(1, 28, 28), num_classes=10, width=64):
    """(generator, discriminator) of the conditional DCGAN: one-hot into G's input and D's channels."""
    return (ConditionalGenerator(dcgan_generator(latent_dim, data_shape, width, extra_inputs=num_classes)),
            ConditionalDiscriminator(dcgan_discriminator(data_shape, width, extra_channels=num_classes)))


def _square(data_shape):
    """(C, H, W) with H = W divisible by 4 (two stride-2 layers), or a ValueError naming data_shape."""
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[1] % 4:
        raise ValueError(f"DCGAN: data_shape must be (C, H, H) images with H divisible by 4 "
                         f"(two stride-2 layers), got {tuple(data_shape)}")
    return data_shape
