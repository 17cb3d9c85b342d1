"""What every exercise check is made of: a named check with a hint, and the ways a learner's answer is called.

A check's ``verify(function)`` calls the learner's function on fixed and random inputs (hypothesis
draws the shapes and settings, shrinking a failure to its smallest case) and raises ``Wrong`` with a
message that names the input and says what was wrong. Every call goes through ``call``, so that the
learner's own exceptions and any change to an argument in place are reported the same way, and every
result through ``expect_tensor`` / ``expect_array`` / ``expect_int``, so that a wrong type is too.
"""
import inspect
from dataclasses import dataclass
from typing import Callable

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import HealthCheck, Phase, Verbosity, given, settings

import tinygen as tg
from tinygen import nn

PROPERTY_SETTINGS = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                             verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck),
                             report_multiple_bugs=False,  # the smallest failure is the one to show
                             phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


class Wrong(AssertionError):
    """The learner's function gave a wrong answer; the message says for which input and how."""


@dataclass
class Check:
    """``function``: the name the learner writes; ``verify(function)`` raises Wrong; ``hint`` points to the idea.

    ``gives`` is what the function returns ("tensor", "array", "number" or "other"; a tuple of them counts as
    its elements); ``takes_arrays`` says whether it has array or Tensor arguments that it must leave alone;
    ``differentiable`` whether a gradient must flow from its result back to its inputs.
    """
    function: str
    verify: Callable
    hint: str
    gives: str = "tensor"
    takes_arrays: bool = True
    differentiable: bool = True


def for_all(strategy, claim):
    """Run ``claim(case)`` for cases drawn from ``strategy``; the first (shrunk) failure propagates."""
    given(strategy)(PROPERTY_SETTINGS(claim))()


def describe(args, kwargs=None):
    """The arguments of a call as a learner reads them: arrays by their shape, the rest by value."""
    return ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in (kwargs or {}).items()])


def call(function, *args, what=None, **kwargs):
    """The learner's ``function(*args, **kwargs)``.

    Its exceptions (bar NotImplementedError, which means "not written yet") become Wrong, and so does a
    change it made to any array, Tensor or module it was given.
    """
    what = what or f"{getattr(function, '__name__', 'your function')}({describe(args, kwargs)})"
    arguments = list(args) + list(kwargs.values())
    before = [_snapshot(a) for a in arguments]
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"{what} raised {type(error).__name__}: {error}") from None
    for index, (argument, saved) in enumerate(zip(arguments, before)):
        if saved is not None and not _unchanged(_snapshot(argument), saved):
            raise Wrong(f"{what} changed its argument {_argument_name(function, index, args, kwargs)} in place; "
                        "leave what you are given as it was "
                        "(compute new arrays instead of writing into it, or work on a copy)")
    return result


def _argument_name(function, index, args, kwargs):
    """The name of the argument numbered ``index`` (positional first, then keywords) in ``function``'s signature."""
    names = None
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        pass
    if index >= len(args):
        return list(kwargs)[index - len(args)]
    return names[index] if names and index < len(names) else f"number {index + 1}"


def _short(value):
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape):
        kind = "Tensor" if isinstance(value, tg.Tensor) else "array"
        return f"<{kind} of shape {tuple(shape)}>"
    if isinstance(value, nn.Module):
        return f"<a {type(value).__name__} module>"
    if callable(value):
        return f"<function {getattr(value, '__name__', '')}>"
    return repr(value)


def _snapshot(value):
    """A copy of what ``value`` holds (arrays, Tensors, a module's parameters), or None for anything else."""
    if isinstance(value, tg.Tensor):
        return [value.numpy().copy()]
    if isinstance(value, np.ndarray):
        return [value.copy()]
    if isinstance(value, nn.Module):
        return [p.numpy().copy() for p in value.parameters()]
    return None


def _unchanged(now, saved):
    return len(now) == len(saved) and all(a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
                                          for a, b in zip(now, saved))


def host(value):
    """A host NumPy array of a Tensor or array-like."""
    return value.numpy() if isinstance(value, tg.Tensor) else np.asarray(value)


def expect_tensor(value, what, shape=None):
    """Wrong unless ``value`` is a tinygen Tensor (of ``shape``, if given)."""
    if not isinstance(value, tg.Tensor):
        if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
            kind = "a NumPy array" if isinstance(value, np.ndarray) else f"the number {float(value):.7g}"
            raise Wrong(f"{what} returned {kind} where a tinygen Tensor belongs; build the result from Tensor "
                        "operations, so that backward can reach the inputs")
        raise Wrong(f"{what} returned {_kind(value)} where a tinygen Tensor belongs")
    if shape is not None and value.shape != tuple(shape):
        raise Wrong(f"{what} returned a Tensor of shape {value.shape}, expected {tuple(shape)}")
    return value


def expect_array(value, what, shape=None):
    """Wrong unless ``value`` is a NumPy array (of ``shape``, if given)."""
    if isinstance(value, tg.Tensor):
        raise Wrong(f"{what} returned a tinygen Tensor where a NumPy array belongs; this exercise works on "
                    "plain arrays")
    if not isinstance(value, (np.ndarray, np.generic)):
        raise Wrong(f"{what} returned {_kind(value)} where a NumPy array belongs")
    if shape is not None and np.shape(value) != tuple(shape):
        raise Wrong(f"{what} returned an array of shape {np.shape(value)}, expected {tuple(shape)}")
    return np.asarray(value)


