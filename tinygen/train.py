"""A small training loop: epochs of batches, validation, metrics files, checkpoints, exact resume.

Not a framework: ``fit`` runs the loop every lesson would otherwise write again, and keeps the
promises a long run needs:

* progress: a tqdm bar showing each batch's loss (when tqdm is installed, stderr is a terminal and
  CI is not "true"), and one printed line per epoch;
* history: ``metrics.json`` (per epoch, and every batch's loss) and ``metrics.csv`` (per epoch) in ``out_dir``;
* checkpoints: ``out_dir/checkpoint.npz`` after every ``checkpoint_every`` epochs, and on Ctrl-C
  (KeyboardInterrupt) mid-epoch, before the interrupt is raised again;
* a loss that turns NaN or infinite stops the run (``LossNotFinite``, naming epoch and batch) before
  the bad step is taken; the checkpoint on disk stays the last good one;
* ``resume=True`` continues from the checkpoint so that the weights come out bit for bit as in an
  uninterrupted run: it restores model, optimizer, RNG state, history and the position within the
  epoch (the loader's shuffle order is a function of its seed and ``loader.epoch`` only).
"""
import csv
import itertools
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tinygen import backend
from tinygen.autograd import no_grad
from tinygen.checkpoint import load_checkpoint, save_checkpoint

CHECKPOINT_NAME = "checkpoint.npz"


class LossNotFinite(ValueError):
    """The loss became NaN or infinite: the run stopped before the bad step was applied."""


@dataclass
class Position:
    """Where a run stands: ``epoch`` epochs done plus ``batch`` batches of the next one.

    ``loss_sum``/``sample_count`` accumulate the unfinished epoch's training loss; ``rng_state`` is
    the RNG state at this point (so a resumed run draws the same random numbers).
    """
    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    sample_count: int = 0
    rng_state: dict = None
    history: list = field(default_factory=list)
    batch_losses: list = field(default_factory=list)


def fit(model, optimizer, loss_fn, train_loader, val_loader=None, epochs=1, out_dir=None, resume=False,
        config=None, seed=None, checkpoint_every=1, progress=None, verbose=True, on_batch=None):
    """Train ``model`` for ``epochs`` epochs in all (counting those a resumed run already did).

    ``loss_fn(batch) -> scalar Tensor`` is called on whatever the loaders yield. ``config`` (JSON-able,
    naming the model and its arguments) goes into every checkpoint. ``seed`` reseeds the RNG at the
    start of a fresh run. ``on_batch(epoch, batch, loss)`` (1-based numbers, loss a float) is called
    after each optimizer step. Returns the history: one dict per epoch
    ``{"epoch", "train_loss", "val_loss" (with a val_loader), "seconds"}``.
    """
    _check_arguments(epochs, checkpoint_every, out_dir, resume)
    out_dir = Path(out_dir) if out_dir is not None else None
    if resume:
        position = _resume(out_dir / CHECKPOINT_NAME, model, optimizer)
    else:
        if seed is not None:
            backend.manual_seed(seed)
        position = Position(rng_state=backend.get_rng_state())
    run = _Run(model, optimizer, loss_fn, out_dir, config, progress, verbose, on_batch)
    while position.epoch < epochs:
        try:
            row = run.epoch(train_loader, val_loader, position)
        except KeyboardInterrupt:
            run.save_interrupted(position)
            raise
        position = Position(epoch=position.epoch + 1, rng_state=backend.get_rng_state(),
                            history=position.history + [row], batch_losses=position.batch_losses)
        run.report(row, epochs)
        if position.epoch % checkpoint_every == 0 or position.epoch == epochs:
            run.save(position)
        run.write_metrics(position)
    return position.history


def _check_arguments(epochs, checkpoint_every, out_dir, resume):
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"fit: checkpoint_every must be a positive integer, got {checkpoint_every!r}")
    if resume and out_dir is None:
        raise ValueError("fit: resume=True needs out_dir (the folder that holds checkpoint.npz)")


def _resume(path, model, optimizer):
    """Load the checkpoint at ``path`` into model and optimizer; restore the RNG; return the position."""
    if not path.is_file():
        raise FileNotFoundError(f"cannot resume: no checkpoint at {path} (start the run without resume)")
    checkpoint = load_checkpoint(path, model=model, optimizer=optimizer)
    backend.set_rng_state(checkpoint.rng_state)
    saved = checkpoint.extra.get("position", {})
    return Position(epoch=checkpoint.epoch, batch=saved.get("batch", 0), loss_sum=saved.get("loss_sum", 0.0),
                    sample_count=saved.get("sample_count", 0), rng_state=checkpoint.rng_state,
                    history=checkpoint.extra.get("history", []),
                    batch_losses=checkpoint.extra.get("batch_losses", []))


