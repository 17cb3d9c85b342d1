"""The Wasserstein games in the GAN of GANs I: weight clipping, the penalized critic step, the networks."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import conditional_dcgan, dcgan_discriminator, dcgan_generator
from tinygen.models.gan.losses import GAME_LOSSES
from tinygen.models.gan.wgan_networks import check_no_batch_norm, dcgan_critic, toy_discriminator, toy_generator
from tinygen.models.gan.wasserstein import Wasserstein, WassersteinGP
from tinygen.nn.norm import BatchNorm


def toy_gan(loss, n_critic=1, width=16):
    return GAN(toy_generator(2, width, 2), toy_discriminator(width, 2), latent_dim=2, data_shape=(2,),
               loss=loss, n_critic=n_critic)


def points(count=32, seed=0):
    rng = np.random.default_rng(seed)
    return tg.Tensor(rng.standard_normal((count, 2)).astype(np.float32)), tg.Tensor(np.zeros(count, np.int64))


def test_both_losses_are_registered_by_name():
    assert GAME_LOSSES["wasserstein"] is Wasserstein and GAME_LOSSES["wgan_gp"] is WassersteinGP


def test_clipping_keeps_every_critic_parameter_in_bounds_after_each_step():
    gan = toy_gan(Wasserstein(clip_value=0.05))
    trainer = GANTrainer(gan, gan.game.optimizers(gan, lr=0.05))   # a large rate pushes weights out every step
    assert max(float(abs(p.numpy()).max()) for p in gan.discriminator.parameters()) > 0.05
    for step in range(5):
        trainer.train_step(points(seed=step))
        values = np.concatenate([p.numpy().ravel() for p in gan.discriminator.parameters()])
        assert values.min() >= -0.05 and values.max() <= 0.05
        assert np.mean(np.abs(values) == np.float32(0.05)) > 0.2, "the step did push weights onto the bounds"


def test_clipping_leaves_the_generator_alone():
    gan = toy_gan(Wasserstein(clip_value=0.01))
    GANTrainer(gan, gan.game.optimizers(gan, lr=0.05)).train_step(points())
    assert max(float(abs(p.numpy()).max()) for p in gan.generator.parameters()) > 0.01


def test_wasserstein_step_reports_the_critic_gap():
    tg.manual_seed(1)
    gan = toy_gan("wasserstein")
    report = GANTrainer(gan, gan.game.optimizers(gan)).train_step(points())
    assert {"loss_d", "loss_g", "wasserstein_estimate", "d_real", "d_fake"} <= set(report)
    assert report["wasserstein_estimate"] == pytest.approx(report["d_real"] - report["d_fake"], abs=1e-6)
    assert report["loss_d"] == pytest.approx(-report["wasserstein_estimate"], abs=1e-6)


def test_wgan_gp_step_reports_penalty_and_gradient_norm():
    tg.manual_seed(2)
    gan = toy_gan("wgan_gp", n_critic=2)
    report = GANTrainer(gan, gan.game.optimizers(gan)).train_step(points())
    assert {"loss_d", "loss_g", "wasserstein_estimate", "gradient_penalty", "grad_norm"} <= set(report)
    assert report["loss_d"] == pytest.approx(report["gradient_penalty"] - report["wasserstein_estimate"], abs=1e-5)
    assert report["grad_norm"] > 0 and report["gradient_penalty"] >= 0


def test_wgan_gp_moves_the_critic_by_the_penalty_too():
    """With lambda = 0 and lambda = 10 from the same start, the critic's first step differs."""
    def critic_after_one_step(penalty_weight):
        tg.manual_seed(3)
        gan = toy_gan(WassersteinGP(penalty_weight))
        GANTrainer(gan, gan.game.optimizers(gan, lr=1e-2)).discriminator_step(gan.real_images(points()[0]), None)
        return np.concatenate([p.numpy().ravel() for p in gan.discriminator.parameters()])
    assert not np.allclose(critic_after_one_step(0.0), critic_after_one_step(10.0))


def test_paper_optimizers():
    gan = toy_gan("wasserstein")
    optimizers = Wasserstein().optimizers(gan)
    assert isinstance(optimizers["discriminator"], optim.RMSprop) and optimizers["generator"].defaults["lr"] == 5e-5
    adam = WassersteinGP().optimizers(gan)["discriminator"]
    assert isinstance(adam, optim.Adam) and adam.defaults["lr"] == 1e-4 and tuple(adam.defaults["betas"]) == (0.5, 0.9)


