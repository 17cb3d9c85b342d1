"""The convolutional autoencoder: mirrored sizes, both decoder methods agree, PyTorch agreement, training,
bad shapes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.models.autoencoders.conv import ConvAutoencoder

from ae_family_helpers import digits, float64_images, train


def test_default_codes_a_digit_in_8_maps_of_4x4():
    model = ConvAutoencoder()
    x = tg.rand(3, 1, 28, 28)
    assert model.code_size == 128 and model.encode(x).shape == (3, 128)
    assert model(x).shape == (3, 1, 28, 28)


@settings(max_examples=10)
@given(height=st.integers(4, 13), width=st.integers(4, 13), layers=st.integers(1, 2), channels=st.integers(1, 3))
def test_any_image_size_comes_back_to_its_own_size(height, width, layers, channels):
    model = ConvAutoencoder(channels=[2] * (layers - 1) + [1], image_shape=(channels, height, width))
    assert model(tg.rand(2, channels, height, width)).shape == (2, channels, height, width)


def test_the_zero_insertion_decoder_gives_the_same_numbers_and_gradients():
    fast = ConvAutoencoder(channels=(3, 2), image_shape=(1, 7, 6)).double()
    literal = ConvAutoencoder(channels=(3, 2), image_shape=(1, 7, 6), method="zero_insertion").double()
    literal.load_state_dict(fast.state_dict())
    x = float64_images(2, (1, 7, 6))
    np.testing.assert_allclose(literal(x).numpy(), fast(x).numpy(), rtol=1e-12)
    fast.loss(x).backward()
    literal.loss(x).backward()
    for (name, a), (_, b) in zip(fast.named_parameters(), literal.named_parameters()):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def test_loss_gradient_by_gradcheck():
    model = ConvAutoencoder(channels=(2, 1), image_shape=(1, 4, 5), loss="mse").double()
    x = float64_images(2, (1, 4, 5))
    assert tg.gradcheck(lambda w: model.loss(x), [model.encoder[0].weight])
    assert tg.gradcheck(lambda w: model.loss(x), [model.decoder[1].weight])


def test_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    model = ConvAutoencoder()
    nn = torch.nn
    reference = nn.ModuleDict({
        "encoder": nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 16, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(16, 8, 3, 2, 1), nn.Flatten()),
        "decoder": nn.Sequential(nn.Unflatten(1, (8, 4, 4)), nn.ConvTranspose2d(8, 16, 3, 2, 1, 0), nn.ReLU(),
                                 nn.ConvTranspose2d(16, 16, 3, 2, 1, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(16, 1, 3, 2, 1, 1))})
    reference.load_state_dict({name: torch.from_numpy(t.numpy()) for name, t in model.state_dict().items()})
    x = digits(4)
    expected = torch.sigmoid(reference["decoder"](reference["encoder"](torch.from_numpy(x)))).detach().numpy()
    np.testing.assert_allclose(model(tg.Tensor(x)).numpy(), expected, atol=1e-6)


def test_a_short_run_lowers_the_loss():
    tg.manual_seed(0)
    before, after = train(ConvAutoencoder(), digits(256), steps=30, lr=1e-2)
    assert after < 0.6 * before


@pytest.mark.parametrize("arguments, message", [
    (dict(image_shape=(1, 7, 28)), r"image_shape \(1, 7, 28\) is too small to halve 3 times .* 2 \*\* 3 = 8"),
    (dict(channels=(4,), image_shape=(1, 1, 9)), r"too small to halve 1 times .* at least 2 \*\* 1 = 2"),
    (dict(image_shape=(2,)), r"image_shape must be \(C, H, W\), got \(2,\)"),
    (dict(channels=(16, 0)), r"channels must be a non-empty list of positive integers, got \[16, 0\]"),
    (dict(channels=(64, 64)), r"code_size must be an integer in \[1, 783\] .* got 3136"),
    (dict(method="fft"), r"method must be one of \('zero_insertion', 'col2im'\), got 'fft'"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        ConvAutoencoder(**arguments)


def test_the_layer_names_a_bad_method():
    message = r"ConvTranspose2d: method must be one of \('zero_insertion', 'col2im'\), got 'fft'"
    with pytest.raises(ValueError, match=message):
        tg.nn.ConvTranspose2d(2, 3, 3, method="fft")
