"""The instructor's commands for the lossbook course, on nbgrader (the Make targets call these).

::

    python tools/course.py release [ASSIGNMENT ...]          # course/release/<a>/<a>.ipynb
    python tools/course.py autograde ASSIGNMENT --submissions DIR [--students a,b] [--timeout S]
    python tools/course.py gradebook [--out course/gradebook.csv]
    python tools/course.py feedback ASSIGNMENT [--students a,b]   # course/feedback/<s>/<a>/*.html
    python tools/course.py time [ASSIGNMENT ...]             # run the solutions, record their time

An assignment is a folder ``course/source/<name>/`` holding ``<name>.ipynb`` (nbgrader's layout);
every command finds a new one by itself. ``--course DIR`` works on another course folder with
the same layout (the round-trip test uses a copy).

``autograde`` takes submissions in nbgrader's layout, ``DIR/<student>/<assignment>/<name>.ipynb``
(what ``nbgrader collect`` or ``zip_collect`` produce), copies them into ``course/submitted/``
and runs ``nbgrader autograde`` once per student, in a process that is stopped after
``--timeout`` seconds per notebook (a cell alone is stopped after ``Execute.timeout``, see
``course/nbgrader_config.py``). Before grading it compares each submission with the release copy
and records what nbgrader will do about it: a file that is not a notebook (not graded), a
deleted test cell (nbgrader puts it back and runs it), cells in another order (graded as they
are), an edited locked cell (nbgrader restores it). ``gradebook`` writes these notes beside the
points. A student named in ``--students`` without a folder is an error naming the folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
LOG = "autograde_log.json"
FIELDS = ("student", "assignment", "question", "points", "max_points", "status", "notes")


class CourseError(RuntimeError):
    """A mistake in the command or the course folder (exit status 2, message on stderr)."""


# ------------------------------------------------------------------------- the course folder


def assignments(course: Path = COURSE) -> list[str]:
    """Every assignment in ``course/source``: a folder ``<name>/`` holding ``<name>.ipynb``."""
    source = course / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file()) \
        if source.is_dir() else []


def _check_names(course: Path, names) -> list[str]:
    known = assignments(course)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(f"no assignment {', '.join(map(repr, unknown))} in {course / 'source'}"
                          f" (known: {', '.join(known) or 'none'})")
    return list(names) or known


def _environment() -> dict:
    """nbgrader runs ``alembic`` from PATH and the kernels import this checkout's lossbook."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # one thread per library: the assignments' tensors are tiny, and on a shared machine
    # torch's default (a thread per core) made a notebook up to 8x slower
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                 "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env.setdefault(name, "1")
    return env


