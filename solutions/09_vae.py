"""Solutions of lesson 09's exercises (the VAE)."""
import tinygen as tg


def reparameterize(mu, logvar):
    sigma = (0.5 * logvar).exp()  # logvar = log sigma^2
    return mu + sigma * tg.randn(*mu.shape, dtype=mu.dtype)  # the noise is an input: gradients reach mu and sigma


def gaussian_kl(mu, logvar):
    # KL(N(mu, s^2) || N(0, 1)) = 1/2 (mu^2 + s^2 - log s^2 - 1) per dimension, summed over the latent axis
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(axis=1)
