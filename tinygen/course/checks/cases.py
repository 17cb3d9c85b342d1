"""What every exercise check is made of: a named check with a hint, and property-based cases.

A check's ``verify(function)`` calls the learner's function on fixed and random inputs (hypothesis
draws the shapes and settings, shrinking a failure to its smallest case) and raises ``Wrong`` with a
message that names the input; the learner's own exceptions are reported the same way.
"""
from dataclasses import dataclass
from typing import Callable

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import HealthCheck, Phase, Verbosity, given, settings

import tinygen as tg

PROPERTY_SETTINGS = settings(max_examples=30, derandomize=True, database=None, deadline=None,
                             verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck),
                             report_multiple_bugs=False,  # the smallest failure is the one to show
                             phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


class Wrong(AssertionError):
    """The learner's function gave a wrong answer; the message says for which input and how."""


@dataclass
class Check:
    """``function``: the name the learner writes; ``verify(function)`` raises Wrong; ``hint`` helps."""
    function: str
    verify: Callable
    hint: str


def for_all(strategy, claim):
    """Run ``claim(case)`` for cases drawn from ``strategy``; the first (shrunk) failure propagates."""
    given(strategy)(PROPERTY_SETTINGS(claim))()


def call(function, *args, **kwargs):
    """The learner's ``function(*args)``; its own exceptions (bar NotImplementedError) become Wrong."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
        raise Wrong(f"{function.__name__}({shown}) raised {type(error).__name__}: {error}") from None


def _short(value):
    shape = getattr(value, "shape", None)
    return f"<array of shape {tuple(shape)}>" if shape is not None and len(shape) else repr(value)


def host(value):
    """A host NumPy array of a Tensor or array-like."""
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def expect_close(got, expected, what, rtol=1e-5, atol=1e-6):
    """Wrong unless ``got`` has ``expected``'s shape and values."""
    got, expected = host(got), host(expected)
    if got.shape != expected.shape:
        raise Wrong(f"{what}: shape {got.shape}, expected {expected.shape}")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        raise Wrong(f"{what}: at index {tuple(int(i) for i in where)} got {got[where]!r}, expected {expected[where]!r}")


def expect_equal(got, expected, what):
    if got != expected:
        raise Wrong(f"{what}: got {got!r}, expected {expected!r}")


def expect_same_gradients(learner, reference, arrays, what, differentiable=None):
    """Values of learner(*tensors) and reference(*tensors) agree, and so do the gradients of
    <output, v> with respect to the inputs numbered in ``differentiable`` (default: all)."""
    differentiable = range(len(arrays)) if differentiable is None else differentiable
    results = []
    for function in (learner, reference):
        inputs = [tg.tensor(a, requires_grad=i in differentiable) if a.dtype.kind == "f" else a
                  for i, a in enumerate(arrays)]
        out = call(function, *inputs) if function is learner else function(*inputs)
        if not isinstance(out, tg.Tensor):
            raise Wrong(f"{what} returned a {type(out).__name__}; build it from tinygen Tensor operations "
                        "so that backward can find its gradient")
        results.append((out, inputs))
    (got, got_inputs), (expected, expected_inputs) = results
    expect_close(got, expected, what)
    if not got.requires_grad:
        raise Wrong(f"{what}: the result is not connected to its inputs; use tinygen operations, not NumPy, "
                    "so that backward can find the gradient")
    direction = np.random.default_rng(0).normal(size=expected.shape)
    for out, inputs in results:
        (out * tg.tensor(direction)).sum().backward()
    for i in differentiable:
        if got_inputs[i].grad is None:
            raise Wrong(f"{what}: no gradient reached input {i}; use tinygen operations, not NumPy, on it")
        expect_close(got_inputs[i].grad, expected_inputs[i].grad, f"{what}: the gradient of input {i}")
