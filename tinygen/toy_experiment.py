"""The experiment of GANs II: one GAN per loss on a toy 2-D set, trained by ``fit``, its modes counted.

Lesson 14 and ``benchmarks/wgan_gp.py`` both run it. Every loss gets the same toy MLPs, the same
seed and the same batches; the cross-entropy games step D and G once per batch with Adam (0.5, 0.999),
the Wasserstein games step the critic 5 times per batch with their papers' optimizers. One learning
rate for all (1e-3 by default), falling linearly to 0 over the run (``lr_decay``): the papers' 5e-5 and
1e-4 are meant for 100,000-step runs, and a rate that stays high leaves the samples around the modes.

An "epoch" here is ``steps_per_snapshot`` batches drawn from the training set, so the history has one
row, with the mode statistics and a snapshot of samples from fixed noise, every that many steps.
"""
from dataclasses import dataclass

from tinygen import backend, optim
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.models.gan import toy as toy_gan_recipe
from tinygen.models.gan.toy import ToySettings
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.wgan_networks import toy_discriminator, toy_generator
from tinygen.models.gan.wasserstein import N_CRITIC, Wasserstein, WassersteinGP
from tinygen.train import fit

LOSSES = ("minimax", "non_saturating", "wasserstein", "wgan_gp")


@dataclass
class ToyRun:
    """model: the trained GAN; history: fit's rows (train_<value>, modes, high_quality_pct, mode_kl);
    snapshots: (500, 2) samples of the same noise after each snapshot interval."""
    model: GAN
    history: list
    snapshots: list

    @property
    def final(self):
        return {key: self.history[-1][key] for key in ("modes", "high_quality_pct", "mode_kl")}


def toy_gan(loss, settings):
    """The toy GAN for ``loss`` (a GAME_LOSSES name): n_critic 5 for the Wasserstein losses, else 1."""
    n_critic = N_CRITIC if _wasserstein(loss) else 1
    game = WassersteinGP(settings.penalty_weight) if loss == "wgan_gp" else loss
    return GAN(toy_generator(settings.latent_dim, settings.width, settings.depth),
               toy_discriminator(settings.width, settings.depth), settings.latent_dim, (2,), loss=game,
               n_critic=n_critic)


def toy_optimizers(gan, lr):
    """The Wasserstein losses' own optimizers; Adam (0.5, 0.999) for both players of the other games."""
    if isinstance(gan.game, Wasserstein):
        return gan.game.optimizers(gan, lr)
    return {name: optim.Adam(network.parameters(), lr=lr, betas=(0.5, 0.999))
            for name, network in (("discriminator", gan.discriminator), ("generator", gan.generator))}


def train_toy_gan(loss, dataset, seed=0, settings=ToySettings()):
    """Train a toy GAN with ``loss`` on ``dataset`` ("ring8" or "grid25"); a ToyRun."""
    data = load_dataset(dataset, "train")
    points = settings.steps_per_snapshot * settings.batch_size
    repeats = -(-points // len(data))
    epoch_data = Dataset(data.images.repeat(repeats, axis=0)[:points], data.labels.repeat(repeats)[:points], dataset)
    backend.manual_seed(seed)   # the seed decides the initial weights too, whatever ran before
    model = toy_gan(loss, settings)
    trainer = GANTrainer(model, toy_optimizers(model, settings.lr), settings.steps if settings.lr_decay else None)
    snapshots = []

    def measure(epoch):
        snapshots.append(toy_gan_recipe.snapshot(model))
        return toy_gan_recipe.mode_statistics(model, dataset)

    history = fit(trainer, DataLoader(epoch_data, settings.batch_size, shuffle=True, seed=seed),
                  epochs=settings.snapshots, seed=seed, progress=False, verbose=False, on_epoch_end=measure)
    return ToyRun(model, history, snapshots)


def _wasserstein(loss):
    return loss in ("wasserstein", "wgan_gp")
