"""The sparse autoencoder: both penalties by formula and gradcheck, the penalty lowers activity, bad arguments."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.models.autoencoders.sparse import SparseAutoencoder, kl_sparsity, l1_activity

from ae_family_helpers import digits, float64_images, train

code_batches = st.tuples(st.integers(1, 5), st.integers(1, 6)).flatmap(
    lambda shape: st.lists(st.floats(0.02, 0.98), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1])
    .map(lambda values: np.array(values).reshape(shape)))


@settings(max_examples=15)
@given(code=code_batches, rho=st.floats(0.01, 0.99))
def test_kl_penalty_matches_its_formula_and_gradient(code, rho):
    rate = 1e-6 + (1 - 2e-6) * code.mean(axis=0)  # the squeeze that keeps the logs finite
    expected = np.mean(rho * np.log(rho / rate) + (1 - rho) * np.log((1 - rho) / (1 - rate)))
    h = tg.Tensor(code, requires_grad=True)
    assert kl_sparsity(h, rho).item() == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert tg.gradcheck(lambda h: kl_sparsity(h, rho), [h])


def test_kl_penalty_is_zero_at_the_target_rate_and_finite_for_dead_or_saturated_units():
    assert kl_sparsity(tg.Tensor(np.full((4, 3), 0.2)), 0.2).item() == pytest.approx(0, abs=1e-10)
    for rate in (0.0, 1.0):
        h = tg.Tensor(np.full((4, 3), rate), requires_grad=True)
        kl_sparsity(h, 0.2).backward()
        assert np.isfinite(kl_sparsity(h, 0.2).item()) and np.all(np.isfinite(h.grad.numpy()))
    assert kl_sparsity(tg.Tensor(np.full((4, 3), 0.5)), 0.2).item() > 0.1


@settings(max_examples=15)
@given(code=code_batches, sign_seed=st.integers(0, 100))
def test_l1_penalty_matches_its_formula_and_gradient(code, sign_seed):
    code = code * np.random.default_rng(sign_seed).choice([-1, 1], code.shape)  # |h| >= 0.02: away from the kink
    h = tg.Tensor(code, requires_grad=True)
    assert l1_activity(h).item() == pytest.approx(np.abs(code).mean(), rel=1e-12)
    assert tg.gradcheck(l1_activity, [h])


@pytest.mark.parametrize("sparsity", ["l1", "kl"])
def test_the_model_adds_the_weighted_penalty_and_its_gradient_is_right(sparsity):
    model = SparseAutoencoder(sparsity=sparsity, weight=0.7, rho=0.1, code_size=7, nodes_per_layer=5,
                              image_shape=(1, 2, 3), undercomplete=False).double()
    x = float64_images(4, (1, 2, 3))
    code = model.encode(x)
    assert code.shape == (4, 7)  # overcomplete: 7 code units for 6 pixels
    penalty = l1_activity(code) if sparsity == "l1" else kl_sparsity(code, 0.1)
    terms = model.loss_terms(x)
    assert terms["penalty"].item() == pytest.approx(0.7 * penalty.item(), rel=1e-12)
    assert model.loss(x).item() == pytest.approx(terms["reconstruction"].item() + terms["penalty"].item())
    assert tg.gradcheck(lambda weight: model.loss(x), [model.encoder[0].weight])


@pytest.mark.parametrize("sparsity, weight", [("kl", 0.5), ("l1", 0.3)])
def test_the_penalty_lowers_the_mean_activation_against_the_same_model_without_it(sparsity, weight):
    images, activity = digits(384), {}
    for w in (0.0, weight):
        tg.manual_seed(0)
        model = SparseAutoencoder(sparsity=sparsity, weight=w, code_size=64)
        before, after = train(model, images, steps=60)
        assert after < before
        with tg.no_grad():
            activity[w] = float(model.encode(tg.Tensor(digits(300, "test"))).numpy().mean())
    assert activity[weight] < 0.6 * activity[0.0], activity


@pytest.mark.parametrize("arguments, message", [
    (dict(weight=-0.1), r"weight \(of the sparsity penalty\) must be a finite number >= 0, got -0.1"),
    (dict(rho=0.0), r"rho \(the target activation rate\) must lie strictly between 0 and 1, got 0.0"),
    (dict(rho=1.2), r"rho .* got 1.2"),
    (dict(sparsity="l2"), r"sparsity must be one of \('l1', 'kl'\), got 'l2'"),
    (dict(code_size=800), r"code_size must be an integer in \[1, 783\].*got 800; undercomplete=False allows"),
])
def test_bad_sparsity_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(**arguments)


def test_an_overcomplete_code_is_allowed_when_asked_for():
    assert SparseAutoencoder(code_size=1000, undercomplete=False).encode(tg.rand(2, 1, 28, 28)).shape == (2, 1000)
