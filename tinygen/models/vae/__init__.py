"""The variational autoencoder family: the dense VAE and the course's convolutional VAE (``vae``,
``conv-vae``), their ELBO trainer, and the maps of a 2-d latent space (``latent.py``, drawn only when
matplotlib is installed)."""
from tinygen.models.vae import recipe  # noqa: F401  (registers the recipes)
from tinygen.models.vae.model import VAE
