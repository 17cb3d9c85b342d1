"""What several model families share: a trained model over host data in batches (no graph, host arrays in
and out), and the standard pictures of a run (loss curves; test images over their reconstructions and a grid
of samples). matplotlib is imported only inside the functions that draw.

And what the exact-likelihood models of binary images (MADE, PixelCNN) share. Each gives every pixel a
logit computed from the pixels before it in its order, so

    log p(x) = sum_d log Bernoulli(x_d | sigmoid(l_d)) = -sum_d BCE_with_logits(l_d, x_d),   l_d = logit_d(x_<d)

is an exact, normalized log-likelihood in nats, and a sample is drawn one pixel at a time, each from the
logits of the pixels drawn so far (D network calls for D pixels: the price of exactness). Their recipes
binarize every image at 0.5 (tinygen.data.transforms.binarize: the RBM's binarization, one for the whole
likelihood table); ``tinygen evaluate`` reports

    nll_nats     the mean exact negative log-likelihood of the binarized test images, nats per image
    nll_nats_se  its standard error over the test images
    fd           the Frechet distance of ``-t fd_samples`` samples (None: as many as the test images; 0: no fd)
                 to the binarized test images, in the shipped classifier's features (datasets with one only,
                 and FD_MIN_SAMPLES samples at least)

and each recipe module says what its number is: ``LIKELIHOOD = {"unit": "nats", "kind": "exact"}``.
"""
import math
from pathlib import Path

import tinygen.functional as F
from tinygen import backend
from tinygen.autograd import Tensor, as_tensor, no_grad
from tinygen.backend import numpy as np  # host arrays: the test NLLs and the samples
from tinygen.backend import xp
from tinygen.data.transforms import binarize
from tinygen.metrics.digit_classifier import has_classifier
from tinygen.models.options import integer

EVAL_BATCH = 500
LIKELIHOOD_GRID = 36   # samples in an autoregressive model's figure (each costs one network pass per pixel)
FD_MIN_SAMPLES = 128   # fewer make a singular 64-d feature covariance, and an fd that rounding can move by 5 %


def map_batches(function, array, batch_size=EVAL_BATCH):
    """``function`` (a Tensor of a batch -> a Tensor) over host ``array`` (N, ...), ``batch_size`` rows at a
    time; the results joined along the first axis as a host array."""
    with no_grad():
        parts = [function(Tensor(backend.to_backend(array[start:start + batch_size]))).data
                 for start in range(0, len(array), batch_size)]
    return backend.to_numpy(backend.xp.concatenate(parts))


def loss_curves(history, path):
    """Every train_/val_ value of the history against the epoch, one curve each."""
    from tinygen import plot
    names = [key for key in history[0] if key.startswith(("train_", "val_"))] if history else []
    return plot.loss_curves({name: [row[name] for row in history] for name in names}, path)


def standard_figures(model, run, history, reconstruct, sample, samples_title, latent=None):
    """An autoencoder family's pictures: loss curves, 10 test images over their reconstructions, 64 samples,
    and the latent maps when the recipe's ``latent`` is given (a 2-D code). Callbacks as the recipe's."""
    from tinygen import plot
    out, shown = Path(run.out), run.test.images[:10]
    paths = [loss_curves(history, out / "loss_curves.png"),
             plot.reconstructions(shown, reconstruct(model, run, shown), out / "reconstructions.png"),
             plot.image_grid(sample(model, run, 64), out / "samples.png", title=samples_title)]
    return paths + (latent(model, run, out) if latent is not None else [])


# --- the exact-likelihood models of binary images (MADE, PixelCNN) ------------------------------------
def check_binary(x, owner):
    """``x`` as a floating-point Tensor; ValueError unless every value is 0 or 1 (the models are Bernoulli)."""
    x = as_tensor(x)
    if not backend.is_floating(x.dtype):
        raise TypeError(f"{owner}: x must be a floating-point array of 0s and 1s, got dtype {x.dtype}")
    outside = (x.data != 0) & (x.data != 1)
    if bool(outside.any()):
        example = float(x.data[outside].reshape(-1)[0])
        raise ValueError(f"{owner}: x must be binary (every pixel 0 or 1), got a pixel of {example:g}; binarize the "
                         "images first (tinygen.data.transforms.binarize: 1 where a pixel is above 0.5)")
    return x


