"""The models of the course, by the short name the command line uses (``tinygen train ae``)."""
from tinygen.models.ae import Autoencoder
from tinygen.models.cae import ContractiveAutoencoder
from tinygen.models.conv_ae import ConvAutoencoder
from tinygen.models.dae import DenoisingAutoencoder
from tinygen.models.deep_ae import DeepAutoencoder
from tinygen.models.sparse_ae import SparseAutoencoder

MODELS = {"ae": Autoencoder}


def build_model(name, **arguments):
    """A new model from its registry name and constructor arguments; ValueError names what is known."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}")
    return MODELS[name](**arguments)
