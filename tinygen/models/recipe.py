"""Recipes: what the command line needs to know about a model family, registered next to its code.

A recipe says how to build the model for a dataset, which settings it takes (each declared once with
its default, type and range: tinygen/models/options.py), how to train it (its Trainer and optimizers),
and — each optional — how it samples, evaluates, draws its figures, reacts at the end of an epoch,
reconstructs, and maps its latent space. ``tinygen/cli.py`` only parses the command line, looks the
recipe up by name and calls these; adding a model never touches the CLI or the training loop:

    register(Recipe(name="ae", summary="...", build=build, trainer=adam_trainer,
                    options={"code_size": integer(32, low=1)}, sample=sample, ...))

The one callback contract: every callback takes the model first and the run (a ``RunData``: the run's
settings, its datasets loaded on first use, and its folder ``run.out``) second, then its own arguments;
it receives host data and returns host numpy arrays or plain floats.
"""
import inspect
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Optional

from tinygen.data import Dataset, load_dataset
from tinygen.models.options import resolve

DATA_KINDS = ("images", "points", "any")   # "any": the recipe picks its networks by the data (GANs)
TRAINING_DEFAULTS = {"dataset": "mnist-5k", "batch_size": 64, "lr": 1e-3, "seed": 0, "limit": None, "epochs": 10}


@dataclass(frozen=True)
class Recipe:
    """One model family as the command line sees it (see the module docstring).

    build(data_shape, **options) -> nn.Module       data_shape: one example's shape, e.g. (1, 28, 28), (2,);
                                                    options: every key of ``options``, checked, defaults filled
    trainer(model, run) -> Trainer                   run.settings: lr, batch_size, seed, train_args, ...
    sample(model, run, n, labels) -> host array      images (n, C, H, W) in [0, 1], or points (n, 2)
    evaluate(model, run) -> {name: float}            on run.test
    figures(model, run, history) -> [paths]          at the end of training, written into run.out
    epoch_end(model, run, epoch) -> {name: float}    after every epoch (may write files into run.out)
    reconstruct(model, run, images) -> host images, or {row name: host images} (rows drawn top to bottom)
    latent(model, run, out) -> [paths]               maps of a low-dimensional latent space into out

    options: {key: Option} for ``-m KEY=VALUE``; train_options: the same for ``-t KEY=VALUE``;
    defaults: this model's training defaults (epochs, lr, batch_size, dataset) over TRAINING_DEFAULTS.
    """
    name: str
    summary: str
    build: Callable
    trainer: Callable
    options: dict = field(default_factory=dict)
    train_options: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    data: str = "images"
    conditional: bool = False
    sample: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    figures: Optional[Callable] = None
    epoch_end: Optional[Callable] = None
    reconstruct: Optional[Callable] = None
    latent: Optional[Callable] = None

    def model_options(self, given=None):
        """Every ``-m`` setting: ``given`` over the declared defaults, each checked (ValueError names it)."""
        return resolve("-m", self.options, given or {})

    def training_options(self, given=None):
        """Every ``-t`` setting: ``given`` over the declared defaults, each checked (ValueError names it)."""
        return resolve("-t", self.train_options, given or {})

    def training_defaults(self):
        """{setting: (value, where it comes from)} for epochs, lr, batch_size, dataset, seed, limit."""
        return {key: (self.defaults[key], f"model {self.name}") if key in self.defaults else (value, "tinygen")
                for key, value in TRAINING_DEFAULTS.items()}

    def model(self, data_shape, **given):
        """The model for examples of ``data_shape`` with the ``-m`` settings ``given`` (defaults filled in)."""
        return self.build(tuple(data_shape), **self.model_options(given))

    def check_build_signature(self):
        """TypeError unless ``build`` takes exactly data_shape and the declared options, with no defaults of
        its own (so that a default lives in one place: the option)."""
        parameters = list(inspect.signature(self.build).parameters.values())[1:]
        names = [p.name for p in parameters if p.kind is not p.VAR_KEYWORD]
        with_defaults = [p.name for p in parameters if p.default is not p.empty]
        if sorted(names) != sorted(self.options) or with_defaults:
            raise TypeError(f"recipe {self.name!r}: build must take data_shape and exactly the options "
                            f"{sorted(self.options)} without defaults; it takes {names} "
                            f"(with defaults: {with_defaults})")


RECIPES = {}


def register(recipe):
    """Make ``recipe`` known by its name (at import time of its module); returns it."""
    if recipe.data not in DATA_KINDS:
        raise ValueError(f"recipe {recipe.name!r}: data must be one of {DATA_KINDS}, got {recipe.data!r}")
    if recipe.name in RECIPES and RECIPES[recipe.name] is not recipe:
        raise ValueError(f"a recipe named {recipe.name!r} is already registered")
    recipe.check_build_signature()
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
        self.dataset = dataset or settings.get("dataset")

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
