"""Exercises of lesson 19 (flow matching). Check them with `tinygen check 19`."""
import tinygen as tg  # noqa: F401 (for your answer)


def flow_matching_pair(x0, noise, t):
    """The training pair of flow matching: the point x_t on the straight path, and its velocity.

    x0, noise: Tensors (N, ...) of one shape (data and eps ~ N(0, I)); t: a host array (N,) of times in
    [0, 1], with t = 0 the data and t = 1 the noise. Return (x_t, v) with x_t = (1 - t) x_0 + t eps (each
    example at its own t) and v = d x_t / dt, both Tensors of x0's shape.
    """
    raise NotImplementedError


def heun_step(x, t, h, velocity):
    """One step of Heun's method from time t to t - h along dx/dt = velocity(x, t) (toward the data).

    x: a Tensor, the state at time t; t, h: floats; velocity(x, t) -> a Tensor of x's shape. Take Euler's
    guess of the end of the step, average the velocity at the start and at that guess, and return the
    Tensor x - h * (that average).
    """
    raise NotImplementedError
