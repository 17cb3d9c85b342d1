"""The course's networks, layer for layer, as the Keras summaries in the course material draw them.

Test fixtures (not models): they pin the parameter counts the course prints, and later
model code can build the same layer stacks. Keras's 'same' padding with kernel 3 and
stride 2 on 28x28 is padding 1 here (28 -> 14 -> 7), and for the transposed convolutions
padding 1 with output_padding 1 (7 -> 14 -> 28); Keras's (7, 7, 64) reshape is (64, 7, 7)
in channels-first layout.
"""
from tinygen import nn

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


class GaussianEncoder(nn.Module):
    """body (N, 1, 28, 28) -> (N, 16), then two heads: (z_mean (N, 2), z_log_var (N, 2))."""

    def __init__(self, latent=LATENT_VAE):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(7 * 7 * 64, 16), nn.ReLU())
        self.z_mean = nn.Linear(16, latent)
        self.z_log_var = nn.Linear(16, latent)

    def forward(self, x):
        hidden = self.body(x)
        return self.z_mean(hidden), self.z_log_var(hidden)


def conv_vae_encoder(latent=LATENT_VAE):
    """The course's conv VAE encoder: 69,076 parameters."""
    return GaussianEncoder(latent)


def conv_vae_decoder(latent=LATENT_VAE):
    """z (N, 2) -> Dense 3136 -> (64, 7, 7) -> ConvT 64 -> ConvT 32 -> ConvT 1 'same', sigmoid: 65,089 parameters."""
    return nn.Sequential(
        nn.Linear(latent, 7 * 7 * 64), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, padding=1), nn.Sigmoid())
