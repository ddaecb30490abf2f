"""The course assignments (``course/source/<name>/<name>.ipynb``): real nbgrader metadata,
points that add up, mark schemes that nbgrader strips, release copies without solutions.

Every assignment dropped into ``course/source/<name>/`` is found and checked; the round trip
through autograding is ``tests/test_course.py``.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from conftest import ROOT

import course as cli

ASSIGNMENTS = cli.assignments()
PATHS = [ROOT / "course" / "source" / name / f"{name}.ipynb" for name in ASSIGNMENTS]
IDS = [p.name for p in PATHS]
KEYS = {"grade", "grade_id", "locked", "schema_version", "solution", "task"}


def _nbgrader_cells(notebook):
    return [c for c in notebook.cells if "nbgrader" in c.metadata]


def _points(text: str) -> float:
    return sum(float(n) for n in re.findall(r"(\d+(?:\.\d+)?)", text))


def test_the_course_has_its_assignments():
    assert {"regression", "classification"} <= set(ASSIGNMENTS)
    assert all(path.is_file() for path in PATHS)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_cell_metadata_is_real_nbgrader_metadata(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].source == "import lossbook as lb\nenv = lb.setup()"
    assert all(not c.outputs and c.execution_count is None for c in code), "commit without outputs"
    cells = _nbgrader_cells(notebook)
    ids = [c.metadata.nbgrader.grade_id for c in cells]
    assert len(ids) == len(set(ids)), "grade_id must be unique"
    for cell in cells:
        meta = cell.metadata.nbgrader
        assert KEYS <= set(meta) and meta.schema_version == 3, (meta.grade_id, meta)
        marked = "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        assert meta.solution == marked, f"{meta.grade_id}: solution cells and markers go together"
        if meta.grade:
            assert meta.points > 0, meta.grade_id
        if cell.cell_type == "code" and meta.grade:  # an autograded test
            assert meta.locked and not meta.solution, meta.grade_id
            # every check fails the cell when it fails; the visible one prints its report
            # (an expression's value would be read by nbgrader as a partial-credit score)
            calls = cell.source.count("lb.exercises.check(")
            assert calls == cell.source.count(".assert_passed()"), meta.grade_id
            last = [line for line in cell.source.split("\n") if line.strip()
                    and not line.startswith(("#", " ", ")"))][-1]
            assert not last.startswith("lb."), f"{meta.grade_id}: print(...) or `_ =` it"
        if cell.cell_type == "markdown" and meta.grade:  # a written answer, graded by hand
            assert meta.solution and not meta.locked, meta.grade_id
    marker_cells = [c for c in notebook.cells if "### BEGIN SOLUTION" in c.source
                    or "### BEGIN HIDDEN TESTS" in c.source or "MARK SCHEME" in c.source]
    assert all("nbgrader" in c.metadata for c in marker_cells), "a marker outside nbgrader cells"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_points_add_up(path):
    """The header's total, each part's heading and each mark scheme equal the metadata."""
    notebook = nbformat.read(path, as_version=4)
    graded = [c for c in _nbgrader_cells(notebook) if c.metadata.nbgrader.grade]
    total = sum(c.metadata.nbgrader.points for c in graded)
    header = re.search(r"\*\*Points:\*\*\s*(\d+)", notebook.cells[0].source)
    assert header and float(header.group(1)) == total
    part, parts = None, {}
    for cell in notebook.cells:
        heading = re.match(r"## Part (\d+) .*\(([\d +.]+) points?\)", cell.source)
        if cell.cell_type == "markdown" and heading:
            part = heading.group(1)
            parts[part] = [_points(heading.group(2)), 0.0]
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert part is not None, f"{meta['grade_id']} comes before the first part"
            parts[part][1] += meta["points"]
        scheme = re.search(r"=== BEGIN MARK SCHEME ===(.*?)=== END MARK SCHEME ===",
                           cell.source, re.S)
        if scheme:
            said = sum(float(n) for n in re.findall(r"(\d+(?:\.\d+)?) points?\b",
                                                    scheme.group(1)))
            assert said == meta.get("points"), f"{meta.get('grade_id')}: mark scheme {said}"
            # nbgrader strips a mark scheme only in a task cell; inside the solution block the
            # solution's removal takes it along (see course/README.md)
            assert cell.source.index("=== END MARK SCHEME ===") < cell.source.index(
                "### END SOLUTION")
    assert parts and all(said == counted for said, counted in parts.values()), parts


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_solution_run_time_is_recorded(path):
    run = nbformat.read(path, as_version=4).metadata.get("lossbook", {}).get("solution_run")
    assert run, f"run `python tools/course.py time {path.stem}` to record the solution's time"
    assert run["seconds"] > 0 and run["cores"] >= 1 and "tools/course.py time" in run["how"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_nbgrader_releases_it_without_solutions(name, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "course" / "source" / name, course / "source" / name)
    shutil.copy(ROOT / "course" / "nbgrader_config.py", course)
    [release] = cli.release(course, [name])
    source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    student = nbformat.read(release, as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    assert len(cli.solution_lines(source)) > 10
    assert not [line for line in cli.solution_lines(source) if line in text]
    for marker in ("SOLUTION", "HIDDEN TESTS", "MARK SCHEME"):
        assert marker not in text
    assert len(student.cells) == len(source.cells)
    stubs = text.count("raise NotImplementedError()")
    code_solutions = [c for c in _nbgrader_cells(source)
                      if c.metadata.nbgrader.solution and c.cell_type == "code"]
    # every solution block becomes a stub (a cell may hold two: a Keras Loss's call and
    # get_config)
    assert code_solutions and stubs == sum(c.source.count("### BEGIN SOLUTION")
                                           for c in code_solutions)
    definitions = [line for cell in source.cells if cell.cell_type == "code"
                   for line in cell.source.split("\n") if line.startswith("def ")]
    assert definitions and all(line in text for line in definitions)
    assert all(c.metadata.nbgrader.get("checksum") for c in _nbgrader_cells(student)
               if c.metadata.nbgrader.get("locked"))


def test_unknown_assignment_is_an_error_naming_it(tmp_path, capsys):
    assert cli.main(["--course", str(ROOT / "course"), "release", "nonesuch"]) == 2
    assert "no assignment 'nonesuch'" in capsys.readouterr().err
