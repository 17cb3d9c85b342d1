"""Checks of the generative models' exercises: 09 the reparameterization trick, 11 the GAN's losses,
14 the gradient penalty, 15 one CD-1 update of an RBM."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
from tinygen import nn
from tinygen.course.checks.cases import Check, Wrong, call, expect_close, expect_same_gradients, for_all
from tinygen.course import solutions

SAMPLES = 4000
SPREAD = 5  # standard errors: a right answer fails a statistic with probability below 1e-6


def verify_reparameterize(reparameterize):
    """Mean mu and variance exp(logvar) over many draws (so sigma = exp(logvar) fails), fresh noise on each
    call, and gradients d z/d mu = 1, d z/d logvar = (z - mu) / 2."""
    tg.manual_seed(0)
    mu_row, logvar_row = np.array([0.5, -1.0, 2.0]), np.array([-1.5, 1.0, 2.0])
    mu = tg.tensor(np.tile(mu_row, (SAMPLES, 1)), requires_grad=True)
    logvar = tg.tensor(np.tile(logvar_row, (SAMPLES, 1)), requires_grad=True)
    z = call(reparameterize, mu, logvar)
    what = f"reparameterize(mu = {mu_row.tolist()}, logvar = {logvar_row.tolist()}) over {SAMPLES} draws"
    if not isinstance(z, tg.Tensor) or z.shape != mu.shape:
        raise Wrong(f"{what}: expected a Tensor of shape {mu.shape}, got {getattr(z, 'shape', type(z).__name__)}")
    draws, variance = z.numpy(), np.exp(logvar_row)
    mean_error = np.abs(draws.mean(axis=0) - mu_row) / np.sqrt(variance / SAMPLES)
    if mean_error.max() > SPREAD:
        raise Wrong(f"{what}: the draws' means are {draws.mean(axis=0).round(3).tolist()}, not mu")
    variance_ratio = draws.var(axis=0, ddof=1) / variance
    if np.abs(variance_ratio - 1).max() > SPREAD * np.sqrt(2 / (SAMPLES - 1)):
        raise Wrong(f"{what}: the draws' variances are {draws.var(axis=0).round(3).tolist()}, expected "
                    f"exp(logvar) = {variance.round(3).tolist()}")
    if np.allclose(call(reparameterize, mu, logvar).numpy(), draws):
        raise Wrong(f"{what}: two calls gave the same z; draw fresh noise every time")
    z.sum().backward()
    if mu.grad is None or logvar.grad is None:
        raise Wrong(f"{what}: no gradient reached mu or logvar; build z from them with tinygen operations")
    expect_close(mu.grad, np.ones_like(draws), f"{what}: dz/dmu")
    expect_close(logvar.grad, (draws - mu.numpy()) / 2, f"{what}: dz/dlogvar (should be sigma * eps / 2)")


logit_batches = st.tuples(st.integers(1, 6), st.sampled_from([1.0, 5.0, 1000.0]), st.integers(0, 2**16))


def verify_discriminator_loss(discriminator_loss):
    def claim(case):
        n, scale, seed = case
        rng = np.random.default_rng(seed)
        real, fake = rng.normal(size=(n, 1)) * scale, rng.normal(size=(n, 1)) * scale
        expect_same_gradients(discriminator_loss, solutions.discriminator_loss, [real, fake],
                              f"discriminator_loss(real logits, fake logits of shape {(n, 1)}, about {scale:g})")

    for_all(logit_batches, claim)


def verify_generator_loss(generator_loss):
    def claim(case):
        n, scale, seed = case
        fake = np.random.default_rng(seed).normal(size=(n, 1)) * scale
        expect_same_gradients(generator_loss, solutions.generator_loss, [fake],
                              f"generator_loss(fake logits of shape {(n, 1)}, about {scale:g})")

    for_all(logit_batches, claim)


def verify_gradient_penalty(gradient_penalty):
    """Value, and the gradient with respect to the critic's weights (which needs create_graph=True)."""
    def claim(case):
        n, features, seed = case
        tg.manual_seed(seed)
        critic = nn.Sequential(nn.Linear(features, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        rng = np.random.default_rng(seed)
        real, fake = tg.tensor(rng.normal(size=(n, features))), tg.tensor(rng.normal(size=(n, features)))
        mix = tg.tensor(rng.uniform(size=n))
        what = f"gradient_penalty(a small critic, real and fake of shape {(n, features)}, mix)"
        gradients = []
        for function in (gradient_penalty, solutions.gradient_penalty):
            critic.zero_grad()
            penalty = call(function, critic, real, fake, mix) if function is gradient_penalty else function(
                critic, real, fake, mix)
            if not isinstance(penalty, tg.Tensor) or penalty.shape != ():
                raise Wrong(f"{what}: expected a scalar Tensor, got {getattr(penalty, 'shape', penalty)!r}")
            if not penalty.requires_grad:
                raise Wrong(f"{what}: the penalty does not depend on the critic's weights; take the input "
                            "gradient with tg.grad(..., create_graph=True) so that it can be differentiated")
            penalty.backward()
            gradients.append((penalty, [np.zeros(p.shape) if p.grad is None else p.grad.numpy()  # the last bias: none
                                       for p in critic.parameters()]))
        (got, got_grads), (expected, expected_grads) = gradients
        expect_close(got, expected, what)
        for index, (g, e) in enumerate(zip(got_grads, expected_grads)):
            expect_close(g, e, f"{what}: the gradient of the critic's parameter {index}")

    for_all(st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**16)), claim)


