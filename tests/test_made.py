"""MADE: the exact likelihood sums to 1 over every 3x3 binary image (each order, each mask set and their
mixture), no logit depends on its own pixel or a later one (through autograd), samples follow the
model's own probabilities, the same 20 Adam steps as a PyTorch twin, and bad input refused by name."""
import itertools

import numpy as np
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.data.transforms import binarize
from tinygen.models.made.model import MADE
from tinygen.models.made.networks import degrees

ALL_3X3 = np.array(list(itertools.product([0.0, 1.0], repeat=9))).reshape(512, 1, 3, 3)
SETTINGS = [  # (hidden_sizes, order, num_masks, seed)
    ((16,), "natural", 1, 0), ((12, 10), "natural", 1, 1), ((16,), "random", 1, 2), ((12, 10), "random", 1, 3),
    ((16,), "random", 1, 4), ((12, 10), "random", 3, 5), ((16,), "natural", 3, 6)]


def random_made(hidden, order, num_masks, seed, shape=(1, 3, 3), scale=0.7):
    """A float64 MADE with weights N(0, scale^2): far from uniform, so the sums below are a real test."""
    tg.manual_seed(seed)
    model = MADE(shape, hidden, order, num_masks, seed).double()
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.normal(0, scale, size=p.shape)
    return model


@pytest.mark.parametrize("hidden, order, num_masks, seed", SETTINGS)
def test_probabilities_of_all_512_images_sum_to_one_for_every_mask_set_and_their_mixture(hidden, order, num_masks,
                                                                                          seed):
    model = random_made(hidden, order, num_masks, seed)
    for k in range(num_masks):
        model.train().use_mask_set(k)
        log_p = model.log_prob(tg.tensor(ALL_3X3)).numpy()
        assert log_p.dtype == np.float64 and log_p.shape == (512,)
        assert abs(np.exp(log_p).sum() - 1) < 1e-6
        assert np.exp(log_p).max() < 0.5           # not a near-degenerate model
    mixture = model.eval().log_prob(tg.tensor(ALL_3X3)).numpy()
    assert abs(np.exp(mixture).sum() - 1) < 1e-6


@pytest.mark.parametrize("hidden, order, num_masks, seed", SETTINGS)
def test_no_logit_depends_on_its_own_pixel_or_a_later_one_in_the_order(hidden, order, num_masks, seed):
    model = random_made(hidden, order, num_masks, seed)
    x = tg.tensor(np.random.default_rng(seed).integers(0, 2, (1, 9)).astype(np.float64), requires_grad=True)
    for k in range(num_masks):
        model.use_mask_set(k)
        position = np.argsort(model.order)       # position[i]: when pixel i is generated
        logits = model.logits(x)
        seen = np.zeros((9, 9), dtype=bool)
        for i in range(9):
            gx, = tg.grad(logits[0, i], [x])
            seen[i] = gx.numpy()[0] != 0
        allowed = position[None, :] < position[:, None]
        assert not np.any(seen & ~allowed), f"mask set {k}: a logit sees its own or a later pixel"
        assert seen.any()                        # the test would notice no dependence at all


def test_log_prob_is_the_sum_of_bernoulli_log_likelihoods_of_the_logits():
    model = random_made((16,), "random", 1, 0)
    x = ALL_3X3[::37]
    logits = model.logits(tg.tensor(x)).numpy()
    p = 1 / (1 + np.exp(-logits))
    expected = (x.reshape(len(x), 9) * np.log(p) + (1 - x.reshape(len(x), 9)) * np.log(1 - p)).sum(axis=1)
    np.testing.assert_allclose(model.log_prob(tg.tensor(x)).numpy(), expected, rtol=1e-10)
    assert model.loss(tg.tensor(x)).item() == pytest.approx(-expected.mean(), rel=1e-10)


def test_the_logit_of_one_pixel_used_for_sampling_equals_the_whole_output():
    model = random_made((12, 10), "random", 1, 0)
    x = tg.tensor(ALL_3X3[::23])
    whole = model.logits(x).numpy()
    for pixel in range(9):
        np.testing.assert_allclose(model.pixel_logit(x, pixel).numpy(), whole[:, pixel], rtol=1e-12, atol=1e-12)


def test_the_mixture_is_the_log_mean_exp_of_the_mask_sets():
    model = random_made((12, 10), "random", 3, 1)
    x = tg.tensor(ALL_3X3[::50])
    per_set = []
    for k in range(3):
        model.train().use_mask_set(k)
        per_set.append(model.log_prob(x).numpy())
    expected = np.log(np.exp(np.array(per_set)).mean(axis=0))
    np.testing.assert_allclose(model.eval().log_prob(x).numpy(), expected, rtol=1e-10)
    assert model.current == 2                     # evaluation puts the set in use back


