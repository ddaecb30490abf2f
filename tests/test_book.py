"""Layer 3 of the tests: the rendered book, opened page by page in headless Chromium.

``make test-book`` first runs ``jupyter-book build . -W`` (every notebook executed, warnings
are errors), then this file serves ``_build/html`` on the loopback interface and checks every
page of ``_toc.yml``: it exists, logs no console error, every image loaded, every formula was
typeset by the book's own MathJax, no output shows log noise or a traceback, and — in a
1366x768 window, a common laptop screen — no code block, output or displayed formula scrolls
sideways (DESIGN.md, "The rendered page"; the CSS that makes 95-character code lines fit is
``_static/lossbook.css``). A screenshot of every page at that size is saved under
``_build/screenshots/`` for a human to look at. Then, as a reader would: the synced
"PyTorch | Keras" tabs are clicked (the choice must follow to the next page and survive a
reload), and the search box is given framework class names (the first result must open the
section of the loss).

Without Playwright or Chromium the browser tests skip, except when ``CI=true``: there they fail.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading

import _browser
import pytest
from conftest import ROOT
from list_notebooks import toc_pages

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen
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
    with _browser.launched("the rendered-book browser tests") as chromium:
        yield chromium


def test_every_toc_page_was_built():
    missing = [str(page) for page in PAGES if not (HTML / page).is_file()]
    assert not missing, f"pages of _toc.yml missing from the built book: {missing}"


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES, ids=[str(p) for p in PAGES])
def test_page_renders(browser, server, page_path):
    page = browser.new_page(viewport=VIEWPORT)
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

    math = _wait_for_math(page)
    if math:
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


def _wait_for_math(page) -> int:
    """Wait until MathJax has typeset the page (formulas change the layout); the formula count."""
    math = page.evaluate("document.querySelectorAll('span.math, div.math').length")
    if math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=15_000)
        page.evaluate("() => MathJax.startup.promise")
    return math


# What a reader would have to scroll sideways: code (cells, Markdown code blocks, doctests),
# outputs (text, tables, HTML) and displayed formulas. Inline formulas are not boxes of their own.
# An element "scrolls" when its content is wider than its box; a wider page body counts as well.
SIDEWAYS = r"""() => {
  const article = document.querySelector('article');
  if (!article) return {blocks: [], page: false};
  const selector = ['div.highlight pre', '.cell_input pre', '.cell_output pre', '.cell_output .output',
                    '.cell_output table', '.pst-scrollable-table-container', 'table',
                    'div.math', 'mjx-container[display="true"]'].join(', ');
  const blocks = [...article.querySelectorAll(selector)]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => {
      const kind = el.closest('.cell_input') ? 'code cell'
                 : el.closest('.cell_output') ? 'output'
                 : el.closest('.math, mjx-container') ? 'formula' : 'code block';
      const lines = (el.innerText || el.textContent).split('\n')
                      .sort((a, b) => b.length - a.length);
      return `${kind} ${el.scrollWidth}px in ${el.clientWidth}px: ${lines[0].trim().slice(0, 100)}`;
    });
  const root = document.scrollingElement;
  return {blocks, page: root.scrollWidth > root.clientWidth + 1};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES, ids=[str(p) for p in PAGES])
