"""Peak signal-to-noise ratio: how close images are to a reference, in decibels.

    PSNR = 10 log10(peak^2 / MSE),   MSE = mean over every pixel of (image - reference)^2

For pixels in [0, 1] the peak is 1: an MSE of 0.01 is 20 dB, and each halving of the MSE adds 3 dB.
"""
import math

from tinygen import backend


def psnr(images, reference, peak=1.0):
    """PSNR (dB) of ``images`` against ``reference`` (same shape; host or backend arrays), pooled over all pixels."""
    images, reference = backend.to_backend(images), backend.to_backend(reference)
    if images.shape != reference.shape:
        raise ValueError(f"psnr: images and reference must have the same shape, got {images.shape} "
                         f"and {reference.shape}")
    if not peak > 0:
        raise ValueError(f"psnr: peak must be positive, got {peak!r}")
    difference = images.astype(backend.xp.float64) - reference.astype(backend.xp.float64)
    mse = float((difference * difference).mean())
    return math.inf if mse == 0 else 10 * math.log10(peak ** 2 / mse)
