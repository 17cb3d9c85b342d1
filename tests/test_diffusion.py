"""DDPM: schedules, the closed-form forward process, the loss, the ancestral and DDIM samplers, guidance."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.guidance import drop_labels, guided
from tinygen.models.diffusion.model import DDPM
from tinygen.models.diffusion.schedules import cosine_schedule, linear_schedule, make_schedule
from tinygen.models.diffusion.trainer import DiffusionTrainer

from diffusion_helpers import TinyDenoiser


def ddpm(timesteps=1000, schedule="linear", num_classes=None, ema=0.0, shape=(1, 4, 4)):
    return DDPM(TinyDenoiser(shape[0], num_classes), shape, schedule, timesteps, num_classes=num_classes, ema=ema)


# --- schedules ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_alpha_bar_falls_strictly_from_near_one_to_near_zero(name):
    abar = tg.backend.to_numpy(make_schedule(name).alpha_bars)
    assert abar.shape == (1000,)
    assert np.all(np.diff(abar) < 0)
    assert 0.999 < abar[0] < 1 and 0 < abar[-1] < 1e-4


def test_linear_schedule_endpoints_and_product():
    schedule = linear_schedule()
    betas = tg.backend.to_numpy(schedule.betas)
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    expected = math.prod(1 - (1e-4 + (0.02 - 1e-4) * i / 999) for i in range(1000))
    assert tg.backend.to_numpy(schedule.alpha_bars)[-1] == pytest.approx(expected, rel=1e-9)


def test_cosine_schedule_follows_its_formula_and_clips_the_last_beta():
    f = lambda u: math.cos((u / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
    schedule = cosine_schedule()
    abar, betas = tg.backend.to_numpy(schedule.alpha_bars), tg.backend.to_numpy(schedule.betas)
    for t in (0, 100, 500, 900):
        assert abar[t] == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert betas.max() == pytest.approx(0.999) and betas[-1] == pytest.approx(0.999)   # f(T) = 0 would give beta 1


def test_cosine_keeps_more_signal_than_linear_midway():
    """The reason for the cosine schedule: the linear one has destroyed the signal long before t = T."""
    snr = lambda name: tg.backend.to_numpy(make_schedule(name).snr)
    assert snr("cosine")[500] > 5 * snr("linear")[500]


def test_bad_schedule_and_time_steps_are_refused_by_name():
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_schedule("quadratic")
    model = ddpm()
    x0 = np.zeros((2, 1, 4, 4), np.float32)
    for t in ([0, 1000], [-1, 3]):
        with pytest.raises(ValueError, match=r"t must lie in \[0, T\) = \[0, 1000\)"):
            model.q_sample(x0, np.array(t), x0)


# --- the forward process --------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0, 9, 300])
def test_closed_form_equals_t_single_noising_steps_in_distribution(t):
    """q_sample at t against t + 1 single steps x <- sqrt(1 - beta) x + sqrt(beta) eps (our t counts from 0)."""
    model, n = ddpm(), 20000
    x0 = np.array([-1.0, 0.0, 0.5, 1.0], np.float32).reshape(1, 1, 2, 2)
    batch = np.repeat(x0, n, axis=0)
    closed = model.q_sample(batch, np.full(n, t), tg.randn(n, 1, 2, 2)).numpy().astype(np.float64)
    stepped = batch.astype(np.float64)
    rng = np.random.default_rng(1)
    for beta in tg.backend.to_numpy(model.schedule.betas)[:t + 1]:
        stepped = math.sqrt(1 - beta) * stepped + math.sqrt(beta) * rng.standard_normal(stepped.shape)
    abar = float(tg.backend.to_numpy(model.schedule.alpha_bars)[t])
    mean, var = math.sqrt(abar) * x0[0].astype(np.float64), 1 - abar
    for draws in (closed, stepped):   # 5 standard errors of the sample mean and of the sample variance
        assert np.abs(draws.mean(axis=0) - mean).max() < 5 * math.sqrt(var / n)
        assert np.abs(draws.var(axis=0) - var).max() < 5 * var * math.sqrt(2 / (n - 1))


def test_loss_is_the_mean_squared_error_of_the_noise_prediction():
    model = ddpm()
    x0, noise, t = tg.randn(3, 1, 4, 4), tg.randn(3, 1, 4, 4), np.array([0, 10, 999])
    x_t = model.q_sample(x0, t, noise)
    predicted = model.network(x_t, tg.tensor(t.astype(np.float32))).numpy()
    expected = np.mean((noise.numpy() - predicted) ** 2)
    assert model.loss_at(x0, t, noise).item() == pytest.approx(expected, rel=1e-6)


def test_images_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"must be \(N, 1, 4, 4\)"):
        ddpm().loss(np.zeros((2, 1, 8, 8), np.float32))


# --- samplers ---------------------------------------------------------------------------------------
def test_ddim_with_eta_0_is_deterministic_given_the_start_noise():
    model = ddpm(timesteps=100)
    noise = tg.randn(4, 1, 4, 4)
    tg.manual_seed(1)
    first = model.sample(4, steps=10, noise=noise).numpy()
    tg.manual_seed(2)
    assert np.array_equal(first, model.sample(4, steps=10, noise=noise).numpy())
    tg.manual_seed(2)
    stochastic = model.sample(4, steps=10, eta=1.0, noise=noise).numpy()
    assert not np.allclose(first, stochastic)


@pytest.mark.parametrize("steps", [60, 7])
def test_ddim_with_eta_1_is_the_ancestral_sampler(steps):
    """Same start, same z per step: the two updates agree step for step (eta = 1 gives beta~_t), with all
    T steps as in DDPM, and with fewer as the respaced ancestral sampler."""
    model = ddpm(timesteps=60, schedule="cosine")
    noise = tg.randn(3, 1, 4, 4)
    states = {}
    for sampler, eta in (("ddpm", 0.0), ("ddim", 1.0)):
        tg.manual_seed(5)
        kept = []
        model.sample(3, sampler=sampler, steps=steps, eta=eta, noise=noise, on_step=lambda i, x: kept.append(x.numpy()))
        states[sampler] = np.stack(kept)
    assert states["ddpm"].shape == (steps, 3, 1, 4, 4)
    np.testing.assert_allclose(states["ddim"], states["ddpm"], atol=2e-5, rtol=1e-4)


def test_ancestral_step_is_the_papers_algorithm_2():
    """One step from t = T - 1 by hand: (x - beta/sqrt(1 - abar) eps)/sqrt(alpha) + sqrt(beta~) z."""
    schedule = linear_schedule(10)
    eps = tg.randn(2, 3)
    x = tg.randn(2, 3)
    tg.manual_seed(3)
    z = tg.randn(2, 3).numpy()
    b, a = tg.backend.to_numpy(schedule.betas), tg.backend.to_numpy(schedule.alpha_bars)
    expected = (x.numpy() - b[9] / math.sqrt(1 - a[9]) * eps.numpy()) / math.sqrt(1 - b[9]) \
        + math.sqrt(b[9] * (1 - a[8]) / (1 - a[9])) * z
    steps = []
    tg.manual_seed(3)
    samplers.ancestral(lambda x, t: eps, schedule, x, on_step=lambda i, s: steps.append(s.numpy()))
    np.testing.assert_allclose(steps[0], expected, rtol=1e-5, atol=1e-6)


@given(st.floats(1e-4, 0.999), st.integers(0, 2 ** 16))
@settings(max_examples=25, deadline=None)
def test_clipped_eps_agrees_with_the_clipped_x0(abar, seed):
    """eps' implies x0^ clipped to [-1, 1]: unchanged where x0^ was inside, moved exactly to the bound outside."""
    rng = np.random.default_rng(seed)
    x, eps = (tg.tensor(rng.standard_normal((3, 5)) * 3) for _ in range(2))
    implied = lambda e: (x.numpy() - math.sqrt(1 - abar) * e) / math.sqrt(abar)
    clipped = samplers.clipped_eps(x, eps, abar, (-1.0, 1.0)).numpy()
    np.testing.assert_allclose(implied(clipped), np.clip(implied(eps.numpy()), -1, 1), atol=1e-9 / math.sqrt(abar))
    assert samplers.clipped_eps(x, eps, abar, None) is eps


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_clip_denoised_keeps_samples_in_range_when_the_network_is_far_off(sampler):
    """A predictor 30x too loud throws x0^ far out of [-1, 1]: unclipped, the images land on 0 and 1 (saturated);
    clipped, every step's x0^ is in range and the last state, x0^ itself, needs no clipping."""
    schedule, x = linear_schedule(100), tg.randn(64, 16)
    loud = lambda x, t: x * 30.0
    def run(clip):
        tg.manual_seed(0)  # the ancestral sampler draws fresh noise: the same for every run
        return (samplers.ddim(loud, schedule, x, 10, clip_x0=clip) if sampler == "ddim"
                else samplers.ancestral(loud, schedule, x, 10, clip_x0=clip)).numpy()
    assert np.abs(run(None)).max() > 10
    final = run((-1.0, 1.0))
    assert np.abs(final).max() <= 1.0 + 1e-6
    np.testing.assert_allclose(run((-1e9, 1e9)), run(None), rtol=1e-4, atol=1e-4)  # a range never met: no change