def nbgrader(course: Path, *args: str, timeout: float | None = None,
             log: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course`` (where its ``nbgrader_config.py`` is)."""
    command = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(command, cwd=course, env=_environment(), capture_output=True,
                            text=True, timeout=timeout, start_new_session=True)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr)
    return result


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line and "[AutogradeApp" not in line]
    return (errors or lines or ["no output"])[-1][:300]


# ------------------------------------------------------------------------------- release


def solution_lines(notebook) -> list[str]:
    """The distinctive lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (and of
    hidden tests): what must not appear in a release copy."""
    inside, found, outside = None, [], set()
    markers = {"### BEGIN SOLUTION": "solution", "### BEGIN HIDDEN TESTS": "hidden"}
    for cell in notebook.cells:
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if stripped in markers:
                inside = markers[stripped]
            elif stripped in ("### END SOLUTION", "### END HIDDEN TESTS"):
                inside = None
            elif inside:
                found.append(stripped)
            else:
                outside.add(stripped)
    return [line for line in found if len(line) > 12 and line not in outside]


def release(course: Path, names=()) -> list[Path]:
    """``nbgrader generate_assignment`` for each assignment; the release copies' paths.

    A release copy that still holds a line of a solution or of a hidden test is an error."""
    written = []
    for name in _check_names(course, names):
        result = nbgrader(course, "generate_assignment", name, "--force")
        target = course / "release" / name / f"{name}.ipynb"
        if result.returncode != 0 or not target.is_file():
            raise CourseError(f"nbgrader generate_assignment {name} failed:\n"
                              f"{_last_error(result.stdout + result.stderr)}")
        text = target.read_text()
        leaked = [line for line in solution_lines(nbformat.read(
            course / "source" / name / f"{name}.ipynb", as_version=4)) if line in text]
        if leaked:
            raise CourseError(f"{target} still holds solution lines: {leaked[:3]}")
        print(f"released {target.relative_to(course)}")
        written.append(target)
    return written


# ----------------------------------------------------------------------------- autograde


def _grade_cells(notebook) -> list[tuple[str, dict]]:
    return [(cell.metadata["nbgrader"]["grade_id"], cell.metadata["nbgrader"])
            for cell in notebook.cells if "grade_id" in cell.metadata.get("nbgrader", {})]


def inspect_submission(released: Path, submitted: Path) -> tuple[bool, list[str]]:
    """``(gradable, notes)``: how a submission differs from its release copy, in the terms of
    what nbgrader does about it."""
    try:
        student = nbformat.read(submitted, as_version=4)
    except Exception as error:  # any unreadable file: nbgrader cannot grade it either
        return False, [f"{submitted.name} is not a notebook ({type(error).__name__}): not graded"]
    original = dict(_grade_cells(nbformat.read(released, as_version=4)))
    order = [grade_id for grade_id, _ in _grade_cells(student) if grade_id in original]
    notes = []
    missing = [g for g in original if g not in order]
    if missing:
        notes.append("cells deleted: " + ", ".join(missing) + " (nbgrader put the test cells "
                     "back and ran them; a deleted answer earns nothing)")
    if order != [g for g in original if g in order]:
        notes.append("cells reordered (graded in the submitted order)")
    sources = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nbformat.read(
        released, as_version=4).cells if "grade_id" in cell.metadata.get("nbgrader", {})}
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id in original and original[grade_id].get("locked") and \
                cell.source != sources[grade_id]:
            notes.append(f"locked cell {grade_id} edited (nbgrader restored the original)")
    return True, notes


def _students(submissions: Path, name: str, students) -> list[str]:
    if students:
        missing = [s for s in students if not (submissions / s / name).is_dir()]
        if missing:
            raise CourseError("no submission folder for " + ", ".join(
                f"student {s!r} ({submissions / s / name} does not exist)" for s in missing))
        return list(students)
    found = sorted(p.name for p in submissions.iterdir() if p.is_dir()) \
        if submissions.is_dir() else []
    without = [s for s in found if not (submissions / s / name).is_dir()]
    if not found or without:
        raise CourseError(f"no folder {name}/ in " + (", ".join(
            str(submissions / s) for s in without) or f"{submissions} (no student folders)"))
    return found


def _read_log(course: Path) -> dict:
    path = course / LOG
    return json.loads(path.read_text()) if path.is_file() else {}


def autograde(course: Path, name: str, submissions: Path, students=(),
              timeout: float = 600) -> dict:
    """Grade every student's submission of ``name``; returns ``{student: record}`` (also
    stored in ``course/autograde_log.json`` for :func:`gradebook`)."""
    _check_names(course, [name])
    released = course / "release" / name / f"{name}.ipynb"
    if not released.is_file():
        raise CourseError(f"{released} does not exist: run `python tools/course.py release "
                          f"{name}` first")
    submissions = Path(submissions).resolve()
    notebook_names = sorted(p.name for p in (course / "release" / name).glob("*.ipynb"))
    log = _read_log(course)
    records = log.setdefault(name, {})
    for student in _students(submissions, name, students):
        target = course / "submitted" / student / name
        if submissions != (course / "submitted").resolve():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(submissions / student / name, target)
        gradable, notes = True, []
        for notebook in notebook_names:
            if not (target / notebook).is_file():
                gradable, notes = False, notes + [f"{notebook} missing: not graded"]
                continue
            ok, found = inspect_submission(course / "release" / name / notebook, target / notebook)
            gradable, notes = gradable and ok, notes + found
        record = {"status": "graded", "notes": notes, "seconds": 0.0}
        if gradable:
            start = time.monotonic()
            limit = timeout * max(1, len(notebook_names)) + 60
            try:
                result = nbgrader(course, "autograde", name, "--student", student, "--force",
                                  f"--Execute.timeout={int(timeout)}", timeout=limit,
                                  log=course / "logs" / name / f"{student}.log")
                if result.returncode != 0:
                    record.update(status="not graded", notes=notes + [
                        "nbgrader failed: " + _last_error(result.stdout + result.stderr)])
            except subprocess.TimeoutExpired:
                record.update(status="not graded",
                              notes=notes + [f"stopped after {limit:g} s (the time limit)"])
            record["seconds"] = round(time.monotonic() - start, 1)
        else:
            record["status"] = "not graded"
        records[student] = record
        print(f"{name} / {student}: {record['status']}"
              + (f" ({'; '.join(record['notes'])})" if record["notes"] else ""))
    (course / LOG).write_text(json.dumps(log, indent=1, sort_keys=True))
    return records


# ----------------------------------------------------------------------------- gradebook


def _number(value) -> str:
    return "" if value is None else f"{float(value):g}"


def gradebook(course: Path, out: Path | None = None) -> list[dict]:
    """One row per student, assignment and question (CSV columns :data:`FIELDS`)."""
    from nbgrader.api import Gradebook, MissingEntry

    log, rows = _read_log(course), []
    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url) as book:
        for name in assignments(course):
            source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
            questions = [(g, float(meta["points"])) for g, meta in _grade_cells(source)
                         if meta.get("grade")]
            for student in sorted(log.get(name, {})):
                record = log[name][student]
                notes = "; ".join(record["notes"])
                grades = {}
                if record["status"] == "graded":
                    try:
                        submission = book.find_submission(name, student)
                        grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
                    except MissingEntry:
                        record = {**record, "status": "not graded"}
                for question, points in questions:
                    grade = grades.get(question)
                    if grade is None:
                        score, status = 0.0, record["status"] if record["status"] != "graded" \
                            else "not graded"
                    elif grade.score is None or grade.needs_manual_grade:
                        score, status = grade.score, "needs manual grading"
                    else:
                        score = grade.score
                        status = "manually graded" if grade.manual_score is not None \
                            else "autograded"
                    rows.append({"student": student, "assignment": name, "question": question,
                                 "points": _number(score) if status != "needs manual grading"
                                 else "", "max_points": _number(points), "status": status,
                                 "notes": notes})
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {out} ({len(rows)} rows)")
    return rows


# ------------------------------------------------------------------------------ feedback


def feedback(course: Path, name: str, students=()) -> list[Path]:
    """``nbgrader generate_feedback``: one HTML page per student and notebook."""
    _check_names(course, [name])
    graded = sorted(s for s, r in _read_log(course).get(name, {}).items()
                    if r["status"] == "graded")
    missing = [s for s in students if s not in graded]
    if missing:
        raise CourseError(f"no graded submission of {name} for " + ", ".join(map(repr, missing)))
    pages, chosen = [], list(students) or graded
    # one nbgrader run for the whole class (--student takes one name, or every student)
    result = nbgrader(course, "generate_feedback", name, "--force",
                      *(["--student", chosen[0]] if len(chosen) == 1 else []))
    for student in chosen:
        found = sorted((course / "feedback" / student / name).glob("*.html"))
        if result.returncode != 0 or not found:
            raise CourseError(f"nbgrader generate_feedback {name} for {student!r} failed:\n"
                              f"{_last_error(result.stdout + result.stderr)}")
        pages += found
        print(f"feedback {', '.join(str(p.relative_to(course)) for p in found)}")
    return pages


# ---------------------------------------------------------------------------------- time


def time_solutions(course: Path, names=()) -> dict:
    """Run each instructor notebook (the full solution) once and record in its metadata how
    long it took, on how many cores and under what load: the course guide shows it."""
    from nbclient import NotebookClient

    times = {}
    for name in _check_names(course, names):
        path = course / "source" / name / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        executed = nbformat.reads(nbformat.writes(notebook), as_version=4)
        start = time.monotonic()
        NotebookClient(executed, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = round(time.monotonic() - start, 1)
        notebook.metadata["lossbook"] = {"solution_run": {
            "seconds": seconds, "cores": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 1),
            "how": "python tools/course.py time (nbclient, a fresh kernel, every cell)"}}
        nbformat.write(notebook, path)
        times[name] = seconds
        print(f"{name}: the solution runs in {seconds:g} s")
    return times


# ----------------------------------------------------------------------------------- CLI


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=COURSE, help="the course folder")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("release", help="student copies in course/release/")
    command.add_argument("assignments", nargs="*")
    command = commands.add_parser("autograde", help="grade a folder of submissions")
    command.add_argument("assignment")
    command.add_argument("--submissions", type=Path, required=True,
                         help="DIR/<student>/<assignment>/<notebook>.ipynb")
    command.add_argument("--students", default="", help="comma-separated; default: every folder")
    command.add_argument("--timeout", type=float, default=600, help="seconds per notebook")
    command = commands.add_parser("gradebook", help="the grades as CSV")
    command.add_argument("--out", type=Path, default=None, help="default: course/gradebook.csv")
    command = commands.add_parser("feedback", help="per-student feedback HTML")
    command.add_argument("assignment")
    command.add_argument("--students", default="")
    command = commands.add_parser("time", help="time the solutions, record it in the notebooks")
    command.add_argument("assignments", nargs="*")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    students = [s for s in getattr(args, "students", "").split(",") if s]
    try:
        if args.command == "release":
            release(course, args.assignments)
        elif args.command == "autograde":
            autograde(course, args.assignment, args.submissions, students, args.timeout)
        elif args.command == "gradebook":
            gradebook(course, args.out or course / "gradebook.csv")
        elif args.command == "feedback":
            feedback(course, args.assignment, students)
        else:
            time_solutions(course, args.assignments)
    except CourseError as error:
        print(f"course.py: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
