"""LinearDecay: lr_t = lr_0 * max(0, 1 - t / T), t counted by the optimizer itself."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.lr_decay import LinearDecay, steps_taken


def stepped(optimizer, decay, steps):
    """Take ``steps`` steps on a quadratic, updating the rate before each; the rates used."""
    rates = []
    for _ in range(steps):
        decay.update()
        rates.append([group["lr"] for group in optimizer.param_groups])
        optimizer.zero_grad()
        sum(((p * p).sum() for p in optimizer.parameters()), tg.Tensor(0.0)).backward()
        optimizer.step()
    return rates


def two_groups():
    params = [tg.Tensor(np.ones(3, np.float32), requires_grad=True) for _ in range(2)]
    return optim.Adam([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.4}])


def test_each_group_falls_linearly_from_its_own_rate_to_zero_and_stays_there():
    optimizer = two_groups()
    rates = stepped(optimizer, LinearDecay(optimizer, 4), 6)
    np.testing.assert_allclose(rates, [[0.1 * f, 0.4 * f] for f in (1, 0.75, 0.5, 0.25, 0, 0)])
    assert steps_taken(optimizer) == 6


def test_a_resumed_optimizer_continues_the_schedule():
    first = two_groups()
    stepped(first, LinearDecay(first, 8), 3)
    resumed = two_groups()
    decay = LinearDecay(resumed, 8)              # built before the state is loaded, as a resumed run does
    resumed.load_state_dict(first.state_dict())
    assert stepped(resumed, decay, 1) == [[0.1 * 5 / 8, 0.4 * 5 / 8]]


def test_gan_trainer_decays_both_players_over_generator_steps():
    from tinygen.models.gan.model import GAN
    from tinygen.models.gan.trainer import GANTrainer
    from tinygen.models.gan.wgan_networks import toy_discriminator, toy_generator
    tg.manual_seed(0)
    gan = GAN(toy_generator(2, 8, 1), toy_discriminator(8, 1), 2, (2,), loss="wgan_gp", n_critic=3)
    trainer = GANTrainer(gan, gan.game.optimizers(gan, 1e-3), decay_steps=4)
    batch = (tg.Tensor(np.zeros((8, 2), np.float32)), None)
    for _ in range(2):
        trainer.train_step(batch)
    assert steps_taken(trainer.optimizers["discriminator"]) == 6 and steps_taken(trainer.optimizers["generator"]) == 2
    trainer.train_step(batch)   # its rates were set from 2 of 4 generator steps: half the initial rate
    for optimizer in trainer.optimizers.values():
        assert optimizer.param_groups[0]["lr"] == pytest.approx(5e-4)


@pytest.mark.parametrize("total_steps", [0, -3, 2.5, True, "10"])
def test_total_steps_must_be_a_positive_int(total_steps):
    optimizer = two_groups()
    with pytest.raises(ValueError, match=f"total_steps must be a positive int .* got {total_steps!r}"):
        LinearDecay(optimizer, total_steps)
