"""Peak signal-to-noise ratio: how close images are to a reference, in decibels.

    PSNR = 10 log10(peak^2 / MSE),   MSE = mean over every pixel of (image - reference)^2

For pixels in [0, 1] the peak is 1: an MSE of 0.01 is 20 dB, and each halving of the MSE adds 3 dB.
Host code: takes and returns NumPy values.
"""
import numpy as np


def psnr(images, reference, peak=1.0):
    """PSNR (dB) of ``images`` against ``reference`` (same shape, host arrays), pooled over all pixels."""
    images, reference = np.asarray(images, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if images.shape != reference.shape:
        raise ValueError(f"psnr: images and reference must have the same shape, got {images.shape} "
                         f"and {reference.shape}")
    if not peak > 0:
        raise ValueError(f"psnr: peak must be positive, got {peak!r}")
    mse = float(np.mean((images - reference) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak ** 2 / mse)
