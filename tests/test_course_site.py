"""`tinygen course build`: two quick lessons (and a planted broken one) become notebooks with outputs,
offline HTML pages and a course map; a real headless Chromium finds every image loaded and no console
error (where Debian's chromium is installed; its screenshots go to test-outputs/course-screenshots/)."""
import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

for needed in ("jupytext", "nbclient", "nbconvert", "ipykernel"):
    pytest.importorskip(needed)
import nbformat

from headless_chromium import Browser, find_chromium
from tinygen import cli
from tinygen.course import EXERCISES_DIR, LESSONS_DIR, REPOSITORY
from tinygen.course.build import build_course

QUICK_LESSONS = ("01_autograd.py", "03_convolution.py")
BROKEN = '''# %% [markdown]
# # 98 · A broken lesson
#
# Planted by the test: it prints, then a claim fails.

# %%
print("before the failure")
assert 1 + 1 == 3, "planted failure"
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    lessons = tmp_path_factory.mktemp("lessons")
    for name in QUICK_LESSONS:
        shutil.copy(LESSONS_DIR / name, lessons / name)
    (lessons / "98_broken.py").write_text(BROKEN)
    out = tmp_path_factory.mktemp("site")
    entries = build_course(out, quick=True, time_limit=120, lessons_dir=lessons, exercises_dir=EXERCISES_DIR,
                           progress=False)
    return out, entries


def test_each_lesson_becomes_an_executed_notebook(site):
    out, entries = site
    assert [name for name in entries] == ["01_autograd", "03_convolution", "98_broken"]
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
    assert entries["01_autograd"]["error"] is None and entries["03_convolution"]["error"] is None
    page = (out / "98_broken.html").read_text()
    assert "before the failure" in page and "planted failure" in page
    index = (out / "index.html").read_text()
    assert "failed: AssertionError: planted failure" in index


def test_index_has_a_card_per_lesson_with_thumbnail_summary_time_and_links(site):
    out, entries = site
    index = (out / "index.html").read_text()
    for name in entries:
        assert f'href="{name}.html"' in index and f'href="notebooks/{name}.ipynb"' in index
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


@pytest.mark.skipif(find_chromium() is None, reason="Debian's chromium is not installed (CI installs it)")
def test_pages_in_a_real_browser_load_every_image_and_log_no_error(site):
    out, _ = site
    screenshots = Path(os.environ.get("TINYGEN_TEST_OUTPUTS", REPOSITORY / "test-outputs")) / "course-screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *args: None})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Browser(find_chromium()) as browser:
            for page_name, at_least in (("index.html", 2), ("03_convolution.html", 2)):
                page = browser.open(f"http://127.0.0.1:{server.server_address[1]}/{page_name}")
                images = page.evaluate("[...document.images].map(i => [i.complete && i.naturalWidth > 0, "
                                       "i.src.slice(0, 80)])")
                page.screenshot(screenshots / page_name.replace(".html", ".png"))
                assert len(images) >= at_least, f"{page_name}: {images}"
                assert all(loaded for loaded, _ in images), f"{page_name}: broken images {images}"
                assert page.console_errors() == [], page_name
    finally:
        server.shutdown()
