"""Solutions of lesson 14's exercises (WGAN and WGAN-GP)."""
import tinygen as tg


def critic_loss(real_scores, fake_scores):
    return fake_scores.mean() - real_scores.mean()  # minimizing it maximizes the estimate E[real] - E[fake]


def gradient_penalty(critic, real, fake, mix, weight=10.0):
    shape = (-1,) + (1,) * (real.ndim - 1)  # one mix per example, broadcast over its features
    between = mix.reshape(*shape) * real + (1 - mix.reshape(*shape)) * fake
    points = tg.tensor(between.numpy(), requires_grad=True)  # a new leaf: the gradient is taken at these points
    gradient, = tg.grad(critic(points).sum(), [points], create_graph=True)  # a graph: the critic can learn from it
    norms = (gradient * gradient).sum(axis=tuple(range(1, gradient.ndim))).sqrt()
    return weight * ((norms - 1) ** 2).mean()
