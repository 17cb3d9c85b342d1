"""`tinygen compare RUN RUN ...`: trained runs side by side, each model's likelihood beside its samples' quality.

One row a run: the model, its likelihood's kind and number (tinygen/likelihood_kind.py) — the NLL in
nats of the binarized test digits, or the bits per dimension of the dequantized 8-bit ones —, the
training time its metrics.json recorded, its parameter count and the Fréchet distance (FD, in the
shipped classifier's features; lower is better) of its samples to the test images — binarized
(pixels > 0.5) for a model of binarized images, as its likelihood is, grey-level otherwise. Where
the model's own evaluation reports an FD (MADE's, a GAN's), that one is shown. The two kinds of
quality sit side by side because they can disagree: a model may spread its mass well (a good
likelihood) and still draw blurry samples, or draw sharp samples and miss whole modes.
"""
import json
import math
from pathlib import Path

from tinygen import backend
from tinygen.commands import check_shape, trained_model
from tinygen.sample_command import draw_samples, sample_labels
from tinygen.console import UsageError
from tinygen.data.transforms import binarize
from tinygen.likelihood_kind import likelihood_fields
from tinygen.metrics.digit_classifier import has_classifier
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.nn import parameter_count

COLUMNS = ("model", "likelihood", "nll (nats)", "bits/dim", "train s", "params", "sample FD")


def compare_row(location, samples, seed=0, data_dir=None):
    """One run's row: {"run", "model", "likelihood_kind", "nll_nats"..., "train_seconds", "parameters", "fd"}."""
    recipe, model, run = trained_model(location, data_dir)
    row = {"run": str(location), "model": recipe.name, "parameters": parameter_count(model),
           "train_seconds": recorded_seconds(Path(location))}
    metrics = {}
    if recipe.evaluate is not None:
        check_shape(recipe, run.test, run.settings)
        backend.manual_seed(seed)
        metrics = {name: float(value) for name, value in recipe.evaluate(model, run).items()}
        row.update(likelihood_fields(recipe, metrics))
    binary = "nll_nats" in row
    row["fd"] = metrics["fd"] if "fd" in metrics else sample_fd(recipe, model, run, samples, binary, seed)
    return row


def recorded_seconds(location):
    """The training time (wall seconds, all epochs) a run's metrics.json holds; None without one."""
    path = (location if location.is_dir() else location.parent) / "metrics.json"
    if not path.is_file():
        return None
    return sum(row.get("seconds", 0.0) for row in json.loads(path.read_text())["epochs"])


def sample_fd(recipe, model, run, samples, binary, seed=0):
    """FD of ``samples`` samples to the run's test images (``binary``: binarized at 0.5); None where it cannot
    be measured (no sampler, or not images of digits / Fashion-MNIST's shape)."""
    if recipe.sample is None or samples < 2 or run.test.images.shape[1:] != (1, 28, 28) \
            or not has_classifier(run.dataset):
        return None
    backend.manual_seed(seed)
    labels = sample_labels(recipe, samples, None, getattr(model, "conditional", recipe.conditional))
    images = draw_samples(recipe, model, samples, labels, run)
    real = binarize(run.test.images) if binary else run.test.images
    return SampleQuality(real, run.dataset).evaluate(images)["fd"]


def format_table(rows, time_label="train s"):
    """A Markdown table of ``rows`` (compare_row's dicts)."""
    header = COLUMNS[:4] + (time_label,) + COLUMNS[5:]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = (row["model"], row.get("likelihood_kind", "none"), nll_text(row), number(row.get("bits_per_dim"), 3),
                 number(row.get("train_seconds"), 0), f"{row['parameters']:,}", number(row.get("fd"), 1))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def nll_text(row):
    """"85.2" exact, "≤ 90.1" a bound, "88.0 ± 0.6 (≥ 80.3)" an estimate with 3 sd and its rigorous bound (the
    bound alone, said so, where AIS fell below it and the RBM's evaluation reported the bound)."""
    if "nll_nats" not in row:
        return "—"
    value = number(row["nll_nats"], 2)
    if row["likelihood_kind"] == "upper_bound":
        return f"≤ {value}"
    if row["likelihood_kind"] == "estimate" and row["nll_nats"] <= row.get("nll_nats_lower_bound", -math.inf):
        return f"≥ {value} (AIS fell below its rigorous bound: the bound)"
    if row["likelihood_kind"] == "estimate":
        spread = f" ± {3 * row['nll_nats_std']:.2f}" if "nll_nats_std" in row else ""
        bound = f" (≥ {row['nll_nats_lower_bound']:.2f})" if "nll_nats_lower_bound" in row else ""
        return value + spread + bound
    return value


def number(value, digits):
    return "—" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def command_compare(args):
    if len(args.locations) != len(set(args.locations)):
        raise UsageError("compare: a run is named twice; name each run once")
    rows = [compare_row(location, args.samples, args.seed, args.data_dir) for location in args.locations]
    if args.json:
        print(json.dumps(rows))
        return
    print(format_table(rows, "train s (wall)"))
    print(f"nll: nats per binarized test image (pixels > 0.5); bits/dim: of the dequantized 8-bit images; "
          f"sample FD: {args.samples} samples (or the model's own evaluation's) against the test images, binarized "
          f"for the models in nats (lower is better)")
