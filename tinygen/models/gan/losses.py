"""The game's payoffs: what the discriminator and the generator each minimize, computed from logits.

A ``GameLoss`` answers three questions for the training step in ``gan.py``:

* ``discriminator_loss``: how wrong is D about a real batch and a (detached) fake batch?
* ``generator_loss``: how far are G's fakes from being taken for real?
* ``after_discriminator_step``: anything to do to D after its update (WGAN clips its weights here).

``score`` turns D's raw outputs into the number the step reports as ``d_real``/``d_fake``: the
probability D(x) for the cross-entropy games (toward 1/2 at the equilibrium), the raw critic value
for losses without a sigmoid. Losses are registered by name in ``GAME_LOSSES`` (``GAN(loss="...")``).

Everything works on logits z = the discriminator's last linear output, D(x) = sigmoid(z), so a
saturated sigmoid never meets a log: -log D(x) = softplus(-z) and -log(1 - D(x)) = softplus(z).
"""
import tinygen.functional as F
from tinygen.autograd import Tensor
from tinygen.backend import xp


class GameLoss:
    """The interface; subclasses override what differs.  Logits: (N, 1) Tensors."""

    name = None

    def discriminator_loss(self, gan, real, fake, real_logits, fake_logits):
        """-> (scalar loss Tensor, dict of extra named values to report: floats or scalar Tensors)."""
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        """-> scalar loss Tensor for the generator's step (D frozen, gradients flow through the fakes)."""
        raise NotImplementedError

    def after_discriminator_step(self, gan):
        """Called after every discriminator update; nothing to do for the cross-entropy games."""

    def score(self, logits):
        """What the step reports as d_real / d_fake: here the mean probability D(x) = sigmoid(z)."""
        return float(F.sigmoid(logits).mean().data)


def _targets(logits, value):
    return Tensor(xp.full(logits.shape, value, dtype=logits.dtype))


class NonSaturating(GameLoss):
    """D: -[log D(x) + log(1 - D(G(z)))];  G: -log D(G(z)), the course's "label the fakes as real".

    The generator's gradient stays large while D easily spots its fakes (early training), which is
    why this, not the minimax form, is what everyone trains with. ``gan.label_smoothing`` = s makes
    D's target for real images 1 - s (one-sided smoothing: the fakes' target stays 0).
    """

    name = "non_saturating"

    def discriminator_loss(self, gan, real, fake, real_logits, fake_logits):
        real_loss = F.binary_cross_entropy_with_logits(real_logits, _targets(real_logits, 1.0 - gan.label_smoothing))
        fake_loss = F.binary_cross_entropy_with_logits(fake_logits, _targets(fake_logits, 0.0))
        return real_loss + fake_loss, {}

    def generator_loss(self, fake_logits):
        return F.binary_cross_entropy_with_logits(fake_logits, _targets(fake_logits, 1.0))


class Minimax(NonSaturating):
    """The original game: G minimizes log(1 - D(G(z))) = -softplus(z), the very value D maximizes.

    Its gradient vanishes where D rejects the fakes confidently (D(G(z)) near 0), the course's
    "vanishing gradients" failure; kept to show it.
    """

    name = "minimax"

    def generator_loss(self, fake_logits):
        return -F.binary_cross_entropy_with_logits(fake_logits, _targets(fake_logits, 0.0))


GAME_LOSSES = {loss.name: loss for loss in (NonSaturating, Minimax)}


def game_loss(loss):
    """A GameLoss from a registered name or an instance; ValueError lists the known names."""
    if isinstance(loss, GameLoss):
        return loss
    if loss not in GAME_LOSSES:
        raise ValueError(f"GAN: loss must be one of {sorted(GAME_LOSSES)} or a GameLoss, got {loss!r}")
    return GAME_LOSSES[loss]()
