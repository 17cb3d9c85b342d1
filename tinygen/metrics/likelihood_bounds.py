"""Bounds on a latent-variable model's log-likelihood: the ELBO and the importance-weighted bound.

For any K >= 1 and z_1..z_K drawn from q(z | x), the importance weights w_k = p(x, z_k) / q(z_k | x)
have mean p(x), so by Jensen

    log p(x) >= L_K = E[log (1/K) sum_k w_k]    (Burda, Grosse and Salakhutdinov 2016),

with L_1 the ELBO, L_K rising with K and reaching log p(x) as K -> infinity. The weights span
hundreds of nats, so the average is taken in log space: log-sum-exp with the maximum subtracted.
K samples are drawn in chunks of ``chunk`` so that memory holds chunk x batch decoded images at most.

``model`` is any object with ``encode(x) -> (mu, logvar)``, ``reparameterize(mu, logvar)``,
``decode_logits(z)`` and ``log_likelihood(x, logits)`` (tinygen's VAE). Results are nats, float64.
"""
import math

from tinygen.autograd import Tensor, no_grad
from tinygen.functional import kl_normal, logsumexp
from tinygen.backend import xp
from tinygen.data.dataset import Dataset

LOG_2PI = math.log(2 * math.pi)


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def log_normal(z, mu=0.0, logvar=0.0):
    """log N(z; mu, diag(e^logvar)) summed over the last axis (arrays that broadcast)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / xp.exp(logvar)).sum(axis=-1)


def _log_weights(model, x, mu, logvar, count):
    """log p(x, z_k) - log q(z_k | x) for ``count`` draws z_k ~ q: (count, N) float64."""
    n = x.shape[0]
    mu_k = Tensor(xp.broadcast_to(mu, (count,) + mu.shape).reshape(count * n, -1))
    logvar_k = Tensor(xp.broadcast_to(logvar, (count,) + logvar.shape).reshape(count * n, -1))
    z = model.reparameterize(mu_k, logvar_k).data
    x_k = Tensor(xp.broadcast_to(x, (count,) + x.shape).reshape((count * n,) + x.shape[1:]))
    log_px_z = model.log_likelihood(x_k, model.decode_logits(Tensor(z))).data
    z, mu_k, logvar_k = (a.astype(xp.float64) for a in (z, mu_k.data, logvar_k.data))
    log_w = log_px_z.astype(xp.float64) + log_normal(z) - log_normal(z, mu_k, logvar_k)
    return log_w.reshape(count, n)


def iwae_bound(model, x, k, chunk=100):
    """The importance-weighted bound L_K per example: x (N, ...) -> (N,) float64 nats (K = 1: the ELBO)."""
    return iwae_bounds(model, x, (k,), chunk)[k]


def iwae_bounds(model, x, ks, chunk=100):
    """{K: L_K per example (N,)} for every K in ``ks``, L_K from the first K of one stream of max(ks) draws.

    log (1/K) sum_k w_k, accumulated chunk by chunk (a chunk also ends at every K): each chunk's
    log-sum-exp joins a running total by one more log-sum-exp, read off when K draws are in.
    """
    if not ks:
        raise ValueError("iwae_bounds: ks must name at least one K")
    for k in ks:
        _check_count("k", k)
    _check_count("chunk", chunk)
    x = x.data if isinstance(x, Tensor) else xp.asarray(x)
    ends = sorted(set(ks) | set(range(chunk, max(ks), chunk)))
    bounds, total, drawn = {}, None, 0
    with no_grad():
        mu, logvar = (t.data for t in model.encode(Tensor(x)))
        for end in ends:
            chunk_sum = _logsumexp0(_log_weights(model, x, mu, logvar, end - drawn))
            total = chunk_sum if total is None else _logsumexp0(xp.stack([total, chunk_sum]))
            drawn = end
            if end in ks:
                bounds[end] = total - math.log(end)
    return bounds


def _logsumexp0(values):
    """log sum exp over axis 0 of a backend array (the functional logsumexp, without a graph)."""
    with no_grad():
        return logsumexp(Tensor(values), axis=0).data


def negative_elbo_terms(model, x):
    """Per example: {"recon": -log p(x | z) at one z ~ q, "kl": KL(q || prior) in closed form}, (N,) each."""
    x = x.data if isinstance(x, Tensor) else xp.asarray(x)
    with no_grad():
        mu, logvar = model.encode(Tensor(x))
        z = model.reparameterize(mu, logvar)
        recon = -model.log_likelihood(Tensor(x), model.decode_logits(z)).data
        kl = kl_normal(mu, logvar, reduction="none").data
    return {"recon": recon.astype(xp.float64), "kl": kl.astype(xp.float64)}


def likelihood_report(model, images, ks=(100, 1000), batch_size=100, chunk=100):
    """Dataset means in nats: neg_elbo, recon, kl and iwae_nll_k<K> for each K in ``ks``.

    ``images``: a host/backend array (N, ...) or a Dataset. The model is put in eval mode.
    """
    images = images.images if isinstance(images, Dataset) else images
    _check_count("batch_size", batch_size)
    if len(images) == 0:
        raise ValueError("likelihood_report: images is empty")
    model.eval()
    totals = dict.fromkeys(["recon", "kl"] + [f"iwae_nll_k{k}" for k in ks], 0.0)
    for start in range(0, len(images), batch_size):
        x = xp.asarray(images[start:start + batch_size])
        for name, values in negative_elbo_terms(model, x).items():
            totals[name] += float(values.sum())
        for k, bound in (iwae_bounds(model, x, ks, chunk) if ks else {}).items():
            totals[f"iwae_nll_k{k}"] -= float(bound.sum())
    report = {name: total / len(images) for name, total in totals.items()}
    report["neg_elbo"] = report["recon"] + report["kl"]
    return report
