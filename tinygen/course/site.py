"""The course site's pages: each lesson as HTML (nbconvert), and index.html, the course map.

Everything a page shows is inside the site's folder: figures are embedded in the lesson pages (each
with its title as alternative text), formulas are MathML, thumbnails are files next to index.html,
and no page loads a script or style from the network.

The map shows the whole course, whatever was built: every lesson of the plan (``syllabus.PLAN``) and
every lesson script present, the built ones linked, the others listed as not built or planned.
"""
import html
import json
import re
from pathlib import Path

from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from traitlets.config import Config

from tinygen.course import EXERCISES_DIR, pages
from tinygen.course.math import notebook_with_mathml
from tinygen.course.syllabus import by_number

TEMPLATES = Path(__file__).resolve().parent / "templates"
MANIFEST = "course.json"


def lesson_page(notebook, name):
    """The HTML page of an executed lesson notebook (without its set-up cell)."""
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"tinygen-setup"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    body, _ = exporter.from_notebook_node(notebook_with_mathml(notebook), resources={"metadata": {"name": name}})
    return body


def title_and_summary(notebook):
    """(title, summary) from the first Markdown cell: its heading, and the whole sentences of the paragraph
    after it (a sentence that ends in a colon introduces a list the summary leaves out, so it goes too)."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        heading = next((i for i, line in enumerate(lines) if line.startswith("#")), None)
        if heading is None:
            continue
        title = lines[heading].lstrip("# ").strip()
        paragraph = []
        for line in lines[heading + 1:]:
            if line.strip():
                paragraph.append(line.strip())
            elif paragraph:
                break
        return title, whole_sentences(" ".join(paragraph))
    return "", ""


def whole_sentences(paragraph):
    """The sentences of ``paragraph`` that end in '.', '!' or '?', in order, up to the first that does not."""
    kept = []
    for sentence in SENTENCE_END.split(paragraph.strip()):
        if not sentence.rstrip().endswith((".", "!", "?", ".)", ".*", ".**")):
            break
        kept.append(sentence.strip())
    return " ".join(kept)


# a sentence ends at . ! ? before a capital (or a number, a quote, emphasis); a colon ends one before a list
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\"`(])|(?<=:)\s+(?=\d+\.\s|[-*•]\s)")


def read_manifest(site):
    """{lesson name: its entry} of every lesson built into ``site`` so far."""
    path = Path(site) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def write_index(site, entries, present=(), exercises_dir=EXERCISES_DIR):
    """Write ``site``/course.json (the entries of the lessons built), index.html (the whole course map),
    syllabus.html and teaching.html. ``present``: the lesson scripts there are, built or not."""
    site = Path(site)
    (site / MANIFEST).write_text(json.dumps(entries, indent=1, sort_keys=True))
    scripts = {Path(path).name[:2]: Path(path) for path in present}
    built = {name[:2]: entry for name, entry in entries.items()}
    plan = by_number()
    rows = []
    for number in sorted(set(plan) | set(scripts) | set(built)):
        if number in built:
            rows.append(_card(built[number]))
        else:
            rows.append(_listed(number, scripts.get(number), plan.get(number)))
    (site / "index.html").write_text(INDEX.format(cards="\n".join(rows), built=len(built),
                                                 count=len(rows)))
    pages.write_syllabus(site, built, scripts, exercises_dir)
    pages.write_teaching(site)


def _listed(number, script, planned):
    """A lesson on the map without a page in this site: a script not built here, or a planned lesson."""
    escape = html.escape
    if script is not None:
        title, summary = script_title_and_summary(script)
        state = (f"not built in this site: <code>tinygen course build --lessons {number}</code> adds it "
                 "(the others stay)")
    else:
        title, summary, state = f"{number} · {planned.topic}", "", "planned: being written"
    objectives = "" if planned is None else "<ul>" + "".join(f"<li>{escape(o)}</li>" for o in planned.objectives) + "</ul>"
    return f"""<article class="lesson unbuilt">
  <div class="nofigure">{escape(number)}</div>
  <div>
    <h2>{escape(title)}</h2>
    {markdown2html_mistune(summary) if summary else objectives}
    <p class="meta">{state}</p>
  </div>
</article>"""


def script_title_and_summary(path):
    """(title, summary) of a lesson script read as a notebook, without running it."""
    import jupytext
    return title_and_summary(jupytext.read(path, fmt="py:percent"))


def _card(entry):
    escape = html.escape
    name = entry["name"]
    alt = entry.get("thumbnail_alt") or f"a figure of lesson {name}"
    image = (f'<img src="{escape(entry["thumbnail"])}" alt="{escape(alt)}">'
             if entry.get("thumbnail") else '<div class="nofigure">no figure</div>')
    status = (f'<p class="failed">failed: {escape(entry["error"])}</p>' if entry.get("error") else "")
    exercises = (f' · <a href="{escape(entry["exercises"])}">exercises</a> (<code>tinygen check {name[:2]}</code>)'
                 if entry.get("exercises") else "")
    return f"""<article class="lesson">
  <a href="{escape(name)}.html">{image}</a>
  <div>
    <h2><a href="{escape(name)}.html">{escape(entry["title"] or name)}</a></h2>
    {markdown2html_mistune(entry["summary"])}
    {status}<p class="meta">ran in {entry["seconds"]:.1f} s ({entry["mode"]} mode) ·
      <a href="{escape(name)}.html">read it</a> ·
      <a href="notebooks/{escape(name)}.ipynb" download>notebook</a>{exercises}</p>
  </div>
</article>"""


INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>tinygen · the course</title>
<link rel="icon" href="data:,">
<style>
  body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }}
  article.lesson {{ display: flex; gap: 1.2em; padding: 1em 0; border-bottom: 1px solid #ddd; }}
  article.lesson img, .nofigure {{ flex: none; width: 220px; height: 150px; object-fit: contain; border: 1px solid #ddd; }}
  .nofigure {{ display: flex; align-items: center; justify-content: center; color: #888; }}
  h2 {{ font-size: 1.15em; margin: 0 0 0.4em; }}
  .meta {{ color: #555; font-size: 0.9em; }}
  .failed {{ color: #b00; font-weight: bold; }}
  article.unbuilt {{ color: #555; }}
  article.unbuilt .nofigure {{ font-size: 2.5em; }}
</style>
</head>
<body>
<h1>tinygen · the course</h1>
<nav><a href="syllabus.html">syllabus: objectives, prerequisites, time, a 14-week plan</a> ·
  <a href="teaching.html">for teachers: build, hand out, grade</a></nav>
<p>The course map: {count} lessons, {built} of them built into this site. Each page shows a lesson's prose,
code, printed results and figures as it ran; the notebook opens in Jupyter (run it from a clone of tinygen
with the package installed).</p>
{cards}
</body>
</html>
"""
