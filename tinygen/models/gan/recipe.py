"""The GAN recipes: `tinygen train gan | dcgan | cgan`, and what sample / evaluate / figures do with them.

* ``gan``: the course's dense GAN; ``dcgan``: the 28x28 DCGAN; ``cgan``: the conditional DCGAN
  (``tinygen sample RUN --label K`` asks for digit K). Adam 2e-4, betas (0.5, 0.999) for both players.
* After every epoch: a grid of samples from the same fixed noise (``samples_epoch_NNN.png``, so
  the run's folder shows training progress), and on data with a shipped metric classifier (mnist-5k,
  mnist, fashion-mnist: each judged by its own) the FD and classifier score of 2,000
  samples (twice the test images when fewer than 1,000) in ``metrics.json`` (``fd``, ``classifier_score``, ``class_accuracy`` for cgan).
* ``evaluate``: the same numbers on 2,000 fresh samples against the run's test images.
* ``-m ema=D``: keep an exponential moving average of G's weights (decay D, ``tinygen/nn/weight_average.py``);
  samples, grids and metrics then come from the average. ``-t lr_d=X``: D's own learning rate.
"""
from pathlib import Path

from tinygen.autograd import Tensor
from tinygen.backend import to_numpy, xp
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import (conditional_dcgan, dcgan_discriminator, dcgan_generator,
                                              dense_discriminator, dense_generator)
from tinygen.models.gan import toy as toy_gan_recipe
from tinygen.models.options import choice, integer, number
from tinygen.models.recipe import Recipe, register
from tinygen.models.gan.wgan_networks import toy_discriminator, toy_generator
from tinygen.optim import Adam

SAMPLES = 2000                      # samples behind every FD / score (FD depends on it: keep it fixed)
GRID = 64                           # samples in each epoch's grid
CLASSES = 10
DEFAULTS = {"dataset": "mnist-5k", "batch_size": 64, "lr": 2e-4}
LOSSES = ("non_saturating", "minimax", "wasserstein", "wgan_gp")
GAME = {"loss": choice("non_saturating", LOSSES), "n_critic": integer(1, low=1),
        "label_smoothing": number(0.0, low=0.0, high=1.0, high_open=True),
        "ema": number(0.0, low=0.0, high=1.0, high_open=True)}   # 0: no weight average
GAN_OPTIONS = {"latent_dim": integer(100, low=1), "dropout": number(0.3, low=0.0, high=1.0, high_open=True), **GAME}
DCGAN_OPTIONS = {"latent_dim": integer(100, low=1), "width": integer(64, low=1), **GAME}
# -t lr_d=X: D's own learning rate (None: --lr, the same as G's)
TRAIN_OPTIONS = {"lr_d": number(None, low=0.0, low_open=True)}


def build_gan(data_shape, latent_dim, dropout, loss, n_critic, label_smoothing, ema):
    """The course's dense GAN for images of ``data_shape``; for 2-D points (ring8, grid25) the toy MLPs."""
    if toy_gan_recipe.is_toy(data_shape):
        generator, discriminator = toy_generator(latent_dim), toy_discriminator()
    else:
        generator, discriminator = dense_generator(latent_dim, data_shape), dense_discriminator(data_shape, dropout=dropout)
    return GAN(generator, discriminator, latent_dim, data_shape, loss=loss, n_critic=n_critic,
               label_smoothing=label_smoothing, ema=ema)


def build_dcgan(data_shape, latent_dim, width, loss, n_critic, label_smoothing, ema):
    """The DCGAN for (C, H, H) images, H divisible by 4; ``width``: channels of the wider conv layer / 2."""
    return GAN(dcgan_generator(latent_dim, data_shape, width), dcgan_discriminator(data_shape, width),
               latent_dim, data_shape, loss=loss, n_critic=n_critic, label_smoothing=label_smoothing, ema=ema)


def build_cgan(data_shape, latent_dim, width, loss, n_critic, label_smoothing, ema):
    """The conditional DCGAN: the digit's one-hot enters G's input and D's channels."""
    generator, discriminator = conditional_dcgan(latent_dim, data_shape, CLASSES, width)
    return GAN(generator, discriminator, latent_dim, data_shape, num_classes=CLASSES, loss=loss,
               n_critic=n_critic, label_smoothing=label_smoothing, ema=ema)


def adam_pair(model, run):
    """A GANTrainer with one Adam(lr, betas=(0.5, 0.999)) per player, as DCGAN and the course use;
    ``-t lr_d=X`` gives the discriminator its own learning rate (two time-scales, TTUR)."""
    lr = run.settings["lr"]
    lr_d = run.settings["train_args"].get("lr_d")
    lr_d = lr if lr_d is None else lr_d
    return GANTrainer(model, {"discriminator": Adam(model.discriminator.parameters(), lr=lr_d, betas=(0.5, 0.999)),
                              "generator": Adam(model.generator.parameters(), lr=lr, betas=(0.5, 0.999))})


