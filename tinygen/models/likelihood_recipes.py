"""What the recipes of the exact-likelihood models of binary images (MADE, PixelCNN) share.

Every image is binarized at 0.5 (tinygen.data.transforms.binarize: the RBM's binarization, one for the
whole likelihood table) before a model sees it. ``tinygen evaluate`` reports

    nll_nats   the mean exact negative log-likelihood of the binarized test images, nats per image
    nll_nats_se  its standard error over the test images
    fd         the Frechet distance of ``-t fd_samples`` samples (None: as many as the test images; 0: no fd) to
               the binarized test images, in the shipped classifier's features (datasets with one only)

and each recipe module says what its number is: ``LIKELIHOOD = {"unit": "nats", "kind": "exact"}``.
"""
import math
from pathlib import Path

from tinygen import backend
from tinygen.backend import numpy as np  # host arrays: the test NLLs and the samples
from tinygen.data.transforms import binarize
from tinygen.metrics.digit_classifier import has_classifier
from tinygen.models.common import loss_curves, map_batches
from tinygen.models.options import integer

GRID = 36   # samples in the figure (each costs one network pass per pixel)


def train_options(fd_samples):
    """The ``-t`` settings: fd_samples, how many samples evaluate's fd takes (None: as many as the test images;
    0: no fd), by default ``fd_samples``."""
    return {"fd_samples": integer(fd_samples, low=0)}


def image_shape(data_shape, name):
    """``data_shape`` as (C, H, W); ValueError for examples that are not images."""
    if len(data_shape) != 3:
        raise ValueError(f"{name} takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return tuple(data_shape)


def test_nll(model, images):
    """(mean, standard error) of -log p(x) over host ``images`` binarized at 0.5, in nats per image."""
    model.eval()
    nll = map_batches(lambda x: -model.log_prob(x), binarize(np.asarray(images, dtype=np.float32)))
    return float(nll.mean()), float(nll.std(ddof=1) / math.sqrt(len(nll))) if len(nll) > 1 else 0.0


def evaluate(model, run):
    """nll_nats and nll_nats_se on the run's test images; fd of -t fd_samples samples where it can be measured."""
    mean, error = test_nll(model, run.test.images)
    metrics = {"nll_nats": mean, "nll_nats_se": error}
    count = run.settings["train_args"]["fd_samples"]
    count = len(run.test) if count is None else count
    if count >= 2 and has_classifier(run.dataset) and tuple(run.settings["data_shape"]) == (1, 28, 28):
        from tinygen.metrics.sample_quality import SampleQuality
        real = binarize(np.asarray(run.test.images, dtype=np.float32))
        metrics["fd"] = SampleQuality(real, run.dataset).evaluate(sample(model, run, count))["fd"]
    return metrics


def sample(model, run, n, labels=None):
    """``n`` images drawn pixel by pixel: host (n, C, H, W) of 0s and 1s."""
    model.eval()
    return backend.to_numpy(model.sample(n)).astype(np.float32)


def figures(model, run, history):
    """Loss curves (mean NLL per image, nats) and a grid of samples."""
    from tinygen import plot
    out = Path(run.out)
    return [loss_curves(history, out / "loss_curves.png"),
            plot.image_grid(sample(model, run, GRID), out / "samples.png", title="samples, drawn pixel by pixel")]
