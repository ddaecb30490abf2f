"""Layer 5 of the tests: interactive use, in JupyterLab, in a real browser.

``make test-lab`` starts JupyterLab the way ``make lab`` does (``tools/jupyter`` on
``JUPYTER_CONFIG_PATH``, ``--allow-root``), opens a chapter in headless Chromium, runs all its
cells from the Run menu, and fails on an error or stderr output, a traceback, a browser console
error, the news prompt, or an ipywidgets slider that does not render. Then it moves the δ slider
of the chapter's widget cell with the keyboard and checks that the figure was redrawn. That cell
is hidden in the book and skipped by nbval (tags ``remove-cell``, ``skip-execution``), so this
is the only test that runs it.

The server gets a loopback port, a token, and temporary config, data, runtime, settings and
workspace directories, and serves a temporary copy of the notebook, so nothing is written to
``book/`` or to your own Jupyter configuration. Without Playwright or Chromium the test skips
outside CI and fails when ``CI=true``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import _browser
import pytest
from conftest import ROOT

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # reported by the browser fixture: a skip outside CI, a failure in CI
    PlaywrightTimeout = None

NOTEBOOK = "book/regression/03_huber_logcosh.ipynb"
NOTIFICATIONS = "@jupyterlab/apputils-extension:notification"   # the news prompt's settings
SCREENSHOT = ROOT / "_build" / "screenshots" / "lab_failure.png"   # of a failed run
WIDGET_CELL = "widgets.interact("       # the source of the (hidden, untested elsewhere) widget cell
SLIDER_KEY = "ArrowRight"               # FloatLogSlider step 0.05 in log10: δ 1.00 → 1.12 → …
SLIDER_PRESSES = 3                      # δ = 10**0.15 = 1.41
START_TIMEOUT = 90          # s: server start on a loaded machine
RUN_ALL_TIMEOUT = 120_000   # ms: every cell of the notebook (about 15 s on two idle cores)
UI_TIMEOUT = 60_000         # ms: the lab's page, the kernel, a widget redraw
CODE_CELLS = ".jp-Notebook .jp-CodeCell"
ERRORS = (".jp-OutputArea-output[data-mime-type*=error], "
          ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, token: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 serving a copy of NOTEBOOK; yields (base URL, token, log)."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    (root / NOTEBOOK).parent.mkdir(parents=True)
    shutil.copy2(ROOT / NOTEBOOK, root / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    # conftest.py's MPLBACKEND=Agg would hide every figure of the kernel; the lab of a student
    # has neither it nor TF_CPP_MIN_LOG_LEVEL.
    env.pop("MPLBACKEND", None)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    env.update({
        "JUPYTER_CONFIG_PATH": str(ROOT / "tools" / "jupyter"),   # what `make lab` uses
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
    })
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
    ]
    log_path = tmp / "server.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                if _request(f"{base}/api/status", token)[0] == 200:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT} s:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield base, token, log_path
    finally:
        try:  # a clean shutdown also shuts the kernels down
            _request(f"{base}/api/shutdown", token, method="POST")
            server.wait(timeout=30)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def browser():
    with _browser.launched("the JupyterLab browser test") as chromium:
        yield chromium


def _code_cells() -> int:
    cells = json.loads((ROOT / NOTEBOOK).read_text())["cells"]
    return sum(cell["cell_type"] == "code" for cell in cells)


def _figure(widget) -> str:
    """The PNG (data URL) that the widget's output shows now."""
    image = widget.locator(".widget-output img")
    image.first.wait_for(state="visible", timeout=UI_TIMEOUT)
    return image.first.get_attribute("src") or ""


