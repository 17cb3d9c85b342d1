"""Signs of life for long work: a bar on a terminal, a line every few seconds off one, a heartbeat otherwise.

* ``Progress(total, label, ...)``: a loop of ``total`` known steps (the batches of an epoch, chunks of
  samples). On a terminal (and CI not "true") a tqdm bar when tqdm is installed; else, on stderr,
  a line every ``every`` seconds: ``epoch 2/10: batch 40/94, 12 s elapsed, about 16 s left (epoch),
  about 2.6 min left (run)``.
* ``heartbeat(label)``: work whose steps are not visible from outside (a model's evaluation): a line
  on stderr every ``every`` seconds, ``evaluate: working, 30 s elapsed``, from a timer thread.

``wanted``: True asks for the bar (lines when tqdm is missing), None for the bar on a terminal and the
lines elsewhere, False for nothing.
"""
import contextlib
import os
import sys
import threading
import time

EVERY = 10.0   # seconds between lines off a terminal


def on_terminal():
    """Whether a live bar makes sense: stderr is a terminal and CI is not "true"."""
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() != "true"


def duration(seconds):
    """"12 s", "2.6 min", "1.4 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


class Progress:
    """Steps ``done + 1 .. total`` of one loop; ``later`` steps of the same cost follow it (later epochs).

    ``update(values)`` after each step (``values`` a dict shown on the bar); ``close()`` at the end.
    """

    def __init__(self, total, label, done=0, later=0, wanted=None, every=EVERY, unit="batch"):
        self.total, self.label, self.done, self.later, self.unit = total, label, done, later, unit
        self.every, self.started, self.first = every, time.perf_counter(), done
        self.last_line = self.started
        self.bar = _bar(total, done, label) if wanted or (wanted is None and on_terminal()) else None
        self.lines = wanted is not False and self.bar is None

    def update(self, values=None):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if values:
                self.bar.set_postfix({name: f"{value:.4g}" for name, value in values.items()}, refresh=False)
            return
        now = time.perf_counter()
        if self.lines and now - self.last_line >= self.every and self.done < self.total:
            self.last_line = now
            print(self.line(now - self.started), file=sys.stderr, flush=True)

    def line(self, elapsed):
        """"LABEL: batch 40/94, 12 s elapsed, about 16 s left" (and the later steps' time when there are some)."""
        rate = elapsed / max(self.done - self.first, 1)
        left = (self.total - self.done) * rate
        text = f"{self.label}: {self.unit} {self.done}/{self.total}, {duration(elapsed)} elapsed, about {duration(left)} left"
        return text + (f" ({duration(left + self.later * rate)} in all)" if self.later else "")

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _bar(total, done, label):
    """A tqdm bar, or None when tqdm is not installed (the lines then stand in)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, desc=label, leave=False, dynamic_ncols=True)


@contextlib.contextmanager
def heartbeat(label, wanted=None, every=EVERY):
    """Print ``LABEL: working, N s elapsed`` on stderr every ``every`` seconds while the block runs."""
    if wanted is False:
        yield
        return
    stop, started = threading.Event(), time.perf_counter()

    def beat():
        while not stop.wait(every):
            print(f"{label}: working, {duration(time.perf_counter() - started)} elapsed", file=sys.stderr, flush=True)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
