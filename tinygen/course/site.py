"""The course site's pages: each lesson as HTML (nbconvert), and index.html, the course map.

Everything a page shows is inside the site's folder: figures are embedded in the lesson pages,
thumbnails are files next to index.html, and no page loads a script or style from the network.
"""
import html
import json
from pathlib import Path

from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from traitlets.config import Config

TEMPLATES = Path(__file__).resolve().parent / "templates"
MANIFEST = "course.json"


def lesson_page(notebook, name):
    """The HTML page of an executed lesson notebook (without its set-up cell)."""
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"tinygen-setup"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name}})
    return body


def title_and_summary(notebook):
    """(title, summary) from the first Markdown cell: its heading and the paragraph after it."""
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
        return title, " ".join(paragraph)
    return "", ""


def read_manifest(site):
    """{lesson name: its entry} of every lesson built into ``site`` so far."""
    path = Path(site) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def write_index(site, entries):
    """Write ``site``/course.json (the entries) and index.html (a card per lesson, in lesson order)."""
    site = Path(site)
    (site / MANIFEST).write_text(json.dumps(entries, indent=1, sort_keys=True))
    cards = "\n".join(_card(entries[name]) for name in sorted(entries))
    (site / "index.html").write_text(INDEX.format(cards=cards, count=len(entries)))


def _card(entry):
    escape = html.escape
    name = entry["name"]
    image = (f'<img src="{escape(entry["thumbnail"])}" alt="a figure of lesson {escape(name)}">'
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
  article.lesson img, .nofigure {{ width: 220px; height: 150px; object-fit: contain; border: 1px solid #ddd; }}
  .nofigure {{ display: flex; align-items: center; justify-content: center; color: #888; }}
  h2 {{ font-size: 1.15em; margin: 0 0 0.4em; }}
  .meta {{ color: #555; font-size: 0.9em; }}
  .failed {{ color: #b00; font-weight: bold; }}
</style>
</head>
<body>
<h1>tinygen · the course</h1>
<p>{count} lessons. Each page shows a lesson's prose, code, printed results and figures as it ran;
the notebook opens in Jupyter (run it from a clone of tinygen with the package installed).</p>
{cards}
</body>
</html>
"""