def test_ddim_time_steps_and_bad_step_counts():
    assert samplers.ddim_timesteps(1000, 1).tolist() == [999]
    assert samplers.ddim_timesteps(1000, 4).tolist() == [999, 666, 333, 0]
    assert samplers.ddim_timesteps(10, 10).tolist() == list(range(9, -1, -1))
    model = ddpm(timesteps=20)
    for steps in (0, 21):
        with pytest.raises(ValueError, match=r"1 <= S <= T = 20"):
            model.sample(2, steps=steps)
    with pytest.raises(ValueError, match="eta must be a number in"):
        model.sample(2, steps=5, eta=-0.5)
    with pytest.raises(ValueError, match=r"1 <= S <= T = 20"):
        model.sample(2, sampler="ddpm", steps=21)
    with pytest.raises(ValueError, match="sampler must be one of"):
        model.sample(2, sampler="euler")


def test_samples_are_images_in_the_unit_interval():
    images = ddpm(timesteps=50).sample(5, steps=5).numpy()
    assert images.shape == (5, 1, 4, 4) and images.min() >= 0 and images.max() <= 1


# --- classifier-free guidance ----------------------------------------------------------------------
def test_guided_prediction_is_one_plus_w_conditional_minus_w_unconditional():
    model = ddpm(num_classes=10)
    x, t, labels = tg.randn(4, 1, 4, 4), np.array([3, 50, 700, 999]), np.array([0, 3, 9, 3])
    times = tg.tensor(t.astype(np.float32))
    conditional = model.network(x, times, tg.tensor(labels)).numpy()
    unconditional = model.network(x, times, tg.tensor(np.full(4, 10))).numpy()
    for w in (0.0, 0.5, 3.0):
        got = model.predict_noise(x, t, labels, guidance=w, average=False).numpy()
        np.testing.assert_allclose(got, (1 + w) * conditional - w * unconditional, rtol=1e-5, atol=1e-6)
    assert not np.allclose(conditional, unconditional)   # else the test could not tell the terms apart
    np.testing.assert_allclose(guided(tg.tensor(2.0), tg.tensor(1.0), 0.5).numpy(), 2.5)


