"""A lesson script as a notebook: its ``# %%`` cells, a set-up cell first, the exercises last.

jupytext reads the percent format (``# %% [markdown]`` comment cells become Markdown). A lesson
script takes its settings from the command line (``lesson.setup(__file__)``), which a notebook
does not have, so the first cell gives it one and shows every figure the lesson saves under the
cell that saved it (see ``tinygen.course.kernel``).
"""
import ast
from pathlib import Path

import jupytext
from nbformat.v4 import new_code_cell, new_markdown_cell

SETUP_CELL = """\
# Set-up added by `tinygen course build`: a lesson script reads --quick/--out from its command line,
# which a notebook does not have; this gives it one, and shows each figure the lesson saves
# under the cell that saved it.
from tinygen.course.kernel import run_as_notebook

__file__ = run_as_notebook({name!r}, quick={quick}, out={out!r})"""


def lesson_notebook(lesson_path, quick, figures_dir, exercises_path=None):
    """The notebook of ``lesson_path``: set-up cell, the lesson's cells, an Exercises cell if any.

    ``figures_dir`` is where the lesson saves its figures, relative to the folder it runs in.
    """
    lesson_path = Path(lesson_path)
    notebook = jupytext.read(lesson_path, fmt="py:percent")
    setup = SETUP_CELL.format(name=lesson_path.stem, quick=bool(quick), out=str(figures_dir))
    notebook.cells.insert(0, new_code_cell(setup, metadata={"tags": ["tinygen-setup"]}))
    if exercises_path is not None:
        notebook.cells.append(new_markdown_cell(exercises_markdown(exercises_path)))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def exercises_markdown(exercises_path):
    """An "Exercises" Markdown cell: each function's task (its docstring) and the command that checks it."""
    exercises_path = Path(exercises_path)
    number = exercises_path.name[:2]
    parts = [f"## Exercises\n\nWrite these functions in `exercises/{exercises_path.name}`, then run "
             f"`tinygen check {number}` to check them: each check says PASS, or FAIL with what was wrong, for "
             "which input, and a hint."]
    for name, docstring in exercise_tasks(exercises_path):
        parts.append(f"### `{name}`\n\n```text\n{docstring}\n```")  # as written: its formulas are plain text
    return "\n\n".join(parts)


def exercise_tasks(exercises_path):
    """[(function name, docstring)] of the public functions in an exercises file, in file order."""
    tree = ast.parse(Path(exercises_path).read_text())
    return [(node.name, ast.get_docstring(node) or "") for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
