"""The models of the course, and their recipes by the short name the command line uses (``tinygen train ae``).

Importing a family's recipe module registers it in ``RECIPES`` (tinygen/models/recipe.py).
"""
from tinygen.models import ae_recipe  # noqa: F401  (registers "ae")
from tinygen.models import ae_family_recipes  # noqa: F401  (registers dae, sparse-ae, cae, deep-ae, conv-ae)
from tinygen.models import vae_recipe  # noqa: F401  (registers "vae" and "conv-vae")
from tinygen.models import gan_recipe  # noqa: F401  (registers "gan", "dcgan", "cgan")
from tinygen.models import wgan_recipe  # noqa: F401  (registers "wgan", "wgan-gp"; the Wasserstein losses)
from tinygen.models import rbm_recipe  # noqa: F401  (registers "rbm")
from tinygen.models.diffusion import recipe as diffusion_recipe  # noqa: F401  (registers "ddpm", "flow-matching")
from tinygen.models.ae import Autoencoder
from tinygen.models.cae import ContractiveAutoencoder
from tinygen.models.conv_ae import ConvAutoencoder
from tinygen.models.dae import DenoisingAutoencoder
from tinygen.models.deep_ae import DeepAutoencoder
from tinygen.models.rbm import RBM
from tinygen.models.recipe import RECIPES, Recipe, RunData, get_recipe, register
from tinygen.models.sparse_ae import SparseAutoencoder
