"""RealNVP: invertibility, the log-determinant against the autograd Jacobian, the change of variables
integrating to 1, the bits-per-dimension conversion, PyTorch agreement and bad inputs."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import optim
from tinygen.models.realnvp import PointFlow, RealNVP
from tinygen.models.realnvp.layers import (checkerboard_mask, inverse_logit_transform, logit_transform, squeeze,
                                          support, unsqueeze)

ALPHA = 0.05


def randomized(model, seed, spread=1.0):
    """``model`` with every coupling's learned scale drawn at random: at 0 (their start) each coupling
    would be a pure shift with log-determinant 0, which would make the tests below too easy."""
    rng = np.random.default_rng(seed)
    for name, parameter in model.named_parameters():
        if name.endswith("scale"):
            parameter.data[...] = spread * rng.standard_normal(parameter.shape)
    return model


def small_flow(shape=(1, 4, 4), seed=0, dtype="float64"):
    tg.manual_seed(seed)
    model = RealNVP(shape, hidden=6, couplings=2, alpha=ALPHA)
    return randomized(model.double() if dtype == "float64" else model, seed)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), height=st.sampled_from([2, 4, 6]), channels=st.integers(1, 2))
def test_inverse_undoes_forward(seed, height, channels):
    model = small_flow((channels, height, 4), seed, dtype="float32")
    x = np.random.default_rng(seed).random((3, channels, height, 4)).astype(np.float32)
    z, _ = model(x)
    np.testing.assert_allclose(model.inverse(z).numpy(), x, atol=1e-5)


def test_log_det_is_the_log_determinant_of_the_autograd_jacobian():
    model = small_flow()
    x = tg.Tensor(np.random.default_rng(1).uniform(0.05, 0.95, (1, 1, 4, 4)), requires_grad=True)
    z, log_det = model(x)
    flat = z.reshape(-1)
    jacobian = np.stack([tg.grad(flat[i], [x])[0].numpy().ravel() for i in range(16)])
    off_diagonal = jacobian - np.diag(np.diag(jacobian))
    assert np.abs(off_diagonal).max() > 1e-2, "the couplings must mix pixels, or the check proves little"
    sign, log_abs_det = np.linalg.slogdet(jacobian)
    assert sign != 0
    assert log_det.numpy()[0] == pytest.approx(log_abs_det, abs=1e-9)


def test_squeeze_moves_each_2x2_block_into_four_channels_and_back():
    x = np.arange(2 * 2 * 4 * 6, dtype=np.float64).reshape(2, 2, 4, 6)
    y = squeeze(tg.Tensor(x)).numpy()
    assert y.shape == (2, 8, 2, 3)
    for c, i, j in np.ndindex(2, 2, 2):
        np.testing.assert_array_equal(y[:, 4 * c + 2 * i + j], x[:, c, i::2, j::2])
    np.testing.assert_array_equal(unsqueeze(tg.Tensor(y)).numpy(), x)


def test_the_two_checkerboards_are_complements():
    even, odd = checkerboard_mask(4, 6, 0).numpy(), checkerboard_mask(4, 6, 1).numpy()
    np.testing.assert_array_equal(even + odd, np.ones((1, 1, 4, 6)))
    assert even[0, 0, 0, 0] == 1 and even[0, 0, 0, 1] == 0 and even[0, 0, 1, 0] == 0


def integral_2d(log_density, low, high, points=801):
    """Trapezoid rule of exp(log_density) on a points x points grid over [low, high]^2."""
    grid = np.linspace(low, high, points)
    xs, ys = np.meshgrid(grid, grid, indexing="ij")
    density = np.exp(log_density(np.stack([xs.ravel(), ys.ravel()], axis=1))).reshape(points, points)
    return np.trapezoid(np.trapezoid(density, grid, axis=1), grid)


def point_flow(seed):
    tg.manual_seed(seed)
    return randomized(PointFlow(2, hidden=8, couplings=3).double(), seed, spread=0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_coupling_flow_density_integrates_to_one_on_the_plane(seed):
    flow = point_flow(seed)
    with tg.no_grad():
        total = integral_2d(lambda x: flow.log_prob(x).numpy(), -14, 14, points=1201)
    assert total == pytest.approx(1.0, abs=1e-4)


def test_the_coupling_flow_on_points_is_invertible():
    flow = point_flow(3)
    x = np.random.default_rng(3).normal(size=(50, 2))
    z, _ = flow(x)
    np.testing.assert_allclose(flow.inverse(z).numpy(), x, atol=1e-10)
    assert np.abs(z.numpy() - x).max() > 0.1


def test_logit_transform_then_couplings_integrate_to_one_over_their_support():
    """The image model's two parts on 2-d 'pixels': the logit transform's log-determinant and the couplings'.

    The density reaches a little beyond [0, 1] (layers.support), and over that support it integrates to 1.
    """
    flow = point_flow(2)

    def log_density(x):
        y, log_det = logit_transform(tg.Tensor(x), ALPHA)
        return (flow.log_prob(y) + log_det).numpy()

    low, high = support(ALPHA)
    eps = 1e-9    # the density vanishes at the support's ends, where the logit is infinite
    with tg.no_grad():
        assert integral_2d(log_density, low + eps, high - eps) == pytest.approx(1.0, abs=1e-4)
        inside = integral_2d(log_density, 0.0, 1.0)
    assert 0.5 < inside < 1.0, "over the data's square alone some mass is missing"


def test_inverse_logit_transform_undoes_it():
    x = np.random.default_rng(3).random((4, 1, 2, 2))
    y, _ = logit_transform(tg.Tensor(x), ALPHA)
    np.testing.assert_allclose(inverse_logit_transform(y, ALPHA).numpy(), x, atol=1e-12)


def test_bits_per_dim_converts_the_dequantized_density():
    model = small_flow((1, 4, 4), seed=4)
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (5, 1, 4, 4)) / 255.0
    noise = rng.random(images.shape)
    x = model.dequantize(images, noise).numpy()
    levels = np.round(images * 255)
    assert np.all((x >= levels / 256) & (x < (levels + 1) / 256)), "x must fall in its pixel value's bin"
    expected = (-model.log_prob(x).numpy() + 16 * math.log(256)) / (16 * math.log(2))
    np.testing.assert_allclose(model.bits_per_dim(images, noise).numpy(), expected, rtol=1e-12)


def test_samples_are_images_in_the_unit_interval():
    samples = small_flow((1, 4, 4), dtype="float32").sample(3).numpy()
    assert samples.shape == (3, 1, 4, 4) and samples.min() >= 0 and samples.max() <= 1


def test_against_pytorch_twenty_adam_steps_give_the_same_losses():
    torch = pytest.importorskip("torch")
    import torch_realnvp

    model = small_flow((1, 8, 8), seed=5, dtype="float32")
    twin = torch_realnvp.RealNVP((1, 8, 8), hidden=6, couplings=2, alpha=ALPHA)
    twin.load_state_dict({name: torch.tensor(value.numpy()) for name, value in model.state_dict().items()})
    ours, theirs = optim.Adam(model.parameters(), lr=1e-2), torch.optim.Adam(twin.parameters(), lr=1e-2)
    rng = np.random.default_rng(5)
    losses, twin_losses = [], []
    for _ in range(20):
        images = (rng.integers(0, 256, (16, 1, 8, 8)) / 255.0).astype(np.float32)
        noise = rng.random(images.shape).astype(np.float32)
        ours.zero_grad()
        loss = model.loss(images, noise)
        loss.backward()
        ours.step()
        theirs.zero_grad()
        twin_loss = twin.loss(torch.tensor(model.dequantize(images, noise).numpy()))
        twin_loss.backward()
        theirs.step()
        losses.append(loss.item())
        twin_losses.append(twin_loss.item())
    np.testing.assert_allclose(losses, twin_losses, rtol=1e-4)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("shape, message", [((1, 5, 4), "even"), ((1, 4, 3), "even"), ((4, 4), r"\(C, H, W\)")])
def test_image_sizes_the_squeeze_cannot_halve_are_refused(shape, message):
    with pytest.raises(ValueError, match=message):
        RealNVP(shape, hidden=4, couplings=1, alpha=ALPHA)


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_pixel_values_outside_the_unit_interval_are_refused(value):
    model = small_flow(dtype="float32")
    images = np.full((2, 1, 4, 4), 0.5, np.float32)
    images[1, 0, 2, 3] = value
    for call in (model.log_prob, model.bits_per_dim, model.dequantize):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            call(images)


def test_other_bad_arguments_are_refused():
    model = small_flow(dtype="float32")
    with pytest.raises(ValueError, match="n must be"):
        model.sample(0)
    with pytest.raises(ValueError, match=r"shape \(N, 1, 4, 4\)"):
        model.log_prob(np.full((2, 1, 4, 6), 0.5, np.float32))
    with pytest.raises(ValueError, match="alpha"):
        RealNVP((1, 4, 4), hidden=4, couplings=1, alpha=0.5)
    with pytest.raises(ValueError, match="noise"):
        model.dequantize(np.zeros((2, 1, 4, 4), np.float32), noise=np.ones((2, 1, 4, 4), np.float32))
    with pytest.raises(ValueError, match="n must be"):
        PointFlow(2, 4, 2).sample(0)
