"""Exercises of lesson 18 (DDIM and classifier-free guidance). Check them with `tinygen check 18`."""
import tinygen as tg  # noqa: F401 (for your answer)


def ddim_step(x, eps, alpha_bar, alpha_bar_prev):
    """One deterministic DDIM step (eta = 0) from time t to an earlier time s.

    x: a Tensor (N, ...), the state x_t; eps: a Tensor of x's shape, the predicted noise at x_t;
    alpha_bar, alpha_bar_prev: the floats abar_t and abar_s. First predict the clean image
    x0^ = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), then return the Tensor
    x_s = sqrt(abar_s) x0^ + sqrt(1 - abar_s) eps.
    """
    raise NotImplementedError


def guided_prediction(conditional, unconditional, w):
    """Classifier-free guidance: (1 + w) f(x, y) - w f(x, nothing).

    conditional, unconditional: Tensors of one shape, the network's predictions with the label and with
    the "no label" class; w: the guidance weight (a float >= 0; 0 means no guidance). Return the Tensor.
    """
    raise NotImplementedError
