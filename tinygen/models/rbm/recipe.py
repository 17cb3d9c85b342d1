"""The RBM's recipe: `tinygen train rbm -m n_hidden=500 -m k=1 -m persistent=True`.

The RBM models binary pixels, so the recipe binarizes every image at grey level 0.5 (the binarized
MNIST of the RBM papers) before the model sees it. Its update is contrastive divergence, not a
gradient step, so its Trainer has no optimizer and updates the parameters itself; each step reports
the batch's reconstruction error and pseudo-likelihood, measured before the update.

    -m n_hidden=500 -m k=1 -m persistent=True -m n_chains=100      the model and its sampler
    -t momentum=0.5 -t weight_decay=0.0001                         the update
    -t ais_runs=100 -t ais_temperatures=500                        how `tinygen evaluate` estimates log Z
                                                                   (the paper: 14500; see benchmarks/README.md)
"""
import math
from pathlib import Path

from tinygen import backend
from tinygen.backend import xp
from tinygen.models.common import loss_curves
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import RBM
from tinygen.models.rbm.trainer import ContrastiveDivergenceTrainer, visible_units
from tinygen.models.options import flag, integer, number
from tinygen.models.recipe import Recipe, register

SAMPLE_STEPS = 1000        # Gibbs steps from noise before a sample is shown
FIGURE_FILTERS = 100


OPTIONS = {"n_hidden": integer(500, low=1), "k": integer(1, low=1), "persistent": flag(True),
           "n_chains": integer(100, low=1)}
TRAIN_OPTIONS = {"momentum": number(0.5, low=0.0, high=1.0, high_open=True), "weight_decay": number(1e-4, low=0.0),
                 "ais_runs": integer(100, low=2), "ais_temperatures": integer(500, low=3)}


def build(data_shape, n_hidden, k, persistent, n_chains):
    """An RBM with one visible unit per pixel of ``data_shape``; PCD keeps ``n_chains`` fantasy chains."""
    if len(data_shape) != 3:
        raise ValueError(f"the RBM takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return RBM(math.prod(data_shape), n_hidden, n_chains=n_chains if persistent else 0)


def trainer(model, run):
    """CD-k or PCD-k as the run's -m k=... -m persistent=... say, at its lr, momentum and weight decay."""
    model_args = RECIPE.model_options(run.settings["model_args"])
    train_args = RECIPE.training_options(run.settings["train_args"])
    return ContrastiveDivergenceTrainer(model, run.settings["lr"], k=model_args["k"],
                                        persistent=model_args["persistent"], momentum=train_args["momentum"],
                                        weight_decay=train_args["weight_decay"])


def evaluate(model, run):
    """Test log-likelihood (AIS, checked against the mean-field bound), pseudo-likelihood, reconstruction error."""
    from tinygen.models.rbm.likelihood import rbm_log_likelihood
    from tinygen.models.rbm.pseudo_likelihood import pseudo_likelihood
    train_args = run.settings["train_args"]
    test, train = visible_units(run.test.images), visible_units(run.train.images)
    metrics = rbm_log_likelihood(model, test, train, n_runs=train_args["ais_runs"],
                                 n_temperatures=train_args["ais_temperatures"])
    metrics["pseudo_likelihood"] = float(pseudo_likelihood(model, test).mean())
    metrics["reconstruction_error"] = float(((model.reconstruct(test) - test) ** 2).mean())
    return metrics


def sample(model, run, n, labels=None):
    """p(v | h) at the end of ``n`` Gibbs chains run SAMPLE_STEPS steps from uniform noise: (n, C, H, W) in [0, 1]."""
    noise = backend.generator().random((n, model.n_visible), dtype=xp.float32)
    v = model.gibbs(noise, k=SAMPLE_STEPS)
    return as_images(model.visible_probabilities(model.sample_hidden(v)), run.settings["data_shape"])


def reconstruct(model, run, images):
    """p(v | h = p(h | v)) of the binarized ``images``, shaped like them."""
    return as_images(model.reconstruct(visible_units(images)), images.shape[1:])


def filters(model, data_shape, count=FIGURE_FILTERS):
    """The first ``count`` hidden units' weights as images, each scaled to [0, 1] by its own range."""
    weights = model.weight.data[:count]
    low, high = weights.min(axis=1, keepdims=True), weights.max(axis=1, keepdims=True)
    return as_images((weights - low) / xp.maximum(high - low, 1e-12), data_shape)


def figures(model, run, history):
    """Curves, filters, samples of long Gibbs chains from noise, reconstructions."""
    from tinygen import plot
    out, shown = Path(run.out), run.test.images[:10]
    shape = run.settings["data_shape"]
    return [loss_curves(history, out / "loss_curves.png"),
            plot.image_grid(filters(model, shape), out / "filters.png", ncols=10,
                            title="weights of the first hidden units"),
            plot.image_grid(sample(model, run, 64), out / "samples.png",
                            title=f"p(v|h) after {SAMPLE_STEPS} Gibbs steps from noise"),
            plot.reconstructions(binarize(shown), reconstruct(model, run, shown), out / "reconstructions.png")]


def as_images(rows, data_shape):
    """(N, C*H*W) rows of either backend -> host float32 images (N, C, H, W)."""
    return backend.to_numpy(rows).astype("float32").reshape((len(rows),) + tuple(data_shape))


RECIPE = register(Recipe(
    name="rbm", summary="the binary restricted Boltzmann machine (784-500, PCD-1), log-likelihood by AIS",
    build=build, options=OPTIONS, trainer=trainer, defaults={"lr": 0.05, "batch_size": 100},
    train_options=TRAIN_OPTIONS,
    sample=sample, evaluate=evaluate, figures=figures, reconstruct=reconstruct))
