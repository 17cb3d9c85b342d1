"""The importance-weighted bound: below log p(x), above the ELBO, rising with K, and equal to the exact
log-likelihood (by quadrature over a 1-d latent) in the limit; the dataset report; bad arguments."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn, optim
from tinygen.data import load_dataset
from tinygen.metrics import iwae_bound, iwae_bounds, likelihood_report
from tinygen.metrics.likelihood_bounds import log_normal
from tinygen.models.vae.model import VAE
from tinygen.models.vae.networks import GaussianEncoder, dense_vae

Z_LIMIT = 5.0


def tiny_binary_model():
    """1-d latent, 4 binary pixels, float64; decoder weights scaled up so p(x | z) depends strongly on z
    (the posterior is then far from the prior and the ELBO clearly below log p(x))."""
    tg.manual_seed(4)
    encoder = GaussianEncoder(nn.Sequential(nn.Linear(4, 8), nn.Tanh()), 8, 1)
    decoder = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 4))
    model = VAE(encoder, decoder, 1, image_shape=(4,)).double()
    for layer in (decoder[0], decoder[2]):
        layer.weight.data *= 4.0
    return model


def exact_log_likelihood(model, x):
    """log p(x) = log integral N(z; 0, 1) p(x | z) dz by the trapezoid rule on z in [-12, 12]: (N,)."""
    z = np.linspace(-12, 12, 24_001)
    with tg.no_grad():
        logits = model.decode_logits(tg.Tensor(z[:, None]))
        log_px_z = np.stack([model.log_likelihood(tg.Tensor(np.broadcast_to(row, (len(z), 4))), logits).numpy()
                             for row in x])                                # (N, grid); N = 16 rows only
    log_integrand = log_px_z + log_normal(z[:, None])
    weights = np.full(len(z), z[1] - z[0])
    weights[[0, -1]] /= 2
    top = log_integrand.max(axis=1, keepdims=True)
    return top[:, 0] + np.log((np.exp(log_integrand - top) * weights).sum(axis=1))


def test_on_a_tiny_model_the_bound_converges_to_the_exact_log_likelihood():
    model = tiny_binary_model()
    patterns = ((np.arange(16)[:, None] >> np.arange(4)) & 1).astype(np.float64)  # all 16 binary images
    exact = exact_log_likelihood(model, patterns)
    assert np.exp(exact).sum() == pytest.approx(1.0, abs=1e-9)          # p(x) sums to 1 over the 16 images
    elbo = iwae_bound(model, patterns, 1)
    many = iwae_bound(model, patterns, 20_000, chunk=5_000)
    assert np.abs(many - exact).max() < 0.05
    assert (exact - iwae_bound(model, patterns, 2_000, chunk=500)).mean() > -0.01   # a lower bound (up to noise)
    assert (exact - np.mean([iwae_bound(model, patterns, 1) for _ in range(50)], axis=0)).mean() > 0.1
    assert elbo.shape == (16,)


@pytest.fixture(scope="module")
def trained():
    """A small dense VAE trained for 3 epochs on 256 digits, and 200 other digits to measure it on."""
    tg.manual_seed(0)
    digits = load_dataset("mnist-5k", "train").images
    model = dense_vae(hidden=64, latent_dim=4)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(3):
        for start in range(0, 256, 32):
            optimizer.zero_grad()
            model.loss(digits[start:start + 32]).backward()
            optimizer.step()
    return model, digits[256:456]


def test_the_bound_is_above_the_elbo_and_rises_with_k(trained):
    """Paired differences over 200 digits: each mean exceeds Z_LIMIT standard errors of itself."""
    model, x = trained
    bounds = [iwae_bound(model, x, k) for k in (1, 10, 100)]
    for lower, higher in zip(bounds[:-1], bounds[1:]):
        gain = higher - lower
        assert gain.mean() > Z_LIMIT * gain.std(ddof=1) / math.sqrt(len(gain))


def test_report_means_match_the_bounds_and_k_1_matches_the_elbo(trained):
    model, x = trained
    tg.manual_seed(5)
    report = likelihood_report(model, x[:60], ks=(1, 50), batch_size=25)
    assert set(report) == {"neg_elbo", "recon", "kl", "iwae_nll_k1", "iwae_nll_k50"}
    assert report["neg_elbo"] == pytest.approx(report["recon"] + report["kl"])
    assert report["iwae_nll_k50"] < report["neg_elbo"]
    assert report["kl"] > 0
    # K = 1 estimates the same ELBO (the KL by one sample instead of in closed form): they agree in the mean
    single = -np.array([iwae_bound(model, x[:60], 1) for _ in range(20)]).mean(axis=0)
    assert abs(single.mean() - report["neg_elbo"]) < 0.02 * report["neg_elbo"]


def test_several_k_read_one_stream_of_draws(trained):
    model, x = trained
    tg.manual_seed(3)
    both = iwae_bounds(model, x[:8], (100, 250), chunk=60)
    tg.manual_seed(3)
    np.testing.assert_allclose(both[100], iwae_bound(model, x[:8], 100, chunk=60), rtol=1e-12)
    assert set(both) == {100, 250}


def test_chunks_change_memory_not_the_answer(trained):
    model, x = trained
    tg.manual_seed(9)
    whole = iwae_bound(model, x[:5], 30, chunk=30)
    tg.manual_seed(9)
    np.testing.assert_allclose(iwae_bound(model, x[:5], 30, chunk=7), whole, rtol=1e-3)


@pytest.mark.parametrize("arguments, message", [
    (dict(k=0), "k must be an integer >= 1, got 0"),
    (dict(k=2.5), "k must be an integer >= 1, got 2.5"),
    (dict(k=10, chunk=0), "chunk must be an integer >= 1, got 0"),
])
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        iwae_bound(dense_vae(hidden=4, latent_dim=2), np.zeros((2, 1, 28, 28), np.float32), **arguments)
    if "chunk" not in arguments:
        with pytest.raises(ValueError, match=message):
            likelihood_report(dense_vae(hidden=4, latent_dim=2), np.zeros((2, 1, 28, 28), np.float32),
                              ks=(arguments["k"],))
