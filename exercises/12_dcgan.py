"""Exercises of lesson 12 (DCGAN). Write each function, then check it with `tinygen check 12`."""
import tinygen as tg  # noqa: F401 (for your answer)
from tinygen import nn  # noqa: F401 (for your answer)


def generator_sizes(start, layers):
    """The side of the feature map after each transposed convolution of a generator.

    start: the side of the first feature map (an int, e.g. 7); layers: a list of (k, s, p) tuples, one per
    transposed convolution (kernel, stride, padding). Return the list of ints [start, after layer 1,
    after layer 2, ...]; e.g. generator_sizes(7, [(4, 2, 1), (4, 2, 1)]) == [7, 14, 28].
    """
    raise NotImplementedError


def dcgan_generator(latent_size, width):
    """A DCGAN generator for 28 x 28 digits, as a tinygen module.

    Return an nn.Module that maps noise (N, latent_size) to images (N, 1, 28, 28) with values in [-1, 1]
    (the range the real images are scaled to). Paint with transposed convolutions (nn.ConvTranspose2d,
    at least two), starting from a small feature map with about 2 * width channels; batch norm and ReLU
    between the layers as in lesson 12 (nn.Sequential, nn.Linear, nn.Unflatten, nn.BatchNorm2d, nn.ReLU,
    nn.Tanh are there to use).
    """
    raise NotImplementedError