def expect_int(value, what):
    """Wrong unless ``value`` is an integer (Python's or NumPy's, not a bool or a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise Wrong(f"{what} returned {_kind(value)} where an int belongs")
    return int(value)


def expect_float(value, what):
    """Wrong unless ``value`` is a real number (a Python or NumPy scalar)."""
    if isinstance(value, (bool, tg.Tensor)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Wrong(f"{what} returned {_kind(value)} where a number belongs")
    return float(value)


def expect_tuple(value, what, length):
    if not isinstance(value, tuple) or len(value) != length:
        raise Wrong(f"{what} returned {_kind(value)}; expected a tuple of {length}")
    return value


def _kind(value):
    if isinstance(value, tg.Tensor):
        return f"a Tensor of shape {value.shape}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return "None" if value is None else f"a {type(value).__name__} ({value!r:.40})"


def expect_close(got, expected, what, rtol=1e-5, atol=1e-6):
    """Wrong unless ``got`` has ``expected``'s shape and values."""
    got, expected = host(got), host(expected)
    if got.shape != expected.shape:
        raise Wrong(f"{what}: shape {got.shape}, expected {expected.shape}")
    if got.dtype.kind not in "biuf":
        raise Wrong(f"{what}: values of dtype {got.dtype}, expected numbers")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        difference = np.abs(got.astype(float) - expected)
        where = np.unravel_index(np.nanargmax(np.where(np.isnan(difference), np.inf, difference)), got.shape) \
            if got.ndim else ()
        at = f"at index {tuple(int(i) for i in where)} " if got.ndim else ""
        raise Wrong(f"{what}: {at}got {float(got[where]):.7g}, expected {float(expected[where]):.7g}")


def expect_equal(got, expected, what):
    if got != expected:
        raise Wrong(f"{what}: got {got!r}, expected {expected!r}")


def expect_same_values(learner, reference, arrays, what):
    """learner(*arrays) returns NumPy arrays (or a tuple of them) equal to reference(*arrays)."""
    expected = reference(*[a.copy() if isinstance(a, np.ndarray) else a for a in arrays])
    got = call(learner, *arrays, what=what)
    if isinstance(expected, tuple):
        got = expect_tuple(got, what, len(expected))
        for index, (g, e) in enumerate(zip(got, expected)):
            expect_close(expect_array(g, f"{what} (item {index} of its result)"), e, f"{what}: item {index}")
    else:
        expect_close(expect_array(got, what), expected, what)


def expect_same_gradients(learner, reference, arrays, what, differentiable=None):
    """Values of learner(*tensors) and reference(*tensors) agree, and so do the gradients of
    <output, v> with respect to the inputs numbered in ``differentiable`` (default: the float ones)."""
    differentiable = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if differentiable is None \
        else differentiable
    results = []
    for function in (learner, reference):
        inputs = [tg.tensor(a, requires_grad=i in differentiable) if a.dtype.kind == "f" else a.copy()
                  for i, a in enumerate(arrays)]
        out = call(function, *inputs, what=what) if function is learner else function(*inputs)
        results.append((expect_tensor(out, what), inputs))
    (got, got_inputs), (expected, expected_inputs) = results
    expect_close(got, expected, what)
    expect_gradients_reach(got, [got_inputs[i] for i in differentiable], what)
    direction = np.random.default_rng(0).normal(size=expected.shape)
    for out, inputs in results:
        (out * tg.tensor(direction)).sum().backward()
    for i in differentiable:
        expect_close(got_inputs[i].grad, expected_inputs[i].grad, f"{what}: the gradient of input {i + 1}")


def expect_gradients_reach(result, leaves, what):
    """Wrong unless ``result`` is connected to every one of ``leaves`` through the graph."""
    if not result.requires_grad:
        raise Wrong(f"{what}: the result is not connected to its inputs (no gradient would reach them); use "
                    "tinygen operations, not NumPy or .numpy(), between the inputs and the result")
    try:
        gradients = tg.grad(result.sum(), leaves, allow_unused=True)
    except Exception as error:
        raise Wrong(f"{what}: backward through your result failed with {type(error).__name__}: {error}") from None
    missing = [index for index, g in enumerate(gradients) if g is None]
    if missing:
        raise Wrong(f"{what}: no gradient reaches input {missing[0] + 1}; use tinygen operations, not NumPy, on it")


def expect_same_parameter_gradients(learner, reference, modules, args, what):
    """learner(*modules, *args) and reference(...) give the same scalar Tensor and the same gradient on every
    parameter of ``modules`` (a parameter that the reference leaves without one must get none or zeros)."""
    named = [(f"{type(m).__name__}'s {name}", p) for m in modules for name, p in m.named_parameters()]
    results = []
    for function in (learner, reference):
        out = call(function, *modules, *args, what=what) if function is learner else function(*modules, *args)
        out = expect_tensor(out, what, ())
        if not out.requires_grad:
            raise Wrong(f"{what}: the result is not connected to the networks' weights, so training could not "
                        "change them; use tinygen operations all the way, not NumPy or .numpy()")
        try:
            gradients = tg.grad(out, [p for _, p in named], allow_unused=True)
        except Exception as error:
            raise Wrong(f"{what}: backward through your result failed with {type(error).__name__}: {error}") from None
        results.append((out, gradients))
    (got, got_grads), (expected, expected_grads) = results
    expect_close(got, expected, what)
    for (name, parameter), g, e in zip(named, got_grads, expected_grads):
        if g is None and e is not None:
            raise Wrong(f"{what}: no gradient reaches {name}; build the result from the networks' outputs with "
                        "tinygen operations")
        expect_close(np.zeros(parameter.shape) if g is None else g, np.zeros(parameter.shape) if e is None else e,
                     f"{what}: the gradient of {name}")
