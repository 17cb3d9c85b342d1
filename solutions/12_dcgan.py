"""Solutions of lesson 12's exercises (DCGAN)."""
from tinygen import nn


def generator_sizes(start, layers):
    sizes = [start]
    for k, s, p in layers:
        sizes.append((sizes[-1] - 1) * s + k - 2 * p)  # lesson 04's transposed output size
    return sizes


def dcgan_generator(latent_size, width):
    return nn.Sequential(
        nn.Linear(latent_size, 2 * width * 7 * 7, bias=False),  # the noise becomes 2w feature maps of 7 x 7
        nn.Unflatten(1, (2 * width, 7, 7)), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 7 -> 14
        nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 14 -> 28
        nn.Tanh())  # images in [-1, 1], like the scaled real ones
