"""What a GAN recipe does on a toy 2-D set (ring8, grid25): sample points, count the modes, watch them.

Any GAN recipe (``gan``, ``wgan``, ``wgan-gp``) hands these over when its examples are 2-D points
(``by_data(toy_version, image_version)`` makes one recipe callable of the two):

* ``evaluate``: ``modes``, ``high_quality_pct`` and ``mode_kl`` (``tinygen.metrics.toy_modes``) on
  2,500 samples;
* ``epoch_end``: the same numbers every epoch (into metrics.json), and a snapshot of 500 samples from a
  fixed noise batch kept in ``<run>/mode_snapshots/epoch_NNNN.npy``;
* ``figures``: the snapshots as one strip, samples over the modes through training
  (``samples_over_modes.png``), and the loss curves.
"""
import math
from dataclasses import dataclass
from pathlib import Path

from tinygen.backend import numpy as np   # host arrays only (files, metrics), never a kernel

from tinygen import backend
from tinygen.data.toy2d import TOY_SETS
from tinygen.metrics.toy_modes import toy_set_statistics
from tinygen.models.common import loss_curves
from tinygen.models.gan.wgan_networks import POINT_SHAPE


@dataclass(frozen=True)
class ToySettings:
    """How long and how big: snapshots x steps_per_snapshot generator steps in all."""
    snapshots: int = 10
    steps_per_snapshot: int = 300
    batch_size: int = 128
    width: int = 256
    depth: int = 4
    latent_dim: int = 2
    lr: float = 1e-3
    lr_decay: bool = True   # both rates fall linearly to 0 over the run (``LinearDecay``)
    # WGAN-GP's lambda: 0.1, the WGAN-GP authors' value for their toy sets (10 is theirs for images);
    # at 10 these nets cover 17 of grid25's 25 modes, at 0.1 all 25 (benchmarks/README.md)
    penalty_weight: float = 0.1

    @property
    def steps(self):
        return self.snapshots * self.steps_per_snapshot


EVALUATION_SAMPLES = 2500
SNAPSHOT_SAMPLES = 500
SNAPSHOT_FOLDER = "mode_snapshots"
STRIP_PANELS = 8


def is_toy(data_shape):
    """True for one example of a toy set: a 2-D point."""
    return tuple(data_shape) == POINT_SHAPE


def by_data(toy_version, image_version):
    """A recipe callable (model first) that hands over to ``toy_version`` for 2-D points, else ``image_version``."""
    def dispatch(model, *args):
        return (toy_version if is_toy(model.data_shape) else image_version)(model, *args)
    dispatch.__doc__ = f"{toy_version.__name__} on toy sets, {image_version.__name__} on images."
    return dispatch


def sample(model, run, n, labels=None):
    """n host points (n, 2) from the GAN's generator."""
    return backend.to_numpy(model.sample(n).data).astype(np.float32)


def evaluate(model, run):
    """{"modes", "high_quality_pct", "mode_kl"} of 2,500 samples against the run's toy set."""
    return mode_statistics(model, run.dataset)


def mode_statistics(model, dataset):
    """{"modes", "high_quality_pct", "mode_kl"} of 2,500 samples against toy set ``dataset``."""
    statistics = toy_set_statistics(sample(model, None, EVALUATION_SAMPLES), dataset)
    return {"modes": float(statistics.modes), "high_quality_pct": statistics.high_quality_pct,
            "mode_kl": statistics.mode_kl}


def snapshot_noise(model):
    """The fixed noise (SNAPSHOT_SAMPLES, latent_dim) every snapshot of a run is drawn from."""
    noise = np.random.default_rng(0).standard_normal((SNAPSHOT_SAMPLES, model.latent_dim))
    return backend.to_backend(noise.astype(backend.default_float()))


def snapshot(model):
    """Host points (SNAPSHOT_SAMPLES, 2) from the fixed snapshot noise: the same z at every snapshot."""
    return backend.to_numpy(model.sample(SNAPSHOT_SAMPLES, noise=snapshot_noise(model)).data).astype(np.float32)


def epoch_end(model, run, epoch):
    """Keep this epoch's snapshot of samples (when the run has a folder) and return the mode statistics."""
    if run.out is not None:
        folder = Path(run.out) / SNAPSHOT_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / f"epoch_{epoch:04d}.npy", snapshot(model))
    return evaluate(model, run)


def figures(model, run, history):
    """The strip of samples over the modes (up to 8 snapshots, evenly spaced, the last included), loss curves."""
    out = Path(run.out)
    paths = [loss_curves(history, out / "loss_curves.png")]
    epochs = [epoch for epoch in range(1, len(history) + 1) if (out / SNAPSHOT_FOLDER / f"epoch_{epoch:04d}.npy").exists()]
    if epochs:
        paths.append(mode_strip(run, out, evenly_spaced(epochs, STRIP_PANELS)))
    return paths


def mode_strip(run, out, epochs):
    """samples_over_modes.png: the snapshots of ``epochs``, titled by epoch and generator step."""
    from tinygen import plot
    steps_per_epoch = math.ceil(len(run.train) / run.settings["batch_size"])
    snapshots = [np.load(Path(out) / SNAPSHOT_FOLDER / f"epoch_{epoch:04d}.npy") for epoch in epochs]
    titles = [f"epoch {epoch} (step {epoch * steps_per_epoch})" for epoch in epochs]
    return plot.samples_over_modes(snapshots, TOY_SETS[run.dataset][0], out / "samples_over_modes.png", titles)


def evenly_spaced(items, count):
    """At most ``count`` of ``items``, evenly spaced, the first and the last included."""
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]
