"""The course round trip on nbgrader: release -> submitted -> autograde -> gradebook CSV -> feedback.

A simulated class hands in the Regression assignment: a full solution, a partly right one (the
source articles' Huber constants, τ swapped in the torch pinball loss, a Keras log-cosh that
returns one value per element), the untouched release copy, and one that calls the
frameworks' and lossbook's ready-made losses. Bad input goes through a tiny NumPy-only
assignment (fast): a file that is not a notebook, a deleted test cell, reordered cells, an
edited locked cell, a student without a folder. Run with ``tools/course.py``, as an instructor
would, on a copy of ``course/``.
"""

from __future__ import annotations

import csv
import re
import shutil
import time

import nbformat
import pytest
from conftest import ROOT

import course as cli

pytestmark = pytest.mark.slow

SOURCE = ROOT / "course" / "source"

# ------------------------------------------------------------------ the students' answers

HUBER_SOURCES = """\
    r = y_true - y_pred
    return {m}.mean({m}.where({m}.abs(r) <= delta, 0.5 * delta**2 * r**2,
                             delta * ({m}.abs(r) - delta)))"""

PARTLY_RIGHT = {  # Ben: what he changed, cell by cell (grade_id -> body of the function)
    "huber_torch": HUBER_SOURCES.format(m="torch"),
    "huber_keras": HUBER_SOURCES.format(m="ops"),
    "log_cosh_keras": "    r = ops.abs(y_pred - y_true)\n"
                      "    return r + ops.log1p(ops.exp(-2.0 * r)) - math.log(2.0)",
    "pinball_torch": "    r = y_true - y_pred\n"
                     "    return torch.mean(torch.maximum((1 - tau) * r, -tau * r))",
}
BUILT_INS = {  # Dan: the ready-made losses, each spelled differently
    "huber_torch": "    return torch.nn.functional.huber_loss(y_pred, y_true, delta=delta)",
    "huber_keras": "    return keras.losses.Huber(delta=delta)(y_true, y_pred)",
    "log_cosh_torch": "    return lb.torch.LogCoshLoss()(y_pred, y_true)",
    "log_cosh_keras": "    return keras.losses.log_cosh(y_true, y_pred)",
    "pinball_torch": "    return lb.torch.quantile(y_pred, y_true, tau=tau)",
    "pinball_keras": "    return lb.keras.Quantile(tau=tau)(y_true, y_pred)",
}
ANSWER = "The noise grows with x, so the quantile lines spread apart; MSE fits the mean only."

# exact points per question (None: a written answer, needs manual grading)
EXPECTED = {
    "ada": {"check_huber_torch": 3, "check_huber_keras": 2, "check_log_cosh_torch": 3,
            "check_log_cosh_keras": 2, "check_pinball_torch": 2, "check_pinball_keras": 2,
            "check_band": 4, "answer_width": None, "check_width_ratio": 1},
    "ben": {"check_huber_torch": 0, "check_huber_keras": 0, "check_log_cosh_torch": 3,
            "check_log_cosh_keras": 0, "check_pinball_torch": 0, "check_pinball_keras": 2,
            "check_band": 4, "answer_width": None, "check_width_ratio": 1},
    "cleo": {"check_huber_torch": 0, "check_huber_keras": 0, "check_log_cosh_torch": 0,
             "check_log_cosh_keras": 0, "check_pinball_torch": 0, "check_pinball_keras": 0,
             "check_band": 0, "answer_width": 0, "check_width_ratio": 0},
    "dan": {"check_huber_torch": 0, "check_huber_keras": 0, "check_log_cosh_torch": 0,
            "check_log_cosh_keras": 0, "check_pinball_torch": 0, "check_pinball_keras": 0,
            "check_band": 4, "answer_width": None, "check_width_ratio": 1},
}

MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def _solved(release, source):
    """The release copy with every solution cell filled in from the instructor's notebook."""
    notebook = nbformat.reads(nbformat.writes(release), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            text = answers[grade_id].split("=== BEGIN MARK SCHEME ===")[0]
            cell.source = "\n".join(line for line in text.split("\n") if not MARKERS.match(line))
    return notebook


def _replace_bodies(notebook, bodies, answer=ANSWER):
    """Swap the bodies of the named solution functions (keeping their def lines)."""
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in bodies:
            head = cell.source.split('"""', 2)
            cell.source = '"""'.join(head[:2]) + '"""\n' + bodies[grade_id]
        elif grade_id == "answer_width":
            cell.source = f"**Your answer:**\n\n{answer}"
    return notebook


# ------------------------------------------------------------------------ the tiny course

MINI_CELLS = [
    ("markdown", "# Mini assignment (3 points)", None),
    ("code", "import lossbook as lb\nimport numpy as np", None),
    ("code", "def mse(y_true, y_pred):\n    ### BEGIN SOLUTION\n"
             "    return np.mean((y_true - y_pred) ** 2)\n    ### END SOLUTION",
     {"grade": False, "grade_id": "mse", "locked": False, "solution": True}),
    ("code", 'lb.exercises.check("mse", mse, framework="numpy").assert_passed()',
     {"grade": True, "grade_id": "check_mse", "locked": True, "points": 2, "solution": False}),
    ("code", "def mae(y_true, y_pred):\n    ### BEGIN SOLUTION\n"
             "    return np.mean(np.abs(y_true - y_pred))\n    ### END SOLUTION",
     {"grade": False, "grade_id": "mae", "locked": False, "solution": True}),
    ("code", 'lb.exercises.check("mae", mae, framework="numpy").assert_passed()',
     {"grade": True, "grade_id": "check_mae", "locked": True, "points": 1, "solution": False}),
]


def _mini_notebook():
    cells = []
    for kind, source, meta in MINI_CELLS:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(
            source)
        if meta:
            cell.metadata["nbgrader"] = {**meta, "schema_version": 3, "task": False}
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def _copy(notebook):
    return nbformat.reads(nbformat.writes(notebook), as_version=4)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Everything the instructor does, once; what it produced."""
    start = time.monotonic()
    base = tmp_path_factory.mktemp("course")
    course, inbox = base / "course", base / "inbox"
    (course / "source").mkdir(parents=True)
    shutil.copy(ROOT / "course" / "nbgrader_config.py", course)
    shutil.copytree(SOURCE / "regression", course / "source" / "regression")
    (course / "source" / "mini").mkdir()
    nbformat.write(_mini_notebook(), course / "source" / "mini" / "mini.ipynb")

    assert cli.main(["--course", str(course), "release"]) == 0
    release = nbformat.read(course / "release" / "regression" / "regression.ipynb", as_version=4)
    source = nbformat.read(SOURCE / "regression" / "regression.ipynb", as_version=4)
    solved = _solved(release, source)
    students = {"ada": solved, "ben": _replace_bodies(_copy(solved), PARTLY_RIGHT),
                "cleo": _copy(release), "dan": _replace_bodies(_copy(solved), BUILT_INS)}
    for student, notebook in students.items():
        (inbox / student / "regression").mkdir(parents=True)
        nbformat.write(notebook, inbox / student / "regression" / "regression.ipynb")

    mini_release = nbformat.read(course / "release" / "mini" / "mini.ipynb", as_version=4)
    mini_solved = _solved(mini_release, _mini_notebook())
    deleted = _copy(mini_solved)
    del deleted.cells[3]  # check_mse
    reordered = _copy(mini_solved)
    reordered.cells = [reordered.cells[i] for i in (0, 1, 4, 5, 2, 3)]
    edited = _copy(mini_solved)
    edited.cells[2].source = "def mse(y_true, y_pred):\n    return 0.0"
    edited.cells[3].source = 'print("passed")'
    for student, notebook in {"deleted": deleted, "reordered": reordered,
                              "edited": edited}.items():
        (inbox / student / "mini").mkdir(parents=True)
        nbformat.write(notebook, inbox / student / "mini" / "mini.ipynb")
    (inbox / "garbage" / "mini").mkdir(parents=True)
    (inbox / "garbage" / "mini" / "mini.ipynb").write_text("my answers are in the email")

    assert cli.main(["--course", str(course), "autograde", "regression", "--submissions",
                     str(inbox), "--students", "ada,ben,cleo,dan", "--timeout", "300"]) == 0
    assert cli.main(["--course", str(course), "autograde", "mini", "--submissions",
                     str(inbox), "--students", "deleted,reordered,edited,garbage"]) == 0
    csv_path = course / "gradebook.csv"
    assert cli.main(["--course", str(course), "gradebook", "--out", str(csv_path)]) == 0
    assert cli.main(["--course", str(course), "feedback", "regression"]) == 0
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    print(f"\nthe round trip took {time.monotonic() - start:.0f} s")
    return {"course": course, "inbox": inbox, "rows": rows, "release": release,
            "source": source}


def _points(rows, assignment):
    table = {}
    for row in rows:
        if row["assignment"] == assignment:
            value = None if row["points"] == "" else float(row["points"])
            table.setdefault(row["student"], {})[row["question"]] = value
    return table


def test_each_student_earns_exactly_the_expected_points(graded):
    assert _points(graded["rows"], "regression") == EXPECTED
    max_points = {r["question"]: float(r["max_points"]) for r in graded["rows"]
                  if r["assignment"] == "regression"}
    assert sum(max_points.values()) == 20
    statuses = {(r["student"], r["question"]): r["status"] for r in graded["rows"]}
    assert statuses[("ada", "answer_width")] == "needs manual grading"
    assert statuses[("cleo", "answer_width")] == "autograded"  # left blank: 0, as nbgrader does
    assert statuses[("ada", "check_band")] == "autograded"


def test_the_gradebook_holds_every_student_and_question(graded):
    rows = graded["rows"]
    assert list(rows[0]) == list(cli.FIELDS)
    for assignment, students in (("regression", {"ada", "ben", "cleo", "dan"}),
                                 ("mini", {"deleted", "reordered", "edited", "garbage"})):
        found = {(r["student"], r["question"]) for r in rows if r["assignment"] == assignment}
        questions = {q for _, q in found}
        assert {s for s, _ in found} == students
        assert found == {(s, q) for s in students for q in questions}


def test_no_solution_in_any_release_copy(graded):
    course = graded["course"]
    for name in ("regression", "mini"):
        text = (course / "release" / name / f"{name}.ipynb").read_text()
        source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
        lines = cli.solution_lines(source)
        assert len(lines) >= (10 if name == "regression" else 2)
        assert not [line for line in lines if line in text]
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "MARK SCHEME", "delta=0.25",
                       "0.5 point"):
            assert marker not in text
    release = graded["release"]
    assert "def huber_torch(y_true, y_pred, delta=1.0):" in "".join(c.source for c in
                                                                   release.cells)
    assert len(release.cells) == len(graded["source"].cells)


def test_bad_input_is_flagged_and_reported(graded):
    points = _points(graded["rows"], "mini")
    notes = {r["student"]: r["notes"] for r in graded["rows"] if r["assignment"] == "mini"}
    status = {r["student"]: r["status"] for r in graded["rows"] if r["assignment"] == "mini"}
    # a deleted test cell is put back by nbgrader and run
    assert points["deleted"] == {"check_mse": 2, "check_mae": 1}
    assert "cells deleted: check_mse" in notes["deleted"]
    assert points["reordered"] == {"check_mse": 2, "check_mae": 1}
    assert "cells reordered" in notes["reordered"]
    # the edited locked cell is restored: the wrong mse fails its real check
    assert points["edited"] == {"check_mse": 0, "check_mae": 1}
    assert "locked cell check_mse edited" in notes["edited"]
    assert points["garbage"] == {"check_mse": 0, "check_mae": 0}
    assert status["garbage"] == "not graded" and "is not a notebook" in notes["garbage"]


def test_feedback_pages_explain_without_giving_away(graded):
    course = graded["course"]
    pages = {s: (course / "feedback" / s / "regression" / "regression.html").read_text()
             for s in EXPECTED}
    assert "ready-made implementation" in pages["dan"]
    assert "copied in several source articles" in pages["ben"]
    assert "have you implemented it yet?" in pages["cleo"]
    for page in pages.values():
        assert "HIDDEN TESTS" not in page and "most recent call last" not in page
    assert "delta=0.25" not in pages["ada"]  # the hidden checks' code and passing reports


def test_a_missing_student_folder_is_a_clear_error(graded, capsys):
    code = cli.main(["--course", str(graded["course"]), "autograde", "regression",
                     "--submissions", str(graded["inbox"]), "--students", "ada,zoe"])
    assert code == 2
    error = capsys.readouterr().err
    assert "student 'zoe'" in error and str(graded["inbox"] / "zoe" / "regression") in error
