"""Audit a built course site in a real headless Chromium: what a reader would see broken.

For the index, the syllabus, the teacher's page and every lesson page: every <img> loaded (natural width
> 0); no image blank (its pixels' standard deviation above a floor, and no large flat grey panel, which is
what ten identical grey squares look like, nor mostly low-contrast grey, what noise blobs look like); every internal link and anchor resolves; no console error.
For every notebook: no error output and nothing on stderr. Each page's screenshot goes to ``screenshots``.
"""
import functools
import http.server
import json
import re
import threading
import urllib.parse
from pathlib import Path

import nbformat

from headless_chromium import Browser

STD_FLOOR = 3.0  # grey levels (0-255): below it an image is one flat colour
FLAT_GREY_SHARE = 0.2  # of an image's 12-pixel tiles: more flat mid-grey tiles than this is a blank panel
WASHED_OUT_SHARE = 0.6  # of its tiles mid-grey with little contrast (grey std < 25): noise blobs, not digits

# For each image: loaded?, the standard deviation of its pixels' grey level, the share of its tiles that are
# flat (max channel spread < 2), grey (channels within 10) and neither white nor black (mean 40-215), and the
# share that is such mid-grey of low contrast (grey std < 25): what a sample of noise blobs looks like.
MEASURE_IMAGES = """[...document.images].map(img => {
  const loaded = img.complete && img.naturalWidth > 0;
  if (!loaded) return {loaded, src: img.src.slice(0, 80), alt: img.alt};
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const w = canvas.width, h = canvas.height, d = context.getImageData(0, 0, w, h).data;
  let sum = 0, squares = 0;
  for (let i = 0; i < d.length; i += 4) { const v = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += v; squares += v * v; }
  const n = d.length / 4, mean = sum / n, std = Math.sqrt(Math.max(0, squares / n - mean * mean));
  const T = 12; let tiles = 0, flatGrey = 0, washedOut = 0;
  for (let y = 0; y + T <= h; y += T) for (let x = 0; x + T <= w; x += T) {
    tiles++;
    const lo = [255, 255, 255], hi = [0, 0, 0], total = [0, 0, 0];
    let squared = 0;
    for (let j = y; j < y + T; j++) for (let i = x; i < x + T; i++) {
      let v = 0;
      for (let c = 0; c < 3; c++) {
        const u = d[(j * w + i) * 4 + c]; lo[c] = Math.min(lo[c], u); hi[c] = Math.max(hi[c], u); total[c] += u; v += u / 3;
      }
      squared += v * v;
    }
    const spread = Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
    const m = total.map(t => t / (T * T)), chroma = Math.max(...m) - Math.min(...m), grey = (m[0] + m[1] + m[2]) / 3;
    const deviation = Math.sqrt(Math.max(0, squared / (T * T) - grey * grey));
    if (chroma < 10 && grey > 40 && grey < 215) { if (spread < 2) flatGrey++; if (deviation < 25) washedOut++; }
  }
  return {loaded, std, flatGrey: tiles ? flatGrey / tiles : 0, washedOut: tiles ? washedOut / tiles : 0,
          src: img.src.slice(0, 80), alt: img.alt};
})"""
LINKS = """[...document.querySelectorAll('a[href], link[href], img[src], script[src]')]
  .map(e => e.href || e.src)"""


def serve(folder):
    """A local HTTP server for ``folder`` on a free port (its ``shutdown`` stops it)."""
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *args: None})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def audit_site(site, chromium, screenshots, skip=()):
    """{page or notebook name: [problems]} of the site in ``site`` (empty lists: nothing wrong).

    ``skip``: lesson names left out (e.g. a lesson planted to fail)."""
    site, problems = Path(site), {}
    screenshots.mkdir(parents=True, exist_ok=True)
    pages = ["index.html", "syllabus.html", "teaching.html"] + sorted(
        p.name for p in site.glob("[0-9][0-9]_*.html") if p.stem not in skip)
    server = serve(site)
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with Browser(chromium) as browser:
            for name in pages:
                page = browser.open(root + name)
                height = page.evaluate("document.documentElement.scrollHeight")
                page.screenshot(screenshots / name.replace(".html", ".png"), height=min(height, 6000))
                problems[name] = (_image_problems(page.evaluate(MEASURE_IMAGES))
                                  + _link_problems(site, root, page.evaluate(LINKS))
                                  + [f"console: {error}" for error in page.console_errors()])
    finally:
        server.shutdown()
    for notebook in sorted((site / "notebooks").glob("*.ipynb")):
        if notebook.stem not in skip:
            problems[notebook.name] = notebook_problems(notebook)
    return problems


def _image_problems(images):
    found = []
    for image in images:
        where = f"image {image['alt']!r} ({image['src'][:40]}...)"
        if not image["loaded"]:
            found.append(f"{where} did not load")
        elif image["std"] < STD_FLOOR:
            found.append(f"{where} is blank: its pixels' standard deviation is {image['std']:.2f}")
        elif image["flatGrey"] > FLAT_GREY_SHARE:
            found.append(f"{where} is {image['flatGrey']:.0%} flat grey: a panel shows nothing")
        elif image["washedOut"] > WASHED_OUT_SHARE:
            found.append(f"{where} is {image['washedOut']:.0%} low-contrast grey: noise blobs, not pictures")
    return found


def _link_problems(site, root, urls):
    found = []
    for url in urls:
        if not url.startswith(root):
            if not url.startswith(("data:", "about:")):
                found.append(f"link {url} leaves the site")
            continue
        parsed = urllib.parse.urlparse(url)
        path = site / urllib.parse.unquote(parsed.path[1:] or "index.html")
        if not path.is_file():
            found.append(f"link {url} is broken: no file {path.relative_to(site)}")
        elif parsed.fragment and path.suffix == ".html" and not re.search(
                rf'id="{re.escape(parsed.fragment)}"', path.read_text()):
            found.append(f"link {url} is broken: no element with id {parsed.fragment!r}")
    return found


def notebook_problems(path):
    """Error outputs and stderr of an executed notebook, one line each."""
    found = []
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {number}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {number} wrote to stderr: {output.text.strip()[:200]}")
    return found


def summary(problems):
    return json.dumps({name: found for name, found in problems.items() if found}, indent=1)
