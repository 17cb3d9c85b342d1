"""RealNVP's recipe: `tinygen train realnvp -m hidden=32 -m couplings=3`.

Training minimizes the mean bits per dimension of each batch, every image dequantized afresh
((k + u) / 256, u ~ U[0, 1)); evaluation reports the test images' bits per dimension of the 8-bit
data (one dequantization draw, seeded by `evaluate --seed`) and the continuous density behind it.
Sampling inverts the flow from z ~ N(0, I) (``-t temperature`` < 1 draws from a narrower Gaussian,
as the paper's figures do). ``-t clip=C`` caps the gradients' joint norm at C before each Adam step:
the loss of an unclipped run spikes now and then (a few batches throw the scales far).
"""
from pathlib import Path

from tinygen import backend
from tinygen.autograd import Tensor, no_grad
from tinygen.models.common import EVAL_BATCH, loss_curves
from tinygen.models.options import integer, number
from tinygen.models.realnvp.model import RealNVP, bits_per_dim
from tinygen.models.recipe import Recipe, register
from tinygen.optim import Adam
from tinygen.trainer import GradientTrainer

# The likelihood it reports (tinygen evaluate --json, tinygen compare): exact, of the dequantized images.
LIKELIHOOD = {"unit": "bits_per_dim", "kind": "exact"}


OPTIONS = {"hidden": integer(32, low=1), "couplings": integer(3, low=1),
           "alpha": number(0.05, low=0.0, high=0.5, high_open=True)}
TRAIN_OPTIONS = {"temperature": number(1.0, low=0.0, low_open=True), "clip": number(0.0, low=0.0)}


def build(data_shape, hidden, couplings, alpha):
    """RealNVP for images of ``data_shape`` (C, H, W), H and W even."""
    return RealNVP(tuple(data_shape), hidden, couplings, alpha)


def trainer(model, run):
    """Adam at the run's lr on the mean bits per dimension; ``-t clip=C`` > 0 caps the gradients' norm at C."""
    clip = RECIPE.training_options(run.settings["train_args"])["clip"]   # a run from before -t clip gets 0: off
    return GradientTrainer(model, Adam(model.parameters(), lr=run.settings["lr"]), max_grad_norm=clip)


def evaluate(model, run):
    """{"bits_per_dim": of the 8-bit test images, "log_prob_nats": mean log p of their dequantized values}."""
    images = run.test.images
    log_p = 0.0
    with no_grad():
        for start in range(0, len(images), EVAL_BATCH):
            x = model.dequantize(Tensor(backend.to_backend(images[start:start + EVAL_BATCH])))
            values = model.log_prob(x).data.astype("float64")
            log_p += float(values.sum())
    log_p /= len(images)
    return {"bits_per_dim": bits_per_dim(log_p, model.dimensions), "log_prob_nats": log_p}


def sample(model, run, n, labels=None):
    """``n`` images f^-1(z), z ~ N(0, T^2 I) with T = -t temperature, host (n, C, H, W) in [0, 1]."""
    with no_grad():
        return backend.to_numpy(model.sample(n, run.settings["train_args"]["temperature"]).data)


def figures(model, run, history):
    """Loss curves (bits per dimension) and 64 samples."""
    from tinygen import plot
    out = Path(run.out)
    temperature = run.settings["train_args"]["temperature"]
    return [loss_curves(history, out / "loss_curves.png"),
            plot.image_grid(sample(model, run, 64), out / "samples.png",
                            title=f"f^-1(z), z ~ N(0, {temperature:g}^2 I)")]


RECIPE = register(Recipe(
    name="realnvp", summary="RealNVP: affine coupling layers, exact likelihood in bits per dimension",
    build=build, trainer=trainer, options=OPTIONS, train_options=TRAIN_OPTIONS,
    defaults={"lr": 1e-3, "batch_size": 64, "epochs": 10}, sample=sample, evaluate=evaluate, figures=figures))
