"""The book's pages as listed in ``_toc.yml``; run as a script it prints the notebooks.

Used by ``make test-chapters`` (nbval runs exactly the notebooks of the table of contents), by
``tests/test_notebooks.py`` and by ``bench/bench_notebooks.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _files(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += _files(value)
    elif isinstance(node, list):
        for item in node:
            found += _files(item)
    return found


def toc_pages(root: Path = ROOT) -> list[Path]:
    """Every page of ``_toc.yml`` as a path to its ``.ipynb`` or ``.md`` file, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = []
    for name in _files(toc):
        matches = [root / (name + ext) for ext in ("", ".ipynb", ".md") if (root / (name + ext)).is_file()]
        if not matches:
            raise FileNotFoundError(f"_toc.yml lists {name!r}, but no such .ipynb or .md file exists")
        pages.append(matches[0])
    return pages


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks (``.ipynb``) of the table of contents, in book order."""
    return [page for page in toc_pages(root) if page.suffix == ".ipynb"]


if __name__ == "__main__":
    sys.stdout.write("\n".join(str(p.relative_to(ROOT)) for p in toc_notebooks()) + "\n")