def test_hidden_degrees_lie_between_the_lowest_below_and_d_minus_one():
    rng = np.random.default_rng(0)
    layers = degrees(rng.permutation(10), (50, 40), rng)
    assert sorted(layers[0]) == list(range(1, 11))
    for below, above in zip(layers[:-1], layers[1:]):
        assert above.min() >= below.min() and above.max() <= 9


@pytest.mark.parametrize("order, num_masks", [("natural", 1), ("random", 2)])
def test_samples_are_binary_images_with_the_models_own_probabilities(order, num_masks):
    model = random_made((16,), order, num_masks, 3, shape=(1, 2, 2), scale=1.0).eval()
    samples = model.sample(4000)
    assert samples.shape == (4000, 1, 2, 2) and set(np.unique(tg.tensor(samples).numpy())) <= {0.0, 1.0}
    codes = (tg.tensor(samples).numpy().reshape(4000, 4) @ (2 ** np.arange(3, -1, -1))).astype(int)
    frequency = np.bincount(codes, minlength=16) / 4000
    everything = np.array(list(itertools.product([0.0, 1.0], repeat=4))).reshape(16, 1, 2, 2)
    p = np.exp(model.log_prob(tg.tensor(everything)).numpy())
    assert np.all(np.abs(frequency - p) < 4 * np.sqrt(p * (1 - p) / 4000) + 1e-3)


def test_the_same_seed_builds_the_same_masks_so_a_checkpoint_reloads():
    a, b = MADE((1, 3, 3), (8,), "random", 2, seed=7), MADE((1, 3, 3), (8,), "random", 2, seed=7)
    assert list(a.state_dict()) == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
    b.load_state_dict(a.state_dict())
    x = tg.tensor(ALL_3X3[:20].astype(np.float32))
    np.testing.assert_array_equal(a.eval().log_prob(x).numpy(), b.eval().log_prob(x).numpy())


def test_the_mask_drawn_for_training_comes_from_the_seeded_generator():
    model = MADE((1, 3, 3), (8,), "random", 4, seed=0)
    drawn = []
    for _ in range(2):
        tg.manual_seed(3)
        drawn.append([(model.draw_mask_set(), model.current)[1] for _ in range(12)])
    assert drawn[0] == drawn[1] and len(set(drawn[0])) > 1


@pytest.mark.parametrize("call, message", [
    (lambda m: m.log_prob(tg.tensor(np.full((2, 1, 3, 3), 0.5, np.float32))), "must be binary"),
    (lambda m: m.log_prob(tg.tensor(np.zeros((2, 1, 2, 2), np.float32))), "must hold 9 pixels"),
    (lambda m: m.log_prob(tg.tensor(np.zeros((2, 9), np.int64))), "floating-point"),
    (lambda m: m.sample(0), "n must be a positive int"),
])
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(MADE((1, 3, 3), (8,)))


@pytest.mark.parametrize("arguments, message", [
    (dict(hidden_sizes=(8, 8, 8)), "one or two positive ints"), (dict(order="reversed"), "order must be one of"),
    (dict(num_masks=0), "num_masks must be a positive int"), (dict(seed=-1), "seed must be"),
])
def test_bad_settings_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        MADE((1, 3, 3), **arguments)


def test_twenty_adam_steps_give_pytorchs_losses():
    torch = pytest.importorskip("torch")
    from torch_autoregressive import copy_weights, torch_made
    digits = binarize(load_dataset("mnist-5k", "train").images[:640])
    tg.manual_seed(0)
    model = MADE((1, 28, 28), (100,), "random", 1, seed=0)
    twin = torch_made(torch, model)
    copy_weights(torch, model, twin)
    ours, theirs = optim.Adam(model.parameters(), lr=1e-3), torch.optim.Adam(twin.model.parameters(), lr=1e-3)
    for step in range(20):
        batch = digits[step * 32:(step + 1) * 32]
        ours.zero_grad()
        loss = model.loss(tg.tensor(batch))
        loss.backward()
        ours.step()
        theirs.zero_grad()
        twin_loss = twin.loss(torch.from_numpy(batch))
        twin_loss.backward()
        theirs.step()
        assert loss.item() == pytest.approx(twin_loss.item(), rel=1e-4), f"step {step}"


def test_the_trainer_draws_a_mask_set_for_every_step_and_trains_on_binarized_images():
    from tinygen.models.made.trainer import MaskDrawingTrainer
    tg.manual_seed(0)
    model = MADE((1, 3, 3), (8,), "random", 3, seed=0)
    trainer = MaskDrawingTrainer(model, optim.Adam(model.parameters(), lr=0.0))   # lr 0: the weights stay
    grey = np.random.default_rng(0).random((16, 1, 3, 3)).astype(np.float32)     # binarized by the trainer
    used = []
    for _ in range(12):
        loss = trainer.train_step((grey, None))["loss"]
        used.append(model.current)
        assert loss == pytest.approx(-model.log_prob(tg.tensor(binarize(grey))).numpy().mean(), rel=1e-6)
    assert len(set(used)) == 3
