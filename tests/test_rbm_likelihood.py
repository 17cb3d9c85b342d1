"""Likelihood estimators of the RBM: AIS against exact log Z, the mean-field bound, pseudo-likelihood."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygen as tg
from tinygen.data import load_dataset
from tinygen.models.rbm import AISBelowBoundWarning, ais_schedule, all_binary_states, annealed_importance_sampling, exact_log_partition, mean_field_lower_bound, pseudo_likelihood, rbm_log_likelihood
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import RBM, base_rate_log_odds

from rbm_helpers import random_rbm


@pytest.mark.parametrize("scale, seed", [(0.3, 0), (1.0, 1), (2.0, 2), (4.0, 3), (6.0, 4)])
def test_ais_is_within_half_a_nat_of_the_exact_log_partition(scale, seed):
    """Scales 4 and 6 make p(v) peaked: a few states hold most of the mass, far from the base model."""
    rbm = random_rbm(12, 10, scale=scale, seed=seed, dtype="float32")
    exact = exact_log_partition(rbm)
    data = (np.random.default_rng(seed).random((50, 12)) < 0.3).astype(np.float32)
    for base in (None, base_rate_log_odds(data)):
        estimate = annealed_importance_sampling(rbm, n_runs=100, betas=ais_schedule(500), base_visible_bias=base)
        assert abs(estimate.log_z - exact) < 0.5, (estimate, exact)
        assert estimate.log_z_low <= estimate.log_z <= estimate.log_z_high


def test_plain_importance_sampling_without_annealing_misses_a_peaked_model():
    """The reason for the temperatures: one jump from the base model to a peaked RBM under-estimates log Z."""
    rbm = random_rbm(12, 10, scale=6.0, seed=4, dtype="float32")
    estimate = annealed_importance_sampling(rbm, n_runs=100, betas=[0.0, 1.0])
    assert estimate.log_z < exact_log_partition(rbm) - 1.0


@given(n_visible=st.integers(1, 8), n_hidden=st.integers(1, 8), scale=st.sampled_from([0.1, 1.0, 4.0]),
       seed=st.integers(0, 1000), n_iterations=st.sampled_from([0, 1, 50]))
def test_mean_field_bound_is_below_the_exact_log_partition_and_above_its_starts(n_visible, n_hidden, scale,
                                                                                seed, n_iterations):
    rbm = random_rbm(n_visible, n_hidden, scale=scale, seed=seed)
    starts = (np.random.default_rng(seed).random((5, n_visible)) < 0.5).astype(np.float64)
    bound = mean_field_lower_bound(rbm, starts, n_iterations=n_iterations)
    assert bound <= exact_log_partition(rbm) + 1e-9
    assert bound >= -rbm.free_energy(starts).numpy().min() - 1e-9     # at a binary start L(v) = -F(v)


def test_pseudo_likelihood_is_n_times_the_log_conditional_of_the_flipped_unit():
    rbm = random_rbm(5, 3, scale=2.0, seed=1)
    v = all_binary_states(5)
    units = np.random.default_rng(0).integers(0, 5, len(v))
    flipped = v.copy()
    flipped[np.arange(len(v)), units] = 1 - flipped[np.arange(len(v)), units]
    # p(v_i | v_rest) = p(v) / (p(v) + p(v with v_i flipped)) = sigmoid(F(flipped) - F(v))
    free, free_flipped = rbm.free_energy(v).numpy(), rbm.free_energy(flipped).numpy()
    expected = 5 * (-np.logaddexp(0, free - free_flipped))
    np.testing.assert_allclose(pseudo_likelihood(rbm, v, units=units), expected, rtol=1e-10)
    random_units = pseudo_likelihood(rbm, v)
    assert random_units.shape == (32,) and np.all(random_units < 0)


@pytest.fixture(scope="module")
def trained_digit_rbm():
    """A 196-25 RBM (too big to enumerate: 2^25 hidden states) briefly trained on 14x14 binarized digits."""
    tg.manual_seed(0)
    images = load_dataset("mnist-5k", "train").images[:500]
    pooled = images.reshape(500, 14, 2, 14, 2).mean(axis=(2, 4))
    data = binarize(pooled.reshape(500, 196))
    rbm = RBM(196, 25).init_visible_bias(data)
    for _ in range(40):
        for start in range(0, 500, 50):
            rbm.contrastive_divergence(data[start:start + 50], k=1, lr=0.1, momentum=0.5)
    return rbm, data


def test_on_a_trained_model_ais_from_two_bases_agree_and_lie_above_the_bound(trained_digit_rbm):
    rbm, data = trained_digit_rbm
    base_rates = annealed_importance_sampling(rbm, 100, ais_schedule(2000), base_visible_bias=base_rate_log_odds(data))
    uniform = annealed_importance_sampling(rbm, 100, ais_schedule(2000))
    spread = 3 * math.hypot(base_rates.log_z_std, uniform.log_z_std)
    assert abs(base_rates.log_z - uniform.log_z) < spread, (base_rates, uniform)
    bound = mean_field_lower_bound(rbm, data[:200])
    assert bound < base_rates.log_z and bound < uniform.log_z, (bound, base_rates, uniform)
    # training moved the model away from its base-rate start: W is not negligible
    assert base_rates.log_z - base_rates.base_log_z > 1.0


def test_rbm_log_likelihood_reports_ais_and_falls_back_loudly_to_the_bound(trained_digit_rbm):
    rbm, data = trained_digit_rbm
    test = data[400:]
    good = rbm_log_likelihood(rbm, test, data[:400], n_runs=50, n_temperatures=300)
    assert set(good) == {"avg_log_likelihood", "log_z", "log_z_std", "log_z_lower_bound", "ais_below_bound"}
    assert good["ais_below_bound"] == 0.0 and good["log_z"] > good["log_z_lower_bound"]
    mean_negative_free_energy = -rbm.free_energy(test).numpy().astype(np.float64).mean()
    assert good["avg_log_likelihood"] == pytest.approx(mean_negative_free_energy - good["log_z"])
    # with its weights doubled the model is peaked; three temperatures cannot bridge the gap from the base
    # rates to its modes: AIS falls far below the bound, and says so
    peaked = RBM(196, 25)
    peaked.load_state_dict(rbm.state_dict())
    peaked.weight.data *= 2
    with pytest.warns(AISBelowBoundWarning, match="AIS FAILED"):
        bad = rbm_log_likelihood(peaked, test, data[:400], n_runs=50, n_temperatures=3)
    assert bad["ais_below_bound"] == 1.0 and bad["log_z"] < bad["log_z_lower_bound"] - 5
    assert bad["avg_log_likelihood"] == pytest.approx(-peaked.free_energy(test).numpy().astype(np.float64).mean()
                                                      - bad["log_z_lower_bound"])


@pytest.mark.parametrize("call, message", [
    (lambda rbm: annealed_importance_sampling(rbm, betas=[0.1, 0.5, 1.0]), "must start at 0 .* and end at 1"),
    (lambda rbm: annealed_importance_sampling(rbm, betas=[0.0, 0.5, 0.9]), "must start at 0 .* and end at 1"),
    (lambda rbm: annealed_importance_sampling(rbm, betas=[0.0, 0.7, 0.5, 1.0]), "non-decreasing"),
    (lambda rbm: annealed_importance_sampling(rbm, betas=[[0.0, 1.0]]), "1-D schedule"),
    (lambda rbm: annealed_importance_sampling(rbm, n_runs=1), "n_runs must be an int >= 2"),
    (lambda rbm: annealed_importance_sampling(rbm, base_visible_bias=np.zeros(3)), r"finite \(4,\) array"),
    (lambda rbm: ais_schedule(2), "n_temperatures must be an int >= 3"),
    (lambda rbm: exact_log_partition(RBM(21, 22)), "at most 20 units"),
    (lambda rbm: mean_field_lower_bound(rbm, np.full((2, 4), 2.0)), r"starts must lie in \[0, 1\]"),
    (lambda rbm: rbm_log_likelihood(rbm, np.full((2, 4), 0.5), np.zeros((2, 4))), "test_data must be binary"),
    (lambda rbm: pseudo_likelihood(rbm, np.zeros((2, 4)), units=np.array([0, 4])), r"units must be \(2,\) ints"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(RBM(4, 3))
