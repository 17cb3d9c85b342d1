"""Runs inside a lesson's notebook (its first cell): the lesson's command line, and its figures shown.

A lesson saves its figures as files (``figure.savefig(lesson.path(...))``) and closes them, so a
notebook would show none. After every cell, each PNG that appeared (or changed) in the lesson's
figure folder is displayed as that cell's output: in the built site the figures stand where the
code made them, and a learner running the notebook sees them too.
"""
import sys
from pathlib import Path

from IPython import get_ipython
from IPython.display import Image, display


def run_as_notebook(lesson_name, quick, out):
    """Give the lesson ``sys.argv`` (``--out out``, ``--quick``) and show its new figures; returns a
    stand-in for ``__file__`` (``lesson.setup`` takes the lesson's name from it)."""
    out = Path(out)
    sys.argv = [f"{lesson_name}.py", "--out", str(out)] + (["--quick"] if quick else [])
    seen = _figure_versions(out)

    def show_new_figures(result=None):
        for path, version in _figure_versions(out).items():
            if seen.get(path) != version:
                seen[path] = version
                display(Image(filename=str(path)))

    get_ipython().events.register("post_run_cell", show_new_figures)
    return f"{lesson_name}.py"


def _figure_versions(folder):
    """{path: modification time} of the PNGs in ``folder``, oldest first (the order they were saved)."""
    paths = sorted(Path(folder).glob("*.png"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return {path: path.stat().st_mtime_ns for path in paths}
