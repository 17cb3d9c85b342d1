"""What the autoencoder-family tests share: a few hundred digits and a short full-batch Adam run."""
import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset


def digits(count, split="train"):
    """The first ``count`` mnist-5k images of ``split`` (host float32, (count, 1, 28, 28))."""
    return load_dataset("mnist-5k", split).images[:count]


def train(model, images, steps, lr=3e-3, batch_size=64):
    """``steps`` Adam steps on batches of ``images`` taken in order; returns the full-set loss before and after."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    before = full_loss(model, images)
    for step in range(steps):
        start = step * batch_size % len(images)
        optimizer.zero_grad()
        model.loss(tg.Tensor(images[start:start + batch_size])).backward()
        optimizer.step()
    return before, full_loss(model, images)


def full_loss(model, images):
    tg.manual_seed(1)  # the denoising loss draws noise: the same draw before and after training
    with tg.no_grad():
        return model.loss(tg.Tensor(images)).item()


def float64_images(count, shape):
    """Pixels in [0.1, 0.9] as a float64 Tensor: away from 0 and 1, where BCE's derivative is steep."""
    return tg.Tensor(np.random.default_rng(count).uniform(0.1, 0.9, (count,) + shape))
