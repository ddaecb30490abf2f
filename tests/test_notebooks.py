"""Layer 2 of the tests, static part: the notebooks are well-formed book pages.

The book build executes them (``make test-book``; ``make test-chapters`` runs them under
nbval); here we check what execution cannot: every notebook in book/ is in the table of
contents, none is committed with outputs, each starts with ``import lossbook as lb`` / ``lb.setup()``, and none downloads anything.
"""

import json
import re

import pytest
from conftest import ROOT
from list_notebooks import toc_notebooks, toc_pages

BOOK_NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
ALL_NOTEBOOKS = BOOK_NOTEBOOKS + sorted((ROOT / "course" / "source").glob("*/*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_the_toc_lists_existing_pages():
    pages = toc_pages()
    assert pages, "_toc.yml lists no page"
    assert len(pages) == len(set(pages)), "a page is listed twice in _toc.yml"


def test_every_book_notebook_is_in_the_toc():
    listed = set(toc_notebooks())
    missing = [str(p.relative_to(ROOT)) for p in BOOK_NOTEBOOKS if p not in listed]
    assert not missing, f"notebooks in book/ but not in _toc.yml: {missing}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_committed_without_outputs(path):
    dirty = [i for i, cell in enumerate(_cells(path))
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs; clear them before committing"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_starts_with_setup(path):
    first = next(cell for cell in _cells(path) if cell["cell_type"] == "code")
    source = "".join(first["source"])
    assert "import lossbook as lb" in source and re.search(r"\blb\.setup\(", source), (
        f"{path.name}: the first code cell must be `import lossbook as lb` and `env = lb.setup()`"
    )


DOWNLOADS = re.compile(r"urlopen|requests\.get|wget |curl |load_dataset|\.datasets\.|download=True|get_file\(")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_downloads_nothing_and_hardcodes_no_device(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert not DOWNLOADS.search(source), f"{path.name}, cell {i}: downloads data; use lossbook.data"
        assert not re.search(r"""["']cuda["']|\.cuda\(\)|["']mps["']""", source), (
            f"{path.name}, cell {i}: hard-codes a device; use env.torch_device"
        )


MAX_CODE_LINE = 95  # what a code cell of the rendered book shows without scrolling


def _code_lines(cell):
    """The code a cell shows: a code cell's lines, or the fenced blocks of a Markdown cell
    (solutions in dropdowns)."""
    lines = "".join(cell["source"]).splitlines()
    if cell["cell_type"] == "code":
        return lines
    code, inside = [], False
    for line in lines:
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            code.append(line)
    return code


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_code_lines_fit_the_page(path):
    long = [(i, len(line)) for i, cell in enumerate(_cells(path)) for line in _code_lines(cell)
            if len(line) > MAX_CODE_LINE]
    assert not long, f"{path.name}: (cell, length) of code lines over {MAX_CODE_LINE}: {long}"
