"""The denoising autoencoder: noise on the input only, gradients, PSNR above the noisy baseline, bad noise."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.metrics import psnr
from tinygen.models.autoencoders.denoising import NOISES, DenoisingAutoencoder, add_noise

from ae_family_helpers import digits, float64_images, train


def test_the_loss_rebuilds_the_clean_image_from_a_noisy_one():
    model = DenoisingAutoencoder(noise="mask", noise_level=0.5, code_size=8)
    x = tg.Tensor(digits(16))
    tg.manual_seed(3)
    expected_input = add_noise(x.data, "mask", 0.5)
    tg.manual_seed(3)
    loss = model.loss(x).item()
    logits = model.decode_logits(model.encode(tg.Tensor(expected_input)))
    assert loss == pytest.approx(model.reconstruction_loss(logits, x).item(), rel=1e-6)
    # the target is the clean x: against the noisy input it would be a different number
    assert loss != pytest.approx(model.reconstruction_loss(logits, tg.Tensor(expected_input)).item(), rel=1e-6)


@pytest.mark.parametrize("noise, level", [("mask", 0.3), ("salt_and_pepper", 0.2), ("gaussian", 0.4)])
def test_forward_does_not_corrupt_but_training_sees_fresh_noise_every_batch(noise, level):
    model = DenoisingAutoencoder(noise=noise, noise_level=level, code_size=8)
    x = tg.Tensor(digits(8))
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    assert model.loss(x).item() != model.loss(x).item()
    corrupted = model.corrupt(x).numpy()
    assert corrupted.min() >= 0 and corrupted.max() <= 1 and not np.array_equal(corrupted, x.numpy())


@settings(max_examples=6)
@given(noise=st.sampled_from(sorted(NOISES)), batch=st.integers(1, 3), code_size=st.integers(1, 4))
def test_the_denoising_loss_has_the_right_gradient_in_float64(noise, batch, code_size):
    model = DenoisingAutoencoder(noise=noise, noise_level=0.3, code_size=code_size, nodes_per_layer=5,
                                 image_shape=(1, 3, 2)).double()
    x = float64_images(batch, (1, 3, 2))

    def loss_with_fixed_noise(weight):
        tg.manual_seed(7)  # the same corruption at every finite-difference probe
        return model.loss(x)
    assert tg.gradcheck(loss_with_fixed_noise, [model.encoder[0].weight])


def test_training_lifts_psnr_on_noisy_test_digits_above_the_noisy_baseline():
    tg.manual_seed(0)
    model = DenoisingAutoencoder(noise="salt_and_pepper", noise_level=0.2, code_size=32)
    before, after = train(model, digits(512), steps=160)
    assert after < 0.7 * before
    clean = digits(300, "test")
    tg.manual_seed(5)
    noisy = add_noise(tg.Tensor(clean).data, "salt_and_pepper", 0.2)
    with tg.no_grad():
        denoised = model(tg.Tensor(noisy)).numpy()
    baseline, achieved = psnr(noisy, clean), psnr(denoised, clean)
    assert achieved > baseline + 2, f"denoised {achieved:.2f} dB vs noisy {baseline:.2f} dB"


def test_psnr_in_decibels():
    reference = np.zeros((2, 1, 2, 2))
    assert psnr(reference + 0.1, reference) == pytest.approx(20.0)
    assert psnr(reference, reference) == float("inf")
    with pytest.raises(ValueError, match="same shape"):
        psnr(reference, reference[:1])


@pytest.mark.parametrize("arguments, message", [
    (dict(noise="mask", noise_level=1.5), r"noise_level is the fraction .* 'mask' .* \[0, 1\], got 1.5"),
    (dict(noise="salt_and_pepper", noise_level=-0.1), r"noise_level .* \[0, 1\], got -0.1"),
    (dict(noise="gaussian", noise_level=-0.5), r"noise_level is the std .* >= 0, got -0.5"),
    (dict(noise="gaussian", noise_level=float("nan")), r"noise_level is the std .* got nan"),
    (dict(noise="blur", noise_level=0.1),
     r"noise must be one of \('mask', 'salt_and_pepper', 'gaussian'\), got 'blur'"),
])
def test_bad_noise_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        DenoisingAutoencoder(**arguments)
