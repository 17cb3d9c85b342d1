"""`tinygen sample`: draw from a trained run into a picture or an array file, in batches, labels as asked.

The sampling options (``--sampler``, ``--steps``, ``--guidance``) are the keyword arguments of the
recipe's ``sample``; a recipe that takes none of them refuses them by name.
"""
import inspect
from pathlib import Path

from tinygen import backend
from tinygen.backend import numpy  # host arrays: files and pictures
from tinygen.commands import RETRAIN, load_plot, trained_model
from tinygen.console import UsageError
from tinygen.finite import NotFinite, require_finite
from tinygen.models import RECIPES
from tinygen.progress import heartbeat

SAMPLE_BATCH = 1000     # samples drawn per call, so a large --n never holds more than this in flight
GRID_MAX = 400          # a PNG shows at most this many samples; .npy/.npz hold them all
SAMPLE_SUFFIXES = (".png", ".npy", ".npz")
SAMPLING_OPTIONS = ("sampler", "steps", "guidance")   # `sample --OPTION`: keyword arguments of a recipe's sample


def command_sample(args):
    suffix = Path(args.out).suffix.lower()
    if suffix not in SAMPLE_SUFFIXES:
        raise UsageError(f"--out {args.out}: the suffix must be one of {', '.join(SAMPLE_SUFFIXES)} "
                         f"(.png a picture, .npy the raw samples, .npz samples with labels), got {suffix!r}")
    recipe, model, run = trained_model(args.location, args.data_dir)
    if recipe.sample is None:
        raise UsageError(f"model {recipe.name!r} cannot sample")
    sampling = sampling_options(recipe, args)
    labels = sample_labels(recipe, args.n, args.label, getattr(model, "conditional", recipe.conditional))
    backend.manual_seed(args.seed)
    write_samples(draw_samples(recipe, model, args.n, labels, run, **sampling), labels, args.out, recipe.name)


def sampling_options(recipe, args):
    """{option: value} of the SAMPLING_OPTIONS given on the command line; UsageError where the recipe's
    sample takes no such keyword."""
    given = {name: getattr(args, name) for name in SAMPLING_OPTIONS if getattr(args, name, None) is not None}
    accepted = sampling_defaults().get(recipe.name, {})
    for name in given:
        if name not in accepted:
            takes = ", ".join(f"--{option}" for option in accepted) or "none of them"
            raise UsageError(f"--{name}: model {recipe.name!r} takes no such sampling option (it takes {takes})")
    return given


def sampling_defaults():
    """{recipe name: {option: default}} for the recipes whose sample takes any of SAMPLING_OPTIONS."""
    defaults = {}
    for name, recipe in sorted(RECIPES.items()):
        parameters = {} if recipe.sample is None else inspect.signature(recipe.sample).parameters
        options = {option: parameters[option].default for option in SAMPLING_OPTIONS if option in parameters}
        if options:
            defaults[name] = options
    return defaults


def draw_samples(recipe, model, n, labels, run, **sampling):
    """``n`` samples as one host array, drawn SAMPLE_BATCH at a time so memory stays small.

    Samples that are not finite (a model whose weights overflow in the forward pass) are refused.
    """
    parts = []
    try:
        with heartbeat("sample"):
            for start in range(0, n, SAMPLE_BATCH):
                count = min(SAMPLE_BATCH, n - start)
                part = recipe.sample(model, run, count, None if labels is None else labels[start:start + count],
                                     **sampling)
                require_finite([("samples", part)], owner=f"the samples of {recipe.name}")
                parts.append(part)
    except NotFinite as error:
        raise error.at(None, None, RETRAIN) from None
    return numpy.concatenate(parts)


def sample_labels(recipe, n, label, conditional, classes=10):
    """The class of each sample: all ``label``, or 0, 1, ..., 9, 0, ... for a conditional model; else None."""
    if not conditional:
        if label is not None:
            raise UsageError(f"--label: model {recipe.name!r} is not conditional; it cannot be asked for a class")
        return None
    if label is not None and not 0 <= label < classes:
        raise UsageError(f"--label must be a class from 0 to {classes - 1}, got {label}")
    return numpy.full(n, label, numpy.int64) if label is not None else numpy.arange(n, dtype=numpy.int64) % classes


def write_samples(samples, labels, out, name):
    """``.npy``: the samples, float32 ((N, H, W) images or (N, 2) points); ``.npz``: with their labels;
    ``.png``: a grid of at most GRID_MAX images, or a scatter of points."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    samples = samples.astype(numpy.float32)
    if samples.ndim == 4 and samples.shape[1] == 1:
        samples = samples[:, 0]
    if out.suffix.lower() == ".npy":
        numpy.save(out, samples)
    elif out.suffix.lower() == ".npz":
        numpy.savez(out, samples=samples, **({} if labels is None else {"labels": labels}))
    else:
        write_sample_picture(samples, labels, out, name)
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {out}")


def write_sample_picture(samples, labels, out, name):
    plot = load_plot()
    if samples.ndim == 2:
        shown = numpy.zeros(len(samples), numpy.int64) if labels is None else labels
        plot.latent_scatter(samples, shown, out, title=f"{len(samples)} samples from {name}")
        return
    if len(samples) > GRID_MAX:
        print(f"the picture shows the first {GRID_MAX} of {len(samples)} samples; write .npy for all of them")
    plot.image_grid(samples[:GRID_MAX], out, ncols=10 if labels is not None else 8,
                    title=f"{min(len(samples), GRID_MAX)} samples from {name}")
