"""Runs inside a lesson's notebook (its first cell): the lesson's command line, and its figures shown.

A lesson saves its figures as files (``figure.savefig(lesson.path(...))``) and closes them, so a
notebook would show none. After every cell, each PNG that appeared (or changed) in the lesson's
figure folder is displayed as that cell's output: in the built site the figures stand where the
code made them, and a learner running the notebook sees them too.

Each figure's title (its suptitle, else its panels' titles) is written into the PNG as its "Title"
and given to the page as the image's alternative text, so a screen reader says what the figure shows.
"""
import sys
from pathlib import Path

from IPython import get_ipython
from IPython.display import Image, display
from matplotlib.figure import Figure
from PIL import Image as PNG

MAX_ALT = 300  # characters: a title, not a description of every panel


def run_as_notebook(lesson_name, quick, out):
    """Give the lesson ``sys.argv`` (``--out out``, ``--quick``) and show its new figures; returns a
    stand-in for ``__file__`` (``lesson.setup`` takes the lesson's name from it)."""
    out = Path(out)
    sys.argv = [f"{lesson_name}.py", "--out", str(out)] + (["--quick"] if quick else [])
    seen = _figure_versions(out)
    _titles_into_saved_figures()

    def show_new_figures(result=None):
        for path, version in _figure_versions(out).items():
            if seen.get(path) != version:
                seen[path] = version
                display(Image(filename=str(path), metadata={"alt": figure_alt_text(path)}))

    get_ipython().events.register("post_run_cell", show_new_figures)
    return f"{lesson_name}.py"


def figure_title(figure):
    """What a figure says it shows: its suptitle, then its panels' titles; '' when it has none."""
    title = figure._suptitle.get_text() if figure._suptitle is not None else ""
    panels = "; ".join(axes.get_title() for axes in figure.axes if axes.get_title())
    return ": ".join(part for part in (title, panels) if part).replace("\n", " ").strip()


def _titles_into_saved_figures():
    """Make Figure.savefig write the figure's title into a PNG's metadata (where the caller gave none)."""
    if getattr(Figure.savefig, "writes_titles", False):
        return
    original = Figure.savefig

    def savefig(figure, fname, *args, **kwargs):
        title = figure_title(figure)
        if title and str(fname).lower().endswith(".png"):
            kwargs["metadata"] = {"Title": title, **(kwargs.get("metadata") or {})}
        return original(figure, fname, *args, **kwargs)

    savefig.writes_titles = True
    Figure.savefig = savefig


def figure_alt_text(path):
    """The alternative text of a saved figure: its Title, else its file name in words."""
    with PNG.open(path) as image:
        title = image.text.get("Title", "") if hasattr(image, "text") else ""
    title = title or "figure: " + Path(path).stem.replace("_", " ")
    return title if len(title) <= MAX_ALT else title[:MAX_ALT - 1].rstrip() + "…"


def _figure_versions(folder):
    """{path: modification time} of the PNGs in ``folder``, oldest first (the order they were saved)."""
    paths = sorted(Path(folder).glob("*.png"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return {path: path.stat().st_mtime_ns for path in paths}