class _Run:
    """The parts of one ``fit`` call that every epoch shares."""

    def __init__(self, model, optimizer, loss_fn, out_dir, config, progress, verbose, on_batch):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.out_dir, self.config, self.verbose, self.on_batch = out_dir, config, verbose, on_batch
        self.show_bar = _bar_wanted(progress)

    @property
    def checkpoint_path(self):
        return None if self.out_dir is None else self.out_dir / CHECKPOINT_NAME

    def epoch(self, train_loader, val_loader, position):
        """Train one epoch from ``position`` (updated after every batch), validate; return the history row."""
        started = time.perf_counter()
        row = {"epoch": position.epoch + 1, "train_loss": self.train_epoch(train_loader, position)}
        if val_loader is not None:
            row["val_loss"] = self.evaluate(val_loader)
        row["seconds"] = round(time.perf_counter() - started, 3)
        return row

    def train_epoch(self, loader, position):
        """One epoch from ``position`` (updated after every batch); returns the mean loss per sample."""
        _set_epoch(loader, position.epoch)
        batches = itertools.islice(iter(loader), position.batch, None)
        bar = _bar(batches, len(loader), position.batch, f"epoch {position.epoch + 1}", self.show_bar)
        self.model.train()
        try:
            for batch in bar:
                loss = self._step(batch, position, len(loader))
                if self.on_batch is not None:
                    self.on_batch(position.epoch + 1, position.batch, loss)
                if bar is not batches:
                    bar.set_postfix(loss=f"{loss:.4f}")
        finally:
            if bar is not batches:
                bar.close()
        return position.loss_sum / max(position.sample_count, 1)

    def _step(self, batch, position, total):
        self.optimizer.zero_grad()
        loss = self.loss_fn(batch)
        value = float(loss.item())
        if not math.isfinite(value):
            raise LossNotFinite(self._not_finite_message(value, position, total))
        loss.backward()
        self.optimizer.step()
        count = _batch_size(batch)
        position.batch += 1
        position.loss_sum += value * count
        position.sample_count += count
        position.batch_losses.append(value)
        position.rng_state = backend.get_rng_state()
        return value

    def _not_finite_message(self, value, position, total):
        kept = ("no checkpoint was written" if self.checkpoint_path is None or not self.checkpoint_path.is_file()
                else f"the last good checkpoint {self.checkpoint_path} was kept")
        return (f"loss became {value} at epoch {position.epoch + 1}, batch {position.batch + 1} of {total}: "
                f"training stopped before that step, {kept}. A smaller learning rate often helps.")

    def evaluate(self, loader):
        """Mean loss per sample over ``loader``, in eval mode and without recording a graph."""
        self.model.eval()
        total, count = 0.0, 0
        with no_grad():
            for batch in loader:
                size = _batch_size(batch)
                total += float(self.loss_fn(batch).item()) * size
                count += size
        self.model.train()
        return total / max(count, 1)

    def save_interrupted(self, position):
        if self.checkpoint_path is None:
            return
        self.save(position)
        print(f"\ninterrupted in epoch {position.epoch + 1} after {position.batch} batches: saved "
              f"{self.checkpoint_path}"
              " (resume continues from there)", file=sys.stderr)

    def save(self, position):
        """Write the checkpoint for ``position`` (the RNG state saved is the position's, not the current)."""
        if self.checkpoint_path is None:
            return
        current = backend.get_rng_state()
        backend.set_rng_state(position.rng_state)
        try:
            save_checkpoint(self.checkpoint_path, self.model, self.optimizer, epoch=position.epoch,
                            config=self.config, extra={
                                "position": {"batch": position.batch, "loss_sum": position.loss_sum,
                                             "sample_count": position.sample_count},
                                "history": position.history, "batch_losses": position.batch_losses})
        finally:
            backend.set_rng_state(current)

    def write_metrics(self, position):
        if self.out_dir is None:
            return
        write_metrics(self.out_dir, position.history, position.batch_losses)

    def report(self, row, epochs):
        if self.verbose:
            parts = [f"{key} {value:.5f}" for key, value in row.items() if key.endswith("loss")]
            print(f"epoch {row['epoch']}/{epochs}: " + ", ".join(parts) + f" ({row['seconds']:.1f} s)", flush=True)


def write_metrics(out_dir, history, batch_losses):
    """``metrics.json`` ({"epochs": history, "batch_losses": [...]}) and ``metrics.csv`` (one row per epoch)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps({"epochs": history, "batch_losses": batch_losses}, indent=1))
    columns = list(dict.fromkeys(key for row in history for key in row))
    with open(out_dir / "metrics.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)


def _set_epoch(loader, epoch):
    """Tell a loader which epoch it serves, so its shuffle order is that epoch's whatever came before."""
    if hasattr(loader, "epoch"):
        loader.epoch = epoch


def _batch_size(batch):
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return int(first.shape[0])


def _bar_wanted(progress):
    """None means: a bar when stderr is a terminal and CI is not "true"."""
    if progress is None:
        return sys.stderr.isatty() and os.environ.get("CI", "").lower() != "true"
    return bool(progress)


def _bar(batches, total, done, description, wanted):
    """A tqdm bar over ``batches`` when wanted and tqdm is installed; else ``batches`` itself."""
    if not wanted:
        return batches
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return batches
    return tqdm(batches, total=total, initial=done, desc=description, leave=False, dynamic_ncols=True)
