"""Solutions of lesson 17's exercises (diffusion)."""
import numpy as np

import tinygen as tg


def q_sample(x0, alpha_bar, noise):
    # one abar per example, shaped (N, 1, ..., 1) to scale all of its example; abar is a variance: take roots
    abar = tg.tensor(np.asarray(alpha_bar, dtype=x0.dtype).reshape((-1,) + (1,) * (x0.ndim - 1)))
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def predicted_x0(x_t, eps, alpha_bar):
    return (x_t - (1 - alpha_bar) ** 0.5 * eps) / alpha_bar ** 0.5
