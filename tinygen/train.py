"""The one training loop: epochs of batches, validation, metrics files, checkpoints, exact resume.

``fit(trainer, train_loader, ...)`` trains any model family — one network and one optimizer (the
autoencoder), several networks stepped in turn (a GAN), or an update that is no gradient step (an
RBM) — because the family's ``Trainer`` (tinygen/trainer.py) does the step and names its values.
The loop keeps the promises a long run needs:

* progress: a tqdm bar showing each batch's named values (when tqdm is installed, stderr is a
  terminal and CI is not "true"), else a line every few seconds (tinygen/progress.py), and one
  printed line per epoch;
* history: ``metrics.json`` (every epoch's means of every named value, and every batch's values) and
  ``metrics.csv`` (one row per epoch) in ``out_dir``;
* checkpoints: ``out_dir/checkpoint.npz`` after every ``checkpoint_every`` epochs, and on Ctrl-C
  (then ``Interrupted`` says where it was saved); a Ctrl-C that lands inside a step or a save waits
  for it to finish (tinygen/interrupts.py), so the saved state is always one the uninterrupted run
  passed through;
* nothing diverges quietly (tinygen/guard.py): a named value of a step that is NaN or infinite, or
  any parameter, buffer or optimizer state that is after the step, stops the run with ``NotFinite``
  (naming the value or tensor, the epoch and the batch); the model and its optimizers go back to
  the last good checkpoint's state (the one the run started from when none was written), and the
  checkpoint on disk stays that good one;
* ``resume=True`` continues from the checkpoint so that the weights come out bit for bit as in an
  uninterrupted run: it restores networks, optimizers, RNG state, history and the position within
  the epoch (the loader's shuffle order is a function of its seed and ``loader.epoch`` only).
"""
import csv
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from tinygen import backend
from tinygen.autograd import no_grad
from tinygen.checkpoint import load_checkpoint, save_checkpoint
from tinygen.finite import NotFinite
from tinygen.guard import Guard
from tinygen.interrupts import interrupts_held
from tinygen.progress import Progress
from tinygen.trainer import Trainer

