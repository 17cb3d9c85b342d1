"""The VAE: the reparameterization trick (statistically), the KL term, the loss, gradients, the two
ready architectures, PyTorch agreement, a short training run and bad arguments."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.data import load_dataset
from tinygen.models.vae.model import VAE
from tinygen.models.vae.networks import GaussianEncoder, conv_vae, dense_vae

DRAWS = 20_000
Z_LIMIT = 5.0   # |estimate - truth| <= 5 standard errors: a false alarm has probability < 1e-6 per check


def moments_agree(samples, mean, variance):
    """Sample mean and variance (over axis 0) within Z_LIMIT standard errors of ``mean`` and ``variance``.

    For n normal draws the sample mean's standard error is sqrt(var / n) and the sample variance's is
    var * sqrt(2 / (n - 1)).
    """
    n = len(samples)
    mean_ok = np.abs(samples.mean(axis=0) - mean) <= Z_LIMIT * np.sqrt(variance / n)
    variance_ok = np.abs(samples.var(axis=0, ddof=1) - variance) <= Z_LIMIT * variance * math.sqrt(2 / (n - 1))
    return bool(mean_ok.all() and variance_ok.all())


def draws_of(mu, logvar, draw=None):
    """DRAWS rows of z for one (mu, logvar) pair, each row a fresh eps."""
    mu_rows = np.broadcast_to(np.asarray(mu, dtype=np.float64), (DRAWS, len(mu))).copy()
    logvar_rows = np.broadcast_to(np.asarray(logvar, dtype=np.float64), (DRAWS, len(logvar))).copy()
    draw = draw or dense_vae(latent_dim=len(mu)).reparameterize
    return draw(tg.Tensor(mu_rows), tg.Tensor(logvar_rows)).numpy()


latents = st.lists(st.tuples(st.floats(-5, 5), st.floats(-8, 8)), min_size=1, max_size=3)


@given(pairs=latents)
def test_reparameterized_samples_have_mean_mu_and_variance_exp_logvar(pairs):
    mu, logvar = (np.array(column) for column in zip(*pairs))
    assert moments_agree(draws_of(mu, logvar), mu, np.exp(logvar))


def test_the_moment_check_rejects_sigma_equal_to_exp_logvar():
    """The mistake the test above exists for: exp(logvar) used as the standard deviation."""
    def wrong(mu, logvar):
        return mu + logvar.exp() * tg.randn(*mu.shape, dtype=np.float64)
    for logvar in (-2.0, 2.0):
        assert moments_agree(draws_of([0.5], [logvar]), 0.5, np.exp(logvar))
        assert not moments_agree(draws_of([0.5], [logvar], wrong), 0.5, np.exp(logvar))


def test_the_gradient_reaches_mu_and_logvar_and_not_the_noise():
    model = dense_vae(latent_dim=3)
    mu = tg.Tensor([[0.3, -1.0, 2.0]], requires_grad=True)
    logvar = tg.Tensor([[-3.0, 0.0, 4.0]], requires_grad=True)
    noise = tg.Tensor([[1.5, -0.5, 0.25]], requires_grad=True)
    z = model.reparameterize(mu, logvar, noise)
    z.sum().backward()
    sigma = np.exp(0.5 * logvar.numpy())
    np.testing.assert_allclose(z.numpy(), mu.numpy() + sigma * noise.numpy(), rtol=1e-6)
    np.testing.assert_allclose(mu.grad.numpy(), np.ones((1, 3)))
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * sigma * noise.numpy(), rtol=1e-6)  # dz/dlogvar
    assert noise.grad is None


def test_a_fresh_draw_is_a_constant_of_the_graph():
    """Walk z's graph: the only leaves that require grad are mu and logvar."""
    mu, logvar = tg.zeros(4, 2, requires_grad=True), tg.zeros(4, 2, requires_grad=True)
    z = dense_vae(latent_dim=2).reparameterize(mu, logvar)
    leaves, stack = set(), [z]
    while stack:
        tensor = stack.pop()
        if tensor.creator is None:
            leaves.add(id(tensor)) if tensor.requires_grad else None
        else:
            stack.extend(tensor.creator.inputs)
    assert leaves == {id(mu), id(logvar)}


