"""Training utilities that act on parameters' gradients, as torch.nn.utils."""
from tinygen import backend
from tinygen.autograd import Tensor


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale every gradient in place so that their joint norm is at most ``max_norm``; returns the norm before.

    norm = (sum over all gradient elements of |g|^p)^(1/p) (p = inf: the largest |g|); when
    norm > max_norm every gradient is multiplied by max_norm / (norm + 1e-6), as PyTorch does.
    Parameters without a gradient are skipped. A NaN norm is returned and makes the gradients
    NaN, as in PyTorch: a diverging run shows.
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not all(isinstance(p, Tensor) for p in parameters):
        raise TypeError("clip_grad_norm_: parameters must be Tensors (e.g. model.parameters())")
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a non-negative number, got {max_norm!r}")
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be a positive number or inf, got {norm_type!r}")
    grads = [p.grad.data for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    xp = backend.get_array_module(grads[0])
    if norm_type == float("inf"):
        total = max(xp.abs(g).max() for g in grads)
    else:
        total = sum((xp.abs(g) ** norm_type).sum() for g in grads) ** (1.0 / norm_type)
    scale = max_norm / (float(total) + 1e-6)
    if not scale >= 1.0:  # NaN too: the gradients become NaN, as in PyTorch
        for g in grads:
            g *= g.dtype.type(scale)
    return Tensor(xp.asarray(total, dtype=grads[0].dtype))
