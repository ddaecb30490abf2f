"""Write the student copies of the course assignments (``make assignments``).

For every instructor notebook ``assignments/<name>.ipynb`` this writes
``_build/assignments/<name>.ipynb`` in which (nbgrader's conventions):

- code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is replaced by
  ``raise NotImplementedError("Implement this")`` at the marker's indentation; the lines
  before the marker (a ``def`` line, a docstring, given set-up) and after it are kept;
- in a markdown cell, the text between those markers becomes ``YOUR ANSWER HERE``;
- lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed;
- markdown between ``=== BEGIN MARK SCHEME ===`` and ``=== END MARK SCHEME ===`` is removed;
- every output and execution count is cleared.

An unbalanced or nested marker is an error naming the notebook and the cell; nothing is
written for that notebook. Usage::

    python tools/make_assignments.py [NOTEBOOK ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
STUB = 'raise NotImplementedError("Implement this")'
ANSWER = "YOUR ANSWER HERE"

# (name, begin pattern, end pattern); a marker is a whole line, whatever its indentation
BLOCKS = {
    "solution": (r"^\s*#+\s*BEGIN SOLUTION\s*$", r"^\s*#+\s*END SOLUTION\s*$"),
    "hidden tests": (r"^\s*#+\s*BEGIN HIDDEN TESTS\s*$", r"^\s*#+\s*END HIDDEN TESTS\s*$"),
    "mark scheme": (r"^\s*=+\s*BEGIN MARK SCHEME\s*=+\s*$", r"^\s*=+\s*END MARK SCHEME\s*=+\s*$"),
}
LEFTOVERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|HIDDEN TESTS|MARK SCHEME")


class MarkerError(ValueError):
    """An unbalanced, nested or misplaced marker in an instructor notebook."""


def _match(line: str) -> tuple[str, str] | None:
    """``(block, "begin"|"end")`` if ``line`` is a marker."""
    for block, (begin, end) in BLOCKS.items():
        if re.match(begin, line):
            return block, "begin"
        if re.match(end, line):
            return block, "end"
    return None


def strip_cell(source: str, cell_type: str, where: str) -> tuple[str, dict]:
    """The student version of one cell's source, and how many blocks of each kind it removed."""
    kept, removed = [], {block: 0 for block in BLOCKS}
    open_block, open_line = None, 0
    for number, line in enumerate(source.split("\n"), start=1):
        marker = _match(line)
        if marker is None:
            if open_block is None:
                kept.append(line)
            continue
        block, side = marker
        if side == "begin":
            if open_block is not None:
                raise MarkerError(f"{where}, line {number}: '{line.strip()}' inside the "
                                  f"{open_block} block opened on line {open_line}")
            if block == "mark scheme" and cell_type != "markdown":
                raise MarkerError(f"{where}, line {number}: a mark scheme belongs in a markdown cell")
            open_block, open_line = block, number
            if block == "solution":
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(ANSWER if cell_type == "markdown" else indent + STUB)
        else:
            if open_block != block:
                raise MarkerError(f"{where}, line {number}: '{line.strip()}' without a matching "
                                  f"BEGIN" + (f" (the open block is {open_block})" if open_block else ""))
            removed[block] += 1
            open_block = None
    if open_block is not None:
        raise MarkerError(f"{where}: the {open_block} block opened on line {open_line} is never closed")
    return "\n".join(kept).rstrip("\n"), removed


def student_copy(notebook, name: str = "notebook"):
    """The student copy of an instructor notebook (a new ``NotebookNode``) and the counts removed."""
    student = nbformat.reads(nbformat.writes(notebook), as_version=4)
    totals = {block: 0 for block in BLOCKS}
    for index, cell in enumerate(student.cells):
        where = f"{name}, cell {index} ({cell.cell_type})"
        cell.source, removed = strip_cell(cell.source, cell.cell_type, where)
        for block, count in removed.items():
            totals[block] += count
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
        leftover = LEFTOVERS.search(cell.source)
        if leftover:
            raise MarkerError(f"{where}: '{leftover.group()}' is left in the student copy "
                              "(a marker must be a line of its own)")
    return student, totals


def make(paths, out_dir: Path) -> list[Path]:
    """Write the student copy of each notebook in ``paths`` to ``out_dir``; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        path = Path(path)
        notebook = nbformat.read(path, as_version=4)
        student, totals = student_copy(notebook, name=str(path))
        target = out_dir / path.name
        nbformat.write(student, target)
        summary = ", ".join(f"{count} {block}" for block, count in totals.items() if count)
        print(f"wrote {target} ({summary or 'no markers'} removed)")
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="instructor notebooks (default: assignments/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "assignments",
                        help="output folder (default: _build/assignments)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "assignments").glob("*.ipynb"))
    if not paths:
        print("no notebooks in assignments/", file=sys.stderr)
        return 1
    try:
        make(paths, args.out)
    except MarkerError as error:
        print(f"make_assignments: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
