"""Solutions of lesson 18's exercises (DDIM and classifier-free guidance)."""


def ddim_step(x, eps, alpha_bar, alpha_bar_prev):
    x0 = (x - (1 - alpha_bar) ** 0.5 * eps) / alpha_bar ** 0.5    # the clean image the noise implies
    return alpha_bar_prev ** 0.5 * x0 + (1 - alpha_bar_prev) ** 0.5 * eps   # noised again with the same eps


def guided_prediction(conditional, unconditional, w):
    return (1 + w) * conditional - w * unconditional
