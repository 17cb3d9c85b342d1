"""The gradient penalty of WGAN-GP (Gulrajani et al., 2017): keep the critic 1-Lipschitz softly.

On random interpolates x^ = eps x + (1 - eps) G(z), one eps ~ U(0, 1) per example,

    penalty = lambda * mean_i (||grad_x D(x^_i)||_2 - 1)^2.

The gradient inside the norm is itself differentiated (with respect to the critic's weights) when the
penalty is minimized, so it is built with ``tg.grad(..., create_graph=True)``: the engine's double
backward through the critic.
"""
import tinygen as tg
from tinygen.autograd import Tensor, as_tensor

NORM_FLOOR = 1e-12   # inside the square root, so that a zero gradient does not give 0/0 in the backward


def interpolates(real, fake, mix=None):
    """x^ = mix * real + (1 - mix) * fake: (N, *) each -> a leaf (N, *) that requires grad.

    ``mix`` (N,) defaults to fresh U(0, 1) draws; the fake batch is detached, since the critic's step
    does not move the generator.
    """
    real, fake = as_tensor(real).detach(), as_tensor(fake).detach()
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real batch of shape {real.shape} and fake batch of shape "
                         f"{fake.shape} must have the same shape")
    mix = tg.rand(real.shape[0], dtype=real.dtype) if mix is None else as_tensor(mix)
    mix = mix.reshape((real.shape[0],) + (1,) * (real.ndim - 1))
    return Tensor((mix * real + (1 - mix) * fake).data, requires_grad=True)


def gradient_norms(critic, points):
    """||grad_x D(x)||_2 per example at ``points`` (N, *) -> (N,), differentiable with respect to the critic.

    A critic whose output does not depend on its input (a constant, or a graph that never reaches x)
    has the gradient 0 there, not a missing one: its norms are 0 (up to NORM_FLOOR) and its penalty is
    the full lambda, the same as for a critic that reads x through zero weights.
    """
    scores = critic(points)
    gradient = None
    if scores.requires_grad:
        gradient, = tg.grad(scores.sum(), [points], create_graph=True, allow_unused=True)
    if gradient is None:
        return tg.full((points.shape[0],), NORM_FLOOR, dtype=points.dtype).sqrt()
    squares = (gradient * gradient).reshape(points.shape[0], -1).sum(axis=1)
    return (squares + NORM_FLOOR).sqrt()


def gradient_penalty(critic, real, fake, weight=10.0, mix=None):
    """(penalty, norms): lambda * mean (||grad D(x^)|| - 1)^2, a scalar Tensor, and the (N,) norms.

    real, fake: (N, *) batches; weight: lambda >= 0; mix: optional (N,) interpolation weights.
    """
    if not weight >= 0:
        raise ValueError(f"gradient_penalty: the weight lambda must be non-negative, got {weight}")
    norms = gradient_norms(critic, interpolates(real, fake, mix))
    return weight * ((norms - 1) ** 2).mean(), norms
