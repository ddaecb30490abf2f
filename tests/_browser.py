"""What the two browser tests share: headless Chromium's flags and finding Debian's chromium.

Outside CI a missing browser (or Playwright) skips with the reason; under ``CI=true`` it fails,
so a CI machine without Chromium cannot pass by skipping.
"""

from __future__ import annotations

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
