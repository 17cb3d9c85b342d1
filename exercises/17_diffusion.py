"""Exercises of lesson 17 (diffusion). Check them with `tinygen check 17`."""
import tinygen as tg  # noqa: F401 (for your answer)


def q_sample(x0, alpha_bar, noise):
    """The forward process in one draw: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps.

    x0, noise: Tensors (N, ...) of one shape (clean images in [-1, 1], and eps ~ N(0, I)); alpha_bar: a
    host array (N,) holding abar_t of each example's time step. Return the Tensor x_t (N, ...), built
    with tinygen operations so that gradients reach x0 and noise. Mind the shapes: abar_t of example i
    scales all of example i.
    """
    raise NotImplementedError


def predicted_x0(x_t, eps, alpha_bar):
    """The clean image that a noise prediction implies: predicting eps is denoising.

    x_t, eps: Tensors of one shape (a noisy image at time t and the noise predicted in it); alpha_bar:
    the float abar_t. Return the Tensor x0^ for which x_t = sqrt(abar_t) x0^ + sqrt(1 - abar_t) eps.
    """
    raise NotImplementedError