def sample(model, run, n, labels=None):
    """Host images (n, C, H, W) in [0, 1]; ``labels`` (n,) for the conditional GAN."""
    return model.sample(n, labels).numpy()


def asked_labels(model, n):
    """0, 1, ..., 9, 0, ... for a conditional model (every class equally often), else None."""
    return to_numpy(xp.arange(n) % CLASSES) if model.conditional else None


def evaluate(model, run):
    """fd, classifier_score (and class_accuracy for cgan) of 2,000 samples against the run's test images,
    in the classifier shipped for the run's dataset (a ValueError for a dataset without one)."""
    return _quality(model, run)


def _quality(model, run, count=SAMPLES):
    from tinygen.metrics.sample_quality import SampleQuality
    labels = asked_labels(model, count)
    return SampleQuality(run.test.images, run.dataset).evaluate(sample(model, run, count, labels), labels)


def fixed_noise(model, count=GRID):
    """The same noise every epoch (its own seeded generator on the backend; the training RNG is untouched)."""
    return Tensor(xp.random.default_rng(0).standard_normal((count, model.latent_dim), dtype=xp.float32))


def sample_grid(model, path, title):
    """64 samples from the fixed noise; for a conditional model 10 x 10: column k asks for digit k,
    and each row shares one noise vector (one "style" written as every digit)."""
    from tinygen import plot
    if not model.conditional:
        return plot.image_grid(model.sample(GRID, noise=fixed_noise(model)).numpy(), path, title=title)
    noise = Tensor(xp.repeat(fixed_noise(model, CLASSES).data, CLASSES, axis=0))
    images = model.sample(CLASSES * CLASSES, xp.tile(xp.arange(CLASSES), CLASSES), noise=noise).numpy()
    return plot.image_grid(images, path, ncols=CLASSES, title=title)


def epoch_end(model, run, epoch):
    """The fixed-noise grid of this epoch into the run's folder; FD and score where a classifier judges the
    dataset."""
    from tinygen.metrics.digit_classifier import has_classifier
    if run.out is not None and _can_plot():
        sample_grid(model, Path(run.out) / f"samples_epoch_{epoch:03d}.png", f"epoch {epoch}, fixed noise")
    # twice the test images, at most 2,000: mnist-5k's 1,000 test digits give evaluate's 2,000, and a
    # short run on --limit 256 is not slowed down by samples its 256 reference images cannot use
    count = min(SAMPLES, 2 * len(run.test))
    return _quality(model, run, count) if has_classifier(run.dataset) else {}


def _can_plot():
    from importlib.util import find_spec
    return find_spec("matplotlib") is not None


def figures(model, run, history):
    """D(x) and D(G(z)) per epoch, both losses, FD per epoch (when measured), the final fixed-noise grid."""
    from tinygen import plot
    out = Path(run.out)
    curve = lambda *names: {name: [row[name] for row in history] for name in names if history and name in history[0]}
    paths = [plot.loss_curves(curve("train_d_real", "train_d_fake"), out / "d_outputs.png"),
             plot.loss_curves(curve("train_loss_d", "train_loss_g"), out / "losses.png"),
             sample_grid(model, out / "samples.png", "fixed noise")]
    if history and "fd" in history[0]:
        paths.append(plot.loss_curves(curve("fd"), out / "fd.png"))
    return paths


register(Recipe(name="gan", summary="the course's dense GAN (G 100-256-512-1024-784, D 784-1024-512-256-1)",
                build=build_gan, options=GAN_OPTIONS, trainer=adam_pair, defaults={**DEFAULTS, "epochs": 30}, train_options=TRAIN_OPTIONS,
                data="any",
                sample=toy_gan_recipe.by_data(toy_gan_recipe.sample, sample),
                evaluate=toy_gan_recipe.by_data(toy_gan_recipe.evaluate, evaluate),
                figures=toy_gan_recipe.by_data(toy_gan_recipe.figures, figures),
                epoch_end=toy_gan_recipe.by_data(toy_gan_recipe.epoch_end, epoch_end)))
register(Recipe(name="dcgan", summary="DCGAN for 28x28: transposed convolutions and batch norm",
                build=build_dcgan, options=DCGAN_OPTIONS, trainer=adam_pair, defaults={**DEFAULTS, "epochs": 20}, train_options=TRAIN_OPTIONS,
                sample=sample, evaluate=evaluate, figures=figures, epoch_end=epoch_end))
register(Recipe(name="cgan", summary="conditional DCGAN: P(x | digit), the digit one-hot into both networks",
                build=build_cgan, options=DCGAN_OPTIONS, trainer=adam_pair, defaults={**DEFAULTS, "epochs": 20}, train_options=TRAIN_OPTIONS,
                conditional=True,
                sample=sample, evaluate=evaluate, figures=figures, epoch_end=epoch_end))
