"""The two ready VAEs: PyTorch's example (dense 784-400-20) and the course's conv VAE (latent 2).

Both keep PyTorch's module layout (``encoder.body.1.weight``, ``encoder.z_mean.bias``,
``decoder.0.weight`` ...), so a PyTorch twin built from the same modules exchanges weights both ways.
Decoders end in pixel logits; ``VAE.decode`` applies the sigmoid (the course's Keras decoder ends in
a sigmoid layer, which holds no parameters: the counts are the same).
"""
import math

from tinygen import nn
from tinygen.models.vae.model import VAE
from tinygen.nn import init


class GaussianEncoder(nn.Module):
    """x -> body -> hidden (N, width), then two heads: z_mean (N, latent) and z_log_var (N, latent)."""

    def __init__(self, body, width, latent_dim):
        super().__init__()
        self.body = body
        self.z_mean = nn.Linear(width, latent_dim)
        self.z_log_var = nn.Linear(width, latent_dim)

    def forward(self, x):
        hidden = self.body(x)
        return self.z_mean(hidden), self.z_log_var(hidden)


def dense_encoder(image_shape=(1, 28, 28), hidden=400, latent_dim=20):
    """PyTorch's example: flatten, 784 -> 400 ReLU, heads 400 -> 20 for mu and for log sigma^2."""
    body = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(image_shape), hidden), nn.ReLU())
    return GaussianEncoder(body, hidden, latent_dim)


def dense_decoder(image_shape=(1, 28, 28), hidden=400, latent_dim=20):
    """20 -> 400 ReLU -> 784 logits, shaped as images."""
    return nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(),
                         nn.Linear(hidden, math.prod(image_shape)), nn.Unflatten(1, tuple(image_shape)))


def conv_encoder(image_shape=(1, 28, 28), latent_dim=2):
    """(C, H, W) -> 32 x H/2 x W/2 -> 64 x H/4 x W/4 -> 16 -> heads; 69,076 parameters for 1 x 28 x 28, latent 2."""
    channels, height, width = _quartered(image_shape)
    body = nn.Sequential(
        nn.Conv2d(channels, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(64 * height * width, 16), nn.ReLU())
    return GaussianEncoder(body, 16, latent_dim)


def conv_decoder(image_shape=(1, 28, 28), latent_dim=2):
    """z -> 64 x H/4 x W/4 -> ConvT 64 (x2) -> ConvT 32 (x2) -> ConvT C 'same' logits; 65,089 parameters."""
    channels, height, width = _quartered(image_shape)
    return nn.Sequential(
        nn.Linear(latent_dim, 64 * height * width), nn.ReLU(), nn.Unflatten(1, (64, height, width)),
        nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, channels, 3, padding=1))


def dense_vae(image_shape=(1, 28, 28), hidden=400, latent_dim=20, **vae_args):
    """The dense VAE 784-400-20 (or any image size, hidden width and latent size)."""
    _check_positive(hidden=hidden, latent_dim=latent_dim)
    return VAE(dense_encoder(image_shape, hidden, latent_dim), dense_decoder(image_shape, hidden, latent_dim),
               latent_dim, image_shape=image_shape, **vae_args)


def conv_vae(image_shape=(1, 28, 28), latent_dim=2, **vae_args):
    """The course's conv VAE (latent 2 by default) for images whose height and width divide by 4,
    initialized as the course's Keras model is (``keras_init_``)."""
    _check_positive(latent_dim=latent_dim)
    model = VAE(conv_encoder(image_shape, latent_dim), conv_decoder(image_shape, latent_dim),
                latent_dim, image_shape=image_shape, **vae_args)
    return keras_init_(model)


def keras_init_(module):
    """Keras's defaults on every Linear and (transposed) convolution: Glorot-uniform weights, zero biases.

    Why: with PyTorch's default init this conv VAE's encoder starts with means that differ between
    images by ~0.01 (against sigma ~ 1) and half of its 16 ReLU units die in the first steps; the
    decoder learns the mean digit, the KL drives q to the prior, and the model stays collapsed
    (KL ~ 0.01 nats after 15 epochs on mnist-5k, in PyTorch too). With Keras's init the KL grows from the
    first epochs and the reconstruction falls below the mean digit's.
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                init.zeros_(layer.bias)
    return module


def _quartered(image_shape):
    if len(image_shape) != 3 or any(size % 4 for size in image_shape[1:]) or min(image_shape) < 1:
        raise ValueError(f"conv VAE: image_shape must be (C, H, W) with H and W multiples of 4 (two stride-2 "
                         f"convolutions halve them twice), got {tuple(image_shape)}")
    channels, height, width = image_shape
    return channels, height // 4, width // 4


def _check_positive(**sizes):
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"VAE: {name} must be an integer >= 1, got {size!r}")
