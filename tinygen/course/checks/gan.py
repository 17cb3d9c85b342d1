"""Checks of the GAN lessons: 11 the game's two losses, 12 the DCGAN generator's shapes, 13 the one-hot
conditioning, 14 the WGAN critic's loss and WGAN-GP's gradient penalty."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn
from tinygen.course.checks.cases import (Check, Wrong, call, expect_close, expect_equal, expect_int,
                                         expect_same_gradients, expect_same_parameter_gradients, expect_tensor,
                                         for_all)

seeds = st.integers(0, 2**16)
logit_batches = st.tuples(st.integers(1, 6), st.sampled_from([1.0, 5.0, 1000.0]), seeds)


def _discriminator_loss(real_logits, fake_logits):
    return (F.binary_cross_entropy_with_logits(real_logits, tg.ones(*real_logits.shape, dtype=real_logits.dtype))
            + F.binary_cross_entropy_with_logits(fake_logits, tg.zeros(*fake_logits.shape, dtype=fake_logits.dtype)))


def _generator_loss(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, tg.ones(*fake_logits.shape, dtype=fake_logits.dtype))


def verify_discriminator_loss(discriminator_loss):
    def claim(case):
        n, scale, seed = case
        rng = np.random.default_rng(seed)
        real, fake = rng.normal(size=(n, 1)) * scale, rng.normal(size=(n, 1)) * scale
        expect_same_gradients(discriminator_loss, _discriminator_loss, [real, fake],
                              f"discriminator_loss(real logits, fake logits of shape {(n, 1)}, about {scale:g})")

    for_all(logit_batches, claim)


def verify_generator_loss(generator_loss):
    def claim(case):
        n, scale, seed = case
        fake = np.random.default_rng(seed).normal(size=(n, 1)) * scale
        expect_same_gradients(generator_loss, _generator_loss, [fake],
                              f"generator_loss(fake logits of shape {(n, 1)}, about {scale:g})")

    for_all(logit_batches, claim)


def verify_generator_sizes(generator_sizes):
    what = "generator_sizes(7, [(4, 2, 1), (4, 2, 1)])"
    expect_equal(_int_list(call(generator_sizes, 7, [(4, 2, 1), (4, 2, 1)], what=what), what), [7, 14, 28], what)

    def claim(case):
        start, layers = case
        expected = [start]
        for k, s, p in layers:
            expected.append((expected[-1] - 1) * s + k - 2 * p)
        if min(expected) < 1:
            return  # a layer would leave nothing
        what = f"generator_sizes({start}, {layers})"
        expect_equal(_int_list(call(generator_sizes, start, list(layers), what=what), what), expected, what)

    layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2))
    for_all(st.tuples(st.integers(1, 8), st.lists(layer, max_size=4)), claim)


def _int_list(value, what):
    if not isinstance(value, list):
        raise Wrong(f"{what} returned {type(value).__name__}, expected a list of ints")
    return [expect_int(size, what) for size in value]


def verify_dcgan_generator(dcgan_generator):
    """A module that paints (N, 1, 28, 28) images in [-1, 1] from (N, latent) noise with transposed convolutions,
    every weight reached by the gradient, and different noise giving different images."""
    for latent, width in ((8, 4), (16, 8)):
        what = f"dcgan_generator(latent_size={latent}, width={width})"
        tg.manual_seed(0)
        generator = call(dcgan_generator, latent, width, what=what)
        if not isinstance(generator, nn.Module):
            raise Wrong(f"{what} returned {type(generator).__name__}; expected a tinygen nn.Module")
        layers = list(generator.modules())
        upsamplers = sum(isinstance(m, nn.ConvTranspose2d) for m in layers)
        if upsamplers < 2:
            raise Wrong(f"{what} has {upsamplers} ConvTranspose2d layers; a DCGAN generator paints by upsampling "
                        "a small feature map with transposed convolutions (at least two)")
        z = tg.randn(3, latent)
        images = expect_tensor(call(generator, z, what=f"{what} applied to noise of shape (3, {latent})"),
                               f"{what} applied to noise of shape (3, {latent})", (3, 1, 28, 28))
        values = images.numpy()
        if not np.all(np.abs(values) <= 1):
            raise Wrong(f"{what}: its images range over [{values.min():.3g}, {values.max():.3g}]; the real images "
                        "are scaled to [-1, 1], so the last layer must squash into that range")
        if np.allclose(values[0], values[1]):
            raise Wrong(f"{what}: two different noise vectors gave the same image")
        parameters = list(generator.named_parameters())
        gradients = tg.grad((images * images).sum(), [p for _, p in parameters], allow_unused=True)
        missing = [name for (name, _), g in zip(parameters, gradients) if g is None]
        if missing:
            raise Wrong(f"{what}: no gradient reaches its parameter {missing[0]}")


def verify_one_hot(one_hot):
    def claim(case):
        n, classes, seed = case
        labels = np.random.default_rng(seed).integers(0, classes, size=n)
        what = f"one_hot(labels {labels.tolist()}, classes={classes})"
        result = expect_tensor(call(one_hot, labels, classes, what=what), what, (n, classes))
        if result.dtype.kind != "f":
            raise Wrong(f"{what}: dtype {result.dtype}; the networks take floating-point inputs")
        expect_close(result, np.eye(classes)[labels], what)

    for_all(st.tuples(st.integers(1, 6), st.integers(1, 10), seeds), claim)


def verify_label_channels(label_channels):
    def claim(case):
        n, classes, height, width, seed = case
        labels = np.random.default_rng(seed).integers(0, classes, size=n)
        what = f"label_channels(labels {labels.tolist()}, classes={classes}, height={height}, width={width})"
        result = expect_tensor(call(label_channels, labels, classes, height, width, what=what), what,
                               (n, classes, height, width))
        if result.dtype.kind != "f":
            raise Wrong(f"{what}: dtype {result.dtype}; the networks take floating-point inputs")
        expected = np.broadcast_to(np.eye(classes)[labels][:, :, None, None], (n, classes, height, width))
        expect_close(result, expected, what)

    for_all(st.tuples(st.integers(1, 4), st.integers(1, 10), st.integers(1, 5), st.integers(1, 5), seeds), claim)


def verify_critic_loss(critic_loss):
    def claim(case):
        n, scale, seed = case
        rng = np.random.default_rng(seed)
        real, fake = rng.normal(size=(n, 1)) * scale, rng.normal(size=(n, 1)) * scale + 1
        expect_same_gradients(critic_loss, lambda r, f: f.mean() - r.mean(), [real, fake],
                              f"critic_loss(real scores, fake scores of shape {(n, 1)}, about {scale:g})")

    for_all(logit_batches, claim)


def _gradient_penalty(critic, real, fake, mix, weight=10.0):
    shape = (-1,) + (1,) * (real.ndim - 1)
    points = tg.tensor((mix.reshape(*shape) * real + (1 - mix.reshape(*shape)) * fake).numpy(), requires_grad=True)
    gradient, = tg.grad(critic(points).sum(), [points], create_graph=True)
    norms = (gradient * gradient).sum(axis=tuple(range(1, gradient.ndim))).sqrt()
    return weight * ((norms - 1) ** 2).mean()


def verify_gradient_penalty(gradient_penalty):
    """Value, and the gradient with respect to the critic's weights (which needs create_graph=True)."""
    def claim(case):
        n, features, seed = case
        tg.manual_seed(seed)
        critic = nn.Sequential(nn.Linear(features, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        rng = np.random.default_rng(seed)
        real, fake = tg.tensor(rng.normal(size=(n, features))), tg.tensor(rng.normal(size=(n, features)))
        mix = tg.tensor(rng.uniform(size=n))
        expect_same_parameter_gradients(gradient_penalty, _gradient_penalty, [critic], [real, fake, mix],
                                        f"gradient_penalty(a small critic, real and fake of shape {(n, features)}, "
                                        "mix)")

    for_all(st.tuples(st.integers(1, 5), st.integers(1, 4), seeds), claim)


CHECKS = {
    "11": [Check("discriminator_loss", verify_discriminator_loss,
                 "D is a classifier with two classes, real (label 1) and fake (label 0); write each class's "
                 "binary cross-entropy from logits in a form that never takes the log of 0"),
           Check("generator_loss", verify_generator_loss,
                 "the non-saturating generator wants D to call its fakes real; which label does it give them, "
                 "and what happens to the gradient of the minimax loss when D rejects every fake?")],
    "12": [Check("generator_sizes", verify_generator_sizes,
                 "lesson 04's output size of a transposed convolution, applied layer after layer; keep the "
                 "starting size too", gives="other", takes_arrays=False),
           Check("dcgan_generator", verify_dcgan_generator,
                 "project the noise to a small stack of feature maps, then let each transposed convolution "
                 "double the side; which last activation gives values in the range of the scaled images?",
                 gives="other", takes_arrays=False)],
    "13": [Check("one_hot", verify_one_hot,
                 "compare each label with the list of all classes; the comparison already is the one-hot row",
                 differentiable=False),
           Check("label_channels", verify_label_channels,
                 "start from the one-hot rows and give each entry a height and a width of its own",
                 differentiable=False)],
    "14": [Check("critic_loss", verify_critic_loss,
                 "the critic scores real data high and fakes low, and an optimizer minimizes: which difference "
                 "of average scores is the critic's loss?"),
           Check("gradient_penalty", verify_gradient_penalty,
                 "take one point between each real and fake example, as a new leaf that requires grad; the "
                 "penalty is about the norm of the critic's input gradient there, one norm per example, and "
                 "the critic's optimizer must be able to differentiate it")],
}
