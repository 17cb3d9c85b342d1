"""Runs inside a lesson's notebook (its first cell): the lesson's command line, and its figures shown.

A lesson saves its figures as files (``figure.savefig(lesson.path(...))``) and closes them, so a
notebook would show none. After every cell, each PNG that appeared (or changed) in the lesson's
figure folder is displayed as that cell's output: in the built site the figures stand where the
code made them, and a learner running the notebook sees them too.

Each figure's title (its suptitle, else its panels' titles) is written into the PNG as its "Title"
and given to the page as the image's alternative text, so a screen reader says what the figure shows.
"""
import functools
import sys
from pathlib import Path

from IPython import get_ipython
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
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
    """What a figure says it shows: its title (suptitle, else its first free text), then its panels' titles;
    '' when it has none."""
    texts = [figure._suptitle] if figure._suptitle is not None else []
    title = next((text.get_text() for text in texts + list(figure.texts) if text.get_text().strip()), "")
    panels = "; ".join(axes.get_title() for axes in figure.axes if axes.get_title())
    return ": ".join(part for part in (title, panels) if part).replace("\n", " ").strip()


def _titles_into_saved_figures():
    """Make every PNG matplotlib writes (Figure.savefig, tinygen.plot) carry its figure's title as "Title"
    (where the caller gave none)."""
    if getattr(FigureCanvasAgg.print_png, "writes_titles", False):
        return
    original = FigureCanvasAgg.print_png

    @functools.wraps(original)  # matplotlib reads the signature to choose which settings to pass
    def print_png(canvas, filename_or_obj, *args, metadata=None, **kwargs):
        title = figure_title(canvas.figure)
        if title:
            metadata = {"Title": title, **(metadata or {})}
        return original(canvas, filename_or_obj, *args, metadata=metadata, **kwargs)

    print_png.writes_titles = True
    FigureCanvasAgg.print_png = print_png


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