@settings(max_examples=20)
@given(pairs=latents)
def test_kl_closed_form_equals_a_monte_carlo_estimate_within_its_standard_error(pairs):
    mu, logvar = (np.array(column) for column in zip(*pairs))
    z = mu + np.exp(0.5 * logvar) * np.random.default_rng(1).standard_normal((DRAWS, len(mu)))
    log_q = -0.5 * (np.log(2 * np.pi) + logvar + (z - mu) ** 2 / np.exp(logvar)).sum(axis=1)
    log_p = -0.5 * (np.log(2 * np.pi) + z ** 2).sum(axis=1)
    log_ratio = log_q - log_p
    closed_form = F.kl_normal(tg.Tensor(mu[None]), tg.Tensor(logvar[None]), reduction="none").numpy()[0]
    assert abs(log_ratio.mean() - closed_form) <= Z_LIMIT * log_ratio.std(ddof=1) / math.sqrt(DRAWS) + 1e-9
    assert F.kl_normal(tg.zeros(3, 4), tg.zeros(3, 4)).item() == 0.0


def tiny_vae(latent_dim, hidden, image_shape, likelihood="bernoulli", kl_weight=1.0):
    return dense_vae(image_shape, hidden, latent_dim, likelihood=likelihood, kl_weight=kl_weight).double()


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_loss_is_reconstruction_plus_weighted_kl_with_the_likelihood_written_out(likelihood):
    model = tiny_vae(2, 5, (1, 3, 2), likelihood, kl_weight=0.5)
    x = np.random.default_rng(2).random((4, 1, 3, 2))
    tg.manual_seed(3)
    terms = {name: value.item() for name, value in model.loss_terms(x).items()}
    tg.manual_seed(3)
    assert model.loss(x).item() == pytest.approx(terms["recon"] + 0.5 * terms["kl"], rel=1e-12)
    tg.manual_seed(3)
    mu, logvar = (t.numpy() for t in model.encode(x))
    z = model.reparameterize(mu, logvar).numpy()
    p = model.decode(z).numpy()
    if likelihood == "bernoulli":
        log_px = (x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=(1, 2, 3))
    else:
        scale = math.exp(model.log_scale.item())
        log_px = (-0.5 * ((x - p) / scale) ** 2 - math.log(scale) - 0.5 * math.log(2 * math.pi)).sum(axis=(1, 2, 3))
    kl = -0.5 * (1 + logvar - mu ** 2 - np.exp(logvar)).sum(axis=1)
    assert terms["recon"] == pytest.approx(-log_px.mean(), rel=1e-10)
    assert terms["kl"] == pytest.approx(kl.mean(), rel=1e-10)


@settings(max_examples=6)
@given(latent_dim=st.integers(1, 3), hidden=st.integers(1, 4), batch=st.integers(1, 3),
       likelihood=st.sampled_from(["bernoulli", "gaussian"]))
def test_loss_gradients_are_right_in_float64(latent_dim, hidden, batch, likelihood):
    model = tiny_vae(latent_dim, hidden, (1, 2, 3), likelihood)
    x = tg.Tensor(np.random.default_rng(batch).random((batch, 1, 2, 3)))

    def loss_with_fixed_noise(*_weights):   # gradcheck shifts the Parameters in place; eps must not change
        tg.manual_seed(7)
        return model.loss(x)
    weights = [model.encoder.body[1].weight, model.encoder.z_log_var.bias, model.decoder[2].weight]
    weights += [model.log_scale] if likelihood == "gaussian" else []
    assert tg.gradcheck(loss_with_fixed_noise, weights)


def test_dense_vae_has_pytorch_examples_layers_and_the_conv_vae_the_courses_counts():
    shapes = {name: tuple(t.shape) for name, t in dense_vae().state_dict().items()}
    assert shapes == {"encoder.body.1.weight": (400, 784), "encoder.body.1.bias": (400,),
                      "encoder.z_mean.weight": (20, 400), "encoder.z_mean.bias": (20,),
                      "encoder.z_log_var.weight": (20, 400), "encoder.z_log_var.bias": (20,),
                      "decoder.0.weight": (400, 20), "decoder.0.bias": (400,),
                      "decoder.2.weight": (784, 400), "decoder.2.bias": (784,)}
    model = conv_vae()
    count = lambda module: sum(p.size for p in module.parameters())
    assert (count(model.encoder), count(model.decoder), model.latent_dim) == (69_076, 65_089, 2)
    x = tg.rand(3, 1, 28, 28)
    assert [t.shape for t in model.encode(x)] == [(3, 2), (3, 2)]
    images = model.reconstruct(x).numpy()
    assert images.shape == (3, 1, 28, 28) and images.min() > 0 and images.max() < 1
    assert model.sample(5).shape == (5, 1, 28, 28)