def test_dcgan_critic_is_the_dcgan_discriminator_without_batch_norm():
    critic = dcgan_critic((1, 28, 28), width=8)
    assert not any(isinstance(layer, BatchNorm) for layer in critic.modules())
    kept = [type(layer).__name__ for layer in dcgan_discriminator((1, 28, 28), 8) if not isinstance(layer, BatchNorm)]
    assert [type(layer).__name__ for layer in critic] == kept
    assert critic[2].bias is not None, "without batch norm after it, the second conv needs its bias"
    assert critic(tg.zeros(3, 1, 28, 28)).shape == (3, 1)


def test_wgan_gp_refuses_a_critic_with_batch_norm_and_says_why():
    gan = GAN(dcgan_generator(8, (1, 8, 8), 4), dcgan_discriminator((1, 8, 8), 4), latent_dim=8, data_shape=(1, 8, 8),
              loss="wgan_gp")
    trainer = GANTrainer(gan, gan.game.optimizers(gan))
    with pytest.raises(ValueError, match=r"batch norm at '3' \(BatchNorm2d\).*whole batch"):
        trainer.train_step((tg.rand(4, 1, 8, 8), tg.Tensor(np.zeros(4, np.int64))))
    check_no_batch_norm(dcgan_critic((1, 8, 8), 4))   # the critic without it passes


def test_wgan_gp_trains_the_dcgan_architecture_with_its_critic():
    tg.manual_seed(4)
    gan = GAN(dcgan_generator(8, (1, 8, 8), 4), dcgan_critic((1, 8, 8), 4), latent_dim=8, data_shape=(1, 8, 8),
              loss="wgan_gp", n_critic=2)
    report = GANTrainer(gan, gan.game.optimizers(gan)).train_step((tg.rand(4, 1, 8, 8), tg.Tensor(np.zeros(4, np.int64))))
    assert all(np.isfinite(value) for value in report.values())


@pytest.mark.parametrize("make, match", [
    (lambda: Wasserstein(clip_value=0.0), "clip_value must be positive .* got 0.0"),
    (lambda: Wasserstein(clip_value=-0.01), "clip_value must be positive .* got -0.01"),
    (lambda: WassersteinGP(penalty_weight=-1.0), r"penalty_weight \(lambda\) must be non-negative, got -1.0"),
])
def test_bad_settings_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wgan_gp_refuses_a_conditional_gan_by_name():
    generator, critic = conditional_dcgan(8, (1, 8, 8), num_classes=3, width=4)
    gan = GAN(generator, critic, latent_dim=8, data_shape=(1, 8, 8), num_classes=3, loss="wgan_gp")
    with pytest.raises(ValueError, match="conditional GAN .* not supported"):
        GANTrainer(gan, gan.game.optimizers(gan)).train_step((tg.rand(4, 1, 8, 8), tg.Tensor(np.arange(4) % 3)))


def test_two_wgan_gp_steps_through_the_dcgan_critic_equal_pytorch():
    """The same noise, interpolation weights and batches: tinygen's trainer and the PyTorch twin agree."""
    torch = pytest.importorskip("torch")
    from torch_gan import TorchWGANGP, assert_same_weights
    tg.manual_seed(0)
    gan = GAN(dcgan_generator(8, width=4), dcgan_critic(width=4), latent_dim=8, loss=WassersteinGP(), n_critic=2)
    twin = TorchWGANGP(torch, gan, lr=1e-3)
    rng = np.random.default_rng(1)
    noises = [rng.standard_normal((6, 8)).astype(np.float32) for _ in range(4)]
    queue = iter(noises)
    gan.noise = lambda n: tg.Tensor(next(queue))
    trainer = GANTrainer(gan, gan.game.optimizers(gan, lr=1e-3))
    for step in range(2):
        images = rng.random((6, 1, 28, 28)).astype(np.float32)
        tg.manual_seed(10 + step)
        ours = trainer.train_step((images, None))
        tg.manual_seed(10 + step)   # the twin's interpolation weights: the draws tinygen's step made
        mixes = [tg.rand(6, dtype="float32").numpy() for _ in range(2)]
        theirs = twin.train_step(images, noises[2 * step:2 * step + 2], mixes)
        for name in theirs:
            assert ours[name] == pytest.approx(theirs[name], rel=1e-4, abs=1e-5), name
    assert_same_weights(gan, twin)


def test_the_toy_experiment_builds_wgan_gp_with_the_settings_lambda():
    from tinygen.models.gan.toy import ToySettings
    from tinygen.toy_experiment import toy_gan
    gan = toy_gan("wgan_gp", ToySettings(width=8, depth=1, penalty_weight=0.25))
    assert isinstance(gan.game, WassersteinGP) and gan.game.penalty_weight == 0.25 and gan.n_critic == 5
    assert toy_gan("minimax", ToySettings(width=8, depth=1)).n_critic == 1
