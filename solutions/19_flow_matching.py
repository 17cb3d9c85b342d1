"""Solutions of lesson 19's exercises (flow matching)."""
import numpy as np

import tinygen as tg


def flow_matching_pair(x0, noise, t):
    t = tg.tensor(np.asarray(t, dtype=x0.dtype).reshape((-1,) + (1,) * (x0.ndim - 1)))   # one t per example
    return (1 - t) * x0 + t * noise, noise - x0     # the line, and its constant velocity


def heun_step(x, t, h, velocity):
    v_start = velocity(x, t)
    v_end = velocity(x - h * v_start, t - h)        # at Euler's guess of the end of the step
    return x - h * (v_start + v_end) / 2