def test_label_dropout_replaces_labels_by_the_null_class_at_rate_p():
    labels = tg.backend.asarray(np.arange(20000) % 10)
    dropped = tg.backend.to_numpy(drop_labels(labels, 0.2, 10))
    kept = dropped != 10
    assert np.array_equal(dropped[kept], np.arange(20000)[kept] % 10)
    assert abs((~kept).mean() - 0.2) < 5 * math.sqrt(0.2 * 0.8 / 20000)


def test_guidance_errors_name_the_rule():
    with pytest.raises(ValueError, match="needs a conditional model"):
        ddpm().sample(2, steps=2, guidance=1.0)
    with pytest.raises(ValueError, match="guidance w must be >= 0"):
        ddpm(num_classes=10).sample(2, np.array([1, 2]), steps=2, guidance=-1.0)
    with pytest.raises(ValueError, match="labels given to an unconditional model"):
        ddpm().sample(2, np.array([1, 2]), steps=2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        ddpm(num_classes=10).sample(2, np.array([1, 10]), steps=2)


# --- training ------------------------------------------------------------------------------------
def test_trainer_step_lowers_the_loss_and_moves_the_weight_average():
    model = ddpm(num_classes=10, ema=0.9, shape=(1, 8, 8))
    trainer = DiffusionTrainer(model, tg.optim.Adam(model.network.parameters(), lr=1e-2))
    images = np.random.default_rng(0).random((16, 1, 8, 8)).astype(np.float32)
    batch = (tg.backend.asarray(images), tg.backend.asarray(np.arange(16) % 10))
    first = trainer.train_step(batch)["loss"]
    # the first update copies the weights (bias-corrected average: no share for the initial ones)
    for name, value in model.network.state_dict().items():
        np.testing.assert_array_equal(model.network_ema.module.state_dict()[name].numpy(), value.numpy())
    losses = [trainer.train_step(batch)["loss"] for _ in range(60)]
    assert np.mean(losses[-10:]) < first
    assert int(model.network_ema.n_averaged.item()) == 61
