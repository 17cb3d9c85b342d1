"""PixelCNN's recipe: `tinygen train pixelcnn -m channels=32 -m blocks=4 -m first_kernel=7`.

    -m channels=32       feature maps of every layer      -m blocks=4   residual 3x3 type-B layers
    -m first_kernel=7    the type-A layer's kernel        -t fd_samples=0   samples for evaluate's fd (0: none)

Sampling runs the network once per pixel (784 passes for a digit, on the band of rows a pixel can see;
about 0.25 CPU s per digit at the default size), so evaluate measures no fd unless asked
(-t fd_samples=1000 for the likelihood table: about 4 CPU minutes). Images are binarized at 0.5; `tinygen
evaluate` reports the exact test NLL in nats (likelihood_recipes.py).
"""
from tinygen.models.likelihood_recipes import evaluate, figures, image_shape, sample, train_options
from tinygen.models.autoregressive import binarized_loss
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
    build=build, options=OPTIONS, trainer=trainer, train_options=train_options(fd_samples=0),
    defaults={"epochs": 10, "lr": 1e-3, "batch_size": 100},
    sample=sample, evaluate=evaluate, figures=figures))
