"""The GAN's alternating step (the algorithm of model.py's docstring): D ``n_critic`` times, then G.

Every GAN of the family (the dense GAN, DCGAN, the conditional GAN, WGAN and WGAN-GP) trains with this
one Trainer: what differs between them is the GameLoss the model carries (losses.py, wasserstein.py).
"""
from tinygen.lr_decay import LinearDecay
from tinygen.trainer import Trainer


class GANTrainer(Trainer):
    """The alternating step.  optimizers: {"discriminator": Optimizer over D, "generator": Optimizer over G}.

    train_step((images (N, *data_shape) in [0, 1], labels (N,))) -> {"loss_d", "loss_g", "d_real",
    "d_fake", ...the GameLoss's extras}, the values of the last critic step and the generator step.
    ``decay_steps``: both learning rates fall linearly to 0 over that many generator steps (``LinearDecay``).
    """

    def __init__(self, model, optimizers, decay_steps=None):
        super().__init__(model, optimizers)
        if set(optimizers) != {"discriminator", "generator"}:
            raise ValueError(f"GANTrainer: optimizers must be named 'discriminator' and 'generator', "
                             f"got {sorted(optimizers)}")
        self.decays = [] if decay_steps is None else [
            LinearDecay(optimizers["generator"], decay_steps),
            LinearDecay(optimizers["discriminator"], decay_steps * model.n_critic)]

    def train_step(self, batch):
        for decay in self.decays:
            decay.update()
        gan = self.model
        real = gan.real_images(batch[0])
        condition = gan.condition(batch[1] if gan.conditional else None, real.shape[0])
        for _ in range(gan.n_critic):
            fake, report = self.discriminator_step(real, condition)
        report["loss_g"] = self.generator_step(fake, condition)
        if gan.generator_ema is not None:
            gan.generator_ema.update(gan.generator)
        return report

    def discriminator_step(self, real, condition):
        """One update of D on real and detached fakes; returns (fakes with their graph into G, report)."""
        gan, optimizer = self.model, self.optimizers["discriminator"]
        fake = gan.generate(gan.noise(real.shape[0]), condition)
        optimizer.zero_grad()
        real_logits = gan.discriminate(real, condition)
        fake_logits = gan.discriminate(fake.detach(), condition)
        loss, extras = gan.game.discriminator_loss(gan, real, fake.detach(), real_logits, fake_logits)
        report = {"loss_d": self.finite("loss_d", loss),
                  "d_real": gan.game.score(real_logits), "d_fake": gan.game.score(fake_logits)}
        report.update({name: self.finite(name, value) for name, value in extras.items()})
        loss.backward()
        optimizer.step()
        gan.game.after_discriminator_step(gan)
        return fake, report

    def generator_step(self, fake, condition):
        """One update of G so that the (frozen) D takes ``fake`` for real; returns G's loss."""
        gan, optimizer = self.model, self.optimizers["generator"]
        optimizer.zero_grad()
        gan.discriminator.requires_grad_(False)  # D is the fixed judge here: no gradient lands on it
        try:
            loss = gan.game.generator_loss(gan.discriminate(fake, condition))
            value = self.finite("loss_g", loss)
            loss.backward()
        finally:
            gan.discriminator.requires_grad_(True)
        optimizer.step()
        return value
