"""Exercises of lesson 13 (the conditional GAN). Write each function, then check it with `tinygen check 13`."""
import numpy as np  # noqa: F401 (for your answer)

import tinygen as tg  # noqa: F401 (for your answer)


def one_hot(labels, classes):
    """The labels as one-hot rows, the form in which the generator receives them next to its noise.

    labels: a NumPy array (N,) of ints in 0..classes-1. Return a float32 Tensor (N, classes) whose row n is
    1 in column labels[n] and 0 elsewhere.
    """
    raise NotImplementedError


def label_channels(labels, classes, height, width):
    """The labels painted as image channels, the form in which the discriminator receives them.

    labels: a NumPy array (N,) of ints in 0..classes-1. Return a float32 Tensor (N, classes, height, width)
    whose channel k of image n is all ones when labels[n] == k and all zeros otherwise.
    """
    raise NotImplementedError
