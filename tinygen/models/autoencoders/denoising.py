"""The denoising autoencoder: corrupt the input, rebuild the clean image.

    x --noise--> x̃ --encoder--> code --decoder--> x̂,   loss = mean_pixels BCE(x̂, x)   (target: the CLEAN x)

A plain autoencoder with a wide enough code can learn to copy. Feeding it a damaged digit and
asking for the undamaged one forbids that: the network has to know what digits look like to undo
the damage. The noise is one of the transforms in ``tinygen.data.transforms``: "mask" (a random
fraction of pixels set to 0, the course's example), "salt_and_pepper" (a fraction set to 0 or 1)
or "gaussian" (x + std * z, clipped to [0, 1]). ``noise_level`` is that fraction, or the std.
"""
import math

from tinygen.autograd import Tensor, as_tensor
from tinygen.data import transforms
from tinygen.models.autoencoders.model import Autoencoder

NOISES = {
    "mask": transforms.mask_pixels,
    "salt_and_pepper": transforms.salt_and_pepper,
    "gaussian": lambda images, std: transforms.gaussian_noise(images, std, clip=True),
}


def add_noise(images, noise, noise_level):
    """``images`` (a backend array) damaged by ``noise`` at ``noise_level``; shape and dtype kept."""
    check_noise(noise, noise_level, owner="add_noise")
    return NOISES[noise](images, noise_level)


class DenoisingAutoencoder(Autoencoder):
    """A dense autoencoder (same arguments as ``Autoencoder``) trained to undo ``noise`` at ``noise_level``."""

    def __init__(self, noise="mask", noise_level=0.3, **autoencoder_args):
        check_noise(noise, noise_level)  # bad noise arguments fail here, not mid-training
        super().__init__(**autoencoder_args)
        self.noise, self.noise_level = noise, noise_level

    def corrupt(self, x):
        """x̃: a fresh draw of the noise on every call (every batch sees new damage)."""
        return Tensor(add_noise(as_tensor(x).data, self.noise, self.noise_level))

    def extra_repr(self):
        return f"{super().extra_repr()}, noise={self.noise!r}, noise_level={self.noise_level}"


def check_noise(noise, noise_level, owner="DenoisingAutoencoder"):
    """ValueError unless ``noise`` is known and ``noise_level`` fits it: a fraction in [0, 1], or a std >= 0."""
    if noise not in NOISES:
        raise ValueError(f"{owner}: noise must be one of {tuple(NOISES)}, got {noise!r}")
    number = isinstance(noise_level, (int, float)) and not isinstance(noise_level, bool)
    if noise == "gaussian" and not (number and 0 <= noise_level < math.inf):
        raise ValueError(f"{owner}: noise_level is the std of the Gaussian noise and must be a finite "
                         f"number >= 0, got {noise_level!r}")
    if noise != "gaussian" and not (number and 0 <= noise_level <= 1):
        raise ValueError(f"{owner}: noise_level is the fraction of pixels that {noise!r} noise hits and must "
                         f"lie in [0, 1], got {noise_level!r}")
