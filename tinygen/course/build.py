"""``tinygen course build``: every lesson as an executed notebook, an HTML page, and a card on the course map.

    site/index.html              the course map: a thumbnail per lesson, what it teaches, run time, links
    site/NN_topic.html           the lesson as it ran: prose, code, printed results, figures (embedded)
    site/notebooks/NN_topic.ipynb   the notebook with its outputs, to hand out
    site/notebooks/figures/NN_topic/   the figures the lesson saved
    site/exercises/NN_topic.py   the lesson's exercise stubs (checked by `tinygen check NN`)

A lesson that fails (an error, a failed assert, past its time limit) is reported by name with its
error, its page shows how far it got, and the build goes on with the others.
"""
import shutil
from pathlib import Path

import nbformat
from PIL import Image as PNG
from tqdm import tqdm

from tinygen.course import EXERCISES_DIR, LESSONS_DIR, site
from tinygen.course.execute import execute
from tinygen.course.kernel import figure_alt_text
from tinygen.course.notebook import lesson_notebook


THUMBNAIL_SCALE = 0.35  # of the lesson's first figure, for its card on the map


def select_lessons(lessons_dir, numbers=None):
    """The lesson scripts ``NN_*.py`` in ``lessons_dir``, only those numbered in ``numbers`` if given."""
    found = sorted(Path(lessons_dir).glob("[0-9][0-9]_*.py"))
    if not found:
        raise ValueError(f"no lessons (NN_*.py) in {lessons_dir}; they come with a clone of the repository")
    if numbers is None:
        return found
    by_number = {path.name[:2]: path for path in found}
    unknown = [number for number in numbers if number not in by_number]
    if unknown:
        raise ValueError(f"--lessons: no lesson numbered {', '.join(unknown)}; there are {', '.join(by_number)}")
    return [by_number[number] for number in numbers]


def build_course(out, quick=False, numbers=None, time_limit=600, lessons_dir=LESSONS_DIR,
                 exercises_dir=EXERCISES_DIR, progress=None):
    """Build the lessons (all, or those numbered in ``numbers``) into the folder ``out``.

    Returns {lesson name: its entry on the course map}; an entry's "error" is None when the lesson ran.
    """
    lessons = select_lessons(lessons_dir, numbers)
    out = Path(out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    entries = site.read_manifest(out)
    built = {}
    bar = tqdm(lessons, desc="lessons", unit="lesson", disable=None if progress is None else not progress)
    for lesson in bar:
        bar.set_postfix_str(lesson.stem)
        entry = build_lesson(lesson, out, quick, time_limit, exercises_dir)
        outcome = f"FAILED: {entry['error']}" if entry["error"] else "ok"
        tqdm.write(f"{lesson.stem:<34} {entry['seconds']:7.1f} s  {outcome}")
        entries[lesson.stem] = built[lesson.stem] = entry
    site.write_index(out, entries, present=select_lessons(lessons_dir), exercises_dir=exercises_dir)
    return built


def build_lesson(lesson, out, quick, time_limit, exercises_dir):
    """Convert, run and publish one lesson; returns its entry on the course map."""
    name = lesson.stem
    figures = out / "notebooks" / "figures" / name
    if figures.exists():
        shutil.rmtree(figures)  # so the thumbnail and the page show this run's figures only
    exercises = next(Path(exercises_dir).glob(f"{name[:2]}_*.py"), None)
    notebook = lesson_notebook(lesson, quick, figures.relative_to(out / "notebooks"), exercises)
    execution = execute(notebook, out / "notebooks", quick, time_limit)
    nbformat.write(notebook, out / "notebooks" / f"{name}.ipynb")
    (out / f"{name}.html").write_text(site.lesson_page(notebook, name))
    title, summary = site.title_and_summary(notebook)
    return {"name": name, "title": title, "summary": summary, "seconds": round(execution.seconds, 1),
            "mode": "quick" if quick else "full", "error": execution.error,
            **_thumbnail(figures, out / "thumbnails" / f"{name}.png", out),
            "exercises": _copy_exercises(exercises, out)}


def _thumbnail(figures, destination, out):
    """{"thumbnail": a small copy of the lesson's first saved figure (path relative to ``out``) or None,
    "thumbnail_alt": that figure's title}."""
    pngs = sorted(figures.glob("*.png"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if figures.is_dir() else []
    if not pngs:
        return {"thumbnail": None, "thumbnail_alt": None}
    destination.parent.mkdir(parents=True, exist_ok=True)
    with PNG.open(pngs[0]) as image:
        image.thumbnail((round(image.width * THUMBNAIL_SCALE), round(image.height * THUMBNAIL_SCALE)))
        image.save(destination)
    return {"thumbnail": destination.relative_to(out).as_posix(), "thumbnail_alt": figure_alt_text(pngs[0])}


def _copy_exercises(exercises, out):
    if exercises is None:
        return None
    destination = out / "exercises" / exercises.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exercises, destination)
    return destination.relative_to(out).as_posix()
