"""WGAN-GP's gradient penalty through a tiny conv critic: value and weight gradient by finite differences,
and optimizing the penalty alone pulls the critic's gradient norm toward 1."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import nn, optim
from tinygen.models.gan.gradient_penalty import gradient_penalty, interpolates


def tiny_conv_critic(channels, size, features):
    """conv (stride 2) + LeakyReLU + linear, in float64: (N, channels, size, size) -> (N, 1)."""
    inner = (size + 2 - 3) // 2 + 1
    return nn.Sequential(nn.Conv2d(channels, features, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                         nn.Flatten(), nn.Linear(features * inner * inner, 1)).double()


def batch(rng, shape):
    return tg.Tensor(rng.standard_normal(shape))


def numeric_input_gradient_norms(critic, points, eps=1e-6):
    """||dD/dx|| per example by central differences on every input element."""
    x = points.numpy().copy()
    flat = x.reshape(len(x), -1)
    gradient = np.zeros_like(flat)
    for element in range(flat.shape[1]):
        for sign in (1, -1):
            shifted = flat.copy()
            shifted[:, element] += sign * eps
            with tg.no_grad():
                scores = critic(tg.Tensor(shifted.reshape(x.shape))).numpy()[:, 0]
            gradient[:, element] += sign * scores / (2 * eps)
    return np.linalg.norm(gradient, axis=1)


shapes = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(3, 6), st.integers(1, 3))


def critic_and_batches(shape, seed):
    """A tiny float64 conv critic and (real, fake, mix) for it: batch, channels, size, features = shape."""
    count, channels, size, features = shape
    rng = np.random.default_rng(seed)
    tg.manual_seed(seed)
    critic = tiny_conv_critic(channels, size, features)
    real, fake = batch(rng, (count, channels, size, size)), batch(rng, (count, channels, size, size))
    return critic, real, fake, tg.Tensor(rng.random(count))


@settings(max_examples=8)
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_penalty_value_matches_finite_difference_gradients(shape, seed):
    critic, real, fake, mix = critic_and_batches(shape, seed)
    penalty, norms = gradient_penalty(critic, real, fake, weight=10.0, mix=mix)
    expected_norms = numeric_input_gradient_norms(critic, interpolates(real, fake, mix))
    np.testing.assert_allclose(norms.numpy(), expected_norms, rtol=1e-6, atol=1e-8)
    assert penalty.item() == pytest.approx(10.0 * np.mean((expected_norms - 1) ** 2), rel=1e-6, abs=1e-9)


@settings(max_examples=6)
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_penalty_gradient_with_respect_to_critic_weights(shape, seed):
    critic, real, fake, mix = critic_and_batches(shape, seed)
    # gradcheck perturbs the parameters in place; the penalty reads them through the critic
    penalty_of_weights = lambda *weights: gradient_penalty(critic, real, fake, weight=10.0, mix=mix)[0]
    assert tg.gradcheck(penalty_of_weights, list(critic.parameters()), atol=1e-6, rtol=1e-4)


def test_penalty_alone_moves_the_weights_and_pulls_gradient_norms_toward_one():
    rng = np.random.default_rng(0)
    critic = tiny_conv_critic(1, 6, 4).float()
    real = tg.Tensor(rng.standard_normal((32, 1, 6, 6)).astype(np.float32))
    fake = tg.Tensor(rng.standard_normal((32, 1, 6, 6)).astype(np.float32))
    start = {name: value.numpy().copy() for name, value in critic.state_dict().items()}
    optimizer = optim.Adam(critic.parameters(), lr=1e-2)
    distances = []
    for step in range(150):
        penalty, norms = gradient_penalty(critic, real, fake, weight=10.0)
        distances.append(float(np.mean(np.abs(norms.numpy() - 1))))
        optimizer.zero_grad()
        penalty.backward()
        optimizer.step()
    moved = {name for name, value in critic.state_dict().items() if not np.allclose(start[name], value.numpy())}
    # a piecewise-linear critic's input gradient is a product of its weights; the biases only pick which
    # side of zero each unit is on, so the penalty's gradient with respect to them is zero
    assert moved == {"0.weight", "3.weight"}
    assert distances[0] > 0.2, "the test starts from a critic whose gradient norm is far from 1"
    assert np.mean(distances[-10:]) < 0.1 * distances[0]


def test_penalty_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    critic = tiny_conv_critic(2, 5, 3)
    twin = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.LeakyReLU(0.2),
                               torch.nn.Flatten(), torch.nn.Linear(27, 1)).double()
    twin.load_state_dict({name: torch.tensor(value.numpy()) for name, value in critic.state_dict().items()})
    real, fake, mix = rng.standard_normal((4, 2, 5, 5)), rng.standard_normal((4, 2, 5, 5)), rng.random(4)
    penalty, _ = gradient_penalty(critic, tg.Tensor(real), tg.Tensor(fake), mix=tg.Tensor(mix))
    penalty.backward()
    points = torch.tensor(mix[:, None, None, None] * real + (1 - mix[:, None, None, None]) * fake, requires_grad=True)
    gradient, = torch.autograd.grad(twin(points).sum(), points, create_graph=True)
    twin_penalty = 10.0 * ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()
    twin_penalty.backward()
    assert penalty.item() == pytest.approx(twin_penalty.item(), rel=1e-10)
    for (name, param), twin_param in zip(critic.named_parameters(), twin.parameters()):
        ours = np.zeros(param.shape) if param.grad is None else param.grad.numpy()   # None: no dependence
        theirs = np.zeros(param.shape) if twin_param.grad is None else twin_param.grad.numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12, err_msg=name)


def test_negative_weight_is_refused():
    critic = tiny_conv_critic(1, 4, 2)
    x = tg.Tensor(np.zeros((2, 1, 4, 4)))
    with pytest.raises(ValueError, match="lambda must be non-negative, got -1.0"):
        gradient_penalty(critic, x, x, weight=-1.0)


def test_mismatched_batches_are_refused():
    critic = tiny_conv_critic(1, 4, 2)
    with pytest.raises(ValueError, match=r"real batch of shape \(2, 1, 4, 4\) and fake batch of shape \(3, 1, 4, 4\)"):
        gradient_penalty(critic, tg.Tensor(np.zeros((2, 1, 4, 4))), tg.Tensor(np.zeros((3, 1, 4, 4))))
