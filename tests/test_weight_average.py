"""The exponential moving average of a network's weights, alone and inside the GAN."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import nn, optim
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import conditional_dcgan, dcgan_discriminator, dcgan_generator
from tinygen.nn.weight_average import ExponentialMovingAverage

LATENT = 8


def closed_form(history, decay):
    """sum_i (1 - d) d^(k - i) theta_i / (1 - d^k) over the k states in ``history`` (float64 arrays)."""
    k = len(history)
    weights = [(1 - decay) * decay ** (k - i) / (1 - decay ** k) for i in range(1, k + 1)]
    return sum(w * theta for w, theta in zip(weights, history))


def network_with_batch_norm():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()


@settings(deadline=None)
@given(decay=st.sampled_from([0.0, 0.5, 0.9, 0.999]), steps=st.integers(1, 6), seed=st.integers(0, 2 ** 16))
def test_the_average_after_k_updates_is_the_bias_corrected_closed_form(decay, steps, seed):
    rng = np.random.default_rng(seed)
    network = network_with_batch_norm()
    average = ExponentialMovingAverage(network, decay)
    history = {key: [] for key in network.state_dict()}
    for step in range(1, steps + 1):
        for key, tensor in network.state_dict().items():
            if tensor.dtype == np.int64:
                tensor.data[...] = 10 * step
            else:
                tensor.data[...] = rng.normal(size=tensor.shape)
            history[key].append(tensor.numpy().copy())
        average.update(network)
    for key, value in average.module.state_dict().items():
        expected = history[key][-1] if value.dtype == np.int64 else closed_form(history[key], decay)
        np.testing.assert_allclose(value.numpy(), expected, rtol=1e-12, atol=1e-12, err_msg=key)
    assert int(average.n_averaged.item()) == steps


def test_the_first_update_copies_the_network_and_the_initial_weights_get_no_share():
    network = nn.Linear(2, 2)
    average = ExponentialMovingAverage(network, 0.999)
    start = network.weight.numpy().copy()
    network.weight.data[...] = start + 1
    average.update(network)
    np.testing.assert_allclose(average.module.weight.numpy(), start + 1, rtol=1e-6)


def test_the_copy_is_frozen_separate_and_update_leaves_the_network_alone():
    network = nn.Linear(3, 2)
    average = ExponentialMovingAverage(network, 0.9)
    assert all(not p.requires_grad for p in average.parameters())
    assert all(p.requires_grad for p in network.parameters())
    before = {key: value.numpy().copy() for key, value in network.state_dict().items()}
    network.weight.data[...] = 5.0
    assert not np.array_equal(average.module.weight.numpy(), network.weight.numpy())  # not shared memory
    before["weight"][...] = 5.0
    average.update(network)
    assert all(np.array_equal(network.state_dict()[key].numpy(), value) for key, value in before.items())


def test_state_dict_keys_are_pytorchs_averaged_model_keys():
    average = ExponentialMovingAverage(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    assert list(average.state_dict()) == ["n_averaged", "module.0.weight", "module.0.bias", "module.1.weight",
                                          "module.1.bias", "module.1.running_mean", "module.1.running_var",
                                          "module.1.num_batches_tracked"]


@pytest.mark.parametrize("decay", [1.0, -0.1, "0.9", True])
def test_bad_decay_is_refused_by_name(decay):
    with pytest.raises(ValueError, match="decay must be a number in \\[0, 1\\)"):
        ExponentialMovingAverage(nn.Linear(2, 2), decay)
    with pytest.raises(ValueError, match="ema .* must be a number in \\[0, 1\\)"):
        GAN(dcgan_generator(LATENT, width=4), dcgan_discriminator(width=4), latent_dim=LATENT, ema=decay)


def gan_and_trainer(ema, conditional=False):
    tg.manual_seed(0)
    networks = (conditional_dcgan(LATENT, width=4) if conditional
                else (dcgan_generator(LATENT, width=4), dcgan_discriminator(width=4)))
    gan = GAN(*networks, latent_dim=LATENT, num_classes=10 if conditional else None, ema=ema)
    optimizers = {name: optim.Adam(getattr(gan, name).parameters(), lr=1e-3, betas=(0.5, 0.999))
                  for name in ("discriminator", "generator")}
    return gan, GANTrainer(gan, optimizers)


def batches(count):
    rng = np.random.default_rng(1)
    return [(rng.random((6, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 6)) for _ in range(count)]


def test_the_gan_averages_the_generator_after_each_step_and_training_is_unchanged():
    plain, plain_trainer = gan_and_trainer(ema=0.0)
    averaged, trainer = gan_and_trainer(ema=0.8)
    history = {key: [] for key in averaged.generator.state_dict()}
    for images_and_labels in batches(3):
        tg.manual_seed(7)
        plain_trainer.train_step(images_and_labels)
        tg.manual_seed(7)
        trainer.train_step(images_and_labels)
        for key, value in averaged.generator.state_dict().items():
            history[key].append(value.numpy().astype(np.float64))
    for key, value in plain.state_dict().items():  # the average never feeds back into training
        assert np.array_equal(value.numpy(), averaged.state_dict()[key].numpy()), key
    for key, value in averaged.generator_ema.module.state_dict().items():
        expected = history[key][-1] if value.dtype == np.int64 else closed_form(history[key], 0.8)
        np.testing.assert_allclose(value.numpy(), expected, rtol=1e-5, atol=1e-6, err_msg=key)


def test_sample_draws_from_the_average_unless_told_otherwise():
    gan, trainer = gan_and_trainer(ema=0.9, conditional=True)
    for images_and_labels in batches(2):
        trainer.train_step(images_and_labels)
    noise, labels = tg.randn(4, LATENT), np.array([0, 3, 5, 9])
    condition = gan.condition(labels, 4)
    with tg.no_grad():
        expected = (gan.generator_ema.eval()(noise, condition).numpy() + 1) / 2
        live = (gan.generator.eval()(noise, condition).numpy() + 1) / 2
    np.testing.assert_allclose(gan.sample(4, labels, noise=noise).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(gan.sample(4, labels, noise=noise, average=False).numpy(), live, rtol=1e-6)
    assert not np.allclose(expected, live, atol=1e-4)


def test_the_generators_own_keys_stay_pytorch_loadable():
    torch = pytest.importorskip("torch")
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from torch_gan import torch_twin
    gan, trainer = gan_and_trainer(ema=0.9)
    trainer.train_step(batches(1)[0])
    assert [key for key in gan.state_dict() if key.startswith("generator.")] == [
        "generator." + key for key in gan.generator.state_dict()]
    twin = torch_twin(torch, gan.generator)  # copies the live generator's weights by their keys
    twin.load_state_dict({key: torch.from_numpy(value.numpy().copy())
                          for key, value in gan.generator_ema.module.state_dict().items()})
    twin.eval()
    noise = tg.randn(3, LATENT)
    with torch.no_grad():
        theirs = twin(torch.from_numpy(noise.numpy())).numpy()
    np.testing.assert_allclose(gan.sample(3, noise=noise).numpy(), (theirs + 1) / 2, atol=1e-5)
