"""PixelCNN: the exact likelihood sums to 1 over every 3x3 binary image, no logit depends on its own pixel
or a later one in raster order (through autograd), the windowed logits used for sampling equal
the whole image's, samples follow the model's probabilities, the same 20 Adam steps as a PyTorch twin, and
bad input refused by name."""
import itertools

import numpy as np
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.data.transforms import binarize
from tinygen.models.pixelcnn.model import PixelCNN

ALL_3X3 = np.array(list(itertools.product([0.0, 1.0], repeat=9))).reshape(512, 1, 3, 3)
SETTINGS = [(4, 0, 3, 0), (6, 2, 3, 1), (5, 1, 5, 2), (8, 3, 7, 3)]   # (channels, blocks, first_kernel, seed)


def random_pixelcnn(channels, blocks, first_kernel, seed, shape=(1, 3, 3), scale=0.5):
    """A float64 PixelCNN with weights N(0, scale^2): far from uniform, so the sums below are a real test."""
    tg.manual_seed(seed)
    model = PixelCNN(shape, channels, blocks, first_kernel).double()
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.normal(0, scale, size=p.shape)
    return model


@pytest.mark.parametrize("channels, blocks, first_kernel, seed", SETTINGS)
def test_probabilities_of_all_512_images_sum_to_one(channels, blocks, first_kernel, seed):
    log_p = random_pixelcnn(channels, blocks, first_kernel, seed).log_prob(tg.tensor(ALL_3X3)).numpy()
    assert log_p.dtype == np.float64 and log_p.shape == (512,)
    assert abs(np.exp(log_p).sum() - 1) < 1e-6
    assert np.exp(log_p).max() < 0.5               # not a near-degenerate model


@pytest.mark.parametrize("channels, blocks, first_kernel, seed", SETTINGS)
def test_no_logit_depends_on_its_own_pixel_or_a_later_one_in_raster_order(channels, blocks, first_kernel, seed):
    model = random_pixelcnn(channels, blocks, first_kernel, seed, shape=(1, 4, 4))
    x = tg.tensor(np.random.default_rng(seed).integers(0, 2, (1, 1, 4, 4)).astype(np.float64), requires_grad=True)
    logits = model.logits(x).reshape(1, 16)
    seen = np.zeros((16, 16), dtype=bool)
    for i in range(16):
        gx, = tg.grad(logits[0, i], [x])
        seen[i] = gx.numpy().reshape(16) != 0
    assert not np.any(np.triu(seen)), "a logit sees its own pixel or a later one"
    assert seen[5, 4] and seen[5, 1]               # the left neighbour and the one above are seen


def test_the_windowed_logit_used_for_sampling_equals_the_whole_images():
    model = random_pixelcnn(5, 3, 5, 4, shape=(1, 12, 15))
    x = tg.tensor(np.random.default_rng(0).integers(0, 2, (3, 180)).astype(np.float64))
    whole = model.logits(x.reshape(3, 1, 12, 15)).numpy().reshape(3, 180)
    assert model.reach == 5 and 2 * 5 + 1 < 15     # the window is really smaller than the image both ways
    for pixel in range(180):
        np.testing.assert_allclose(model.pixel_logit(x, pixel).numpy(), whole[:, pixel], rtol=1e-12, atol=1e-12)


def test_log_prob_is_the_sum_of_bernoulli_log_likelihoods_of_the_logits():
    model = random_pixelcnn(4, 1, 3, 0)
    x = ALL_3X3[::37]
    p = 1 / (1 + np.exp(-model.logits(tg.tensor(x)).numpy()))
    expected = (x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(len(x), -1).sum(axis=1)
    np.testing.assert_allclose(model.log_prob(tg.tensor(x)).numpy(), expected, rtol=1e-10)
    assert model.loss(tg.tensor(x)).item() == pytest.approx(-expected.mean(), rel=1e-10)


def test_samples_are_binary_images_with_the_models_own_probabilities():
    model = random_pixelcnn(6, 1, 3, 5, shape=(1, 2, 2), scale=1.0)
    samples = tg.tensor(model.sample(4000)).numpy()
    assert samples.shape == (4000, 1, 2, 2) and set(np.unique(samples)) <= {0.0, 1.0}
    codes = (samples.reshape(4000, 4) @ (2 ** np.arange(3, -1, -1))).astype(int)
    frequency = np.bincount(codes, minlength=16) / 4000
    everything = np.array(list(itertools.product([0.0, 1.0], repeat=4))).reshape(16, 1, 2, 2)
    p = np.exp(model.log_prob(tg.tensor(everything)).numpy())
    assert np.all(np.abs(frequency - p) < 4 * np.sqrt(p * (1 - p) / 4000) + 1e-3)


def test_state_dict_keys_are_the_plain_layers():
    keys = list(PixelCNN((1, 3, 3), 4, 1, 3).state_dict())
    assert keys == ["net.0.weight", "net.0.bias", "net.1.conv.weight", "net.1.conv.bias", "net.3.weight",
                    "net.3.bias", "net.5.weight", "net.5.bias"]


@pytest.mark.parametrize("call, message", [
    (lambda m: m.log_prob(tg.tensor(np.full((2, 1, 3, 3), 0.2, np.float32))), "must be binary"),
    (lambda m: m.log_prob(tg.tensor(np.zeros((2, 1, 4, 4), np.float32))), r"must have shape \(N, 1, 3, 3\)"),
    (lambda m: m.sample(0), "n must be a positive int"),
    (lambda m: m.sample(-2), "n must be a positive int"),
])
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call(PixelCNN((1, 3, 3), 4, 1, 3))


@pytest.mark.parametrize("arguments, message", [
    (dict(data_shape=(3, 8, 8)), r"must be \(1, H, W\)"), (dict(channels=0), "channels must be an int >= 1"),
    (dict(blocks=-1), "blocks must be an int >= 0"), (dict(first_kernel=4), "first_kernel must be odd"),
])
def test_bad_settings_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        PixelCNN(**{"data_shape": (1, 8, 8), **arguments})


def test_twenty_adam_steps_give_pytorchs_losses():
    torch = pytest.importorskip("torch")
    from torch_autoregressive import copy_weights, torch_pixelcnn
    digits = binarize(load_dataset("mnist-5k", "train").images[:320])
    tg.manual_seed(0)
    model = PixelCNN((1, 28, 28), 8, 2, 5)
    twin = torch_pixelcnn(torch, model)
    copy_weights(torch, model, twin)
    ours, theirs = optim.Adam(model.parameters(), lr=1e-3), torch.optim.Adam(twin.model.parameters(), lr=1e-3)
    for step in range(20):
        batch = digits[step * 16:(step + 1) * 16]
        ours.zero_grad()
        loss = model.loss(tg.tensor(batch))
        loss.backward()
        ours.step()
        theirs.zero_grad()
        twin_loss = twin.loss(torch.from_numpy(batch))
        twin_loss.backward()
        theirs.step()
        assert loss.item() == pytest.approx(twin_loss.item(), rel=1e-4), f"step {step}"