def test_dense_vae_matches_pytorch_with_the_same_weights_both_ways():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    encoder = tnn.Module()
    encoder.body = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 400), tnn.ReLU())
    encoder.z_mean, encoder.z_log_var = tnn.Linear(400, 20), tnn.Linear(400, 20)
    twin = tnn.ModuleDict({"encoder": encoder, "decoder": tnn.Sequential(
        tnn.Linear(20, 400), tnn.ReLU(), tnn.Linear(400, 784), tnn.Unflatten(1, (1, 28, 28)))})
    model = dense_vae()
    model.load_state_dict({name: value.detach().numpy() for name, value in twin.state_dict().items()})
    x = tg.rand(4, 1, 28, 28)
    x_torch = torch.from_numpy(x.numpy())
    hidden = twin["encoder"].body(x_torch)
    mu, logvar = twin["encoder"].z_mean(hidden), twin["encoder"].z_log_var(hidden)
    noise = torch.randn(4, 20)
    z = mu + torch.exp(0.5 * logvar) * noise
    logits = twin["decoder"](z)
    loss_torch = (tnn.functional.binary_cross_entropy_with_logits(logits, x_torch, reduction="sum")
                  - 0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())) / 4   # PyTorch example's loss, per example
    loss_torch.backward()
    ours_mu, ours_logvar = model.encode(x)
    z_ours = model.reparameterize(ours_mu, ours_logvar, tg.Tensor(noise.numpy()))
    recon = -model.log_likelihood(x, model.decode_logits(z_ours)).mean()
    loss = recon + F.kl_normal(ours_mu, ours_logvar)
    loss.backward()
    assert loss.item() == pytest.approx(loss_torch.item(), rel=1e-5)
    np.testing.assert_allclose(model.encoder.z_log_var.weight.grad.numpy(),
                               twin["encoder"].z_log_var.weight.grad.numpy(), rtol=1e-3, atol=1e-5)
    twin.load_state_dict({name: torch.from_numpy(t.numpy()) for name, t in model.state_dict().items()})
    np.testing.assert_allclose(twin["decoder"](mu).detach().numpy(), model.decode_logits(ours_mu).numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("mnist-5k", "train").images[:256]


def test_a_short_run_lowers_the_negative_elbo(digits):
    tg.manual_seed(0)
    model = dense_vae(hidden=64, latent_dim=4)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(3):
        for start in range(0, len(digits), 32):
            optimizer.zero_grad()
            loss = model.loss(digits[start:start + 32])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert losses[0] > 500 and np.mean(losses[-8:]) < 0.5 * losses[0]


@pytest.mark.parametrize("arguments, message", [
    (dict(latent_dim=0), "latent_dim must be an integer >= 1, got 0"),
    (dict(latent_dim=1.5), "latent_dim must be an integer >= 1, got 1.5"),
    (dict(latent_dim=2, kl_weight=-0.1), "kl_weight must be a number >= 0"),
    (dict(latent_dim=2, likelihood="poisson"), "likelihood must be one of"),
])
def test_bad_settings_are_refused_by_name(arguments, message):
    encoder = GaussianEncoder(nn.Flatten(), 4, 2)
    with pytest.raises(ValueError, match=message):
        VAE(encoder, nn.Linear(2, 4), image_shape=(1, 2, 2), **arguments)


def test_bad_inputs_are_refused_by_name():
    model = dense_vae(hidden=8, latent_dim=2)
    with pytest.raises(ValueError, match=r"Bernoulli likelihood needs pixel values in \[0, 1\], got values from -1.0"):
        model.loss(np.full((2, 1, 28, 28), -1.0, dtype=np.float32))
    with pytest.raises(ValueError, match=r"input must have shape \(N, 1, 28, 28\), got \(2, 784\)"):
        model.encode(tg.rand(2, 784))
    with pytest.raises(ValueError, match=r"codes z must have shape \(N, 2\), got \(3, 5\)"):
        model.decode(tg.rand(3, 5))
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        model.sample(0)
    with pytest.raises(ValueError, match=r"H and W multiples of 4 .* got \(1, 30, 30\)"):
        conv_vae(image_shape=(1, 30, 30))
    gaussian = dense_vae(hidden=8, latent_dim=2, likelihood="gaussian")
    assert np.isfinite(gaussian.loss(np.full((2, 1, 28, 28), 1.5, dtype=np.float32)).item())


def test_conv_vae_starts_from_keras_init_glorot_weights_and_zero_biases():
    model = conv_vae()
    for name, tensor in model.state_dict().items():
        values = tensor.numpy()
        if name.endswith("bias"):
            assert not values.any(), name
        else:
            fan_in, fan_out = values.shape[1] * values[0, 0].size, values.shape[0] * values[0, 0].size
            bound = math.sqrt(6 / (fan_in + fan_out))
            assert np.abs(values).max() <= bound, name
            # uniform on [-b, b] has standard deviation b / sqrt(3); the sample std errs by < 0.5 of that / sqrt(n)
            assert abs(values.std() - bound / math.sqrt(3)) < 5 * bound / math.sqrt(3) / math.sqrt(values.size), name
