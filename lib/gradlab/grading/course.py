r"""The nbgrader course directory: release the exercises, grade submissions.

Runs nbgrader's own commands (``generate_assignment``, ``validate``,
``zip_collect``, ``autograde``, ``generate_feedback``, ``export``) in a course
directory, by default ``_build/grading``, with the ``nbgrader`` of the
interpreter that runs this module (``make`` uses the grading environment,
``.grading-venv``). Nothing goes online.

Layout (nbgrader's), in the course directory::

    nbgrader_config.py
    source/<assignment>/<assignment>.ipynb     derived, with solutions
    release/<assignment>/<assignment>.ipynb    what students get
    submitted/<student>/<assignment>/...       collected by `grade`
    feedback/<student>/<assignment>/<assignment>.html
    grades.csv     nbgrader's export: one row per student and assignment
    exercises.csv  the score of every exercise
    flagged.csv    answer cells that touch the grading machinery

An assignment is one exercise notebook, named after it
(``01_softmax_jacobian``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from .convert import convert_file

COURSE_ID = "backprop-by-hand"
# A zip downloaded from a learning-management system holds files named
# "<student>_<anything>_<notebook>.ipynb", perhaps "<notebook>-1.ipynb" for a
# second upload (Canvas's downloads are); override with --zip-regexp.
ZIP_REGEXP = (
    r".*/(?P<student_id>[^/_]+)_[^/]*?(?P<file_id>{notebook})"
    r"(-\d+)?\.ipynb$"
)

CONFIG = '''\
# Written by `python -m gradlab.grading release`; edits are lost on the next
# release.
c = get_config()  # noqa: F821 - provided by nbgrader
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course!r}
c.ClearSolutions.code_stub = {{
    "python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.Execute.timeout = {timeout}
'''

# Answer-cell code that has no business in an answer: flagged for the
# instructor.
SUSPICIOUS = {
    "the checkers": r"\bcheck_\w+|\bFeedback\b",
    "gradlab itself": r"\bgradlab\b",
    "the import system": r"\bsys\b|\bimportlib\b|__import__|\bbuiltins\b",
    "Python's internals": (
        r"__\w+__|\b(set|get|del)attr\b|\b(globals|vars)\("
        r"|\b(exec|eval|compile)\("
    ),
    "numpy itself": r"\b(np|numpy)\.\w+(\.\w+)*\s*=[^=]",
    "the files": r"\bopen\(|\bos\.|\bshutil\b|\bsubprocess\b|\bpathlib\b",
}


class GradingError(RuntimeError):
    r"""A grading step failed; the message says which and how to proceed."""


def nbgrader(course: Path, *args: str) -> str:
    r"""Run ``nbgrader <args>`` in ``course``; return its output, raise on
    failure."""
    command = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs `alembic` from PATH: the one beside this interpreter
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    done = subprocess.run(
        command, cwd=course, capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise GradingError(
            f"`nbgrader {' '.join(args)}` failed in {course}:\n"
            f"{done.stdout}{done.stderr}"
        )
    return done.stdout + done.stderr


def assignments(exercises: Path) -> list[Path]:
    found = sorted(Path(exercises).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise GradingError(
            f"exercises: no notebook named 0N_*.ipynb in {exercises}"
        )
    return found


def write_config(course: Path, timeout: int = 120) -> None:
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(
            root=str(course.resolve()), course=COURSE_ID, timeout=timeout
        ),
        encoding="utf-8",
    )


def release(
    course: Path,
    exercises: Path,
    only: list[str] | None = None,
    validate: bool = True,
) -> list[str]:
    r"""Derive the source notebooks, check them with nbgrader, release them.

    Returns the assignment names. Source and release are rebuilt from the
    exercise notebooks each time; the gradebook of released assignments is kept
    as ``gradebook.release.db`` so that each ``grade`` starts from it.
    """
    course = Path(course).resolve()
    for step in ("source", "release", "gradebook.db", "gradebook.release.db"):
        path = course / step
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    write_config(course)
    names = []
    for notebook in assignments(exercises):
        name = notebook.stem
        if only and name not in only:
            continue
        source = course / "source" / name / notebook.name
        convert_file(notebook, source)
        if validate:
            output = nbgrader(course, "validate", str(source))
            if "Success! Your notebook passes all the tests." not in output:
                raise GradingError(
                    f"the source notebook {source} does not pass "
                    f"`nbgrader validate`:\n{output}"
                )
        nbgrader(course, "generate_assignment", name, "--force")
        names.append(name)
    if not names:
        raise GradingError(f"only: none of {only} is an exercise notebook")
    shutil.copyfile(course / "gradebook.db", course / "gradebook.release.db")
    return names


def _released(course: Path) -> list[str]:
    release_dir = course / "release"
    if (
        not (course / "gradebook.release.db").exists()
        or not release_dir.is_dir()
    ):
        raise GradingError(
            f"nothing released in {course}: run `make grading-release` "
            f"(python -m gradlab.grading release) first"
        )
    return sorted(path.name for path in release_dir.iterdir() if path.is_dir())


def collect(
    course: Path,
    submissions: Path,
    released: list[str],
    zip_regexp: str = ZIP_REGEXP,
) -> list[tuple]:
    r"""Copy ``submissions`` into ``course/submitted``; return (student,
    assignment).

    Folders are ``<student>/<assignment>/<assignment>.ipynb``; every ``*.zip``
    at the top of ``submissions`` goes through ``nbgrader zip_collect`` for
    each released assignment whose notebook it holds.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise GradingError(f"SUBMISSIONS: {submissions} is not a directory")
    submitted = course / "submitted"
    for student in sorted(p for p in submissions.iterdir() if p.is_dir()):
        for name in released:
            notebook = student / name / f"{name}.ipynb"
            if notebook.exists():
                target = submitted / student.name / name / notebook.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(notebook, target)
    zips = sorted(submissions.glob("*.zip"))
    for name in released:
        holding = [
            path
            for path in zips
            if any(
                f"{name}" in member
                for member in zipfile.ZipFile(path).namelist()
            )
        ]
        if not holding:
            continue
        archive = course / "downloaded" / name / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        for path in holding:
            shutil.copyfile(path, archive / path.name)
        regexp = zip_regexp.replace("{notebook}", re.escape(name))
        nbgrader(
            course,
            "zip_collect",
            name,
            "--force",
            f"--FileNameCollectorPlugin.named_regexp={regexp}",
        )
    found = sorted(
        (path.parent.parent.name, path.parent.name)
        for path in submitted.glob("*/*/*.ipynb")
    )
    if not found:
        raise GradingError(
            f"SUBMISSIONS: no notebook in {submissions} laid out as "
            f"<student>/<assignment>/<assignment>.ipynb (assignments: "
            f"{', '.join(released)}) and no zip that holds one"
        )
    return found


