"""The models of the course, one folder per family, and their recipes by the short name the command line
uses (``tinygen train ae``).

Every family folder has the same files — ``networks.py``, ``model.py``, ``trainer.py``, ``recipe.py`` (and
more where the family needs them) — and importing a family registers its recipes in ``RECIPES``
(tinygen/models/recipe.py, the one contract between a family and the command line).
"""
from tinygen.models import (autoencoders, diffusion, gan, made, pixelcnn, rbm,  # noqa: F401  (each registers
                            realnvp, vae)                                       # its recipes)
from tinygen.models.autoencoders import (Autoencoder, ContractiveAutoencoder, ConvAutoencoder,
                                         DeepAutoencoder, DenoisingAutoencoder, SparseAutoencoder)
from tinygen.models.diffusion import DDPM, FlowMatching
from tinygen.models.gan import GAN
from tinygen.models.made import MADE
from tinygen.models.pixelcnn import PixelCNN
from tinygen.models.rbm import RBM
from tinygen.models.realnvp import RealNVP
from tinygen.models.recipe import RECIPES, Recipe, RunData, get_recipe, register
from tinygen.models.vae import VAE
