"""The course site's two pages around the lessons: syllabus.html (per lesson its objectives, prerequisites and
the time a student needs; a 14-week plan with the exercises) and teaching.html (build, hand out, grade)."""
import html
from pathlib import Path

from tinygen.course import EXERCISES_DIR
from tinygen.course.notebook import exercise_tasks
from tinygen.course.syllabus import WEEKS, by_number, reading_minutes

escape = html.escape


def write_syllabus(site, built, scripts, exercises_dir=EXERCISES_DIR):
    """``built``: {number: manifest entry}; ``scripts``: {number: lesson script path} present."""
    plan = by_number()
    rows = "\n".join(_lesson_row(number, plan.get(number), built.get(number), scripts.get(number), exercises_dir)
                     for number in sorted(set(plan) | set(scripts) | set(built)))
    weeks = "\n".join(_week_row(week, numbers, note, plan, built) for week, numbers, note in WEEKS)
    Path(site, "syllabus.html").write_text(PAGE.format(title="Syllabus", body=SYLLABUS.format(rows=rows, weeks=weeks)))


def _title(number, planned, entry):
    title = entry["title"] if entry and entry.get("title") else f"{number} · {planned.topic if planned else ''}"
    return f'<a href="{escape(entry["name"])}.html">{escape(title)}</a>' if entry else escape(title)


def _lesson_row(number, planned, entry, script, exercises_dir):
    objectives = "".join(f"<li>{escape(o)}</li>" for o in planned.objectives) if planned else ""
    needs = ", ".join(f'<a href="#lesson-{n}">{n}</a>' for n in planned.prerequisites) if planned else ""
    needs = " · ".join(filter(None, [needs, escape(planned.background) if planned else ""])) or "none"
    exercises = next(Path(exercises_dir).glob(f"{number}_*.py"), None)
    tasks = [name for name, _ in exercise_tasks(exercises)] if exercises else []
    read = reading_minutes(script.read_text()) if script else None
    run = max(1, round(entry["seconds"] / 60)) if entry else None
    practice = planned.exercise_minutes if planned and tasks else None
    total = sum(m for m in (read, run, practice) if m)
    time = (f"read {read} min · run {run} min ({entry['mode']} mode, as built here) · exercises "
            f"{practice or '—'} min · <b>about {_hours(total)}</b>" if read and run else
            f"read {read} min · exercises {practice or '—'} min (not built here, so no run time)" if read else
            "planned")
    status = "" if entry else (" <i>(not built in this site)</i>" if script else " <i>(planned)</i>")
    return f"""<tr id="lesson-{escape(number)}">
  <td>{_title(number, planned, entry)}{status}</td>
  <td><ul>{objectives}</ul></td>
  <td>{needs}</td>
  <td>{time}</td>
  <td>{", ".join(f"<code>{escape(t)}</code>" for t in tasks) or "—"}</td>
</tr>"""


def _hours(minutes):
    return f"{minutes} min" if minutes < 60 else f"{minutes / 60:.1f} h"


def _week_row(week, numbers, note, plan, built):
    lessons = "<br>".join(_title(n, plan.get(n), built.get(n)) for n in numbers)
    return f"<tr><td>{week}</td><td>{lessons}</td><td>{escape(note)}</td></tr>"


def write_teaching(site):
    Path(site, "teaching.html").write_text(PAGE.format(title="For teachers", body=TEACHING))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>tinygen · {title}</title>
