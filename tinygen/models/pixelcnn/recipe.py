"""PixelCNN's recipe: `tinygen train pixelcnn -m channels=32 -m blocks=4 -m first_kernel=7`.

    -m channels=32       feature maps of every layer      -m blocks=4   residual 3x3 type-B layers
    -m first_kernel=7    the type-A layer's kernel        -t fd_samples=0   samples for evaluate's fd (0: none)

Sampling runs the network once per pixel (784 passes for a digit, each on the 8 x 15 window a pixel can
see at the default size), so evaluate measures no fd unless asked (-t fd_samples=1000 for the likelihood
table). Images are binarized at 0.5; `tinygen evaluate` reports the exact test NLL in nats
(tinygen/models/common.py).
"""
from tinygen.models.common import (binarized_loss, binary_samples, image_shape, likelihood_evaluate,
                                   likelihood_figures, likelihood_train_options)
from tinygen.models.options import integer
from tinygen.models.pixelcnn.model import PixelCNN
from tinygen.models.recipe import Recipe, register
from tinygen.optim import Adam
from tinygen.trainer import GradientTrainer

LIKELIHOOD = {"unit": "nats", "kind": "exact"}   # what evaluate's nll_nats is (the likelihood table reads it)
OPTIONS = {"channels": integer(32, low=1), "blocks": integer(4, low=0), "first_kernel": integer(7, low=1)}


def build(data_shape, channels, blocks, first_kernel):
    """PixelCNN for one-channel images of ``data_shape``."""
    return PixelCNN(image_shape(data_shape, "PixelCNN"), channels, blocks, first_kernel)


def trainer(model, run):
    """Adam at the run's lr on the mean NLL of the binarized batch."""
    return GradientTrainer(model, Adam(model.parameters(), lr=run.settings["lr"]), binarized_loss(model))


RECIPE = register(Recipe(
    name="pixelcnn", summary="PixelCNN for binary images (masked convolutions A, 4 residual B): exact likelihood",
    build=build, options=OPTIONS, trainer=trainer, train_options=likelihood_train_options(fd_samples=0),
    defaults={"epochs": 10, "lr": 1e-3, "batch_size": 100},
    sample=binary_samples, evaluate=likelihood_evaluate, figures=likelihood_figures))
