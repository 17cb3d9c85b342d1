"""Flow matching: the straight path, its velocity target, Euler and Heun, guidance."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.flow_matching import TIME_SCALE, FlowMatching, path, velocity_target

from diffusion_helpers import TinyDenoiser


def flow(num_classes=None):
    return FlowMatching(TinyDenoiser(1, num_classes), (1, 4, 4), num_classes=num_classes)


def test_path_runs_straight_from_data_at_0_to_noise_at_1_with_the_target_velocity():
    x0, noise = tg.randn(3, 1, 4, 4), tg.randn(3, 1, 4, 4)
    at = lambda t: path(x0, noise, tg.tensor(np.full(3, t, np.float32))).numpy().astype(np.float64)
    np.testing.assert_allclose(at(0.0), x0.numpy(), atol=1e-7)
    np.testing.assert_allclose(at(1.0), noise.numpy(), atol=1e-7)
    target = velocity_target(x0, noise).numpy()
    for t in (0.1, 0.5, 0.9):   # the velocity by a central difference is the target, whatever t: a straight line
        np.testing.assert_allclose((at(t + 0.05) - at(t - 0.05)) / 0.1, target, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(target, noise.numpy() - x0.numpy())


def test_loss_regresses_the_network_on_the_velocity():
    model = flow()
    x0, noise, t = tg.randn(3, 1, 4, 4), tg.randn(3, 1, 4, 4), tg.tensor(np.array([0.0, 0.3, 1.0], np.float32))
    x_t = path(x0, noise, t)
    predicted = model.network(x_t, t * TIME_SCALE).numpy()
    expected = np.mean((noise.numpy() - x0.numpy() - predicted) ** 2)
    assert model.loss_at(x0, t, noise).item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match=r"t must lie in \[0, 1\]"):
        model.loss_at(x0, tg.tensor(np.array([0.0, 0.5, 1.5], np.float32)), noise)


@pytest.mark.parametrize("steps", [1, 3, 10])
def test_euler_is_exact_on_the_straight_paths_toward_one_point(steps):
    """v(x, t) = (x - a) / t, the exact field when the data is one point a: every path is a line into a."""
    a = tg.randn(2, 5)
    start = tg.randn(2, 5)
    end = samplers.euler(lambda x, t: (x - a) * (1.0 / t), start, steps)
    np.testing.assert_allclose(end.numpy(), a.numpy(), atol=1e-5)


@pytest.mark.parametrize("steps", [1, 2, 7])
def test_heun_is_exact_on_a_velocity_linear_in_t_and_euler_is_not(steps):
    """dx/dt = b + c t from x(1): x(0) = x(1) - b - c/2. Heun's trapezoid is exact, Euler misses c h / 2 per step."""
    b, c, start = tg.randn(4), tg.randn(4), tg.randn(4)
    velocity = lambda x, t: b + c * t
    exact = start.numpy() - b.numpy() - c.numpy() / 2
    np.testing.assert_allclose(samplers.heun(velocity, start, steps).numpy(), exact, atol=1e-5)
    euler = samplers.euler(velocity, start, steps).numpy()
    np.testing.assert_allclose(euler - exact, -c.numpy() / (2 * steps), atol=1e-5)


def test_sampling_with_guidance_and_its_errors():
    model = flow(num_classes=10)
    labels = np.array([1, 2, 3])
    images = model.sample(3, labels, sampler="euler", steps=4, guidance=2.0).numpy()
    assert images.shape == (3, 1, 4, 4) and 0 <= images.min() and images.max() <= 1
    x, t = tg.randn(3, 1, 4, 4), 0.25
    times = tg.tensor(np.full(3, t * TIME_SCALE, np.float32))
    conditional = model.network(x, times, tg.tensor(labels)).numpy()
    unconditional = model.network(x, times, tg.tensor(np.full(3, 10))).numpy()
    np.testing.assert_allclose(model.velocity(x, t, labels, guidance=2.0, average=False).numpy(),
                               3 * conditional - 2 * unconditional, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="needs a conditional model"):
        flow().sample(2, steps=2, guidance=0.5)
    with pytest.raises(ValueError, match="sampler must be one of"):
        model.sample(2, sampler="ddim")
    with pytest.raises(ValueError, match="steps S must be an integer >= 1"):
        model.sample(2, steps=0)


def test_heun_takes_two_network_calls_a_step_euler_one():
    calls = []
    velocity = lambda x, t: calls.append(t) or x * 0
    samplers.heun(velocity, tg.randn(2), 5)
    assert len(calls) == 10
    calls.clear()
    samplers.euler(velocity, tg.randn(2), 5)
    assert calls == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2])