def bernoulli_log_prob(logits, x):
    """sum over every axis but the first of log Bernoulli(x | sigmoid(logits)): (N, ...) twice -> (N,), nats."""
    per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return -per_pixel.reshape(len(x), -1).sum(axis=1)


def check_count(n, owner):
    """``n`` as the number of samples to draw; ValueError unless it is a positive int."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{owner}: n must be a positive int (how many images to draw), got {n!r}")
    return n


def sample_in_order(logit_of, order, n, size, dtype):
    """``n`` binary vectors of ``size`` pixels, drawn in ``order`` (a permutation of range(size)).

    ``logit_of(x, pixel)`` gives the logits (n,) of pixel ``pixel`` given x, a Tensor (n, size) whose pixels
    not yet drawn are 0 (the models never look at them): pixel order[d] ~ Bernoulli(sigmoid(logit)) from
    x_order[<d]. Returns a backend array (n, size) of 0 and 1.
    """
    x = xp.zeros((n, size), dtype=dtype)
    uniforms = backend.generator().random((len(order), n), dtype=dtype)
    with no_grad():
        for step, pixel in enumerate(order):
            probability = F.sigmoid(logit_of(Tensor(x), int(pixel))).data
            x[:, int(pixel)] = (uniforms[step] < probability).astype(dtype)
    return x


def binarized_loss(model):
    """A GradientTrainer's loss_fn: ``model.loss`` of the batch's images binarized at 0.5 (the RBM's binarization,
    one for every likelihood in tinygen's table)."""
    return lambda batch: model.loss(Tensor(binarize(backend.to_backend(batch[0]))))


def likelihood_train_options(fd_samples):
    """The ``-t`` settings: fd_samples, how many samples evaluate's fd takes (None: as many as the test images,
    no fd when they are fewer than FD_MIN_SAMPLES; 0: no fd), by default ``fd_samples``."""
    return {"fd_samples": integer(fd_samples, low=0)}


def image_shape(data_shape, name):
    """``data_shape`` as (C, H, W); ValueError for examples that are not images."""
    if len(data_shape) != 3:
        raise ValueError(f"{name} takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return tuple(data_shape)


def binary_nll(model, images):
    """(mean, standard error) of -log p(x) over host ``images`` binarized at 0.5, in nats per image."""
    model.eval()
    nll = map_batches(lambda x: -model.log_prob(x), binarize(np.asarray(images, dtype=np.float32)))
    return float(nll.mean()), float(nll.std(ddof=1) / math.sqrt(len(nll))) if len(nll) > 1 else 0.0


def likelihood_evaluate(model, run):
    """nll_nats and nll_nats_se on the run's test images; fd of -t fd_samples samples where it can be measured."""
    mean, error = binary_nll(model, run.test.images)
    metrics = {"nll_nats": mean, "nll_nats_se": error}
    count = run.settings["train_args"]["fd_samples"]
    if count is not None and 0 < count < FD_MIN_SAMPLES:
        raise ValueError(f"-t fd_samples={count}: the fd needs at least {FD_MIN_SAMPLES} samples (0: no fd)")
    count = len(run.test) if count is None else count
    if count >= FD_MIN_SAMPLES and has_classifier(run.dataset) and tuple(run.settings["data_shape"]) == (1, 28, 28):
        from tinygen.metrics.sample_quality import SampleQuality
        real = binarize(np.asarray(run.test.images, dtype=np.float32))
        metrics["fd"] = SampleQuality(real, run.dataset).evaluate(binary_samples(model, run, count))["fd"]
    return metrics


def binary_samples(model, run, n, labels=None):
    """``n`` images drawn pixel by pixel: host (n, C, H, W) of 0s and 1s."""
    model.eval()
    return backend.to_numpy(model.sample(n)).astype(np.float32)


def likelihood_figures(model, run, history):
    """Loss curves (mean NLL per image, nats) and a grid of samples."""
    from tinygen import plot
    out = Path(run.out)
    return [loss_curves(history, out / "loss_curves.png"),
            plot.image_grid(binary_samples(model, run, LIKELIHOOD_GRID), out / "samples.png",
                            title="samples, drawn pixel by pixel")]
