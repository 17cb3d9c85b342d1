"""Noise schedules of DDPM: how much noise each of the T forward steps adds.

The forward process adds Gaussian noise in T small steps (t = 0, 1, ..., T - 1; the papers count
1..T, so our t is theirs minus one):

    x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t,     x_(-1) = x_0 (the data), eps_t ~ N(0, I)

and because Gaussians compose, any x_t follows from x_0 in one draw (``DDPM.q_sample``):

    x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,     abar_t = prod_(s <= t) (1 - beta_s)

* linear (Ho et al. 2020): beta rises linearly from 1e-4 to 0.02 over T = 1000 steps.
* cosine (Nichol & Dhariwal 2021): abar_t = f(t + 1) / f(0) with f(u) = cos^2(pi/2 (u/T + s) / (1 + s)),
  s = 0.008; beta_t = 1 - abar_t / abar_(t-1) is clipped at 0.999 so the last steps do not divide
  by ~0. It destroys the signal more evenly over t than the linear one, which wipes out 28x28
  digits long before t = T.

All arrays are float64 on the backend (the products of 1000 factors need the precision); a
model gathers the float32 values it needs per batch with ``Schedule.at``.
"""
import math
from dataclasses import dataclass

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp

SCHEDULES = ("linear", "cosine")


@dataclass(frozen=True, eq=False)
class Schedule:
    """betas (T,) in (0, 1); derived: alphas = 1 - betas, alpha_bars = cumprod(alphas), snr = abar / (1 - abar)."""
    name: str
    betas: object

    @property
    def timesteps(self):
        return int(self.betas.shape[0])

    @property
    def alphas(self):
        return 1.0 - self.betas

    @property
    def alpha_bars(self):
        return xp.cumprod(self.alphas)

    @property
    def snr(self):
        """Signal-to-noise ratio abar_t / (1 - abar_t) of x_t: the signal's share of x_t's variance over the noise's."""
        return self.alpha_bars / (1.0 - self.alpha_bars)

    def check(self, t, name="t"):
        """``t`` as a backend int64 array, or ValueError naming values outside [0, T)."""
        array = t.data if isinstance(t, Tensor) else backend.asarray(t)
        if array.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer time steps, got dtype {array.dtype}")
        if array.size and (int(array.min()) < 0 or int(array.max()) >= self.timesteps):
            raise ValueError(f"{name} must lie in [0, T) = [0, {self.timesteps}) (T = {self.timesteps} steps), "
                             f"got values from {int(array.min())} to {int(array.max())}")
        return array.astype(xp.int64)

    def at(self, values, t, ndim=4, dtype=None):
        """``values`` (T,) gathered at time steps t (N,) as a Tensor (N, 1, ..., 1) of ``ndim`` axes."""
        picked = values[self.check(t)].astype(dtype or backend.default_float())
        return Tensor(picked.reshape((-1,) + (1,) * (ndim - 1)))


def linear_schedule(timesteps=1000, beta_start=1e-4, beta_end=0.02):
    """Ho et al.: beta_t = beta_start + (beta_end - beta_start) t / (T - 1)."""
    _check_timesteps(timesteps)
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(f"linear_schedule: need 0 < beta_start <= beta_end < 1, got {beta_start}, {beta_end}")
    return Schedule("linear", xp.linspace(beta_start, beta_end, timesteps, dtype=xp.float64))


def cosine_schedule(timesteps=1000, s=0.008, max_beta=0.999):
    """Nichol & Dhariwal: abar(u) = f(u) / f(0), f(u) = cos^2(pi/2 (u/T + s)/(1 + s)); betas clipped at max_beta."""
    _check_timesteps(timesteps)
    u = xp.arange(timesteps + 1, dtype=xp.float64) / timesteps
    f = xp.cos((u + s) / (1 + s) * math.pi / 2) ** 2
    betas = xp.minimum(1.0 - f[1:] / f[:-1], max_beta)
    return Schedule("cosine", betas)


def make_schedule(name, timesteps=1000):
    """The schedule called ``name`` ("linear" or "cosine") with T = ``timesteps``."""
    if name not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")
    return (linear_schedule if name == "linear" else cosine_schedule)(timesteps)


def _check_timesteps(timesteps):
    if isinstance(timesteps, bool) or not isinstance(timesteps, int) or timesteps < 2:
        raise ValueError(f"timesteps T must be an integer >= 2, got {timesteps!r}")
