"""Losses: mse, binary cross-entropy (on probabilities and on logits), cross-entropy, KL to N(0, 1).

Every loss takes ``reduction``: "mean" (over all elements, as PyTorch), "sum", or
"none" (the per-element losses). Input and target must have the same shape:
a silent broadcast of (N, 1) against (N,) would compute a wrong loss, so it is an error.
"""
from tinygen import backend
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp
from tinygen.functional.activations import log_softmax, softplus
from tinygen.functional.elementwise import astype, exp, where
from tinygen.functional.reduction import mean, sum

REDUCTIONS = ("mean", "sum", "none")
LOG_FLOOR = -100.0  # PyTorch clamps BCE's logs here, so a probability of exactly 0 or 1 costs 100, not inf


def _check_reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return mean(loss)
    return sum(loss) if reduction == "sum" else loss


def _matching_pair(input, target, op, names=("input", "target")):
    """Both as Tensors of one dtype (the input's), or a ValueError naming both shapes."""
    input, target = as_tensor(input), as_tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"{op}: {names[0]} shape {input.shape} and {names[1]} shape {target.shape} "
                         "must be equal (losses never broadcast)")
    return input, astype(target, input.dtype)


class ClampedLog(Function):
    """y = max(ln x, -100) for x >= 0 (ln 0 gives -100, with no warning);  dy/dx = 1/x where unclamped, else 0."""

    def forward(self, x):
        positive = x > 0
        logs = xp.log(xp.where(positive, x, 1))
        self.unclamped = positive & (logs > LOG_FLOOR)
        return xp.where(self.unclamped, logs, LOG_FLOOR).astype(x.dtype)

    def backward(self, gy):
        x = self.inputs[0]
        kept = Tensor(self.unclamped.astype(gy.dtype))
        return gy * kept / where(self.unclamped, x, 1)


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2 per element.  Shapes: input and target equal."""
    _check_reduction(reduction, "mse_loss")
    input, target = _matching_pair(input, target, "mse_loss")
    difference = input - target
    return _reduce(difference * difference, reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) per element, p in [0, 1], each log clamped at -100."""
    _check_reduction(reduction, "binary_cross_entropy")
    input, target = _matching_pair(input, target, "binary_cross_entropy")
    p = input.data
    loss = -(target * ClampedLog()(input) + (1 - target) * ClampedLog()(1 - input))
    loss = _refusing(loss, ~((p >= 0) & (p <= 1)), lambda: (
        f"binary_cross_entropy: input must hold probabilities in [0, 1], got values from {float(p.min())} to "
        f"{float(p.max())} (for logits use binary_cross_entropy_with_logits)"))
    return _reduce(loss, reduction)


def _refusing(loss, bad, message):
    """``loss`` (elementwise), where no element is ``bad``: ValueError(message()) on the host.

    On a device, asking whether any element is bad would make the CPU wait for the GPU at every step;
    there the bad elements' losses become NaN instead, which stops training at the check of the loss
    that the loop pulls anyway (before the update that loss would drive).
    """
    if backend.backend_of(bad) == "numpy":
        if bad.any():
            raise ValueError(message())
        return loss
    return loss + Tensor(xp.where(bad, xp.nan, 0).astype(loss.dtype))


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE of sigmoid(z) written as softplus(z) - t z: finite value and gradient for any logit z."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    logits, target = _matching_pair(input, target, "binary_cross_entropy_with_logits")
    return _reduce(softplus(logits) - target * logits, reduction)


def _check_labels(labels, logits):
    """Labels as a backend integer array of shape (N,) (cross_entropy refuses values outside [0, K))."""
    labels = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
    count, classes = logits.shape
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (count,):
        raise ValueError(f"cross_entropy: labels shape {labels.shape} must be ({count},) "
                         f"to match logits shape {logits.shape}")
    return labels


def cross_entropy(logits, labels, reduction="mean"):
    """-log softmax(logits)[label] per sample.  Shapes: logits (N, K), labels (N,) integers -> (N,) or scalar."""
    _check_reduction(reduction, "cross_entropy")
    logits = as_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, K), got {logits.shape}")
    labels = _check_labels(labels, logits)
    classes = logits.shape[1]
    one_hot = (xp.arange(classes) == labels[:, None]).astype(logits.dtype)
    loss = -sum(log_softmax(logits, axis=1) * Tensor(one_hot), axis=1)
    loss = _refusing(loss, (labels < 0) | (labels >= classes), lambda: (
        f"cross_entropy: labels must lie in [0, {classes - 1}] for {classes} classes, "
        f"got values from {int(labels.min())} to {int(labels.max())}"))
    return _reduce(loss, reduction)


def kl_normal(mu, logvar, reduction="mean"):
    """KL(N(mu, e^logvar) || N(0, 1)) = -1/2 sum(1 + logvar - mu^2 - e^logvar), summed over the latent axes.

    Shapes: mu, logvar (N, ...) -> (N,) for "none"; "mean" averages over the batch, "sum" totals it.
    """
    _check_reduction(reduction, "kl_normal")
    mu, logvar = _matching_pair(mu, logvar, "kl_normal", ("mu", "logvar"))
    if mu.ndim < 2:
        raise ValueError(f"kl_normal: mu and logvar must have shape (N, latent...), got {mu.shape}")
    per_element = 1 + logvar - mu * mu - exp(logvar)
    per_sample = -0.5 * sum(per_element, axis=tuple(range(1, mu.ndim)))
    return _reduce(per_sample, reduction)
