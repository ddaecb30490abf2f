"""The course assignments: instructor copies are well formed; student copies hold no solution."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "assignments").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("make_assignments", ROOT / "tools" / "make_assignments.py")
make_assignments = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_assignments)

BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")


def _solution_lines(notebook) -> list[str]:
    """The distinctive lines of the solutions: inside the markers and nowhere else."""
    inside_lines, outside_lines, inside = [], set(), False
    for cell in notebook.cells:
        for line in cell.source.split("\n"):
            if BEGIN.match(line) or END.match(line):
                inside = bool(BEGIN.match(line))
            elif inside:
                inside_lines.append(line.strip())
            else:
                outside_lines.add(line.strip())
    return [line for line in inside_lines if len(line) > 12 and line not in outside_lines]


def _check_cells(notebook) -> list[int]:
    return [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and "lb.exercises.check(" in c.source]


def test_there_is_an_assignment():
    assert {"regression.ipynb", "classification.ipynb"} <= {path.name for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_instructor_copy_is_well_formed(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].source == "import lossbook as lb\nenv = lb.setup()"
    assert all(not c.outputs and c.execution_count is None for c in code), "commit without outputs"
    assert "points" in notebook.cells[0].source.lower()
    # every solution is followed by a check that fails the run when the solution is wrong
    for index in _check_cells(notebook):
        for line in notebook.cells[index].source.split("\n"):
            if "lb.exercises.check(" in line:
                assert line.rstrip().endswith(".assert_passed()") or "strict=True" in line, line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_contains_no_solution(path):
    instructor = nbformat.read(path, as_version=4)
    student, removed = make_assignments.student_copy(instructor, name=path.name)
    solutions = _solution_lines(instructor)
    assert len(solutions) > 10 and removed["solution"] >= 6
    text = "\n".join(cell.source for cell in student.cells)
    for line in solutions:
        assert line not in text, line
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME", "delta=0.25",
                   "temperature=7.0"):
        assert marker not in text
    stubs = text.count('raise NotImplementedError("Implement this")')
    assert stubs == removed["solution"] - text.count("YOUR ANSWER HERE")
    assert len(student.cells) == len(instructor.cells)
    # the def lines, the docstrings and the checks stay
    definitions = [line for cell in instructor.cells if cell.cell_type == "code"
                   for line in cell.source.split("\n") if line.startswith("def ")]
    assert definitions and all(line in text for line in definitions)
    if path.name == "regression.ipynb":
        assert 'def huber_torch(y_true, y_pred, delta=1.0):' in text
    assert len(_check_cells(student)) == len(_check_cells(instructor))


def test_solution_is_replaced_at_its_indentation():
    source = ("def f(x):\n    \"\"\"Doc.\"\"\"\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n"
              "    ### END SOLUTION\n\nprint(f(1))")
    student, removed = make_assignments.strip_cell(source, "code", "nb, cell 0")
    assert student == ('def f(x):\n    """Doc."""\n    y = 1\n'
                       '    raise NotImplementedError("Implement this")\n\nprint(f(1))')
    assert removed["solution"] == 1


def test_hidden_tests_and_mark_schemes_are_removed():
    code = "check()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nprint('ok')"
    assert make_assignments.strip_cell(code, "code", "nb")[0] == "check()\nprint('ok')"
    text = "Answer:\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n=== BEGIN MARK SCHEME ===\n1 pt\n=== END MARK SCHEME ==="
    assert make_assignments.strip_cell(text, "markdown", "nb")[0] == "Answer:\nYOUR ANSWER HERE"


@pytest.mark.parametrize("source, message", [
    pytest.param("### BEGIN SOLUTION\nx = 1", "never closed", id="unclosed"),
    pytest.param("x = 1\n### END SOLUTION", "without a matching BEGIN", id="end-without-begin"),
    pytest.param("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION",
                 "inside the solution block", id="nested"),
    pytest.param("### BEGIN SOLUTION\n### END HIDDEN TESTS", "without a matching BEGIN", id="mismatched"),
    pytest.param("x = 1  # BEGIN SOLUTION", "left in the student copy", id="not-own-line"),
])
def test_unbalanced_markers_name_notebook_and_cell(source, message):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("intro"),
                                               nbformat.v4.new_code_cell(source)])
    with pytest.raises(make_assignments.MarkerError, match=message) as error:
        make_assignments.student_copy(notebook, name="broken.ipynb")
    assert "broken.ipynb, cell 1 (code)" in str(error.value)


def test_main_writes_student_copies(tmp_path, capsys):
    assert make_assignments.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in NOTEBOOKS]
    assert "wrote" in capsys.readouterr().out
    student = nbformat.read(tmp_path / "regression.ipynb", as_version=4)
    assert all(not c.outputs for c in student.cells if c.cell_type == "code")


def test_main_reports_a_broken_notebook(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION")]),
                   broken)
    assert make_assignments.main([str(broken), "--out", str(tmp_path / "out")]) == 1
    assert "broken.ipynb, cell 0" in capsys.readouterr().err
    assert not (tmp_path / "out" / "broken.ipynb").exists()


@pytest.mark.slow
def test_unsolved_student_copy_reports_clear_failures():
    """Executing the student copy: each check cell fails with the friendly report, no crash."""
    from nbclient import NotebookClient

    path = ROOT / "assignments" / "regression.ipynb"
    student, _ = make_assignments.student_copy(nbformat.read(path, as_version=4))
    NotebookClient(student, timeout=120, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    checks = _check_cells(student)
    assert len(checks) == 6
    for index in checks:
        errors = [o for o in student.cells[index].outputs if o.output_type == "error"]
        assert len(errors) == 1, student.cells[index].source
        assert errors[0].ename == "AssertionError"
        assert "your function raised NotImplementedError: Implement this" in errors[0].evalue
        assert "have you implemented it yet?" in errors[0].evalue
    first = student.cells[1].outputs
    assert not any(o.output_type == "error" or o.get("name") == "stderr" for o in first)
