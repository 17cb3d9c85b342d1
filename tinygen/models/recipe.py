"""Recipes: what the command line needs to know about a model family, registered next to its code.

A recipe says how to build the model for a dataset, how to train it (its Trainer and optimizers),
what defaults it wants, and — each optional — how it samples, evaluates, draws its figures, reacts
at the end of an epoch, reconstructs, and maps its latent space. ``tinygen/cli.py`` only parses the
command line, looks the recipe up by name and calls these; adding a model never touches the CLI or
the training loop:

    register(Recipe(name="ae", summary="...", build=build_autoencoder, trainer=adam_trainer, ...))

Every callable receives host data through a ``RunData`` (the run's settings and its datasets, loaded
on first use) and returns host numpy arrays or plain floats.
"""
import inspect
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Optional

from tinygen.data import Dataset, load_dataset

DATA_KINDS = ("images", "points", "any")   # "any": the recipe picks its networks by the data (GANs)


@dataclass(frozen=True)
class Recipe:
    """One model family as the command line sees it (see the module docstring).

    build(data_shape, **model_args) -> nn.Module     data_shape: one example's shape, e.g. (1, 28, 28), (2,)
    trainer(model, settings) -> Trainer              settings: lr, batch_size, seed, train_args, ...
    sample(model, n, labels, run) -> host array      images (n, C, H, W) in [0, 1], or points (n, 2)
    evaluate(model, run) -> {name: float}            on run.test
    figures(model, history, run, out) -> [paths]     at the end of training
    epoch_end(model, run, out, epoch) -> {name: float}   after every epoch (may write files into out)
    reconstruct(model, images) -> host images
    latent(model, run, out) -> [paths]               maps of a low-dimensional latent space
    """
    name: str
    summary: str
    build: Callable
    trainer: Callable
    defaults: dict = field(default_factory=dict)
    train_args: dict = field(default_factory=dict)
    data: str = "images"
    conditional: bool = False
    sample: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    figures: Optional[Callable] = None
    epoch_end: Optional[Callable] = None
    reconstruct: Optional[Callable] = None
    latent: Optional[Callable] = None

    def model_arguments(self):
        """{argument: default} of ``build`` (what ``-m KEY=VALUE`` may set), data_shape left out."""
        parameters = list(inspect.signature(self.build).parameters.values())[1:]
        return {p.name: p.default for p in parameters
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    def check_train_args(self, given):
        """``given`` merged over the recipe's train_args defaults; ValueError for an unknown key."""
        unknown = sorted(set(given) - set(self.train_args))
        if unknown:
            known = ", ".join(f"{key}={value!r}" for key, value in self.train_args.items()) or "none"
            raise ValueError(f"model {self.name!r} takes no training argument {', '.join(unknown)} "
                             f"(-t KEY=VALUE); it takes: {known}")
        return {**self.train_args, **given}


RECIPES = {}


def register(recipe):
    """Make ``recipe`` known by its name (at import time of its module); returns it."""
    if recipe.data not in DATA_KINDS:
        raise ValueError(f"recipe {recipe.name!r}: data must be one of {DATA_KINDS}, got {recipe.data!r}")
    if recipe.name in RECIPES and RECIPES[recipe.name] is not recipe:
        raise ValueError(f"a recipe named {recipe.name!r} is already registered")
    RECIPES[recipe.name] = recipe
    return recipe


def get_recipe(name):
    """The recipe registered as ``name``; ValueError lists the known ones."""
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


class RunData:
    """A run's settings and its data: ``train`` and ``test`` are Datasets loaded on first use.

    ``dataset`` overrides the run's own dataset (``tinygen evaluate RUN --dataset D``); ``limit`` keeps
    only the first N examples of each split, as the run did when it was trained with ``--limit``.
    """

    def __init__(self, settings, data_dir=None, out=None, dataset=None):
        if data_dir is not None and not Path(data_dir).is_dir():
            raise ValueError(f"--data-dir {data_dir} is not a folder; give the folder that holds the IDX files "
                             "(`tinygen datasets` shows where tinygen looks)")
        self.settings, self.data_dir, self.out = settings, data_dir, out
        self.dataset = dataset or settings["dataset"]

    @cached_property
    def train(self):
        return self._split("train")

    @cached_property
    def test(self):
        return self._split("test")

    def _split(self, split):
        data = load_dataset(self.dataset, split, data_dir=self.data_dir)
        limit = self.settings.get("limit")
        if limit is None:
            return data
        return Dataset(data.images[:limit], data.labels[:limit], f"{data.name}[:{limit}]")


def data_kind(dataset):
    """"points" for (N, 2) toy sets, "images" for (N, C, H, W)."""
    return "points" if dataset.images.ndim == 2 else "images"


def check_data(recipe, dataset):
    """ValueError when ``recipe`` cannot train on ``dataset`` (images vs 2-D points)."""
    kind = data_kind(dataset)
    if recipe.data != "any" and kind != recipe.data:
        raise ValueError(f"model {recipe.name!r} takes {recipe.data}, but dataset {dataset.name!r} holds {kind} "
                         f"of shape {dataset.images.shape[1:]}; choose a dataset of {recipe.data} "
                         "(`tinygen datasets` lists them)")
