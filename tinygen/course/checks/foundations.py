"""Checks of lessons 01 (autograd: a Function's backward, broadcasting's gradient) and 02 (gradient checking:
central differences, the relative error)."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from tinygen.backend import xp
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen.autograd import Function
from tinygen.course.checks.cases import (Check, Wrong, call, expect_array, expect_close, expect_float,
                                         expect_same_gradients, expect_tensor, for_all)

seeds = st.integers(0, 2**16)
shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


class _TanhWithLearnersBackward(Function):
    """tanh whose backward is the learner's ``tanh_backward(y, gy)``."""

    def __init__(self, learner, what):
        self.learner, self.what = learner, what

    def forward(self, x):
        return xp.tanh(x)

    def backward(self, gy):
        y = self.output_tensors[0]
        return expect_tensor(call(self.learner, y, gy, what=self.what), self.what, y.shape)


def verify_tanh_backward(tanh_backward):
    """First and second derivatives of tanh through the learner's backward, against tinygen's tanh."""
    def claim(case):
        shape, seed = case
        x_values = np.random.default_rng(seed).normal(size=shape) * 2
        what = f"tanh_backward(y of shape {shape}, gy of shape {shape})"
        x, x_ref = tg.tensor(x_values, requires_grad=True), tg.tensor(x_values, requires_grad=True)
        v = tg.tensor(np.random.default_rng(seed + 1).normal(size=shape))
        y = _TanhWithLearnersBackward(tanh_backward, what)(x)
        gx, = tg.grad((y * v).sum(), [x], create_graph=True)
        gx_ref, = tg.grad((F.tanh(x_ref) * v).sum(), [x_ref], create_graph=True)
        expect_close(gx, gx_ref, f"{what}: the gradient")
        if not gx.requires_grad:
            raise Wrong(f"{what}: the gradient you return is not connected to y and gy, so it cannot be "
                        "differentiated again (create_graph=True); write it with Tensor operations only")
        second, = tg.grad((gx * v).sum(), [x], allow_unused=True)
        second_ref, = tg.grad((gx_ref * v).sum(), [x_ref])
        if second is None:
            raise Wrong(f"{what}: the gradient does not depend on x, so the second derivative is lost; build it "
                        "from y (the output, which depends on x), not from a copy of its values")
        expect_close(second, second_ref, f"{what}: the second derivative (double backward)")

    for_all(st.tuples(shapes, seeds), claim)


def verify_unbroadcast(unbroadcast):
    """Against F.sum_to, values and gradients, for shapes that broadcast to the gradient's shape."""
    def claim(case):
        target, leading, stretch, seed = case
        full = leading + tuple(t if size == 1 else size for size, t in zip(target, stretch))
        grad = np.random.default_rng(seed).normal(size=full)
        expect_same_gradients(lambda g: unbroadcast(g, target), lambda g: F.sum_to(g, target), [grad],
                              f"unbroadcast(grad of shape {full}, shape={target})")

    cases = st.tuples(st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple),
                      st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
                      st.lists(st.integers(1, 3), min_size=3, max_size=3), seeds)
    for_all(cases, claim)


def _central_difference(f, x, eps):
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def verify_central_difference(central_difference):
    """Against the central-difference formula itself, on smooth functions, arrays of any shape; x unchanged."""
    def claim(case):
        shape, eps, seed = case
        rng = np.random.default_rng(seed)
        x, weights = rng.uniform(0.5, 1.5, size=shape), rng.normal(size=shape)

        def f(values):
            values = np.asarray(values, dtype=float)
            if values.shape != shape:
                raise ValueError(f"f takes an array of x's shape {shape}, got shape {values.shape}")
            return float((np.sin(values) * weights).sum() + np.exp(3 * values).sum())

        what = f"central_difference(f, x of shape {shape}, eps={eps:g})"
        got = expect_array(call(central_difference, f, x, eps, what=what), what, shape)
        expect_close(got, _central_difference(f, x, eps), what, rtol=1e-6, atol=1e-8)

    for_all(st.tuples(shapes, st.sampled_from([1e-3, 1e-5]), seeds), claim)


def _relative_error(analytic, numeric):
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    ratios = np.where(scale > 0, np.abs(analytic - numeric) / np.where(scale > 0, scale, 1), 0.0)
    return float(ratios.max()) if ratios.size else 0.0


def verify_relative_error(relative_error):
    fixed = [(np.array([1.0, 2.0]), np.array([1.0, 2.0]), "equal arrays"),
             (np.array([0.0, 3.0]), np.array([0.0, 3.3]), "zeros in both"),
             (np.array([1e-8, -2.0]), np.array([-1e-8, -2.0]), "tiny values of opposite sign"),
             (np.array([[100.0, 1.0]]), np.array([[101.0, 2.0]]), "a big and a small entry")]
    for analytic, numeric, words in fixed:
        what = f"relative_error({analytic.tolist()}, {numeric.tolist()}) ({words})"
        got = expect_float(call(relative_error, analytic, numeric, what=what), what)
        expect_close(got, _relative_error(analytic, numeric), what)

    def claim(case):
        shape, seed = case
        rng = np.random.default_rng(seed)
        analytic = rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3, size=shape)
        numeric = analytic * (1 + rng.normal(size=shape) * 10.0 ** rng.integers(-8, 0, size=shape))
        what = f"relative_error(analytic of shape {shape}, numeric of shape {shape})"
        got = expect_float(call(relative_error, analytic, numeric, what=what), what)
        expect_close(got, _relative_error(analytic, numeric), what)

    for_all(st.tuples(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), seeds), claim)


CHECKS = {
    "01": [Check("tanh_backward", verify_tanh_backward,
                 "what is the derivative of tanh, written with its output y instead of its input x? Combine it "
                 "with gy, and use only Tensor arithmetic on y and gy, so that the result is itself a graph"),
           Check("unbroadcast", verify_unbroadcast,
                 "broadcasting copied the input along some axes; every copy received a gradient, and the chain "
                 "rule adds up the gradients of everything a value fed into. Which axes were added in front, and "
                 "which were size 1 in `shape`?")],
    "02": [Check("central_difference", verify_central_difference,
                 "nudge one element at a time, once up and once down by eps, on a copy of x; the slope between "
                 "the two values of f is the estimate", gives="array"),
           Check("relative_error", verify_relative_error,
                 "compare the difference with the size of the numbers compared, element by element, and report "
                 "the worst element; decide what two zeros should give", gives="number")],
}
