"""Gradient checking by central differences, in float64.

For a random direction ``v`` over the outputs, the scalar ``L(x) = <fn(x), v>`` has
gradient ``v^T J``. Backward computes it analytically; the numeric estimate is
``(L(x + eps e_i) - L(x - eps e_i)) / (2 eps)`` for every input element i.
Float64 matters: with eps = 1e-6 the rounding error of float32 (about 1e-7
relative) would swamp the difference being measured.
"""
from tinygen import backend
from tinygen.autograd import Tensor, grad


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message names the worst element."""


def _as_outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _projection(outputs, directions):
    """L = sum over outputs of <output, direction>; None outputs (unused gradients) add 0."""
    total = None
    for out, v in zip(outputs, directions):
        if out is None:
            continue
        term = (out * v).sum()
        total = term if total is None else total + term
    return total


def _check_inputs(inputs):
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise TypeError(f"gradcheck: input {i} must be a Tensor with requires_grad=True")
        if x.dtype != backend.numpy.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {x.dtype}; use float64, since float32 "
                            "rounding swamps the finite difference")


def _directions(outputs, seed):
    rng = backend.numpy.random.default_rng(seed)
    return [None if out is None else Tensor(backend.to_backend(rng.standard_normal(out.shape)))
            for out in outputs]


def _numeric_gradient(fn, inputs, directions, index, eps):
    """d L / d inputs[index] by central differences, one element at a time."""
    x = inputs[index].data
    estimate = backend.xp.zeros(x.shape, dtype=x.dtype)
    flat_x, flat_estimate = x.reshape(-1), estimate.reshape(-1)
    for element in range(flat_x.size):
        original = flat_x[element].item()
        values = []
        for shifted in (original + eps, original - eps):
            flat_x[element] = shifted
            projection = _projection(_as_outputs(fn(*inputs)), directions)
            values.append(0.0 if projection is None else projection.item())
        flat_x[element] = original
        flat_estimate[element] = (values[0] - values[1]) / (2 * eps)
    return estimate


def _worst_mismatch(analytic, numeric, atol, rtol):
    xp = backend.get_array_module(numeric)
    excess = xp.abs(analytic - numeric) - (atol + rtol * xp.abs(numeric))
    worst = int(xp.argmax(excess))
    return (xp.unravel_index(worst, numeric.shape) if numeric.ndim else ()), excess.reshape(-1)[worst] > 0


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check backward against central differences for ``fn(*inputs)``; True, or GradcheckError.

    ``inputs`` are float64 Tensors with requires_grad. ``fn`` may return a Tensor or a
    tuple of Tensors. On failure the message names the input, the element, and both values.
    """
    inputs = list(inputs)
    _check_inputs(inputs)
    outputs = _as_outputs(fn(*inputs))
    directions = _directions(outputs, seed)
    projection = _projection(outputs, directions)
    if projection is None or not projection.requires_grad:
        analytic = [None] * len(inputs)
    else:
        analytic = grad(projection, inputs, allow_unused=True)
    for i, x in enumerate(inputs):
        numeric = _numeric_gradient(fn, inputs, directions, i, eps)
        computed = backend.xp.zeros_like(numeric) if analytic[i] is None else analytic[i].data
        index, failed = _worst_mismatch(computed, numeric, atol, rtol)
        if failed:
            where = tuple(int(n) for n in index)
            raise GradcheckError(
                f"gradient of input {i} (shape {x.shape}) is wrong at index {where}: "
                f"analytic {float(computed[where]):.6g}, numeric {float(numeric[where]):.6g} "
                f"(allowed difference {atol} + {rtol} * |numeric|)")
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: gradcheck of x -> d<fn(x), v>/dx, built with create_graph=True."""
    inputs = list(inputs)
    _check_inputs(inputs)
    directions = _directions(_as_outputs(fn(*inputs)), seed + 1)

    def first_derivatives(*xs):
        projection = _projection(_as_outputs(fn(*xs)), directions)
        if projection is None or not projection.requires_grad:
            return tuple(None for _ in xs)
        return grad(projection, xs, create_graph=True, allow_unused=True)

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
