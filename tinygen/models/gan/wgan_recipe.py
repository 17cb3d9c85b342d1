"""Recipes ``wgan`` (weight clipping) and ``wgan-gp`` (gradient penalty): `tinygen train wgan-gp`.

One recipe per loss, for images and for the toy 2-D sets alike; the data picks the networks:

* images (C, H, W): the DCGAN generator and the DCGAN critic without batch norm (``dcgan_critic``);
* 2-D points (ring8, grid25): the toy MLPs of ``ToySettings`` (lesson 14's and benchmarks/wgan_gp.py's).

``architecture`` ("auto", "dcgan" or "toy") names the choice; a toy set with the image networks (or the
other way round) is refused by name. The optimizers and n_critic = 5 are the papers' (``wasserstein.py``).
The learning rate, unless ``--lr`` gives one, is the paper's on images and ``ToySettings.lr`` on a toy
set, where both rates also fall linearly to 0 over the run (the samples then land on the modes). The
default run (ring8, batch 128) takes ToySettings' number of generator steps.
"""
import math

from tinygen.data.toy2d import POINTS_PER_SPLIT
from tinygen.models.gan import recipe as gan_recipe, toy as toy_gan_recipe
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import dcgan_generator
from tinygen.models.options import choice, integer, number
from tinygen.models.recipe import Recipe, register
from tinygen.models.gan.toy import ToySettings
from tinygen.models.gan.wgan_networks import dcgan_critic, toy_discriminator, toy_generator
from tinygen.models.gan.toy import by_data
from tinygen.models.gan.wasserstein import N_CRITIC, Wasserstein, WassersteinGP

ARCHITECTURES = ("auto", "dcgan", "toy")
TOY_DEFAULTS = {"latent_dim": ToySettings.latent_dim, "width": ToySettings.width, "depth": ToySettings.depth}
IMAGE_DEFAULTS = {"latent_dim": 100, "width": 64}


def networks(data_shape, architecture="auto", latent_dim=None, width=None, depth=None):
    """(generator, critic, latent_dim) for examples of ``data_shape``; None picks the architecture's default."""
    kind = _architecture(data_shape, architecture)
    defaults = TOY_DEFAULTS if kind == "toy" else IMAGE_DEFAULTS
    latent_dim, width = latent_dim or defaults["latent_dim"], width or defaults["width"]
    if kind == "toy":
        depth = depth or TOY_DEFAULTS["depth"]
        return toy_generator(latent_dim, width, depth), toy_discriminator(width, depth), latent_dim
    return dcgan_generator(latent_dim, tuple(data_shape), width), dcgan_critic(tuple(data_shape), width), latent_dim


NETWORK_OPTIONS = {"architecture": choice("auto", ARCHITECTURES), "latent_dim": integer(None, low=1),
                   "width": integer(None, low=1), "depth": integer(None, low=1),
                   "n_critic": integer(N_CRITIC, low=1)}   # None: the architecture's own default
WGAN_OPTIONS = {**NETWORK_OPTIONS, "clip_value": number(0.01, low=0.0, low_open=True)}
# None: the WGAN-GP authors' choice, 10 on images and ToySettings.penalty_weight (0.1) on a toy set
WGAN_GP_OPTIONS = {**NETWORK_OPTIONS, "penalty_weight": number(None, low=0.0)}


def build_wgan(data_shape, architecture, latent_dim, width, depth, n_critic, clip_value):
    """WGAN with weight clipping into [-clip_value, clip_value]."""
    generator, critic, latent_dim = networks(data_shape, architecture, latent_dim, width, depth)
    return GAN(generator, critic, latent_dim, tuple(data_shape), loss=Wasserstein(clip_value), n_critic=n_critic)


def build_wgan_gp(data_shape, architecture, latent_dim, width, depth, n_critic, penalty_weight):
    """WGAN-GP with the gradient penalty's weight lambda = ``penalty_weight``; None: the WGAN-GP
    authors' choice, 10 on images and ``ToySettings.penalty_weight`` (0.1) on a toy set."""
    generator, critic, latent_dim = networks(data_shape, architecture, latent_dim, width, depth)
    if penalty_weight is None:
        penalty_weight = ToySettings.penalty_weight if _architecture(data_shape, architecture) == "toy" else 10.0
    return GAN(generator, critic, latent_dim, tuple(data_shape), loss=WassersteinGP(penalty_weight),
               n_critic=n_critic)


def paper_trainer(model, run):
    """The GAN step with each loss's own optimizers (RMSprop for clipping, Adam (0.5, 0.9) for the penalty);
    on a toy set the rates start at ``ToySettings.lr`` (unless given) and fall linearly to 0 over the run."""
    settings = run.settings
    if not toy_gan_recipe.is_toy(model.data_shape):
        return GANTrainer(model, model.game.optimizers(model, settings["lr"]))
    steps = settings["epochs"] * math.ceil(len(run.train) / settings["batch_size"])
    return GANTrainer(model, model.game.optimizers(model, settings["lr"] or ToySettings.lr), decay_steps=steps)


def _architecture(data_shape, architecture):
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    toy = toy_gan_recipe.is_toy(data_shape)
    if architecture == "auto":
        return "toy" if toy else "dcgan"
    if toy and architecture == "dcgan":
        raise ValueError(f"architecture 'dcgan' takes images (C, H, W), but the dataset's examples are 2-D points "
                         f"of shape {tuple(data_shape)}; use architecture 'toy' (or 'auto') for ring8/grid25")
    if not toy and architecture == "toy":
        raise ValueError(f"architecture 'toy' takes 2-D points (ring8, grid25), but the dataset's examples have "
                         f"shape {tuple(data_shape)}; use architecture 'dcgan' (or 'auto') for images")
    return architecture


# the default run on the default data (ring8): ToySettings' generator steps, in whole epochs
TOY_EPOCHS = math.ceil(ToySettings().steps * ToySettings.batch_size / POINTS_PER_SPLIT["train"])

for name, build, options, summary in (
        ("wgan", build_wgan, WGAN_OPTIONS, "WGAN: a critic kept Lipschitz by weight clipping (RMSprop 5e-5, clip 0.01, n_critic 5)"),
        ("wgan-gp", build_wgan_gp, WGAN_GP_OPTIONS,
         "WGAN-GP: a critic kept Lipschitz by the gradient penalty (Adam 1e-4 (0.5, 0.9), lambda 10 on images "
         "and 0.1 on toy sets, n_critic 5)")):
    register(Recipe(name=name, summary=summary, build=build, options=options, trainer=paper_trainer, data="any",
                    defaults={"dataset": "ring8", "lr": None, "batch_size": ToySettings.batch_size,
                              "epochs": TOY_EPOCHS},
                    sample=by_data(toy_gan_recipe.sample, gan_recipe.sample),
                    evaluate=by_data(toy_gan_recipe.evaluate, gan_recipe.evaluate),
                    epoch_end=by_data(toy_gan_recipe.epoch_end, gan_recipe.epoch_end),
                    figures=by_data(toy_gan_recipe.figures, gan_recipe.figures)))