def exercise_scores(course: Path) -> list[dict]:
    r"""One row per student and assignment, with the score of every graded
    cell."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                row = {
                    "student": submission.student.id,
                    "assignment": assignment.name,
                }
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        row[grade.name] = grade.score
                row["score"], row["max_score"] = (
                    submission.score,
                    submission.max_score,
                )
                rows.append(row)
    return sorted(rows, key=lambda row: (row["assignment"], row["student"]))


def flag_answers(course: Path) -> list[dict]:
    r"""Answer cells, and cells students added or changed, that touch
    grading."""
    rows = []
    for path in sorted((course / "submitted").glob("*/*/*.ipynb")):
        released = json.loads(
            (course / "release" / path.parent.name / path.name).read_text(
                encoding="utf-8"
            )
        )
        given = {
            _text(cell)
            for cell in released["cells"]
            if cell["cell_type"] == "code"
        }
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            text = _text(cell)
            if (
                cell["cell_type"] != "code"
                or meta.get("locked")
                or (text in given and not meta.get("solution"))
            ):
                continue
            for what, pattern in SUSPICIOUS.items():
                match = re.search(pattern, text)
                if match:
                    rows.append(
                        {
                            "student": path.parent.parent.name,
                            "assignment": path.parent.name,
                            "cell": meta.get("grade_id", "a cell of its own"),
                            "touches": what,
                            "code": match.group(0),
                        }
                    )
    return rows


def _text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _write_csv(path: Path, rows: list[dict], first: list[str]) -> None:
    columns = list(first)
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def grade(
    course: Path, submissions: Path, zip_regexp: str = ZIP_REGEXP
) -> dict:
    r"""Autograde every submission; write grades.csv, exercises.csv,
    flagged.csv.

    Returns what it wrote and how long it took.
    """
    started = time.perf_counter()
    cpu_before = _children_cpu()
    course = Path(course).resolve()
    released = _released(course)
    for step in ("submitted", "autograded", "feedback", "downloaded"):
        shutil.rmtree(course / step, ignore_errors=True)
    shutil.copyfile(course / "gradebook.release.db", course / "gradebook.db")
    found = collect(course, Path(submissions).resolve(), released, zip_regexp)
    for name in sorted({assignment for _, assignment in found}):
        nbgrader(course, "autograde", name, "--force")
        nbgrader(course, "generate_feedback", name, "--force")
    grades = course / "grades.csv"
    graded = sorted({assignment for _, assignment in found})
    nbgrader(
        course,
        "export",
        "--to",
        str(grades),
        *[f"--ExportPlugin.assignment={name}" for name in graded],
    )
    _write_csv(
        course / "exercises.csv",
        exercise_scores(course),
        ["student", "assignment"],
    )
    flagged = flag_answers(course)
    _write_csv(
        course / "flagged.csv",
        flagged,
        ["student", "assignment", "cell", "touches", "code"],
    )
    feedback = sorted((course / "feedback").glob("*/*/*.html"))
    return {
        "submissions": found,
        "grades": grades,
        "exercises": course / "exercises.csv",
        "flagged": flagged,
        "feedback": feedback,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _children_cpu() - cpu_before,
    }


def _children_cpu() -> float:
    r"""CPU seconds of the finished nbgrader runs and their kernels so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
