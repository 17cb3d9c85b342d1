"""Wrong answers to the course's exercises, for tests/test_course_checks.py: a planted wrong answer (or two) for
each exercise, each a mistake a learner makes, and the five bad answers every check must report as a FAIL."""
import types

import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn
from tinygen.course import SOLUTIONS_DIR
from tinygen.course.checks import CHECKS, exercises_file, load_module

SOLUTIONS = {lesson: load_module(exercises_file(lesson, SOLUTIONS_DIR)) for lesson in CHECKS}
LESSON_OF = {check.function: lesson for lesson, checks in CHECKS.items() for check in checks}
CHECK_OF = {check.function: check for checks in CHECKS.values() for check in checks}


def solution(name):
    return getattr(SOLUTIONS[LESSON_OF[name]], name)


def answers(lesson, **replaced):
    """The lesson's solutions, with some functions replaced by planted wrong ones."""
    return types.SimpleNamespace(**{**{c.function: solution(c.function) for c in CHECKS[lesson]}, **replaced})


def _im2col_channels_first(x, k, s, p):
    """Right windows, taps in (c, i, j) order instead of (i, j, c)."""
    rows = solution("im2col")(x, k, s, p)
    return rows.reshape(len(rows), k, k, x.shape[1]).transpose(0, 3, 1, 2).reshape(len(rows), -1)


