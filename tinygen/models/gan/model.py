"""The generative adversarial network: a forger (generator) and an inspector (discriminator) in a game.

    z ~ N(0, I) (N, latent_dim) --generator--> fake image (N, *data_shape) in [-1, 1] (tanh)
    image (N, *data_shape) --discriminator--> logit z_D (N, 1);  D(x) = sigmoid(z_D) = P(x is real)

One training step, as the course writes the algorithm (``GANTrainer.train_step`` in ``trainer.py``):

1. Scale the real batch from [0, 1] to the generator's range [-1, 1].
2. The discriminator's step, ``n_critic`` times: draw noise, generate fakes, show D the real batch
   and the fakes *detached* (D's loss must not move G), take one optimizer step on D only.
3. The generator's step: D frozen, show it the last fakes (now with their graph into G), and push
   G so that D labels them real; one optimizer step on G only.

The loss of each player comes from a ``GameLoss`` (``losses.py``): "non_saturating" (default)
or "minimax"; Wasserstein losses plug in the same way. A conditional GAN (``num_classes`` set)
models P(X | Y): both networks also receive the label as a one-hot vector (N, num_classes).
With ``ema`` = d > 0 the GAN also keeps an exponential moving average of G's weights
(``tinygen/nn/weight_average.py``), updated after every generator step; ``sample`` draws from that average.

Choices worth knowing:
* ``n_critic`` > 1 reuses the step's one real batch for every critic step (fresh noise each
  time), so an epoch is still one pass over the data and G gets one step per batch. (The WGAN
  paper draws a new real batch per critic step; with shuffled batches the difference is small.)
* G's step reuses the fakes of the last critic step, as PyTorch's DCGAN example does: one
  generator forward per critic step, none extra. D therefore sees the same fakes twice: before
  and after its update.
"""
from tinygen import backend, nn
from tinygen.autograd import Tensor, as_tensor, no_grad
from tinygen.backend import xp
from tinygen.creation import randn
from tinygen.models.gan.losses import game_loss
from tinygen.nn.weight_average import ExponentialMovingAverage


