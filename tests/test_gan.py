"""The GAN: the alternation leaks nothing, one step equals PyTorch's, bad input is refused by name."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn, optim
from tinygen.autograd import Tensor
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import (conditional_dcgan, dcgan_discriminator, dcgan_generator,
                                              dense_discriminator, dense_generator)
from tinygen.models.gan.losses import GAME_LOSSES, GameLoss

LATENT = 8


def adam_pair(gan, lr=2e-4):
    return {"discriminator": optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
            "generator": optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999))}


def tiny_dcgan(**settings):
    tg.manual_seed(0)
    return GAN(dcgan_generator(LATENT, width=4), dcgan_discriminator(width=4), latent_dim=LATENT, **settings)


def tiny_dense(dropout=0.0):
    tg.manual_seed(0)
    return GAN(dense_generator(LATENT, widths=(16, 32)), dense_discriminator(widths=(32, 16), dropout=dropout),
               latent_dim=LATENT)


def batch(count=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((count, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, count)


def values(module):
    return {key: value.numpy().copy() for key, value in module.state_dict().items()}


def test_course_dense_gan_has_the_course_parameter_counts():
    assert nn.parameter_count(dense_generator()) == 1_486_352
    assert nn.parameter_count(dense_discriminator()) == 1_460_225


def test_state_dict_keys_name_both_players():
    keys = list(tiny_dcgan().state_dict())
    assert "generator.0.weight" in keys and "discriminator.3.running_mean" in keys
    assert all(key.startswith(("generator.", "discriminator.")) for key in keys)


def test_discriminator_step_moves_only_the_discriminator_and_puts_no_gradient_on_the_generator():
    gan = tiny_dcgan()
    trainer = GANTrainer(gan, adam_pair(gan))
    before_g, before_d = values(gan.generator), values(gan.discriminator)
    fake, _ = trainer.discriminator_step(gan.real_images(batch()[0]), None)
    assert all(p.grad is None for p in gan.generator.parameters())  # the fakes were detached
    after_g = values(gan.generator)
    params_g = {key for key, _ in gan.generator.named_parameters()}
    assert all(np.array_equal(before_g[key], after_g[key]) for key in params_g)
    assert any(not np.array_equal(before_d[key], value) for key, value in values(gan.discriminator).items())


def test_generator_step_moves_only_the_generator_and_leaves_the_discriminator_gradients_alone():
    gan = tiny_dcgan()
    trainer = GANTrainer(gan, adam_pair(gan))
    fake, _ = trainer.discriminator_step(gan.real_images(batch()[0]), None)
    grads_d = [p.grad.numpy().copy() for p in gan.discriminator.parameters()]
    params_d = [p.numpy().copy() for p in gan.discriminator.parameters()]
    before_g = [p.numpy().copy() for p in gan.generator.parameters()]
    trainer.generator_step(fake, None)
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(params_d, gan.discriminator.parameters()))
    assert all(np.array_equal(g, p.grad.numpy()) for g, p in zip(grads_d, gan.discriminator.parameters()))
    assert all(p.requires_grad for p in gan.discriminator.parameters())  # unfrozen again
    assert all(not np.array_equal(a, p.numpy()) for a, p in zip(before_g, gan.generator.parameters()))


def noise_queue(gan, noises):
    """Make ``gan.noise`` hand out the given host arrays in turn (the same noise PyTorch gets)."""
    queue = iter(noises)
    gan.noise = lambda n: Tensor(next(queue))


@pytest.mark.parametrize("make", [tiny_dense, tiny_dcgan, "conditional"])
def test_two_training_steps_equal_pytorch(make):
    torch = pytest.importorskip("torch")
    from torch_gan import TorchGAN, assert_same_weights
    if make == "conditional":
        tg.manual_seed(0)
        gan = GAN(*conditional_dcgan(LATENT, num_classes=10, width=4), latent_dim=LATENT, num_classes=10)
    else:
        gan = make()
    twin = TorchGAN(torch, gan)
    rng = np.random.default_rng(1)
    noises = [rng.standard_normal((6, LATENT)).astype(np.float32) for _ in range(2)]
    noise_queue(gan, noises)
    trainer = GANTrainer(gan, adam_pair(gan))
    for step, noise in enumerate(noises):
        images, labels = batch(seed=step)
        ours, theirs = trainer.train_step((images, labels)), twin.train_step(images, labels, noise)
        for name in theirs:
            assert ours[name] == pytest.approx(theirs[name], rel=1e-5, abs=1e-6), name
    assert_same_weights(gan, twin)


def test_batch_norm_running_statistics_follow_pytorch():
    torch = pytest.importorskip("torch")
    from torch_gan import TorchGAN
    gan = tiny_dcgan()
    twin = TorchGAN(torch, gan)
    noise = np.random.default_rng(2).standard_normal((6, LATENT)).astype(np.float32)
    noise_queue(gan, [noise])
    images, labels = batch()
    GANTrainer(gan, adam_pair(gan)).train_step((images, labels))
    twin.train_step(images, labels, noise)
    expected, ours = twin.state_dict(), gan.state_dict()
    buffers = [key for key in ours if "running" in key or "num_batches" in key]
    assert any(key.startswith("discriminator.") for key in buffers)
    for key in buffers:  # D saw three batches (real, fake, fake again in G's step): three updates
        np.testing.assert_allclose(ours[key].numpy(), expected[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert int(ours["discriminator.3.num_batches_tracked"].numpy()) == 3


def test_losses_are_registered_and_minimax_is_the_negated_fake_term():
    assert {"non_saturating", "minimax"} <= set(GAME_LOSSES)
    logits = Tensor(np.array([[-3.0], [0.5], [40.0]], dtype=np.float32))
    z = logits.numpy().astype(np.float64)
    minimax = GAME_LOSSES["minimax"]().generator_loss(logits).item()
    non_saturating = GAME_LOSSES["non_saturating"]().generator_loss(logits).item()
    # log(1 - sigmoid(z)) = -log(1 + e^z): finite at z = 40, where 1 - sigmoid(z) rounds to 0 in float32
    assert minimax == pytest.approx(-np.mean(np.logaddexp(0, z)), rel=1e-5)
    assert non_saturating == pytest.approx(np.mean(np.logaddexp(0, -z)), rel=1e-5)


def test_label_smoothing_sets_the_real_target():
    gan = tiny_dcgan(label_smoothing=0.1)
    zero = Tensor(np.zeros((4, 1), np.float32))
    loss, _ = GAME_LOSSES["non_saturating"]().discriminator_loss(gan, None, None, zero, zero)
    assert loss.item() == pytest.approx(2 * np.log(2), rel=1e-6)  # at logit 0 the target does not matter
    big = Tensor(np.full((4, 1), 10.0, np.float32))
    smoothed, _ = GAME_LOSSES["non_saturating"]().discriminator_loss(gan, None, None, big, -big)
    assert smoothed.item() == pytest.approx(0.1 * 10 + 2 * np.log1p(np.exp(-10.0)), rel=1e-4)


def test_n_critic_takes_that_many_discriminator_steps():
    calls = []

    class Counting(GAME_LOSSES["non_saturating"]):
        def after_discriminator_step(self, gan):
            calls.append(1)
    gan = tiny_dcgan(loss=Counting(), n_critic=3)
    GANTrainer(gan, adam_pair(gan)).train_step(batch())
    assert len(calls) == 3


def test_sample_gives_images_in_unit_range_and_conditional_needs_labels():
    gan = tiny_dcgan()
    images = gan.sample(5).numpy()
    assert images.shape == (5, 1, 28, 28) and images.min() >= 0 and images.max() <= 1
    tg.manual_seed(0)
    conditional = GAN(*conditional_dcgan(LATENT, num_classes=10, width=4), latent_dim=LATENT, num_classes=10)
    assert conditional.sample(3, labels=np.array([0, 4, 9])).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="needs labels"):
        conditional.sample(3)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\], got values from 0 to 10"):
        conditional.sample(2, labels=np.array([0, 10]))
    with pytest.raises(TypeError, match="labels must be integers"):
        conditional.sample(2, labels=np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels shape \(3,\) must be \(2,\)"):
        conditional.sample(2, labels=np.array([0, 1, 2]))


def test_bad_settings_and_shapes_are_refused_by_name():
    with pytest.raises(ValueError, match="unconditional GAN"):
        tiny_dcgan().sample(2, labels=np.array([0, 1]))
    with pytest.raises(ValueError, match="n_critic must be an integer >= 1, got 0"):
        tiny_dcgan(n_critic=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        tiny_dcgan(label_smoothing=1.0)
    with pytest.raises(ValueError, match="loss must be one of"):
        tiny_dcgan(loss="hinge")
    with pytest.raises(ValueError, match=r"generator maps a batch of 2 to shape \(2, 1, 28, 28\).*\(2, 1, 8, 8\)"):
        GAN(dcgan_generator(LATENT, width=4), dcgan_discriminator((1, 8, 8), width=4), latent_dim=LATENT,
            data_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=r"data batch shape \(6, 1, 8, 8\) must be \(N, 1, 28, 28\)"):
        gan = tiny_dcgan()
        GANTrainer(gan, adam_pair(gan)).train_step((np.zeros((6, 1, 8, 8), np.float32), None))
    with pytest.raises(ValueError, match="optimizers must be named"):
        GANTrainer(tiny_dcgan(), {"generator": None})
    with pytest.raises(ValueError, match=r"data_shape must be \(C, H, H\)"):
        dcgan_generator(LATENT, data_shape=(1, 30, 30))


def test_a_non_finite_loss_stops_before_the_update():
    class Exploding(GameLoss):
        name = "exploding"

        def discriminator_loss(self, gan, real, fake, real_logits, fake_logits):
            return real_logits.mean() * float("nan"), {}
    gan = tiny_dcgan(loss=Exploding())
    before = [p.numpy().copy() for p in gan.discriminator.parameters()]
    with pytest.raises(ValueError, match="loss_d"):
        GANTrainer(gan, adam_pair(gan)).train_step(batch())
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, gan.discriminator.parameters()))


def test_a_briefly_trained_conditional_gan_paints_the_asked_digit_more_often_than_chance():
    """scikit-learn's 8x8 digits keep it fast; the judge is the nearest class mean of the real digits (~90 %)."""
    pytest.importorskip("sklearn")
    from tinygen.data import DataLoader, load_dataset
    from tinygen.models import RunData, get_recipe
    from tinygen.models.gan.recipe import adam_pair
    digits = load_dataset("digits", "train")
    centroids = np.stack([digits.images[digits.labels == k].mean(axis=0).ravel() for k in range(10)])

    def judged(images):
        return ((images.reshape(len(images), 1, -1) - centroids) ** 2).sum(axis=2).argmin(axis=1)
    assert (judged(digits.images) == digits.labels).mean() > 0.85
    gan = get_recipe("cgan").model((1, 8, 8), latent_dim=16, width=16)
    trainer, loader = adam_pair(gan, RunData({"lr": 1e-3, "train_args": {}})), DataLoader(digits, 64, shuffle=True, seed=0)
    for _ in range(6):
        for images_and_labels in loader:
            trainer.train_step(images_and_labels)
    asked = np.arange(1000) % 10
    accuracy = (judged(gan.sample(1000, asked).numpy()) == asked).mean()
    chance, sigma = 0.1, np.sqrt(0.1 * 0.9 / 1000)  # binomial spread of a guesser's accuracy over 1,000 samples
    assert accuracy > chance + 5 * sigma
