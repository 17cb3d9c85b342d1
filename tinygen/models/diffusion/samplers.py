"""Samplers: from pure noise to an image, by DDPM's ancestral steps, DDIM's fewer steps, or an ODE solver.

Each takes ``predict(x, t)`` (the model's, guidance folded in) and the starting noise x (N, ...),
and returns the final state; ``on_step(i, x)`` (optional) sees the state after step i = 0, 1, ...

* ``ancestral`` (DDPM, Ho et al. Algorithm 2), all T steps t = T-1, ..., 0 (or S of them, respaced):
      x_(t-1) = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sigma_t z,
      sigma_t^2 = beta~_t = beta_t (1 - abar_(t-1)) / (1 - abar_t)     (abar_(-1) = 1, so sigma_0 = 0)
  (Ho et al. found sigma_t^2 = beta_t equally good; beta~_t is the true posterior's variance.)
* ``ddim`` (Song et al. 2021) over S of the T steps tau_S > ... > tau_1 (evenly spaced, from T - 1):
      x0^ = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)
      x_prev = sqrt(abar_prev) x0^ + sqrt(1 - abar_prev - sigma^2) eps + sigma z,
      sigma = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev)
  eta = 0: no fresh noise, the same start gives the same image; eta = 1: the ancestral step (any S).
* ``euler`` and ``heun`` integrate flow matching's ODE dx/dt = v(x, t) from t = 1 (noise) to 0 (data)
  in S equal steps h = 1/S: Euler x <- x - h v(x, t); Heun (trapezoid) averages v at both ends of the
  step (two network calls a step, second order: exact when v is linear in t).
Both stochastic samplers draw z at every step, also where sigma = 0, so that they use the random
numbers in the same order (tests compare them step for step).

``clip_x0=(low, high)`` (both DDPM samplers; Ho et al.'s sampler does it for images): clip the implied
x0^ into the data's range at every step and use the eps that agrees with the clipped x0^. Near t = T,
x0^ divides the network's error by sqrt(abar_T) (~0.006 for the linear schedule), so one bad prediction
there would otherwise carry a far-out-of-range image into every later step.
"""
import math

from tinygen.backend import numpy as np  # host: the step grid and the schedule's scalars
from tinygen.backend import to_numpy
from tinygen.creation import randn_like


def ancestral(predict, schedule, x, steps=None, on_step=None, clip_x0=None):
    """DDPM's sampler over ``steps`` of the T steps (default all T); ``predict(x, t) -> eps`` with t an int.

    With S < T the chain is respaced (Nichol & Dhariwal 2021): the step from tau_i to tau_(i-1) uses
    beta' = 1 - abar_tau_i / abar_tau_(i-1), the beta of the one big step that q takes between them.
    """
    grid = ddim_timesteps(schedule.timesteps, schedule.timesteps if steps is None else steps)
    alpha_bars = to_numpy(schedule.alpha_bars)
    for i, t in enumerate(grid):
        abar, abar_prev = alpha_bars[t], (alpha_bars[grid[i + 1]] if i + 1 < len(grid) else 1.0)
        eps = clipped_eps(x, predict(x, int(t)), abar, clip_x0)
        beta = 1 - abar / abar_prev
        sigma = math.sqrt(beta * (1 - abar_prev) / (1 - abar))
        mean = (x - eps * float(beta / math.sqrt(1 - abar))) * float(1 / math.sqrt(1 - beta))
        x = mean + randn_like(x) * sigma
        if on_step is not None:
            on_step(i, x)
    return x


def ddim_timesteps(timesteps, steps):
    """S time steps evenly spaced from T - 1 down to 0 (just T - 1 when S = 1): host int64 array."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= timesteps:
        raise ValueError(f"steps S must be an integer with 1 <= S <= T = {timesteps}, got {steps!r}")
    return np.round(np.linspace(timesteps - 1, 0, int(steps))).astype(np.int64)


def ddim(predict, schedule, x, steps, eta=0.0, on_step=None, clip_x0=None):
    """DDIM over ``steps`` of the schedule's T steps with stochasticity ``eta`` in [0, 1]."""
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not 0 <= eta <= 1:
        raise ValueError(f"eta must be a number in [0, 1] (0: deterministic DDIM, 1: DDPM-like), got {eta!r}")
    grid = ddim_timesteps(schedule.timesteps, steps)
    alpha_bars = to_numpy(schedule.alpha_bars)
    for i, t in enumerate(grid):
        abar, abar_prev = alpha_bars[t], (alpha_bars[grid[i + 1]] if i + 1 < len(grid) else 1.0)
        eps = clipped_eps(x, predict(x, int(t)), abar, clip_x0)
        sigma = eta * math.sqrt((1 - abar_prev) / (1 - abar) * (1 - abar / abar_prev))
        x = ddim_step(x, eps, abar, abar_prev, sigma, randn_like(x))
        if on_step is not None:
            on_step(i, x)
    return x


def ddim_step(x, eps, abar, abar_prev, sigma=0.0, z=None):
    """One DDIM update of x (at abar) to the earlier time of abar_prev, given the predicted noise eps:
    x0^ = (x - sqrt(1 - abar) eps) / sqrt(abar), then sqrt(abar_prev) x0^ + sqrt(1 - abar_prev - sigma^2) eps
    (+ sigma z, fresh noise z of x's shape, when given)."""
    x0 = (x - eps * float(math.sqrt(1 - abar))) * float(1 / math.sqrt(abar))
    x = x0 * float(math.sqrt(abar_prev)) + eps * float(math.sqrt(max(1 - abar_prev - sigma ** 2, 0.0)))
    return x if z is None else x + z * float(sigma)


def clipped_eps(x, eps, abar, clip_x0):
    """eps unchanged when ``clip_x0`` is None; else the eps of x0^ clipped into (low, high):
    x0^ = clip((x - sqrt(1 - abar) eps) / sqrt(abar)), eps' = (x - sqrt(abar) x0^) / sqrt(1 - abar)."""
    if clip_x0 is None:
        return eps
    x0 = ((x - eps * float(math.sqrt(1 - abar))) * float(1 / math.sqrt(abar))).clip(*clip_x0)
    return (x - x0 * float(math.sqrt(abar))) * float(1 / math.sqrt(1 - abar))


def check_steps(steps):
    """``steps`` as a positive int, or ValueError."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps S must be an integer >= 1, got {steps!r}")
    return int(steps)


def euler(velocity, x, steps, on_step=None):
    """x at t = 0 from x at t = 1 by S Euler steps of dx/dt = v(x, t): x <- x - h v(x, t)."""
    h = 1.0 / check_steps(steps)
    for i in range(steps):
        x = x - velocity(x, 1.0 - i * h) * h
        if on_step is not None:
            on_step(i, x)
    return x


def heun(velocity, x, steps, on_step=None):
    """x at t = 0 from x at t = 1 by S Heun steps: x <- x - h/2 (v(x, t) + v(x - h v(x, t), t - h))."""
    h = 1.0 / check_steps(steps)
    for i in range(steps):
        t = 1.0 - i * h
        v = velocity(x, t)
        x = x - (v + velocity(x - v * h, t - h)) * (h / 2)
        if on_step is not None:
            on_step(i, x)
    return x
