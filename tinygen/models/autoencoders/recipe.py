"""The plain autoencoder's recipe: `tinygen train ae`, and what sample / evaluate / reconstruct do with it.

A plain autoencoder is not a generative model: nothing made its codes follow a known distribution.
To "sample" it anyway, codes are drawn from a normal distribution fitted to the codes of the training
images; many land in the gaps between the digit clusters and decode to no digit (the VAE fixes that).
"""
from pathlib import Path

import tinygen.functional as F
from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.models.autoencoders.model import Autoencoder
from tinygen.models.common import map_batches, standard_figures
from tinygen.models.options import choice, integer, integers
from tinygen.models.recipe import Recipe, register
from tinygen.optim import Adam
from tinygen.trainer import GradientTrainer


LOSSES = ("bce", "mse")
OPTIONS = {"code_size": integer(32, low=1), "num_layers": integer(1, low=0), "nodes_per_layer": integers(128),
           "loss": choice("bce", LOSSES)}   # the course's four hyperparameters: code size, layers, nodes, loss


def build(data_shape, code_size, num_layers, nodes_per_layer, loss):
    """An Autoencoder for images of ``data_shape`` (C, H, W)."""
    if len(data_shape) != 3:
        raise ValueError(f"the autoencoder takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return Autoencoder(code_size=code_size, num_layers=num_layers, nodes_per_layer=nodes_per_layer, loss=loss,
                       image_shape=tuple(data_shape))


def adam_trainer(model, run):
    """Minimise ``model.loss`` on the batch's images with Adam at the run's lr."""
    return GradientTrainer(model, Adam(model.parameters(), lr=run.settings["lr"]))


def reconstruct(model, run, images):
    """Host reconstructions of host ``images``."""
    model.eval()
    return map_batches(model, images)


def encode(model, images):
    model.eval()
    return map_batches(model.encode, images)


def decode(model, codes):
    model.eval()
    return map_batches(model.decode, codes)


def sample(model, run, n, labels=None):
    """Decode ``n`` codes drawn from a normal fitted (per coordinate) to the training images' codes."""
    codes = backend.to_backend(encode(model, run.train.images))
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    noise = backend.generator().standard_normal((n, codes.shape[1]), dtype=codes.dtype)
    return decode(model, backend.to_numpy(mean + noise * std))


def evaluate(model, run):
    """Reconstruction error per pixel on the test split: mean squared error and binary cross-entropy."""
    images = run.test.images
    reconstructed = backend.to_backend(reconstruct(model, run, images))
    target = backend.to_backend(images)
    bce = F.binary_cross_entropy(Tensor(reconstructed), Tensor(target))  # clamps the log as PyTorch does
    return {"mse": float(((reconstructed - target) ** 2).mean()), "bce": float(bce.item())}


def figures(model, run, history):
    """Loss curves, reconstructions, decoded random codes; for a 2-D code also the latent maps."""
    return standard_figures(model, run, history, reconstruct, sample, "decoded random codes",
                            latent if model.code_size == 2 else None)


def latent(model, run, out):
    """The test images' 2-D codes coloured by digit, and the images decoded from a grid of codes."""
    from tinygen import plot
    if model.code_size != 2:
        raise ValueError(f"latent maps need a 2-D code; this autoencoder's code has {model.code_size} numbers")
    if Path(out).suffix.lower() == ".png":
        raise ValueError(f"--out {out}: an autoencoder's latent maps are two pictures, written into a folder; "
                         f"give a folder (e.g. --out {Path(out).with_suffix('')}), not a file name")
    codes = encode(model, run.test.images)
    out = Path(out)
    scatter = plot.latent_scatter(codes, run.test.labels, out / "latent_scatter.png",
                                  title="test images' 2-D codes, coloured by digit")
    span = float(backend.xp.percentile(backend.xp.abs(backend.to_backend(codes)), 99))  # holds nearly every code
    manifold = plot.latent_manifold(lambda z: decode(model, z), out / "latent_manifold.png", span=span)
    return [scatter, manifold]


register(Recipe(
    name="ae", summary="the undercomplete dense autoencoder (784-128-32-128-784 by default)",
    build=build, options=OPTIONS, trainer=adam_trainer, sample=sample, evaluate=evaluate, figures=figures,
    reconstruct=reconstruct, latent=latent))
