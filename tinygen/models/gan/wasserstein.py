"""The Wasserstein games: a critic that scores instead of a discriminator that classifies.

The critic D estimates the Wasserstein-1 distance between data and generator by
W ~ max over 1-Lipschitz D of  E[D(x)] - E[D(G(z))]. The critic maximizes that gap, the generator
minimizes its own part:

    critic:     loss_D = E[D(G(z))] - E[D(x)]  (+ the penalty)        generator:  loss_G = -E[D(G(z))]

The two losses differ in how they keep D Lipschitz:

* ``wasserstein`` (Arjovsky et al., 2017): clip every critic weight into [-c, c] after each critic
  step. The paper's settings: c = 0.01, RMSprop lr 5e-5, n_critic = 5.
* ``wgan_gp`` (Gulrajani et al., 2017): add lambda * E[(||grad D(x^)|| - 1)^2] on interpolates
  between real and fake examples (``gradient_penalty.py``). The paper's settings: lambda = 10,
  Adam lr 1e-4, betas (0.5, 0.9) (or (0, 0.9)), n_critic = 5, no batch norm in the critic.

Both report ``wasserstein_estimate`` = E[D(x)] - E[D(G(z))] (the critic's current estimate of W, which
should fall as the samples improve); ``wgan_gp`` also reports ``gradient_penalty`` and ``grad_norm``
(the mean ||grad D(x^)||). ``d_real``/``d_fake`` are the raw mean critic scores (no sigmoid).
"""
from tinygen import optim
from tinygen.backend import xp
from tinygen.models.gan.losses import GAME_LOSSES, GameLoss
from tinygen.models.gan.gradient_penalty import gradient_penalty
from tinygen.models.gan.wgan_networks import check_no_batch_norm

N_CRITIC = 5   # critic steps per generator step, in both papers


class Wasserstein(GameLoss):
    """WGAN with weight clipping: critic loss E[D(G(z))] - E[D(x)], then every critic parameter -> [-c, c]."""

    name = "wasserstein"
    learning_rate = 5e-5

    def __init__(self, clip_value=0.01):
        if not clip_value > 0:
            raise ValueError(f"wasserstein: clip_value must be positive (weights are clipped into "
                             f"[-clip_value, clip_value]), got {clip_value}")
        self.clip_value = clip_value

    def optimizers(self, gan, lr=None):
        """The paper's optimizer for each player: {"discriminator": ..., "generator": ...}; lr overrides its rate."""
        return {name: optim.RMSprop(network.parameters(), lr=lr or self.learning_rate)
                for name, network in (("discriminator", gan.discriminator), ("generator", gan.generator))}

    def critic_gap(self, real_scores, fake_scores):
        """(loss_D = E[D(fake)] - E[D(real)], {"wasserstein_estimate": -loss_D})."""
        loss = fake_scores.mean() - real_scores.mean()
        return loss, {"wasserstein_estimate": -loss.detach()}

    def discriminator_loss(self, gan, real, fake, real_logits, fake_logits):
        return self.critic_gap(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return -fake_logits.mean()

    def after_discriminator_step(self, gan):
        for param in gan.discriminator.parameters():
            xp.clip(param.data, -self.clip_value, self.clip_value, out=param.data)

    def score(self, logits):
        """The mean raw critic score: no probability here, only the gap between real and fake matters."""
        return float(logits.mean().data)


class WassersteinGP(Wasserstein):
    """WGAN-GP: critic loss E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x^)|| - 1)^2]; no clipping."""

    name = "wgan_gp"
    learning_rate, betas = 1e-4, (0.5, 0.9)

    def __init__(self, penalty_weight=10.0):
        if not penalty_weight >= 0:
            raise ValueError(f"wgan_gp: penalty_weight (lambda) must be non-negative, got {penalty_weight}")
        self.penalty_weight = penalty_weight

    def optimizers(self, gan, lr=None):
        return {name: optim.Adam(network.parameters(), lr=lr or self.learning_rate, betas=self.betas)
                for name, network in (("discriminator", gan.discriminator), ("generator", gan.generator))}

    def discriminator_loss(self, gan, real, fake, real_logits, fake_logits):
        if gan.conditional:
            raise ValueError("wgan_gp: the gradient penalty takes the critic of images alone; "
                             "a conditional GAN (num_classes set) is not supported")
        check_no_batch_norm(gan.discriminator, self.name)
        loss, extras = self.critic_gap(real_logits, fake_logits)
        penalty, norms = gradient_penalty(gan.discriminator, real, fake, self.penalty_weight)
        extras.update(gradient_penalty=penalty.detach(), grad_norm=norms.mean().detach())
        return loss + penalty, extras

    def after_discriminator_step(self, gan):
        """The penalty replaces clipping: nothing to do to the critic after its step."""


GAME_LOSSES.update({loss.name: loss for loss in (Wasserstein, WassersteinGP)})
