"""The RBM against brute-force sums over its states: energies, conditionals, the CD gradient, Gibbs sampling."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygen as tg
from tinygen import backend
from tinygen.data import DataLoader, Dataset
from tinygen.models.rbm import exact_log_partition
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import RBM, base_rate_log_odds

from rbm_helpers import exact_visible_distribution, joint_log_weights, log_sum_exp, random_rbm

small_rbms = st.builds(random_rbm, n_visible=st.integers(1, 6), n_hidden=st.integers(1, 5),
                       scale=st.sampled_from([0.1, 1.0, 3.0]), seed=st.integers(0, 1000))


@given(small_rbms)
def test_free_energy_sums_the_energy_over_hidden_states(rbm):
    log_weights, vs, _ = joint_log_weights(rbm)
    np.testing.assert_allclose(-rbm.free_energy(vs).numpy(), log_sum_exp(log_weights, axis=1), rtol=1e-10, atol=1e-10)


@given(small_rbms)
def test_conditionals_match_brute_force(rbm):
    log_weights, vs, hs = joint_log_weights(rbm)
    p_h_given_v = np.exp(log_weights - log_sum_exp(log_weights, axis=1)[:, None])   # rows: v
    p_v_given_h = np.exp(log_weights - log_sum_exp(log_weights, axis=0)[None, :])   # columns: h
    np.testing.assert_allclose(rbm.hidden_probabilities(vs), p_h_given_v @ hs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rbm.visible_probabilities(hs), p_v_given_h.T @ vs, rtol=1e-9, atol=1e-12)


@given(small_rbms)
def test_exact_log_partition_matches_the_double_sum(rbm):
    log_weights, _, _ = joint_log_weights(rbm)
    assert exact_log_partition(rbm) == pytest.approx(log_sum_exp(log_weights), rel=1e-12, abs=1e-10)


@given(n_visible=st.integers(1, 9), n_hidden=st.integers(1, 7), n_data=st.integers(1, 5), n_model=st.integers(1, 5),
       seed=st.integers(0, 1000))
def test_cd_gradient_is_minus_the_autograd_gradient_of_the_free_energy_difference(n_visible, n_hidden, n_data,
                                                                                   n_model, seed):
    rbm = random_rbm(n_visible, n_hidden, seed=seed)
    rng = np.random.default_rng(seed)
    v_data = rng.random((n_data, n_visible))             # probabilities are allowed in the positive phase
    v_model = (rng.random((n_model, n_visible)) < 0.5).astype(np.float64)
    difference = rbm.free_energy(v_data).mean() - rbm.free_energy(v_model).mean()
    names = [name for name, _ in rbm.named_parameters()]
    autograd = tg.grad(difference, list(rbm.parameters()))
    gradient = rbm.cd_gradient(v_data, v_model)
    for name, g in zip(names, autograd):
        np.testing.assert_allclose(gradient[name], -g.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@given(n_visible=st.integers(1, 5), n_hidden=st.integers(1, 4), seed=st.integers(0, 100))
def test_free_energy_gradient_passes_finite_differences(n_visible, n_hidden, seed):
    rbm = random_rbm(n_visible, n_hidden, seed=seed)
    v = (np.random.default_rng(seed).random((3, n_visible)) < 0.5).astype(np.float64)
    # gradcheck perturbs its inputs in place, so the model's own parameters can be the inputs
    assert tg.gradcheck(lambda *parameters: rbm.free_energy(v), list(rbm.parameters()))


def tiny_problem():
    """Six 6-pixel patterns the RBM must learn, and an RBM that starts at their base rates."""
    patterns = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0],
                         [1, 1, 0, 0, 1, 1], [0, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0]], dtype=np.float32)
    data = np.repeat(patterns, 10, axis=0)
    rbm = RBM(6, 8, n_chains=20)
    rbm.init_visible_bias(data)
    rbm.weight.data *= 30          # weights N(0, 0.3^2): symmetry broken from the start, so a short run learns
    return data, rbm


def mean_exact_log_likelihood(rbm, data):
    return float(-rbm.free_energy(data).numpy().mean()) - exact_log_partition(rbm)


@pytest.mark.parametrize("k, persistent, lr", [(1, False, 0.1), (5, False, 0.1), (1, True, 0.05)])
def test_contrastive_divergence_raises_the_exact_log_likelihood(k, persistent, lr):
    data, rbm = tiny_problem()
    before = mean_exact_log_likelihood(rbm, data)
    loader = DataLoader(Dataset(data, np.zeros(len(data)), "tiny"), batch_size=20, shuffle=True)
    for _ in range(100):
        for v, _ in loader:
            rbm.contrastive_divergence(v, k=k, lr=lr, momentum=0.5, persistent=persistent)
    after = mean_exact_log_likelihood(rbm, data)
    # six equally likely patterns: the best possible is log(1/6) = -1.79; the start is near -3.9
    assert after > before + 0.5, (before, after)


def test_gibbs_chains_converge_to_the_exact_distribution():
    rbm = random_rbm(4, 3, scale=1.5, seed=3)
    n_chains, confidence = 20_000, 1e-6
    start = (np.random.default_rng(0).random((n_chains, 4)) < 0.5).astype(np.float64)
    samples = rbm.gibbs(start, k=100)
    codes = (samples @ (2 ** np.arange(4))).astype(int)             # the index of each state in enumeration order
    empirical = np.bincount(codes, minlength=16) / n_chains
    exact = exact_visible_distribution(rbm)
    total_variation = 0.5 * np.abs(empirical - exact).sum()
    # E[TV] <= 1/2 sum_x sqrt(p(x)(1 - p(x)) / N) and, changing one sample moving TV by at most 1/N,
    # P(TV > E[TV] + t) <= exp(-2 N t^2) (McDiarmid): the bound below fails with probability <= 1e-6
    expected = 0.5 * np.sqrt(exact * (1 - exact) / n_chains).sum()
    bound = expected + math.sqrt(math.log(1 / confidence) / (2 * n_chains))
    assert total_variation < bound, (total_variation, bound)
    # and the bound is sharp enough to see a wrong sampler: the chains' start is far from p
    assert 0.5 * np.abs(np.bincount((start @ (2 ** np.arange(4))).astype(int), minlength=16) / n_chains
                        - exact).sum() > 3 * bound


def test_momentum_and_weight_decay_follow_the_update_rule():
    rbm = RBM(5, 3, n_chains=4)
    v = (np.random.default_rng(0).random((4, 5)) < 0.5).astype(np.float32)
    lr, momentum, decay = 0.1, 0.9, 0.01
    weight_before = rbm.weight.data.copy()
    first = rbm.contrastive_divergence(v, lr=lr, momentum=momentum, weight_decay=decay)
    step_one = rbm.weight.data - weight_before
    np.testing.assert_allclose(rbm.weight_velocity.data, step_one, rtol=1e-6)
    np.testing.assert_allclose(step_one, lr * first["weight"], rtol=1e-5, atol=1e-8)
    weight_middle = rbm.weight.data.copy()
    second = rbm.contrastive_divergence(v, lr=lr, momentum=momentum, weight_decay=decay)
    # the returned weight gradient already holds -decay * W, the weight before this step
    np.testing.assert_allclose(rbm.weight.data - weight_middle, momentum * step_one + lr * second["weight"],
                               rtol=1e-5, atol=1e-8)
    bias_step = momentum * lr * first["hidden_bias"] + lr * second["hidden_bias"]
    np.testing.assert_allclose(rbm.hidden_bias_velocity.data, bias_step, rtol=1e-5, atol=1e-8)


def test_weight_decay_shrinks_the_weights_by_lr_times_decay():
    updated = {}
    for decay in (0.0, 0.5):
        tg.manual_seed(1)
        rbm = RBM(5, 3)
        v = (np.random.default_rng(0).random((4, 5)) < 0.5).astype(np.float32)
        start = rbm.weight.data.copy()
        rbm.contrastive_divergence(v, lr=0.2, weight_decay=decay)
        updated[decay] = rbm.weight.data
    np.testing.assert_allclose(updated[0.5] - updated[0.0], -0.2 * 0.5 * start, rtol=1e-5, atol=1e-8)


def test_state_dict_holds_parameters_velocities_and_chains_and_resume_is_exact():
    data, _ = tiny_problem()
    batches = [data[i:i + 20] for i in range(0, 60, 20)]

    def train(rbm, batch_list):
        for v in batch_list:
            rbm.contrastive_divergence(v, k=2, lr=0.1, momentum=0.5, weight_decay=1e-3, persistent=True)

    tg.manual_seed(5)
    straight = RBM(6, 4, n_chains=20)
    train(straight, batches)

    tg.manual_seed(5)
    first = RBM(6, 4, n_chains=20)
    train(first, batches[:1])
    saved = {key: value.numpy().copy() for key, value in first.state_dict().items()}
    rng_state = backend.get_rng_state()
    tg.manual_seed(99)
    resumed = RBM(6, 4, n_chains=20)
    resumed.load_state_dict(saved)
    backend.set_rng_state(rng_state)
    train(resumed, batches[1:])

    assert list(saved) == ["weight", "visible_bias", "hidden_bias", "weight_velocity", "visible_bias_velocity",
                           "hidden_bias_velocity", "num_updates", "persistent_chains"]
    assert int(saved["num_updates"]) == 1
    for key, value in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key].numpy(), value.numpy(), err_msg=key)


def test_visible_bias_starts_at_the_data_log_odds_and_reconstruct_is_the_mean_field_pass():
    data = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [0, 0, 0]], dtype=np.float32)
    rbm = RBM(3, 2).init_visible_bias(data)
    p = np.clip(data.mean(axis=0), 1e-3, 1 - 1e-3)
    np.testing.assert_allclose(rbm.visible_bias.data, np.log(p / (1 - p)), rtol=1e-5)
    np.testing.assert_allclose(base_rate_log_odds(data), rbm.visible_bias.data)
    hidden = 1 / (1 + np.exp(-(data @ rbm.weight.data.T + rbm.hidden_bias.data)))
    np.testing.assert_allclose(rbm.reconstruct(data), 1 / (1 + np.exp(-(hidden @ rbm.weight.data
                                                                        + rbm.visible_bias.data))), rtol=1e-5)
    assert rbm(data).shape == (4, 3)


def test_images_are_flattened_and_binarize_thresholds():
    rbm = RBM(784, 8)
    images = np.random.default_rng(0).random((3, 1, 28, 28)).astype(np.float32)
    assert rbm.hidden_probabilities(images).shape == (3, 8)
    np.testing.assert_array_equal(binarize(images), (images > 0.5).astype(np.float32))


def test_sklearn_agrees_on_conditionals_free_energy_and_pseudo_likelihood():
    neural_network = pytest.importorskip("sklearn.neural_network")
    from tinygen.models.rbm import pseudo_likelihood
    rbm = random_rbm(7, 4, seed=2)
    sk = neural_network.BernoulliRBM(n_components=4, random_state=3)
    sk.components_, sk.intercept_hidden_, sk.intercept_visible_ = (p.data.copy() for p in (rbm.weight, rbm.hidden_bias,
                                                                                          rbm.visible_bias))
    sk.h_samples_ = np.zeros((1, 4))
    v = (np.random.default_rng(0).random((10, 7)) < 0.5).astype(np.float64)
    np.testing.assert_allclose(rbm.hidden_probabilities(v), sk.transform(v), rtol=1e-12)
    np.testing.assert_allclose(rbm.free_energy(v).numpy(), sk._free_energy(v), rtol=1e-12)
    units = np.random.RandomState(3).randint(0, 7, 10)            # the units sklearn flips with random_state=3
    np.testing.assert_allclose(pseudo_likelihood(rbm, v, units=units), sk.score_samples(v), rtol=1e-10)


@pytest.mark.parametrize("make, message", [
    (lambda: RBM(5, 0), "n_hidden must be a positive int"),
    (lambda: RBM(0, 5), "n_visible must be a positive int"),
    (lambda: RBM(5, 3, n_chains=-1), "n_chains must be a non-negative int"),
    (lambda: RBM(4, 2).hidden_probabilities(np.full((2, 4), 1.5)), r"must lie in \[0, 1\].*\[1.5, 1.5\]"),
    (lambda: RBM(4, 2).contrastive_divergence(np.full((2, 4), -0.1)), r"v_data must lie in \[0, 1\]"),
    (lambda: RBM(4, 2).free_energy(np.zeros((2, 5))), r"v must have shape \(N, 4\)"),
    (lambda: RBM(4, 2).gibbs(np.zeros((2, 4)), k=0), "k .* must be a positive int, got 0"),
    (lambda: RBM(4, 2).contrastive_divergence(np.zeros((2, 4)), k=0), "k .* must be a positive int"),
    (lambda: RBM(4, 2).contrastive_divergence(np.zeros((2, 4)), persistent=True), "n_chains > 0"),
    (lambda: RBM(4, 2).contrastive_divergence(np.zeros((2, 4)), lr=-1.0), "lr must be >= 0, got -1.0"),
    (lambda: RBM(4, 2).contrastive_divergence(np.zeros((2, 4)), momentum=1.0), "momentum must be >= 0 and < 1"),
])
def test_bad_input_is_a_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_pcd_step_is_scikit_learns_given_the_same_uniform_draws(monkeypatch):
    """BernoulliRBM._fit draws the visible uniforms, then the hidden ones, from its RandomState; feed ours the same."""
    neural_network = pytest.importorskip("sklearn.neural_network")
    data = (np.random.default_rng(0).random((20, 12)) < 0.4).astype(np.float64)
    rbm = random_rbm(12, 6, seed=1)
    rbm.visible_bias.data[...], rbm.hidden_bias.data[...] = 0.0, 0.0
    rbm.register_buffer("persistent_chains", tg.zeros(20, 6, dtype="float64"))
    sk = neural_network.BernoulliRBM(n_components=6, learning_rate=0.1, batch_size=20)
    sk.components_, sk.intercept_hidden_, sk.intercept_visible_ = rbm.weight.data.copy(), np.zeros(6), np.zeros(12)
    sk.h_samples_ = np.zeros((20, 6))
    ours, theirs = np.random.RandomState(5), np.random.RandomState(5)

    class SameUniforms:
        def random(self, shape, dtype=None):
            return ours.uniform(size=shape)

    monkeypatch.setattr(backend, "generator", SameUniforms)
    for _ in range(5):
        rbm.contrastive_divergence(data, k=1, lr=0.1, persistent=True)
        sk._fit(data, theirs)
    np.testing.assert_allclose(rbm.weight.data, sk.components_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rbm.visible_bias.data, sk.intercept_visible_, atol=1e-14)
    np.testing.assert_allclose(rbm.hidden_bias.data, sk.intercept_hidden_, atol=1e-14)
    np.testing.assert_array_equal(rbm.persistent_chains.data, sk.h_samples_)
