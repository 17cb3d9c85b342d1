"""`tinygen course build`: two quick lessons (and planted ones: a blank figure, formulas, a failure) become
notebooks with outputs, offline HTML pages, a course map of the whole course, a syllabus and a teacher's page;
a real headless Chromium finds every image loaded and not blank, every internal link resolving and no
console error, and no notebook holds error output (where Debian's chromium is installed; its screenshots go
to test-outputs/course-screenshots/). With TINYGEN_COURSE_SITE=DIR (CI builds every lesson there in quick
mode first) the same audit runs on that whole site."""
import json
import os
import re
import shutil
from pathlib import Path

import pytest

for needed in ("jupytext", "nbclient", "nbconvert", "ipykernel"):
    pytest.importorskip(needed)
import nbformat

from headless_chromium import Browser, find_chromium
from site_audit import audit_site, notebook_problems, serve, summary
from tinygen import cli
from tinygen.course import EXERCISES_DIR, LESSONS_DIR, REPOSITORY
from tinygen.course.build import build_course
from tinygen.course.site import whole_sentences
from tinygen.course.syllabus import PLAN

SCREENSHOTS = Path(os.environ.get("TINYGEN_TEST_OUTPUTS", REPOSITORY / "test-outputs")) / "course-screenshots"
needs_chromium = pytest.mark.skipif(find_chromium() is None,
                                    reason="Debian's chromium is not installed (CI installs it)")

