"""What the two browser tests share: headless Chromium's flags and finding Debian's chromium.

Outside CI a missing browser (or Playwright) skips with the reason; under ``CI=true`` it fails,
so a CI machine without Chromium cannot pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def unavailable(reason: str, what: str):
    """Skip with ``reason`` outside CI; fail under ``CI=true`` (``what`` must run there)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: {what} must run)", pytrace=False)
    pytest.skip(reason)


def chromium(what: str) -> str:
    """The path of Debian's chromium, or :func:`unavailable`."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    unavailable("Chromium is not installed: `apt-get install chromium` (.ci/run does it)", what)


@contextlib.contextmanager
def launched(what: str):
    """Headless Chromium through Playwright, closed afterwards; :func:`unavailable` without
    Playwright or Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (it is in requirements.txt)", what)
    executable = chromium(what)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
