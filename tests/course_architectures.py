"""The course's networks, layer for layer, as the Keras summaries in the course material draw them.

Test fixtures: they pin the parameter counts the course prints; the conv VAE's two halves are
the package's own (tinygen.models.vae.networks), so the counts test the model code. Keras's
'same' padding with kernel 3 and stride 2 on 28x28 is padding 1 here (28 -> 14 -> 7), and for
the transposed convolutions padding 1 with output_padding 1 (7 -> 14 -> 28); Keras's (7, 7, 64)
reshape is (64, 7, 7) in channels-first layout.
"""
from tinygen import nn
from tinygen.models.vae.networks import conv_decoder, conv_encoder

LATENT_GAN, LATENT_VAE = 100, 2


def dense_gan_generator(latent=LATENT_GAN):
    """z (N, 100) -> 256 -> 512 -> 1024 -> 784 with LeakyReLU(0.2), tanh output: 1,486,352 parameters."""
    return nn.Sequential(
        nn.Linear(latent, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 784), nn.Tanh())


def dense_gan_discriminator():
    """x (N, 784) -> 1024 -> 512 -> 256 -> 1 with LeakyReLU(0.2), dropout 0.3, sigmoid: 1,460,225 parameters."""
    return nn.Sequential(
        nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 1), nn.Sigmoid())


def conv_vae_encoder(latent=LATENT_VAE):
    """The course's conv VAE encoder, as tinygen's conv VAE builds it: 69,076 parameters."""
    return conv_encoder((1, 28, 28), latent)


def conv_vae_decoder(latent=LATENT_VAE):
    """z (N, 2) -> Dense 3136 -> (64, 7, 7) -> ConvT 64 -> ConvT 32 -> ConvT 1 'same' (logits): 65,089 parameters.

    The course's decoder ends in a sigmoid layer; tinygen's VAE applies it in ``decode`` (no parameters).
    """
    return conv_decoder((1, 28, 28), latent)
