"""Binarization and noise for image batches, on backend arrays (numpy or cupy), dtype and shape kept.

Each works with the array library of the images it is given, whatever the current backend.

Every random transform draws from ``generator`` (a numpy-style Generator of the array's
backend), by default that backend's ``tinygen.backend.generator_for``, so ``tg.manual_seed`` makes it repeat.
"""
import math
import numbers

from tinygen import backend


def binarize(images, threshold=0.5):
    """1 where a pixel is above ``threshold``, else 0 (same shape and dtype)."""
    _check_images(images)
    _check_unit_interval("threshold", threshold)
    return (images > threshold).astype(images.dtype)


def binarize_sampled(images, generator=None):
    """Each pixel becomes 1 with probability equal to its value, else 0: x_b ~ Bernoulli(x), x in [0, 1]."""
    _check_images(images)
    if images.size and (float(images.min()) < 0 or float(images.max()) > 1):
        raise ValueError(f"images must lie in [0, 1] to be used as probabilities, "
                         f"got values in [{float(images.min())}, {float(images.max())}]")
    return (_uniform(images, generator) < images).astype(images.dtype)


def gaussian_noise(images, std, generator=None, clip=False):
    """x + std * z with z ~ N(0, 1) per pixel; with ``clip`` the result is clipped to [0, 1]."""
    _check_images(images)
    _check_number("std", std, low=0.0)
    noise = _generator(generator, images).standard_normal(images.shape, dtype=images.dtype)
    noisy = images + images.dtype.type(std) * noise
    return backend.get_array_module(images).clip(noisy, 0, 1) if clip else noisy


def salt_and_pepper(images, fraction, generator=None):
    """Each pixel, with probability ``fraction``, becomes 0 or 1 (even odds); the others are kept."""
    _check_images(images)
    _check_unit_interval("fraction", fraction)
    hit = _uniform(images, generator) < fraction
    salt = _uniform(images, generator) < 0.5
    return backend.get_array_module(images).where(hit, salt.astype(images.dtype), images)


def mask_pixels(images, fraction, generator=None):
    """Each pixel, with probability ``fraction``, is set to 0 (the masking noise of denoising autoencoders)."""
    _check_images(images)
    _check_unit_interval("fraction", fraction)
    keep = _uniform(images, generator) >= fraction
    return images * keep.astype(images.dtype)


def _generator(generator, images):
    """The given generator, or the one of the images' backend (host images get host noise on any backend)."""
    return backend.generator_for(backend.backend_of(images)) if generator is None else generator


def _uniform(images, generator):
    """U[0, 1) draws shaped like ``images``."""
    return _generator(generator, images).random(images.shape, dtype=images.dtype)


def _check_images(images):
    try:
        backend.backend_of(images)
    except TypeError as error:
        raise TypeError(f"images must be a numpy or cupy array, got {type(images).__name__}") from error
    if not backend.is_floating(images.dtype):
        raise TypeError(f"images must have a floating dtype (pixels in [0, 1]), got {images.dtype}")


def _check_number(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= {low}, got {value!r}")


def _check_unit_interval(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