class GAN(nn.Module):
    """generator: z (N, latent_dim) [, one-hot (N, K)] -> (N, *data_shape) in [-1, 1];
    discriminator: (N, *data_shape) [, one-hot (N, K)] -> logits (N, 1).

    state_dict keys are "generator.…" and "discriminator.…", as a PyTorch module holding both;
    with ``ema`` (the decay, 0 = none) also "generator_ema.module.…" and "generator_ema.n_averaged".
    """

    def __init__(self, generator, discriminator, latent_dim=100, data_shape=(1, 28, 28), num_classes=None,
                 loss="non_saturating", n_critic=1, label_smoothing=0.0, ema=0.0):
        super().__init__()
        _check_settings(latent_dim, num_classes, n_critic, label_smoothing, ema)
        self.generator, self.discriminator = generator, discriminator
        self.generator_ema = ExponentialMovingAverage(generator, ema) if ema else None
        self.latent_dim, self.data_shape, self.num_classes = latent_dim, tuple(data_shape), num_classes
        self.game, self.n_critic, self.label_smoothing = game_loss(loss), n_critic, float(label_smoothing)
        self._check_networks()

    @property
    def conditional(self):
        return self.num_classes is not None

    def noise(self, n):
        """z ~ N(0, I): (n, latent_dim) from the seeded generator."""
        return randn(n, self.latent_dim)

    def generate(self, z, condition=None):
        """Fakes in [-1, 1]: (N, *data_shape).  ``condition``: one-hot (N, K) for a conditional GAN."""
        return self.generator(z) if condition is None else self.generator(z, condition)

    def discriminate(self, images, condition=None):
        """Logits (N, 1): D(x) = sigmoid(logit) is the probability that ``images`` are real."""
        return self.discriminator(images) if condition is None else self.discriminator(images, condition)

    def sample(self, n, labels=None, noise=None, average=True):
        """n images in [0, 1], (n, *data_shape), from the generator in eval mode (BN's running statistics).

        ``labels`` (n,) ints in [0, num_classes): the classes asked for (conditional GANs only);
        ``noise`` (n, latent_dim): fixed noise to reuse (default: drawn fresh);
        ``average``: draw from the weight average when the GAN keeps one (``ema``), else from G itself.
        """
        condition = self.condition(labels, n)
        z = self.noise(n) if noise is None else as_tensor(noise)
        generator = self.generator_ema if average and self.generator_ema is not None else self.generator
        was_training = generator.training
        generator.eval()
        try:
            with no_grad():
                images = generator(z) if condition is None else generator(z, condition)
        finally:
            generator.train(was_training)
        return (images + 1) * 0.5

    def condition(self, labels, n):
        """The one-hot (n, num_classes) Tensor for ``labels``, or None for an unconditional GAN."""
        if not self.conditional:
            if labels is not None:
                raise ValueError("GAN: labels given to an unconditional GAN (num_classes is None); "
                                 "only a conditional GAN takes labels")
            return None
        if labels is None:
            raise ValueError(f"GAN: a conditional GAN needs labels: (n,) ints in [0, {self.num_classes - 1}]")
        labels = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
        _check_labels(labels, n, self.num_classes)
        return Tensor((xp.arange(self.num_classes) == labels[:, None]).astype(backend.default_float()))

    def real_images(self, images):
        """A data batch in [0, 1] (N, *data_shape) as the generator's range [-1, 1]."""
        images = as_tensor(images)
        if tuple(images.shape[1:]) != self.data_shape:
            raise ValueError(f"GAN: data batch shape {tuple(images.shape)} must be (N, {_shape(self.data_shape)}), "
                             "the data_shape the generator makes")
        return images * 2 - 1

    def _check_networks(self):
        """Run both networks once on two zero inputs (eval mode): wrong output shapes fail here, by name."""
        modes = self.generator.training, self.discriminator.training
        self.eval()
        try:
            with no_grad():
                condition = self.condition(xp.zeros(2, dtype=xp.int64), 2) if self.conditional else None
                fake = self.generate(Tensor(xp.zeros((2, self.latent_dim), backend.default_float())), condition)
                _check_output("generator", fake.shape, (2,) + self.data_shape, "data_shape")
                _check_output("discriminator", self.discriminate(fake, condition).shape, (2, 1), "one logit per image")
        finally:
            self.generator.train(modes[0])
            self.discriminator.train(modes[1])

    def extra_repr(self):
        conditional = f", num_classes={self.num_classes}" if self.conditional else ""
        return (f"latent_dim={self.latent_dim}, data_shape={self.data_shape}{conditional}, loss={self.game.name!r}, "
                f"n_critic={self.n_critic}, label_smoothing={self.label_smoothing}")


def _check_settings(latent_dim, num_classes, n_critic, label_smoothing, ema):
    for name, value in (("latent_dim", latent_dim), ("n_critic", n_critic)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"GAN: {name} must be an integer >= 1, got {value!r}")
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"GAN: num_classes must be None (unconditional) or an integer >= 2, got {num_classes!r}")
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"GAN: label_smoothing must lie in [0, 1), got {label_smoothing!r}")
    if isinstance(ema, bool) or not isinstance(ema, (int, float)) or not 0 <= ema < 1:
        raise ValueError(f"GAN: ema (the decay of G's weight average; 0 = none) must be a number in [0, 1), "
                         f"got {ema!r}")


def _check_labels(labels, n, num_classes):
    if labels.dtype.kind not in "iu":
        raise TypeError(f"GAN: labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (n,):
        raise ValueError(f"GAN: labels shape {labels.shape} must be ({n},), one class per image")
    if n and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"GAN: labels must lie in [0, {num_classes - 1}], got values from "
                         f"{int(labels.min())} to {int(labels.max())}")


def _check_output(network, shape, expected, rule):
    if tuple(shape) != expected:
        raise ValueError(f"GAN: the {network} maps a batch of 2 to shape {tuple(shape)}, but must give "
                         f"{expected} ({rule})")


def _shape(shape):
    return ", ".join(map(str, shape))
