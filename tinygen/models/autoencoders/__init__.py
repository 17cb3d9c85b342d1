"""The autoencoder family: plain (undercomplete), denoising, sparse, contractive, deep and convolutional.

``model.py`` is the plain autoencoder every other kind extends; ``recipe.py`` registers ``ae`` and
``variants.py`` the other five kinds (``dae``, ``sparse-ae``, ``cae``, ``deep-ae``, ``conv-ae``).
"""
from tinygen.models.autoencoders import recipe, variants  # noqa: F401  (registers the recipes)
from tinygen.models.autoencoders.contractive import ContractiveAutoencoder
from tinygen.models.autoencoders.conv import ConvAutoencoder
from tinygen.models.autoencoders.deep import DeepAutoencoder
from tinygen.models.autoencoders.denoising import DenoisingAutoencoder
from tinygen.models.autoencoders.model import Autoencoder
from tinygen.models.autoencoders.sparse import SparseAutoencoder
