"""What every lesson script needs: quick mode and a folder for its figures.

``python lessons/NN_topic.py [--quick] [--out DIR]``; ``TINYGEN_QUICK=1`` also
selects quick mode (small data, few epochs: what CI runs).
"""
import argparse
import os
from pathlib import Path


class Lesson:
    """Settings of one lesson run: ``quick`` (bool) and ``out`` (a folder that exists)."""

    def __init__(self, quick, out):
        self.quick, self.out = quick, Path(out)
        self.out.mkdir(parents=True, exist_ok=True)

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
    return Lesson(quick, out)