@pytest.mark.browser
def test_notebook_runs_and_its_widget_redraws(browser, lab):
    base, token, log_path = lab
    _, body = _request(f"{base}/lab/api/settings/{NOTIFICATIONS}", token)
    defaults = {key: value.get("default")
                for key, value in json.loads(body)["schema"]["properties"].items()}
    assert (defaults["fetchNews"], defaults["checkForUpdates"]) == ("false", False), (
        f"tools/jupyter/labconfig is not applied: {NOTIFICATIONS} defaults {defaults}")
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(UI_TIMEOUT)
    page.on("console", lambda msg: msg.type == "error" and problems.append(
        f"console error: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
        indicator = ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator"
        page.locator(f"{indicator}[data-status=idle]").wait_for()   # the kernel is up
        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n",
                               arg=[CODE_CELLS, _code_cells()])   # every cell is shown

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # Done: the kernel is idle, nothing is queued, and every code cell has an execution
        # count, or a cell failed (Run All stops there).
        page.wait_for_function(
            """([n, errors]) => {
                 const prompts = [...document.querySelectorAll(
                     '.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
                     .map(p => p.textContent.trim());
                 const status = document.querySelector(
                     '.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
                 return status && status.dataset.status === 'idle'
                     && !prompts.some(p => p.includes('*'))
                     && ((prompts.length === n && prompts.every(p => /^\\[\\d+\\]:$/.test(p)))
                         || document.querySelector(errors) !== null);
               }""",
            arg=[_code_cells(), ERRORS], timeout=RUN_ALL_TIMEOUT, polling=500)
        prompts = page.locator(f"{CODE_CELLS} .jp-InputArea-prompt").all_text_contents()
        not_run = [i for i, p in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", p.strip())]
        if not_run:
            problems.append(f"code cells not run (0-based, of {len(prompts)}): {not_run}")
        for output in page.locator(ERRORS).all():
            problems.append(f"error output: {output.text_content()[:300]!r}")
        text = page.locator(".jp-Notebook").text_content()
        if "Traceback (most recent call last)" in text:
            problems.append("a traceback in the notebook")
        if "official Jupyter news" in page.locator("body").text_content():
            problems.append("the news prompt is shown (tools/jupyter/labconfig is not applied)")
        assert not problems, "\n  ".join([f"{NOTEBOOK}, Run All Cells:", *problems])

        cell = page.locator(CODE_CELLS).filter(has_text=WIDGET_CELL)
        assert cell.count() == 1, f"no code cell with {WIDGET_CELL!r} in {NOTEBOOK}"
        widget = cell.locator(".widget-interact")
        try:
            widget.wait_for(state="attached")
        except PlaywrightTimeout:
            pytest.fail("the δ widget did not render (is jupyterlab_widgets installed?); its "
                        f"output shows {cell.locator('.jp-OutputArea').text_content()[:200]!r}")
        widget.scroll_into_view_if_needed()
        slider = widget.locator(".widget-slider")
        slider.locator(".noUi-handle").wait_for(state="visible")
        readout = slider.locator(".widget-readout")
        before, before_delta = _figure(widget), readout.text_content().strip()
        assert before.startswith("data:image/png"), f"the widget shows no PNG figure: {before[:80]!r}"

        slider.locator(".noUi-handle").focus()
        for _ in range(SLIDER_PRESSES):
            page.keyboard.press(SLIDER_KEY)
        try:
            page.wait_for_function(
                "([el, old]) => el.textContent.trim() !== old",
                arg=[readout.element_handle(), before_delta], timeout=UI_TIMEOUT)
        except PlaywrightTimeout:
            pytest.fail(f"{SLIDER_PRESSES} x {SLIDER_KEY} did not move the δ slider "
                        f"(it shows {before_delta})")
        after_delta = readout.text_content().strip()
        try:  # the figure is redrawn for every step; a new PNG is enough
            page.wait_for_function(
                """([widget, old]) => {
                     const img = widget.querySelector('.widget-output img');
                     return img && img.src !== old && img.complete && img.naturalWidth > 0;
                   }""",
                arg=[widget.element_handle(), before], timeout=UI_TIMEOUT)
        except PlaywrightTimeout:
            pytest.fail(f"moving the δ slider from {before_delta} to {after_delta} did not "
                        f"change the figure within {UI_TIMEOUT // 1000} s")
        page.wait_for_function(
            "(s) => s.dataset.status === 'idle'",
            arg=page.locator(indicator).element_handle(), timeout=UI_TIMEOUT)
        after = _figure(widget)
        assert float(after_delta) > float(before_delta), (before_delta, after_delta)
        assert after != before, "moving the δ slider did not change the figure"
        for output in page.locator(ERRORS).all():
            problems.append(f"error output after moving the slider: {output.text_content()[:300]!r}")
    except BaseException:  # also pytest.fail: keep a screenshot and the server's log
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        print(f"screenshot: {SCREENSHOT}\nproblems so far: {problems}\nJupyterLab's log:\n"
              f"{log_path.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        page.close()
    assert not problems, "\n  ".join([f"{NOTEBOOK}, the δ widget:", *problems])