def _batch_norm_unbiased(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    channel = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).sum(axis=axes, keepdims=True) / (x.size // x.shape[1] - 1)
    return gamma.reshape(*channel) * (x - mean) / F.sqrt(var + eps) + beta.reshape(*channel)


def _penalty_without_create_graph(critic, real, fake, mix, weight=10.0):
    points = tg.tensor((mix.reshape(-1, 1) * real + (1 - mix.reshape(-1, 1)) * fake).numpy(), requires_grad=True)
    gradient, = tg.grad(critic(points).sum(), [points])
    return weight * ((((gradient * gradient).sum(axis=1)).sqrt() - 1) ** 2).mean()


def _penalty_one_norm_for_the_batch(critic, real, fake, mix, weight=10.0):
    points = tg.tensor((mix.reshape(-1, 1) * real + (1 - mix.reshape(-1, 1)) * fake).numpy(), requires_grad=True)
    gradient, = tg.grad(critic(points).sum(), [points], create_graph=True)
    return weight * ((gradient * gradient).sum().sqrt() - 1) ** 2


def _cd1_with_sampled_hidden_statistics(weight, b, c, v, lr, uniform_h, uniform_v):
    sigmoid = lambda x: 1 / (1 + np.exp(-x))
    h0 = (uniform_h < sigmoid(v @ weight.T + c)).astype(float)
    v1 = (uniform_v < sigmoid(h0 @ weight + b)).astype(float)
    h1 = sigmoid(v1 @ weight.T + c)
    return weight + lr * (h0.T @ v - h1.T @ v1) / len(v), b + lr * (v - v1).mean(0), c + lr * (h0 - h1).mean(0)


def _dcgan_dense(latent_size, width):
    """Paints the image with one Linear layer: no transposed convolutions."""
    return nn.Sequential(nn.Linear(latent_size, 784), nn.Unflatten(1, (1, 28, 28)), nn.Tanh())


def _dcgan_without_tanh(latent_size, width):
    return nn.Sequential(*list(solution("dcgan_generator")(latent_size, width).children())[:-1])


def _softplus_on_the_host(x):
    from tinygen import backend
    return np.logaddexp(0, backend.to_numpy(x))  # right values, computed on (and returned to) the host


def _softplus_overflowing(x):
    from tinygen import backend
    xp = backend.get_array_module(x)
    return xp.log(1 + xp.exp(x))


def _logsumexp_back_to_host(x, axis):
    from tinygen import backend
    return backend.to_numpy(solution("logsumexp")(x, axis))  # right values, but the result left the device


PLANTED = {
    "tanh_backward": [lambda y, gy: gy * (1 - y),                                          # forgets the square
                      lambda y, gy: gy * tg.tensor(1 - y.numpy() ** 2)],                  # no double backward
    "unbroadcast": [lambda g, shape: g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g,
                    lambda g, shape: g.mean(axis=tuple(range(g.ndim - len(shape)))).reshape(*shape)
                    if g.ndim > len(shape) else solution("unbroadcast")(g, shape)],      # averages
    "central_difference": [lambda f, x, eps: np.array([(f(x + eps * e) - f(x)) / eps     # one-sided
                                                       for e in np.eye(x.size).reshape((x.size,) + x.shape)]
                                                      ).reshape(x.shape)],
    "relative_error": [lambda a, n: float((np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-300)).max()),
                       lambda a, n: float(np.abs(a - n).max())],                          # absolute error
    "conv_output_size": [lambda i, k, s, p, d: (i + 2 * p - k) // s + 1,                  # forgets the dilation
                         lambda i, k, s, p, d: (i + 2 * p - d * (k - 1) - 1) // s],       # forgets the +1
    "im2col": [_im2col_channels_first, lambda x, k, s, p: solution("im2col")(x, k, s, 0)],  # ignores the padding
    "insert_zeros": [lambda x, s: np.kron(x, np.ones((s, s)))[:, :, :s * (x.shape[2] - 1) + 1, :s * (x.shape[3] - 1) + 1]],
    "transposed_padding": [lambda k, p: p, lambda k, p: k - p],
    "transposed_output_size": [lambda i, k, s, p, o: (i - 1) * s + k - 2 * p,             # ignores output_padding
                               lambda i, k, s, p, o: i * s + k - 2 * p + o],
    "batch_norm": [_batch_norm_unbiased],
    "update_running_stats": [lambda m, v, x, mom: (
        (1 - mom) * m + mom * x.mean(axis=(0,) + tuple(range(2, x.ndim))),
        (1 - mom) * v + mom * x.var(axis=(0,) + tuple(range(2, x.ndim))))],                # the biased variance
    "log_softmax": [lambda z: z - z.exp().sum(axis=1, keepdims=True).log()],               # overflows
    "cross_entropy": [lambda z, labels: solution("cross_entropy")(z, labels) * z.shape[0]],  # sums
    "bce_with_logits": [lambda z, t: -(t * F.log(F.sigmoid(z)) + (1 - t) * F.log(1 - F.sigmoid(z))).mean(),
                        lambda z, t: solution("bce_with_logits")(z, 1 - t)],               # target flipped
    "autoencoder_loss": [lambda e, d, x: F.mse_loss(F.sigmoid(d(e(x.reshape(x.shape[0], -1)))),
                                                    x.reshape(x.shape[0], -1))],
    "contractive_penalty": [lambda h, w: (h * (1 - h)) @ (w * w).sum(axis=1)],             # slope not squared
    "sparse_penalty": [lambda h, rho: (rho * (np.log(rho) - h.log()) + (1 - rho) * (np.log(1 - rho) - (1 - h).log()))
                       .sum(axis=1).mean()],                                                # per example, no rate
    "q_sample": [lambda x0, ab, noise: solution("q_sample")(x0, ab ** 2, noise),          # variances as scales
                 lambda x0, ab, noise: solution("q_sample")(x0, np.full_like(ab, ab[0]), noise)],  # one abar
    "predicted_x0": [lambda x_t, eps, ab: x_t - (1 - ab) ** 0.5 * eps,                     # forgets to divide
                     lambda x_t, eps, ab: (x_t - (1 - ab) * eps) / ab ** 0.5],             # variance as scale
    "ddim_step": [lambda x, eps, ab, prev: solution("ddim_step")(x, eps, prev, ab),       # times swapped
                  lambda x, eps, ab, prev: x * (prev / ab) ** 0.5 + eps * 0],             # forgets the noise
    "guided_prediction": [lambda c, u, w: (1 - w) * c + w * u,                            # toward nothing
                          lambda c, u, w: c + w * u],
    "flow_matching_pair": [lambda x0, noise, t: (solution("flow_matching_pair")(x0, noise, 1 - t)[0], noise - x0),
                           lambda x0, noise, t: (solution("flow_matching_pair")(x0, noise, t)[0], x0 - noise)],
    "heun_step": [lambda x, t, h, velocity: x - h * velocity(x, t),                        # Euler
                  lambda x, t, h, velocity: x - h * (velocity(x, t) + velocity(x, t - h)) / 2],  # same x at the end
    "reparameterize": [lambda mu, logvar: mu + logvar.exp() * tg.randn(*mu.shape, dtype=mu.dtype),
                       lambda mu, logvar: mu + (0.5 * logvar).exp()],                       # no noise at all
    "gaussian_kl": [lambda mu, lv: 0.5 * (mu * mu + lv.exp() - lv - 1).mean(axis=1),
                    lambda mu, lv: 0.5 * (mu * mu + lv - lv.exp() - 1).sum(axis=1)],
    "log_mean_exp": [lambda x: x.exp().mean(axis=1).log(),                                  # underflows
                     lambda x: x.mean(axis=1)],                                              # the ELBO's average
    "iwae_bound": [lambda a, b, c: (a + b - c).mean()],                                      # averages the logs
    "discriminator_loss": [lambda r, f: solution("discriminator_loss")(f, r),               # real and fake swapped
                           lambda r, f: -(F.log(F.sigmoid(r)) + F.log(1 - F.sigmoid(f))).mean()],  # overflows
    "generator_loss": [lambda f: -F.binary_cross_entropy_with_logits(f, f * 0),             # the minimax loss
                       lambda f: -F.log(F.sigmoid(f)).mean()],                               # saturated: infinite
    "generator_sizes": [lambda start, layers: [start] + [start * 2 ** (i + 1) for i in range(len(layers))]],
    "dcgan_generator": [_dcgan_dense, _dcgan_without_tanh],
    "one_hot": [lambda labels, k: tg.tensor(np.eye(k)[labels[::-1]]),
                lambda labels, k: tg.tensor(np.eye(k, dtype=np.int64)[labels])],             # integers
    "label_channels": [lambda labels, k, h, w: solution("one_hot")(labels, k).reshape(len(labels), k, 1, 1)],
    "critic_loss": [lambda r, f: r.mean() - f.mean()],                                       # maximizes the wrong way
    "gradient_penalty": [_penalty_without_create_graph, _penalty_one_norm_for_the_batch],
    "free_energy": [lambda v, w, b, c: -v @ b - np.log(1 + np.exp(v @ w.T + c)).sum(axis=1)],  # overflows
    "cd1_update": [_cd1_with_sampled_hidden_statistics],
    "softplus": [_softplus_on_the_host, _softplus_overflowing],
    "logsumexp": [_logsumexp_back_to_host],
    "made_masks": [lambda i, h: ((h[:, None] >= i[None, :]).astype(float),
                                 (i[:, None] >= h[None, :]).astype(float)),          # a logit sees its own pixel
                   lambda i, h: ((h[:, None] > i[None, :]).astype(float),
                                 (i[:, None] > h[None, :]).astype(float))],          # hidden units too strict
    "coupling_log_det": [lambda s, mask: s.reshape(s.shape[0], -1).sum(axis=1),     # the fixed units counted too
                         lambda s, mask: ((1 - mask) * s.exp()).reshape(s.shape[0], -1).sum(axis=1)],  # exp(s)
    "bits_per_dim": [lambda log_prob, d: (-log_prob + d * np.log(256)) / d,          # still nats
                     lambda log_prob, d: -log_prob / (d * np.log(2))],                # forgets the 1/256
}


def _raises(*args, **kwargs):
    raise RuntimeError("planted: the answer crashed")


def _other_kind(value):
    """A Tensor as a NumPy array, a NumPy array as a Tensor."""
    if isinstance(value, tuple):
        return tuple(_other_kind(v) for v in value)
    if isinstance(value, tg.Tensor):
        return value.numpy()
    return tg.tensor(value) if isinstance(value, np.ndarray) else value


def _detached(value):
    return tuple(_detached(v) for v in value) if isinstance(value, tuple) else tg.tensor(value.numpy())


def _mutate_first_input(args):
    for value in args:
        if isinstance(value, tg.Tensor):
            value.data[...] = value.data + 1
            return
        if isinstance(value, np.ndarray):
            value[...] = value + 1
            return
        if isinstance(value, nn.Module):
            parameter = next(value.parameters())
            parameter.data[...] = parameter.data + 1
            return


def _mutating(right):
    def answer(*args, **kwargs):
        result = right(*args, **kwargs)
        _mutate_first_input(args)
        return result
    return answer


BAD_ANSWERS = {  # name: (applies to the check?, make the answer from the right one, words the FAIL must hold)
    "raises": (lambda check: True, lambda right: _raises, "raised RuntimeError: planted"),
    "wrong type": (lambda check: True, lambda right: lambda *a, **k: "an answer", "returned"),
    "other array kind": (lambda check: check.gives in ("tensor", "array"),
                         lambda right: lambda *a, **k: _other_kind(right(*a, **k)), "returned"),
    "changes its input": (lambda check: check.takes_arrays, _mutating, "in place"),
    "no gradient": (lambda check: check.gives == "tensor" and check.differentiable,
                    lambda right: lambda *a, **k: _detached(right(*a, **k)), "connected"),
}
BAD_CASES = [(function, bad) for function in sorted(CHECK_OF) for bad, (applies, _, _) in BAD_ANSWERS.items()
             if applies(CHECK_OF[function])]
