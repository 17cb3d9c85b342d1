"""The sinusoidal embedding of a diffusion time step (Ho et al. 2020, after the Transformer's positions).

A time step t becomes ``dim`` numbers: sin(t w_i) for half of them and cos(t w_i) for the other
half, with frequencies w_i = max_period^(-i / half) falling geometrically from 1 to nearly
1 / max_period (i = 0 .. half - 1). Nearby steps get nearby vectors, and a network reads both
coarse and fine time from them. An odd ``dim`` gets a last column of zeros, as the common DDPM code does.
"""
import math

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp


def timestep_embedding(t, dim, max_period=10000):
    """t (N,) integer or float time steps -> (N, dim) = [sin(t w), cos(t w)] (+ a zero column for odd dim).

    The result is a constant (time steps are not learned); float32 unless t is float64.
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
        raise ValueError(f"timestep_embedding: dim must be an int of at least 2 (one sine and one cosine), got {dim!r}")
    if not max_period > 1:
        raise ValueError(f"timestep_embedding: max_period must be greater than 1, got {max_period!r}")
    steps = t.data if isinstance(t, Tensor) else backend.asarray(t)
    if steps.ndim != 1 or steps.dtype.kind not in "iuf":
        raise ValueError(f"timestep_embedding: t must be a 1-d array of integer or float time steps, got shape "
                         f"{steps.shape} dtype {steps.dtype}")
    dtype = steps.dtype if steps.dtype == xp.float64 else backend.default_float()
    half = dim // 2
    frequencies = xp.exp(-math.log(max_period) * xp.arange(half, dtype=xp.float64) / half)
    angles = steps.astype(xp.float64)[:, None] * frequencies[None, :]  # float64: t w up to ~1000 loses digits in float32
    columns = [xp.sin(angles), xp.cos(angles)] + ([xp.zeros((len(steps), 1))] if dim % 2 else [])
    return Tensor(xp.concatenate(columns, axis=1).astype(dtype))