QUICK_LESSONS = ("01_autograd.py", "03_convolution.py")
BROKEN = '''# %% [markdown]
# # 98 · A broken lesson
#
# Planted by the test: it prints, then a claim fails.

# %%
print("before the failure")
assert 1 + 1 == 3, "planted failure"
'''
GREY_WALK = '''# %% [markdown]
# # 96 · A walk that shows nothing
#
# Planted by the test: ten identical grey squares, which the browser audit must call blank.

# %%
import numpy as np
from tinygen import plot
from tinygen.lesson import setup

lesson = setup(__file__)
plot.interpolation_strip(np.full((10, 1, 28, 28), 0.5), lesson.path("walk.png"), title="A latent walk")
blobs = 0.5 + 0.05 * np.random.default_rng(0).normal(size=(16, 1, 28, 28))
plot.image_grid(blobs, lesson.path("blobs.png"), ncols=8, title="Samples of an untrained generator")
'''
FORMULAS = '''# %% [markdown]
# # 97 · Formulas and a titled figure
#
# Planted by the test. The KL term is $\\tfrac{1}{2} \\sum_j (\\mu_j^2 + \\sigma_j^2 - \\log \\sigma_j^2 - 1)$, and
#
# $$\\mathrm{KL}(q \\,\\|\\, p) = \\mathbb{E}_q[\\log q - \\log p]$$

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from tinygen.lesson import setup

lesson = setup(__file__)
figure, (left, right) = plt.subplots(1, 2)
left.plot(np.sin(np.linspace(0, 6, 50)))
left.set_title("sin x")
right.plot(np.cos(np.linspace(0, 6, 50)))
right.set_title("cos x")
figure.suptitle("Two waves")
figure.savefig(lesson.path("waves.png"))
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    lessons = tmp_path_factory.mktemp("lessons")
    for name in QUICK_LESSONS:
        shutil.copy(LESSONS_DIR / name, lessons / name)
    (lessons / "96_grey_walk.py").write_text(GREY_WALK)
    (lessons / "97_formulas.py").write_text(FORMULAS)
    (lessons / "98_broken.py").write_text(BROKEN)
    out = tmp_path_factory.mktemp("site")
    entries = build_course(out, quick=True, time_limit=120, lessons_dir=lessons, exercises_dir=EXERCISES_DIR,
                           progress=False)
    return out, entries


def test_each_lesson_becomes_an_executed_notebook(site):
    out, entries = site
    assert [name for name in entries] == ["01_autograd", "03_convolution", "96_grey_walk", "97_formulas", "98_broken"]
    notebook = nbformat.read(out / "notebooks" / "03_convolution.ipynb", as_version=4)
    assert "run_as_notebook('03_convolution', quick=True" in notebook.cells[0].source
    assert any(cell.cell_type == "markdown" and cell.source.startswith("# 03") for cell in notebook.cells)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert any("largest difference between the loop and F.conv2d" in output.get("text", "") for output in outputs)
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(figures) == len(list((out / "notebooks" / "figures" / "03_convolution").glob("*.png"))) >= 2
    assert "tinygen check 03" in notebook.cells[-1].source and "im2col" in notebook.cells[-1].source


def test_a_failing_lesson_is_reported_by_name_and_the_build_goes_on(site):
    out, entries = site
    assert entries["98_broken"]["error"] == "AssertionError: planted failure"
    assert [name for name, entry in entries.items() if entry["error"]] == ["98_broken"]
    page = (out / "98_broken.html").read_text()
    assert "before the failure" in page and "planted failure" in page
    index = (out / "index.html").read_text()
    assert "failed: AssertionError: planted failure" in index


def test_index_has_a_card_per_lesson_with_thumbnail_summary_time_and_links(site):
    out, entries = site
    index = (out / "index.html").read_text()
    for name in entries:
        assert f'href="{name}.html"' in index and f'href="notebooks/{name}.ipynb"' in index
    assert 'alt="Two waves: sin x; cos x"' in index  # the thumbnail says what its figure shows
    assert index.index("01 · ") < index.index("03 · ") < index.index("98 · ")
    assert "slides a small kernel over the image" in index  # what lesson 03 teaches, from its first paragraph
    assert re.search(r"ran in \d+\.\d s \(quick mode\)", index)
    assert 'href="exercises/03_convolution.py"' in index and (out / "exercises" / "03_convolution.py").is_file()
    assert json.loads((out / "course.json").read_text()).keys() == entries.keys()


def test_the_site_needs_no_network(site):
    out, _ = site
    for page in out.glob("*.html"):
        text = page.read_text()
        remote = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="(?:https?:)?//[^"]*"', text)
        assert not remote, f"{page.name} loads {remote}"
        for source in re.findall(r'<img[^>]*src="([^"]+)"', text):
            assert source.startswith("data:image/") or (out / source).is_file(), f"{page.name}: {source}"


def test_rebuilding_one_lesson_keeps_the_others_on_the_map(site, tmp_path):
    out, _ = site
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "98_broken.py").write_text(BROKEN.replace("1 + 1 == 3", "1 + 1 == 2"))
    entries = build_course(copy, quick=True, numbers=["98"], time_limit=60, lessons_dir=lessons,
                           exercises_dir=EXERCISES_DIR, progress=False)
    assert entries["98_broken"]["error"] is None
    index = (copy / "index.html").read_text()
    assert "03 · Convolution" in index and "failed:" not in index


def test_a_lesson_past_its_time_limit_is_stopped(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "97_slow.py").write_text("# %%\nimport time\ntime.sleep(120)\n")
    entries = build_course(tmp_path / "site", quick=True, time_limit=3, lessons_dir=lessons,
                           exercises_dir=EXERCISES_DIR, progress=False)
    assert entries["97_slow"]["error"] == "stopped after the lesson's time limit of 3 s"
    assert entries["97_slow"]["seconds"] < 60


def test_command_line_builds_the_chosen_lessons(tmp_path, capsys):
    cli.main(["course", "build", "--out", str(tmp_path), "--quick", "--lessons", "1", "--no-progress"])
    shown = capsys.readouterr().out
    assert "01_autograd" in shown and "(1 of 1 lessons ran)" in shown
    assert (tmp_path / "01_autograd.html").is_file() and (tmp_path / "notebooks" / "01_autograd.ipynb").is_file()


def test_command_line_refuses_bad_lesson_lists(tmp_path, capsys):
    for argv, message in ((["--lessons", "03,x"], "must be a lesson number such as 03, got 'x'"),
                          (["--lessons", "03,99"], "no lesson numbered 99"),
                          (["--time-limit", "0"], "--time-limit must be a positive number")):
        with pytest.raises(SystemExit) as done:
            cli.main(["course", "build", "--out", str(tmp_path)] + argv)
        assert done.value.code == 2 and message in capsys.readouterr().err


def test_the_index_maps_the_whole_course_whatever_was_built(site):
    out, _ = site
    index = (out / "index.html").read_text()
    for planned in PLAN:  # not built here (these lessons are not in the test's folder): listed, not linked
        assert f"{planned.number} · " in index
    assert "20 · Likelihood: exact, bound, estimate" in index and "planned: being written" in index
    assert 'href="20_' not in index and 'href="syllabus.html"' in index and 'href="teaching.html"' in index
    assert "The course map: 23 lessons, 5 of them built" in index  # 01-20 and the test's 96-98


def test_summaries_are_whole_sentences():
    assert whole_sentences("A GAN is a game, and games can go wrong. The course names them:") == \
        "A GAN is a game, and games can go wrong."
    assert whole_sentences("Decoders must grow an image. It takes four steps: 1. zeros, 2. padding.") == \
        "Decoders must grow an image."
    assert whole_sentences("DCGAN (Radford et al., 2015) builds both players from convolutions instead:") == ""
    assert whole_sentences("Trust, but verify. f'(x) = 3 at x = 1.") == "Trust, but verify. f'(x) = 3 at x = 1."
    assert whole_sentences("Kernels use `xp`, the backend's library: NumPy on a CPU, CuPy on a GPU. Switch it.") == \
        "Kernels use `xp`, the backend's library: NumPy on a CPU, CuPy on a GPU. Switch it."


def test_figures_have_their_titles_as_alt_text_and_formulas_are_mathml(site):
    out, _ = site
    page = (out / "97_formulas.html").read_text()
    assert 'alt="Two waves: sin x; cos x"' in page
    assert page.count("<math ") == 2 and 'display="block"' in page and "\\tfrac" not in page
    for lesson_page in out.glob("[0-9][0-9]_*.html"):
        assert "No description has been provided" not in lesson_page.read_text(), lesson_page.name
    notebook = nbformat.read(out / "notebooks" / "97_formulas.ipynb", as_version=4)
    assert "$$\\mathrm{KL}" in notebook.cells[1].source  # the notebook keeps its TeX for Jupyter


def test_syllabus_and_teachers_page(site):
    out, _ = site
    syllabus = (out / "syllabus.html").read_text()
    for planned in PLAN:
        assert f'id="lesson-{planned.number}"' in syllabus and planned.objectives[0].split()[0] in syllabus
    assert "<code>tanh_backward</code>, <code>unbroadcast</code>" in syllabus  # lesson 01's exercises
    assert re.search(r"read \d+ min · run \d+ min \(quick mode, as built here\) · exercises \d+ min", syllabus)
    assert syllabus.count("<tr><td>") == 14 and "12-week" in syllabus
    teaching = (out / "teaching.html").read_text()
    for needed in ("--quick", "--json", "--solutions DIR", "site/exercises/", "git rm -r solutions"):
        assert needed in teaching
    assert not (out / "solutions").exists() and not list(out.rglob("solutions"))


@needs_chromium
def test_pages_in_a_real_browser_show_what_they_should(site):
    """Index, syllabus, teacher's page and every lesson page: images loaded and not blank, links resolve, no
    console error; notebooks without error output. The planted grey walk is caught; so is the broken lesson's
    error output."""
    out, _ = site
    problems = audit_site(out, find_chromium(), SCREENSHOTS, skip=("98_broken",))
    assert {name for name, found in problems.items() if found} == {"96_grey_walk.html", "index.html"}, \
        summary(problems)
    walk, blobs = problems["96_grey_walk.html"]
    assert "'A latent walk'" in walk and "flat grey: a panel shows nothing" in walk
    assert "'Samples of an untrained generator'" in blobs and "low-contrast grey: noise blobs" in blobs
    thumbnail, = problems["index.html"]  # the walk, the lesson's first figure, on the map
    assert "'A latent walk'" in thumbnail and "flat grey" in thumbnail
    assert "03_convolution.html" in problems and "index.html" in problems and "syllabus.html" in problems
    assert "cell 2: AssertionError: planted failure" in notebook_problems(out / "notebooks" / "98_broken.ipynb")
    server = serve(out)
    try:
        with Browser(find_chromium()) as browser:
            page = browser.open(f"http://127.0.0.1:{server.server_address[1]}/97_formulas.html")
            heights = page.evaluate("[...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().height)")
    finally:
        server.shutdown()
    assert len(heights) == 2 and min(heights) > 10  # drawn as formulas (a fraction is taller than a line of text)


@needs_chromium
@pytest.mark.skipif(not os.environ.get("TINYGEN_COURSE_SITE"), reason="no built site named by TINYGEN_COURSE_SITE")
def test_a_whole_built_site_passes_the_browser_audit():
    """CI builds every lesson in quick mode into TINYGEN_COURSE_SITE; every page must pass the audit."""
    out = Path(os.environ["TINYGEN_COURSE_SITE"])
    entries = json.loads((out / "course.json").read_text())
    assert entries and not [name for name, entry in entries.items() if entry["error"]]
    problems = audit_site(out, find_chromium(), SCREENSHOTS / "whole-site")
    assert not any(problems.values()), summary(problems)