CHECKPOINT_NAME = "checkpoint.npz"
ADVICE = "A lower learning rate (a tenth, say) usually helps."


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped ``fit``; the message says where the run was and which checkpoint holds it."""


@dataclass
class Position:
    """Where a run stands: ``epoch`` epochs done plus ``batch`` batches of the next one.

    ``sums`` accumulates each named value times its batch size over the unfinished epoch, ``counts`` the
    samples of the batches that reported it (a value may come from some batches only: a stage of a
    staged training); ``rng_state`` is the RNG state at this point (a resumed run draws the same
    random numbers); ``batch_values`` holds every batch's values, by name, since the run began.
    """
    epoch: int = 0
    batch: int = 0
    sums: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    rng_state: dict = None
    history: list = field(default_factory=list)
    batch_values: dict = field(default_factory=dict)

    def add(self, values, size):
        """Count one finished batch of ``size`` samples whose step reported ``values``."""
        self.batch += 1
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * size
            self.counts[name] = self.counts.get(name, 0) + size
            self.batch_values.setdefault(name, []).append(value)
        self.rng_state = backend.get_rng_state()

    def means(self):
        return {name: total / self.counts[name] for name, total in self.sums.items()}

    def saved(self):
        """What a checkpoint keeps of the unfinished epoch."""
        return {"batch": self.batch, "sums": self.sums, "counts": self.counts}


def fit(trainer, train_loader, val_loader=None, epochs=1, out_dir=None, resume=False, config=None, seed=None,
        checkpoint_every=1, progress=None, verbose=True, on_batch=None, on_epoch_end=None):
    """Train ``trainer`` for ``epochs`` epochs in all (counting those a resumed run already did).

    ``config`` (JSON-able, naming the model and its arguments) goes into every checkpoint. ``seed``
    reseeds the RNG at the start of a fresh run. ``on_batch(epoch, batch, values)`` (1-based numbers,
    values the step's dict) is called after each step. ``on_epoch_end(epoch) -> dict`` adds values to
    the epoch's row (sample quality, say); it may draw random numbers without changing the run, since
    the loop restores the RNG after it. Returns the history: one dict per epoch, ``{"epoch",
    "train_<name>" (mean per sample of each named value), "val_<name>" (with a val_loader), ...,
    "seconds"}``.
    """
    if not isinstance(trainer, Trainer):
        raise TypeError(f"fit: trainer must be a tinygen.trainer.Trainer (e.g. GradientTrainer(model, "
                        f"optimizer)), got {type(trainer).__name__}")
    _check_arguments(epochs, checkpoint_every, out_dir, resume)
    out_dir = Path(out_dir) if out_dir is not None else None
    run = _Run(trainer, out_dir, config, progress, verbose, on_batch, on_epoch_end, epochs)
    if resume:
        position = run.resume()
    else:
        if seed is not None:
            backend.manual_seed(seed)
        position = Position(rng_state=backend.get_rng_state())
    while position.epoch < epochs:
        try:
            row = run.epoch(train_loader, val_loader, position)
            position = Position(epoch=position.epoch + 1, rng_state=backend.get_rng_state(),
                                history=position.history + [row], batch_values=position.batch_values)
            if position.epoch % checkpoint_every == 0 or position.epoch == epochs:
                run.save(position)
        except KeyboardInterrupt:
            raise run.interrupted(position) from None
        run.report(row)
        run.write_metrics(position)
    return position.history


def _check_arguments(epochs, checkpoint_every, out_dir, resume):
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"fit: checkpoint_every must be a positive integer, got {checkpoint_every!r}")
    if resume and out_dir is None:
        raise ValueError("fit: resume=True needs out_dir (the folder that holds checkpoint.npz)")


class _Run:
    """The parts of one ``fit`` call that every epoch shares."""

    def __init__(self, trainer, out_dir, config, progress, verbose, on_batch, on_epoch_end, epochs):
        self.trainer, self.out_dir, self.config, self.epochs = trainer, out_dir, config, epochs
        self.verbose, self.on_batch, self.on_epoch_end = verbose, on_batch, on_epoch_end
        self.progress = False if progress is False or (progress is None and not verbose) else progress
        self.guard = Guard(trainer)
        self.good_epoch = None  # the epoch of the checkpoint written or resumed by THIS run, so it may be called "good"

    @property
    def checkpoint_path(self):
        return None if self.out_dir is None else self.out_dir / CHECKPOINT_NAME

    def resume(self):
        """Load the checkpoint into the trainer's networks and optimizers; restore the RNG; the position."""
        path = self.checkpoint_path
        if not path.is_file():
            raise FileNotFoundError(f"cannot resume: no checkpoint at {path} (start the run without resume)")
        checkpoint = load_checkpoint(path, model=self.trainer.model, optimizer=self.trainer.optimizers)
        backend.set_rng_state(checkpoint.rng_state)
        self.guard.keep()
        self.good_epoch = checkpoint.epoch
        saved = checkpoint.extra.get("position", {})
        sums = saved.get("sums", {})
        counts = saved.get("counts", {name: saved.get("count", 0) for name in sums})  # older: one count for all
        return Position(epoch=checkpoint.epoch, batch=saved.get("batch", 0), sums=sums, counts=counts,
                        rng_state=checkpoint.rng_state,
                        history=checkpoint.extra.get("history", []),
                        batch_values=checkpoint.extra.get("batch_values", {}))

    def epoch(self, train_loader, val_loader, position):
        """Train one epoch from ``position`` (updated after every batch), validate; return the history row."""
        started = time.perf_counter()
        self.train_epoch(train_loader, position)
        row = {"epoch": position.epoch + 1}
        row.update({f"train_{name}": value for name, value in position.means().items()})
        try:  # a metric may refuse what the model makes (samples that overflowed): the run stops as at a bad step
            if val_loader is not None:
                row.update({f"val_{name}": value for name, value in self.validate(val_loader).items()})
            if self.on_epoch_end is not None:
                row.update(self._isolated(self.on_epoch_end, position.epoch + 1))
        except NotFinite as error:
            raise self._diverged(error, position.epoch + 1, None) from None
        row["seconds"] = round(time.perf_counter() - started, 3)
        return row

    def train_epoch(self, loader, position):
        """One epoch from ``position``, which is updated after every batch."""
        _set_epoch(loader, position.epoch)
        batches = itertools.islice(iter(loader), position.batch, None)
        progress = Progress(len(loader), f"epoch {position.epoch + 1}/{self.epochs}", done=position.batch,
                            later=len(loader) * (self.epochs - position.epoch - 1), wanted=self.progress)
        self.trainer.model.train()
        try:
            for batch in batches:
                values = self._step(batch, position, len(loader))
                if self.on_batch is not None:
                    self.on_batch(position.epoch + 1, position.batch, values)
                progress.update(values)
        finally:
            progress.close()

    def _step(self, batch, position, total):
        """One step, its check and its bookkeeping as one unit: a Ctrl-C inside waits until all are done."""
        with interrupts_held():
            try:
                values = self.trainer.train_step(batch)
                for name, value in values.items():
                    self.trainer.finite(name, value)
                bad = self.guard.first_bad()
                if bad is not None:
                    raise NotFinite(*bad)
            except NotFinite as error:
                raise self._diverged(error, position.epoch + 1, f"{position.batch + 1} of {total}") from None
            position.add(values, _batch_size(batch))
        return values

    def _diverged(self, error, epoch, batch):
        """``error`` placed at ``epoch`` and ``batch`` (naming the first bad tensor too, when there is one
        besides it), after the good state is back in memory."""
        bad = self.guard.first_bad(optimizers=True)
        also = "" if bad is None or bad[0] == error.name else f"{bad[0]} is {bad[1]} too; "
        self.guard.restore()
        if self.good_epoch is None:
            kept = ("no checkpoint of this run was written yet; the model and its optimizers are back at the state "
                    "the run started from")
        elif self.checkpoint_path is None:
            kept = (f"the model and its optimizers are back at their state after epoch {self.good_epoch} (nothing "
                    "was saved: the run has no out_dir)")
        else:
            kept = (f"the model and its optimizers are back at the last good checkpoint {self.checkpoint_path} "
                    f"(epoch {self.good_epoch}), which was kept")
        return error.at(epoch, batch, f"{also}training stopped; {kept}. {ADVICE}")

    def validate(self, loader):
        """Mean per sample of each value ``validate_step`` names, in eval mode and without a graph."""
        self.trainer.model.eval()
        sums, count = {}, 0
        with no_grad():
            for batch in loader:
                size = _batch_size(batch)
                for name, value in self.trainer.validate_step(batch).items():
                    sums[name] = sums.get(name, 0.0) + float(value) * size
                count += size
        self.trainer.model.train()
        return {name: total / max(count, 1) for name, total in sums.items()}

    @staticmethod
    def _isolated(hook, epoch):
        """``hook(epoch)`` with the RNG put back afterwards, so the hook never changes the training run."""
        state = backend.get_rng_state()
        try:
            return dict(hook(epoch) or {})
        finally:
            backend.set_rng_state(state)

    def interrupted(self, position):
        """Save ``position`` (when the run has a folder) and say what a Ctrl-C leaves: an ``Interrupted``."""
        where = f"interrupted in epoch {position.epoch + 1} after {position.batch} batches"
        if self.checkpoint_path is None:
            return Interrupted(f"{where}; nothing was saved (the run has no out_dir)")
        try:
            self.save(position)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C, held until the write had ended: the checkpoint is whole
        return Interrupted(f"{where}: saved {self.checkpoint_path}")

    def save(self, position):
        """Write the checkpoint for ``position`` (the RNG state saved is the position's, not the current),
        and make this state the good one to go back to (also in a run without ``out_dir``).

        A Ctrl-C during the write waits for its end; a state that is not finite is never written
        (``save_checkpoint`` refuses it: the run stops as after a bad step).
        """
        current = backend.get_rng_state()
        backend.set_rng_state(position.rng_state)
        try:
            if self.checkpoint_path is None:
                bad = self.guard.first_bad(optimizers=True)
                if bad is not None:
                    raise NotFinite(*bad)
            else:
                with interrupts_held():
                    save_checkpoint(self.checkpoint_path, self.trainer.model, self.trainer.optimizers,
                                    epoch=position.epoch, config=self.config,
                                    extra={"position": position.saved(), "history": position.history,
                                           "batch_values": position.batch_values})
        except NotFinite as error:
            raise self._diverged(error, position.epoch, None) from None
        finally:
            backend.set_rng_state(current)
        self.guard.keep()
        self.good_epoch = position.epoch

    def write_metrics(self, position):
        if self.out_dir is not None:
            write_metrics(self.out_dir, position.history, position.batch_values)

    def report(self, row):
        if self.verbose:
            parts = [f"{key} {value:.5g}" for key, value in row.items() if key not in ("epoch", "seconds")]
            print(f"epoch {row['epoch']}/{self.epochs}: " + ", ".join(parts) + f" ({row['seconds']:.1f} s)",
                  flush=True)


def write_metrics(out_dir, history, batch_values):
    """``metrics.json`` ({"epochs": history, "batches": {name: [value per batch]}}) and ``metrics.csv``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps({"epochs": history, "batches": batch_values}, indent=1))
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