<link rel="icon" href="data:,">
<style>
  body {{ font-family: sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}
  table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
  td, th {{ border: 1px solid #ddd; padding: 0.4em 0.6em; vertical-align: top; text-align: left; }}
  td ul {{ margin: 0; padding-left: 1.1em; }}
  pre {{ background: #f5f5f5; padding: 0.7em; overflow-x: auto; }}
</style>
</head>
<body>
<nav><a href="index.html">&larr; course map</a> · <a href="syllabus.html">syllabus</a> ·
  <a href="teaching.html">for teachers</a></nav>
<h1>tinygen · {title}</h1>
{body}
</body>
</html>
"""

SYLLABUS = """<p>A course on how deep generative models work inside, built on an engine the learners can read:
autograd, convolutions, normalization, then autoencoders, VAEs, GANs, RBMs, the GPU backend, diffusion,
flow matching and likelihoods. Each lesson is a notebook that runs top to bottom and asserts what it
teaches; each has exercises that check themselves (<code>tinygen check NN</code>).</p>
<p>Time per lesson: <b>read</b> is the lesson's prose and code at a careful 100 words a minute;
<b>run</b> is what the lesson took when this site was built (the mode is named; a full run trains longer,
so a learner can start it and read on meanwhile); <b>exercises</b> is an estimate for writing the functions
until <code>tinygen check</code> passes.</p>

<h2>A 14-week plan</h2>
<p>Two lessons in the light weeks, one in the heavy ones; each lesson's exercises are due the week after it.
For a 12-week term, drop the two weeks marked so (the review and the project week).</p>
<table>
<tr><th>week</th><th>lessons</th><th>also</th></tr>
{weeks}
</table>

<h2>The lessons</h2>
<table>
<tr><th>lesson</th><th>after it a learner can</th><th>prerequisites</th><th>time a student needs</th>
<th>exercises</th></tr>
{rows}
</table>
"""

TEACHING = """<p>Everything below runs from a clone of the repository with the <code>course</code> extra
installed: <code>pip install -e ".[course]"</code>.</p>

<h2>Build the site</h2>
<pre>tinygen course build --out site/ --quick          # every lesson in quick mode: a few minutes, as CI does
tinygen course build --out site/                  # full mode: the figures a course shows (hours on 2 cores)
tinygen course build --out site/ --lessons 09,10  # rebuild only these; the rest of the map stays</pre>
<p>Quick mode shrinks data and epochs; where a claim needs a model that quick mode cannot train in its
budget, the lesson loads weights trained by the full recipe and its page says so. The site is plain files:
open <code>site/index.html</code>, copy the folder to any web server, or run
<code>python -m http.server</code> in it. It needs no network: formulas are MathML, figures are embedded.</p>

<h2>Hand out</h2>
<ul>
<li><b>Pages:</b> the built site (<code>index.html</code>, a page per lesson, this syllabus).</li>
<li><b>Notebooks:</b> <code>site/notebooks/NN_*.ipynb</code>, executed, with outputs; learners rerun them
from a clone with tinygen installed (the first cell gives the lesson its settings).</li>
<li><b>Exercise stubs:</b> <code>site/exercises/NN_*.py</code> (the same as the repository's
<code>exercises/</code>): functions that raise <code>NotImplementedError</code>, the task in the docstring.
The site never contains solutions.</li>
<li><b>Solutions:</b> the model answers are in the repository's top-level <code>solutions/</code>, outside the
installed package. Before you hand out a clone, delete that folder (<code>git rm -r solutions</code> on
your students' branch) and keep a copy; <code>tinygen check NN --solutions DIR</code> runs the checks on
your copy.</li>
</ul>

<h2>Grade</h2>
<p>Each student hands in their <code>exercises/</code> folder. <code>--json</code> prints one JSON object
per function: <code>lesson</code>, <code>function</code>, <code>status</code> (pass, fail or todo),
<code>passed</code>, <code>message</code> (what was wrong, for which input) and <code>hint</code>.</p>
<pre>tinygen check 09 --exercises submissions/alice/ --json
tinygen check --all --exercises submissions/alice/ --json > alice.jsonl   # the whole course
tinygen check --all --exercises submissions/alice/                        # a line per lesson and a total</pre>
<p>The exit code is 0 only when every check passes. A check never shows a traceback: an exception, a wrong
type, a NumPy array where a Tensor belongs, an input changed in place or a result cut off from the gradient
is a FAIL with a message, so the JSON is complete for every submission. The checks compare values, shapes and
gradients with tinygen's own functions on fixed and randomly drawn inputs; the repository's tests prove that
each check fails on planted wrong answers.</p>
"""
