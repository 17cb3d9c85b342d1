"""What every lesson script needs: quick mode and a folder for its figures.

``python lessons/NN_topic.py [--quick] [--out DIR]``; ``TINYGEN_QUICK=1`` also
selects quick mode (small data, few epochs: what CI runs). Where quick mode cannot train the model a
lesson's claim needs, it loads weights the full recipe trained: ``lessons/weights/NAME.npz``, outside
the package, remade by ``scripts/make_lesson_weights.py`` (``recorded``).
"""
import argparse
import json
import os
from pathlib import Path

from tinygen.backend import numpy as np   # host arrays read from a file, never a kernel

WEIGHTS_FOLDER = Path(__file__).resolve().parent.parent / "lessons" / "weights"


class Lesson:
    """Settings of one lesson run: ``quick`` (bool), ``out`` (a folder that exists) and ``weights``
    (the folder of recorded weights)."""

    def __init__(self, quick, out, weights=WEIGHTS_FOLDER):
        self.quick, self.out, self.weights = quick, Path(out), Path(weights)
        self.out.mkdir(parents=True, exist_ok=True)

    def recorded(self, name):
        """(arrays, meta) from ``weights/NAME.npz``: arrays {key: host array}, floats as float32;
        meta: the JSON the file records (the command that trained it, what it measured)."""
        path = self.weights / f"{name}.npz"
        if not path.is_file():
            raise FileNotFoundError(f"no recorded weights at {path}; remake them with "
                                    f"`python scripts/make_lesson_weights.py {name}`")
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key].astype(np.float32) if stored[key].dtype.kind == "f" else stored[key]
                      for key in stored.files if key != "meta"}
            meta = json.loads(str(stored["meta"]))
        return arrays, meta

    def path(self, filename):
        """Where a figure or file called ``filename`` goes."""
        return self.out / filename

    def pick(self, quick, full):
        """``quick`` in quick mode, else ``full`` (data sizes, epochs)."""
        return quick if self.quick else full


def setup(lesson_file, argv=None):
    """Parse --quick/--out for the lesson at ``lesson_file`` (pass ``__file__``)."""
    name = Path(lesson_file).stem
    parser = argparse.ArgumentParser(description=f"tinygen lesson {name}")
    parser.add_argument("--quick", action="store_true", help="small data and few epochs (as CI runs it)")
    parser.add_argument("--out", default=None, help="folder for figures (default: lessons/out/NAME)")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("TINYGEN_QUICK", "") not in ("", "0")
    out = args.out or Path(lesson_file).resolve().parent / "out" / name
    if Path(out).exists() and not Path(out).is_dir():
        parser.error(f"--out {out} is a file; give a folder for the lesson's figures")
    beside = Path(lesson_file).resolve().parent / "weights"   # a notebook runs elsewhere: then the clone's
    return Lesson(quick, out, beside if beside.is_dir() else WEIGHTS_FOLDER)