def test_nothing_scrolls_sideways(browser, server, page_path):
    """In a 1366x768 window no code block, output or displayed formula is wider than the page."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server}/{page_path.as_posix()}", wait_until="load")
    _wait_for_math(page)
    found = page.evaluate(SIDEWAYS)
    page.close()
    problems = list(dict.fromkeys(found["blocks"]))  # one line per distinct block
    if found["page"]:
        problems.append("the page itself is wider than the window")
    assert not problems, (
        f"{page_path}: {len(found['blocks'])} block(s) scroll sideways at "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}; the first: {problems[0]}\n  "
        + "\n  ".join(problems[1:6]))


# Synced "PyTorch | Keras" tabs (_ext/lossbook_tabs.py): the pages that have them, in toc order.
TAB_PAGES = [page for page in PAGES if (HTML / page).is_file()
             and "lossbook-framework-tabs" in (HTML / page).read_text()]
SHOWN = r"""() => [...document.querySelectorAll('.lossbook-framework-tabs')].map(set => {
  const shown = [...set.querySelectorAll(':scope > .sd-tab-content')]
                  .filter(panel => panel.offsetParent !== null);
  const checked = set.querySelector(':scope > input:checked + label');
  return {label: checked ? checked.innerText.trim() : null, panels: shown.length,
          code: shown.length ? shown[0].querySelectorAll('.cell_input').length : 0};
})"""


def test_framework_tabs_exist_on_at_least_two_pages():
    """The sync across pages needs two pages with tabs; the traps appendix has three."""
    assert len(TAB_PAGES) >= 2, f"pages with PyTorch | Keras tabs: {TAB_PAGES}"


@pytest.mark.browser
def test_framework_tabs_hold_code_and_outputs_and_stay_synced(browser, server):
    """Both tabs with the code of each on every page that has tabs, the outputs inside them;
    choosing Keras once shows Keras everywhere on the page, on the next page with tabs, and
    after a reload."""
    context = browser.new_context(viewport=VIEWPORT)  # fresh localStorage: no stored choice
    page = context.new_page()
    with_outputs = []
    for tab_page in TAB_PAGES:
        page.goto(f"{server}/{tab_page.as_posix()}", wait_until="load")
        structure = page.evaluate(
            r"""() => [...document.querySelectorAll('.lossbook-framework-tabs')].map(set => ({
              labels: [...set.querySelectorAll(':scope > label')].map(l => l.innerText.trim()),
              panels: [...set.querySelectorAll(':scope > .sd-tab-content')].map(p => ({
                code: p.querySelectorAll('.cell_input').length,
                outputs: p.querySelectorAll('.cell_output .output').length}))}))""")
        assert structure, f"{tab_page}: no tab set"
        for tab_set in structure:
            assert tab_set["labels"] == ["PyTorch", "Keras"], (tab_page, tab_set)
            assert all(panel["code"] == 1 for panel in tab_set["panels"]), \
                f"{tab_page}: a tab without its code: {tab_set}"
        # a cell may print nothing, but the outputs that exist sit inside the tabs
        if any(all(panel["outputs"] >= 1 for panel in tab_set["panels"])
               for tab_set in structure):
            with_outputs.append(tab_page)
    assert with_outputs, "no tab set shows the outputs of both of its cells inside the tabs"
    first = with_outputs[0]
    second = next(p for p in TAB_PAGES if p != first)
    page.close()
    context.close()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{server}/{first.as_posix()}", wait_until="load")
    assert all(s == {"label": "PyTorch", "panels": 1, "code": 1} for s in page.evaluate(SHOWN))

    page.locator(".lossbook-framework-tabs > label", has_text="Keras").first.click()
    shown = page.evaluate(SHOWN)
    assert all(s == {"label": "Keras", "panels": 1, "code": 1} for s in shown), \
        f"{first}: choosing Keras in the first tab set did not switch every tab set: {shown}"

    page.goto(f"{server}/{second.as_posix()}", wait_until="load")
    shown = page.evaluate(SHOWN)
    assert shown and all(s["label"] == "Keras" and s["panels"] == 1 for s in shown), \
        f"{second}: the choice of Keras on {first} was not kept: {shown}"
    page.reload(wait_until="load")
    shown = page.evaluate(SHOWN)
    assert shown and all(s["label"] == "Keras" for s in shown), \
        f"{second}: Keras not shown after a reload: {shown}"
    context.close()


# A new reader types a framework's class name into the search box: the first result is the
# section that teaches the loss (the framework-name objects of _ext/lossbook_names.py).
SEARCHES = [("BCEWithLogitsLoss", "book/classification/01_binary_crossentropy.html"),
            ("SparseCategoricalCrossentropy", "book/classification/02_softmax_crossentropy.html"),
            ("HuberLoss", "book/regression/03_huber_logcosh.html")]


@pytest.mark.browser
@pytest.mark.parametrize(("query", "section_page"), SEARCHES, ids=[q for q, _ in SEARCHES])
def test_search_finds_a_loss_by_its_framework_name(browser, server, query, section_page):
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/search.html?q={query}", wait_until="load")
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=30_000)
    href = first.get_attribute("href")
    assert href and section_page in href and "#loss-" in href, \
        f"search for {query!r}: the first result is {href!r}, not a section of {section_page}"
    first.click()
    page.wait_for_load_state("load")
    anchor = href.split("#", 1)[1]
    assert page.url.endswith(f"{section_page}#{anchor}")
    heading = page.evaluate(
        "a => { const el = document.getElementById(a);"
        " const h = el && (el.matches('section') ? el : el.closest('section'));"
        " return h ? h.querySelector('h1, h2, h3').innerText : null; }", anchor)
    assert heading, f"{query}: the anchor #{anchor} is not a section of {section_page}"
    page.close()
    assert not errors, errors
