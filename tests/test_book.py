"""Layer 3 of the tests: the rendered book, opened page by page in headless Chromium.

``make test-book`` first runs ``jupyter-book build . -W`` (every notebook executed, warnings
are errors), then this file serves ``_build/html`` on the loopback interface and checks every
page of ``_toc.yml``: it exists, logs no console error, every image loaded, every formula was
typeset by the book's own MathJax, and no output shows log noise or a traceback. A screenshot
of every page is saved under ``_build/screenshots/`` for a human to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading

import pytest
from conftest import ROOT
from list_notebooks import toc_pages

playwright_sync = pytest.importorskip("playwright.sync_api")

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# What must never appear in a rendered output: log lines, warnings, tracebacks, tensor reprs.
NOISE = re.compile(
    r"Traceback \(most recent call last\)|\b[IWEF]\d{4} \d\d:\d\d|absl::|oneDNN|cuda_|"
    r"\w*Warning:|WARNING:|<tf\.Tensor|tf\.Tensor\(|<KerasTensor|Epoch \d+/\d+"
)
PAGES = [page.relative_to(ROOT).with_suffix(".html") for page in toc_pages()]
# Pages whose notebook draws with lb.plot must show at least one figure (a figure that is
# assigned or followed by ";" is silently not displayed).
PLOTTING = {page.relative_to(ROOT).with_suffix(".html") for page in toc_pages()
            if page.suffix == ".ipynb" and "lb.plot." in page.read_text()}


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: `apt-get install chromium` (.ci/run does it)")


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML / 'index.html'} is missing: build the book first (make test-book does)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def test_every_toc_page_was_built():
    missing = [str(page) for page in PAGES if not (HTML / page).is_file()]
    assert not missing, f"pages of _toc.yml missing from the built book: {missing}"


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES, ids=[str(p) for p in PAGES])
def test_page_renders(browser, server, page_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    response = page.goto(f"{server}/{page_path.as_posix()}", wait_until="load")
    assert response is not None and response.ok, f"{page_path}: HTTP {response and response.status}"

    headings = page.evaluate("[...document.querySelectorAll('article h1')].map(h => h.innerText)")
    if len(headings) != 1:
        problems.append(f"a page has exactly one title (h1); found {len(headings)}: {headings[:3]}")
    raw = page.evaluate(r"[...document.querySelectorAll('article h1, article h2, article h3, article p')]"
                        r".map(el => el.innerText).filter(t => /^#{1,6} /.test(t))")
    problems += [f"unrendered Markdown heading: {text[:60]!r}" for text in raw]
    # Raw TeX or Markdown-table syntax left in prose or in a Markdown output (code excluded).
    leftovers = page.evaluate(
        r"""() => [...document.querySelectorAll('article p, article td, article li')]
               .filter(el => !el.closest('pre, code, .highlight'))
               .map(el => { const copy = el.cloneNode(true);
                            copy.querySelectorAll('pre, code, .highlight, mjx-container')
                                .forEach(c => c.remove());
                            return copy.textContent; })
               .filter(t => /\$\\[a-zA-Z]|\|\s*[-—]{1,3}\s*\|/.test(t))"""
    )
    problems += [f"unrendered math or table: {text[:80]!r}" for text in leftovers]

    math = page.evaluate("document.querySelectorAll('span.math, div.math').length")
    if math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=15_000)
        page.evaluate("() => MathJax.startup.promise")
        untypeset = page.evaluate(
            """() => [...document.querySelectorAll('span.math, div.math')]
                   .filter(el => !el.querySelector('mjx-container') || el.querySelector('mjx-merror'))
                   .map(el => el.textContent.slice(0, 60))"""
        )
        problems += [f"math not typeset: {text!r}" for text in untypeset]
        source = page.evaluate("[...document.scripts].map(s => s.src).find(s => s.includes('mathjax')) || ''")
        if not source.startswith(server):
            problems.append(f"MathJax is not served by the book itself: {source!r}")

    broken = page.evaluate(
        "[...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"
    )
    problems += [f"image did not load: {src}" for src in broken]
    if page_path in PLOTTING and not page.evaluate("document.querySelectorAll('.cell_output img').length"):
        problems.append("the notebook calls lb.plot but the page shows no figure")

    outputs = page.evaluate(
        "[...document.querySelectorAll('.cell_output, .output')].map(el => el.innerText)"
    )
    for text in outputs:
        match = NOISE.search(text)
        if match:
            problems.append(f"noise in an output: {text[max(0, match.start() - 80):match.end() + 80]!r}")
    if page.evaluate("document.querySelectorAll('.output.stderr, .output.traceback').length"):
        problems.append("an output cell shows stderr or a traceback")

    page.screenshot(path=str(SCREENSHOTS / (page_path.as_posix().replace("/", "__") + ".png")))
    page.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)
