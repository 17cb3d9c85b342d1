"""Formulas on the course's pages: ``$...$`` and ``$$...$$`` in Markdown cells become MathML at build time.

Browsers draw MathML themselves (Chromium since 109, Firefox, Safari), so the pages need no script and
no network; the notebooks handed out keep the TeX, which Jupyter typesets. Code spans and fenced code
are left alone, and so is a lone ``$`` (a price, a shell prompt).
"""
import re

from latex2mathml.converter import convert

# a fenced block, a code span, display math, or inline math whose $ hug the formula (as in Pandoc)
_PIECES = re.compile(r"(?P<fence>^```.*?^```)|(?P<code>`[^`\n]+`)|\$\$(?P<display>.+?)\$\$"
                     r"|(?<![\\$\w])\$(?P<inline>[^\s$](?:[^$\n]*[^\s$\\])?)\$(?![\w$])",
                     re.DOTALL | re.MULTILINE)


def markdown_with_mathml(text):
    """``text`` with each formula replaced by its MathML (display formulas as blocks of their own)."""
    def replace(match):
        if match.group("display") is not None:
            return "\n\n" + convert(match.group("display").strip(), display="block") + "\n\n"
        if match.group("inline") is not None:
            return convert(match.group("inline"))
        return match.group(0)
    return _PIECES.sub(replace, text)


def notebook_with_mathml(notebook):
    """A copy of ``notebook`` whose Markdown cells carry MathML instead of TeX."""
    copy = notebook.copy()
    copy.cells = [cell.copy() for cell in notebook.cells]
    for cell in copy.cells:
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = markdown_with_mathml(cell.source)
    return copy
