"""MADE's recipe: `tinygen train made -m hidden=500 -m order=natural -m num_masks=1`.

    -m hidden=500 (or [500,500])   one or two hidden layers       -m order=natural|random   the pixel order
    -m num_masks=1                 K mask sets: K > 1 trains the order/connectivity-agnostic model, one set
                                   drawn per step, and evaluates the mixture of all K (K times the cost)
    -m mask_seed=0                 the masks' own seed (a checkpoint does not store them: the seed rebuilds them)
    -t fd_samples=None             samples for `tinygen evaluate`'s fd (None: as many as the test images; 0: none)

Images are binarized at 0.5; `tinygen evaluate` reports the exact test NLL in nats (tinygen/models/common.py).
"""
from tinygen.models.common import (binary_samples, image_shape, likelihood_evaluate, likelihood_figures,
                                   likelihood_train_options)
from tinygen.models.made.model import MADE
from tinygen.models.made.networks import ORDERS
from tinygen.models.made.trainer import MaskDrawingTrainer
from tinygen.models.options import choice, integer, integers
from tinygen.models.recipe import Recipe, register
from tinygen.optim import Adam

LIKELIHOOD = {"unit": "nats", "kind": "exact"}   # what evaluate's nll_nats is (the likelihood table reads it)
OPTIONS = {"hidden": integers(500, low=1), "order": choice("natural", ORDERS), "num_masks": integer(1, low=1),
           "mask_seed": integer(0, low=0)}


def build(data_shape, hidden, order, num_masks, mask_seed):
    """MADE over the pixels of ``data_shape`` with one or two hidden layers."""
    hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
    return MADE(image_shape(data_shape, "MADE"), hidden, order, num_masks, mask_seed)


def trainer(model, run):
    """Adam at the run's lr on the mean NLL of the binarized batch, a mask set drawn per step."""
    return MaskDrawingTrainer(model, Adam(model.parameters(), lr=run.settings["lr"]))


RECIPE = register(Recipe(
    name="made", summary="MADE, the masked autoencoder (784-500-784): exact likelihood of binarized images",
    build=build, options=OPTIONS, trainer=trainer, train_options=likelihood_train_options(fd_samples=None),
    defaults={"epochs": 100, "lr": 1e-3, "batch_size": 100},
    sample=binary_samples, evaluate=likelihood_evaluate, figures=likelihood_figures))
