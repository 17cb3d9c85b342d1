"""Binarization and noise transforms: the right fraction of pixels changes, shape and dtype stay, bad input is refused."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygen as tg
from tinygen import backend
from tinygen.data import transforms

SHAPE = (16, 1, 28, 28)   # 12,544 pixels: a fraction's standard error is below 0.005
TOLERANCE = 0.02


def grey_images(dtype=np.float32, seed=0):
    """Pixels uniform in (0.05, 0.95): never exactly 0 or 1, so every change is visible."""
    return np.random.default_rng(seed).uniform(0.05, 0.95, SHAPE).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transform", [
    lambda x: transforms.binarize(x, 0.3), transforms.binarize_sampled, lambda x: transforms.gaussian_noise(x, 0.1),
    lambda x: transforms.salt_and_pepper(x, 0.2), lambda x: transforms.mask_pixels(x, 0.2)])
def test_shape_and_dtype_are_kept(transform, dtype):
    out = transform(grey_images(dtype))
    assert out.shape == SHAPE and out.dtype == dtype and backend.backend_of(out) == "numpy"


@given(threshold=st.floats(0.0, 1.0))
@settings(max_examples=20)
def test_binarize_compares_every_pixel_with_the_threshold(threshold):
    images = grey_images()
    out = transforms.binarize(images, threshold)
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert np.array_equal(out == 1, images > threshold)


def test_binarize_sampled_is_bernoulli_with_the_pixel_as_probability():
    levels = np.array([0.0, 0.1, 0.5, 0.9, 1.0], dtype=np.float32)
    images = np.broadcast_to(levels, (20000, 5)).copy()
    out = transforms.binarize_sampled(images)
    assert set(np.unique(out)) <= {0.0, 1.0}
    np.testing.assert_allclose(out.mean(axis=0), levels, atol=TOLERANCE)
    assert out[:, 0].max() == 0 and out[:, 4].min() == 1


def test_binarize_sampled_repeats_with_the_seed_and_takes_a_generator():
    images = grey_images()
    tg.manual_seed(7)
    first = transforms.binarize_sampled(images)
    tg.manual_seed(7)
    np.testing.assert_array_equal(transforms.binarize_sampled(images), first)
    own = transforms.binarize_sampled(images, generator=np.random.default_rng(7))
    assert not np.array_equal(own, transforms.binarize_sampled(images, generator=np.random.default_rng(8)))


@pytest.mark.parametrize("std", [0.05, 0.3])
def test_gaussian_noise_has_the_requested_spread(std):
    images = grey_images()
    noise = transforms.gaussian_noise(images, std) - images
    assert abs(noise.mean()) < 3 * std / np.sqrt(noise.size)
    np.testing.assert_allclose(noise.std(), std, rtol=0.03)
    clipped = transforms.gaussian_noise(images, std, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert transforms.gaussian_noise(images, 0.0) is not images
    np.testing.assert_array_equal(transforms.gaussian_noise(images, 0.0), images)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 1.0])
def test_salt_and_pepper_changes_the_fraction_to_zero_or_one(fraction):
    images = grey_images()
    out = transforms.salt_and_pepper(images, fraction)
    changed = out != images
    assert abs(changed.mean() - fraction) < TOLERANCE
    assert set(np.unique(out[changed])) <= {0.0, 1.0}
    if fraction > 0:
        assert abs((out[changed] == 1).mean() - 0.5) < 3 * TOLERANCE  # salt and pepper in equal shares


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.75, 1.0])
def test_mask_pixels_zeroes_the_fraction_and_keeps_the_rest(fraction):
    images = grey_images()
    out = transforms.mask_pixels(images, fraction)
    zeroed = out == 0
    assert abs(zeroed.mean() - fraction) < TOLERANCE
    np.testing.assert_array_equal(out[~zeroed], images[~zeroed])


def test_masks_differ_between_calls():
    images = grey_images()
    assert not np.array_equal(transforms.mask_pixels(images, 0.5), transforms.mask_pixels(images, 0.5))


@pytest.mark.parametrize("call, message", [
    (lambda x: transforms.binarize(x, 1.5), r"threshold must be a number in \[0, 1\], got 1.5"),
    (lambda x: transforms.binarize(x, "0.5"), r"threshold must be a number in \[0, 1\], got '0.5'"),
    (lambda x: transforms.mask_pixels(x, -0.1), r"fraction must be a number in \[0, 1\], got -0.1"),
    (lambda x: transforms.salt_and_pepper(x, True), r"fraction must be a number in \[0, 1\], got True"),
    (lambda x: transforms.gaussian_noise(x, -1), r"std must be a finite number >= 0.0, got -1"),
    (lambda x: transforms.gaussian_noise(x, float("nan")), r"std must be a finite number >= 0.0, got nan"),
    (lambda x: transforms.binarize_sampled(x * 2), r"images must lie in \[0, 1\] to be used as probabilities"),
])
def test_bad_parameters_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(grey_images())


def test_images_must_be_floating_arrays():
    with pytest.raises(TypeError, match=r"images must be a numpy or cupy array, got list"):
        transforms.mask_pixels([[0.5]], 0.1)
    with pytest.raises(TypeError, match=r"images must have a floating dtype \(pixels in \[0, 1\]\), got uint8"):
        transforms.binarize(np.zeros((2, 2), dtype=np.uint8))
