"""Losses: mse, l1, binary cross-entropy (on probabilities and on logits), nll, cross-entropy, KL to N(0, 1).

Every loss takes ``reduction``: "mean" (over all elements, as PyTorch), "sum", or
"none" (the per-element losses). Input and target must have the same shape:
a silent broadcast of (N, 1) against (N,) would compute a wrong loss, so it is an error.
"""
from tinygen import backend
from tinygen.autograd import Function, Tensor, as_tensor
from tinygen.backend import xp
from tinygen.functional.activations import log1p_of_fraction, log_softmax, sigmoid
from tinygen.functional.elementwise import abs, clip, exp, log
from tinygen.functional.promotion import astype
from tinygen.functional.reduction import mean, sum

REDUCTIONS = ("mean", "sum", "none")
LOG_FLOOR = -100.0  # PyTorch clamps BCE's logs here, so a probability of exactly 0 or 1 costs 100, not inf
GRADIENT_EPSILON = 1e-12  # ... and BCE's gradient divides by at least this


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


def _clamped_log(x):
    """(max(ln x, -100), where ln x was kept) for x >= 0, with no warning at x = 0."""
    positive = x > 0
    logs = xp.log(xp.where(positive, x, 1))
    unclamped = positive & (logs > LOG_FLOOR)
    return xp.where(unclamped, logs, LOG_FLOOR).astype(x.dtype), unclamped


class BinaryCrossEntropy(Function):
    """(p, t) -> -(t max(ln p, -100) + (1 - t) max(ln(1 - p), -100)), elementwise.

    d/dp = (p - t) / max(p (1 - p), 1e-12): PyTorch's formula, exact inside (0, 1) and large but
    finite at p = 0 or 1, where a wrong prediction still pushes back.  d/dt = log(1 - p) - log p
    (not clamped, as in PyTorch: infinite at p = 0 or 1).
    """

    def forward(self, p, t):
        return -(t * _clamped_log(p)[0] + (1 - t) * _clamped_log(1 - p)[0])

    def backward(self, gy):
        p, t = self.inputs
        gp = gy * (p - t) / clip(p * (1 - p), low=GRADIENT_EPSILON)
        gt = gy * (log(1 - p) - log(p)) if t.requires_grad else None
        return gp, gt


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
    return _reduce(_refusing(BinaryCrossEntropy()(input, target), ~((p >= 0) & (p <= 1)), lambda: (
        f"binary_cross_entropy: input must hold probabilities in [0, 1], got values from {float(p.min())} to "
        f"{float(p.max())} (for logits use binary_cross_entropy_with_logits)")), reduction)


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


class BinaryCrossEntropyWithLogits(Function):
    """(z, t) -> softplus(z) - t z = max(z, 0) - t z + log1p(e^-|z|), elementwise: BCE of sigmoid(z).

    d/dz = sigmoid(z) - t and d/dt = -z: one fused operation, as PyTorch's, instead of four.
    """

    def forward(self, z, t):
        return xp.maximum(z, 0) - t * z + log1p_of_fraction(xp.exp(-xp.abs(z)))

    def backward(self, gy):
        z, t = self.inputs
        gz = gy * (sigmoid(z) - t) if z.requires_grad else None
        gt = -gy * z if t.requires_grad else None
        return gz, gt


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE of sigmoid(z) written as softplus(z) - t z: finite value and gradient for any logit z."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    logits, target = _matching_pair(input, target, "binary_cross_entropy_with_logits")
    return _reduce(BinaryCrossEntropyWithLogits()(logits, target), reduction)


def _check_labels(labels, scores, op, name):
    """Labels as a backend integer array of shape (N,) for ``name`` scores (N, K) (the range is checked by
    ``_negative_log_likelihood``, without a host sync on a device)."""
    if scores.ndim != 2:
        raise ValueError(f"{op}: {name} must have shape (N, K), got {scores.shape}")
    labels = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
    count, classes = scores.shape
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: labels must be integers, got dtype {labels.dtype}")
    if labels.shape != (count,):
        raise ValueError(f"{op}: labels shape {labels.shape} must be ({count},) "
                         f"to match {name} shape {scores.shape}")
    return labels


def nll_loss(log_probs, labels, reduction="mean"):
    """-log_probs[n, label_n] per sample.  Shapes: log_probs (N, K), labels (N,) integers -> (N,) or scalar."""
    _check_reduction(reduction, "nll_loss")
    log_probs = as_tensor(log_probs)
    labels = _check_labels(labels, log_probs, "nll_loss", "log_probs")
    return _reduce(_negative_log_likelihood(log_probs, labels, "nll_loss"), reduction)


def _negative_log_likelihood(log_probs, labels, op):
    """(N,): -log_probs[n, labels[n]]; labels outside [0, K) refused (NaN on a device, see _refusing)."""
    classes = log_probs.shape[1]
    picked = log_probs[xp.arange(len(labels)), xp.clip(labels, 0, classes - 1)]
    return _refusing(-picked, (labels < 0) | (labels >= classes), lambda: (
        f"{op}: labels must lie in [0, {classes - 1}] for {classes} classes, "
        f"got values from {int(labels.min())} to {int(labels.max())}"))


def cross_entropy(logits, labels, reduction="mean"):
    """nll_loss of log_softmax(logits): -log softmax(logits)[label].  Shapes: logits (N, K), labels (N,)."""
    _check_reduction(reduction, "cross_entropy")
    logits = as_tensor(logits)
    labels = _check_labels(labels, logits, "cross_entropy", "logits")
    return _reduce(_negative_log_likelihood(log_softmax(logits, axis=1), labels, "cross_entropy"), reduction)


def l1_loss(input, target, reduction="mean"):
    """|input - target| per element (gradient 0 where they are equal, as PyTorch).  Shapes: equal."""
    _check_reduction(reduction, "l1_loss")
    input, target = _matching_pair(input, target, "l1_loss")
    return _reduce(abs(input - target), reduction)


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