def verify_cd1_update(cd1_update):
    def claim(case):
        n, visible, hidden, seed = case
        rng = np.random.default_rng(seed)
        weight = rng.normal(size=(hidden, visible)) * 0.5
        visible_bias, hidden_bias = rng.normal(size=visible) * 0.5, rng.normal(size=hidden) * 0.5
        v = (rng.uniform(size=(n, visible)) < 0.5).astype(float)
        uniform_h, uniform_v = rng.uniform(size=(n, hidden)), rng.uniform(size=(n, visible))
        arguments = (weight, visible_bias, hidden_bias, v, 0.1, uniform_h, uniform_v)
        got = call(cd1_update, *[np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arguments])
        expected = solutions.cd1_update(*arguments)
        if not isinstance(got, tuple) or len(got) != 3:
            raise Wrong("cd1_update must return (weight, visible_bias, hidden_bias)")
        for name, g, e in zip(("weight", "visible_bias", "hidden_bias"), got, expected):
            expect_close(g, e, f"cd1_update on {n} images of {visible} pixels, {hidden} hidden units: the new {name}")

    for_all(st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5), st.integers(0, 2**16)), claim)


CHECKS = {
    "09": [Check("reparameterize", verify_reparameterize,
                 "logvar is log sigma^2, so sigma = exp(logvar / 2); draw eps with tg.randn(*mu.shape, dtype=mu.dtype)"
                 " and return mu + sigma * eps")],
    "11": [Check("discriminator_loss", verify_discriminator_loss,
                 "D should say 1 for real and 0 for fake: BCE(real logits, 1) + BCE(fake logits, 0), each the mean "
                 "over the batch; from logits, -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z)"),
           Check("generator_loss", verify_generator_loss,
                 "the non-saturating loss labels the fakes as real: BCE(fake logits, 1) = mean softplus(-z), not "
                 "the minimax -BCE(fake logits, 0), whose gradient vanishes when D rejects the fakes")],
    "14": [Check("gradient_penalty", verify_gradient_penalty,
                 "x^ = mix * real + (1 - mix) * fake with mix reshaped to (N, 1, ...), a leaf that requires grad; "
                 "g, = tg.grad(critic(x^).sum(), [x^], create_graph=True); one norm per example over all other axes; "
                 "10 * mean((norm - 1)^2)")],
    "15": [Check("cd1_update", verify_cd1_update,
                 "p_h = sigmoid(v W^T + c); h0 = (uniform_h < p_h); v1 = (uniform_v < sigmoid(h0 W + b)); "
                 "p_h1 = sigmoid(v1 W^T + c); W += lr (p_h^T v - p_h1^T v1) / N, b += lr mean(v - v1), "
                 "c += lr mean(p_h - p_h1)")],
}
