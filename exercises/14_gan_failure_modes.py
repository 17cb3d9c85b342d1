"""Exercises of lesson 14 (WGAN and WGAN-GP). Write each function, then check it with `tinygen check 14`."""
import tinygen as tg  # noqa: F401 (for your answer)


def critic_loss(real_scores, fake_scores):
    """What the WGAN critic minimizes, from its scores on a real and a fake batch.

    real_scores, fake_scores: Tensors (N, 1), the critic's outputs (unbounded: no sigmoid). The critic
    estimates the Wasserstein distance as E[critic(real)] - E[critic(fake)] and maximizes it; return the
    scalar Tensor its optimizer minimizes.
    """
    raise NotImplementedError


def gradient_penalty(critic, real, fake, mix, weight=10.0):
    """WGAN-GP's gradient penalty: weight * mean over examples of (||grad_x critic(x^)||_2 - 1)^2.

    critic: a tinygen module mapping (N, ...) to (N, 1); real, fake: Tensors (N, ...); mix: a Tensor (N,)
    of interpolation weights in [0, 1]. The points are x^ = mix * real + (1 - mix) * fake (one mix per
    example). Return a scalar Tensor that can itself be differentiated with respect to the critic's
    weights (the critic's optimizer minimizes it): use tg.grad(..., create_graph=True).
    """
    raise NotImplementedError
