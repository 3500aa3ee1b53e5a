r"""End to end with nbgrader 0.9.6, offline: release, grade nine submissions, read.

Runs ``python -m gradlab.grading`` with the grading environment's interpreter
(``GRADING_PYTHON``, by default ``.grading-venv/bin/python``; ``make grading-venv``
builds it). Every exercise notebook is released into a temporary course directory;
every source notebook must pass ``nbgrader validate`` and no released notebook may
contain solution text. Then assignment 01 is graded for a correct student (handed in
as a learning-management system's zip download), a stub, a registered mistake and one
student per tamper, and the scores and feedback are checked exactly.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gradlab.exercises import check_softmax_vjp

from . import submissions as subs
from .test_convert import NOTEBOOKS, ROOT

GRADING_PYTHON = Path(os.environ.get("GRADING_PYTHON",
                                     ROOT / ".grading-venv" / "bin" / "python"))
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def _grading(*args: str) -> str:
    if not GRADING_PYTHON.exists():
        pytest.fail(f"no grading environment at {GRADING_PYTHON}: run `make "
                    f"grading-venv` (or set GRADING_PYTHON to a Python with "
                    f"nbgrader and gradlab)")
    done = subprocess.run([str(GRADING_PYTHON), "-m", "gradlab.grading", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading") / "course"
    started = time.perf_counter()
    _grading("--course", str(root), "release", "--no-validate")
    print(f"\nrelease of {len(NOTEBOOKS)} notebooks: "
          f"{time.perf_counter() - started:.1f} s")
    return root


def test_every_source_notebook_passes_nbgrader_validate(course):
    sources = sorted((course / "source").glob("*/*.ipynb"))
    assert [path.stem for path in sources] == [path.stem for path in NOTEBOOKS]
    done = subprocess.run([str(GRADING_PYTHON), "-m", "nbgrader", "validate",
                           *map(str, sources)], cwd=course, capture_output=True,
                          text=True, timeout=1800,
                          env={**os.environ, "PATH": f"{GRADING_PYTHON.parent}:"
                                                     f"{os.environ['PATH']}"})
    output = done.stdout + done.stderr
    assert output.count("Success! Your notebook passes all the tests.") == len(sources), \
        output


def _words(text: str) -> str:
    return " ".join(text.split())


def _solution_text(notebook: dict) -> tuple[list[str], list[str]]:
    r"""Code lines and prose sentences found only in the solution blocks."""
    given, solutions = [], []
    for cell in notebook["cells"]:
        body = subs.text(cell)
        (solutions if re.match(r":{3,}\{solution\}", body) else given).append(body)
    elsewhere = "\n".join(given)
    code, prose = [], []
    for block in solutions:
        for fence in FENCE.findall(block):
            code += [line.strip() for line in fence.splitlines()
                     if len(line.strip()) >= 8 and not line.strip().startswith("def ")
                     and line.strip() not in elsewhere]
        text = FENCE.sub(" ", block)
        text = re.sub(r"^(:{3,}.*|:class:.*)$", " ", text, flags=re.M)
        prose += [sentence for sentence in re.split(r"(?<=[.:;])\s+", _words(text))
                  if len(sentence) >= 25]
    return code, prose


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_released_notebooks_hold_no_solution_text(course, path):
    code, prose = _solution_text(json.loads(path.read_text(encoding="utf-8")))
    assert code and prose
    released = json.loads((course / "release" / path.stem / path.name).read_text())
    text = "\n".join(subs.text(cell) for cell in released["cells"])
    words = _words(text)
    assert [line for line in code if line in text] == []
    assert [sentence for sentence in prose if sentence in words] == []
    # the same search finds the code in the source notebook, which has the solutions
    source = (course / "source" / path.stem / path.name).read_text()
    assert any(json.dumps(line)[1:-1] in source for line in code)


def _html_text(path: Path) -> str:
    return _words(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text())))


def test_grading_nine_submissions(course, tmp_path):
    name = subs.ASSIGNMENT
    source = json.loads((course / "source" / name / f"{name}.ipynb").read_text())
    release = json.loads((course / "release" / name / f"{name}.ipynb").read_text())
    students = subs.submissions(source, release)
    folder = tmp_path / "submissions"
    for student, notebook in students.items():
        if student != "correct":
            subs.write(notebook, folder / student / name / f"{name}.ipynb")
    with zipfile.ZipFile(folder / "lms-download.zip", "w") as archive:
        archive.writestr(f"correct_4711_88_{name}.ipynb", json.dumps(students["correct"]))
    started = time.perf_counter()
    output = _grading("--course", str(course), "grade", str(folder))
    seconds = time.perf_counter() - started
    print(f"\n{output}grading {len(students)} submissions: {seconds:.1f} s, "
          f"{seconds / len(students):.1f} s per submission")
    grades = (course / "grades.csv").read_text()
    print(grades)

    rows = list(csv.DictReader(grades.splitlines()))
    scores = {row["student_id"]: (row["assignment"], float(row["score"]),
                                  float(row["max_score"])) for row in rows}
    expected = {student: (name, sum(subs.expected_scores(student)), 3.0)
                for student in students}
    assert len(rows) == len(expected) and scores == expected

    per_exercise = {row["student"]: [float(row[test]) for test in subs.TESTS]
                    for row in csv.DictReader((course / "exercises.csv").open())}
    assert per_exercise == {student: subs.expected_scores(student)
                            for student in students}

    feedback = {path.parent.parent.name: path for path in
                (course / "feedback").glob(f"*/{name}/{name}.html")}
    assert sorted(feedback) == sorted(students)
    namespace = {"np": np}
    exec(subs.MISTAKE, namespace)
    verdict = check_softmax_vjp(namespace["softmax_vjp"])
    assert not verdict and "axis 0" in str(verdict)
    assert _words(str(verdict)) in _html_text(feedback["mistake"])
    assert _words(str(verdict)) not in _html_text(feedback["correct"])
    assert ("your function calls gradlab.softmax.softmax, gradlab's own code for this"
            in _html_text(feedback["calls-reference"]))

    flagged = {row["student"] for row in csv.DictReader((course / "flagged.csv").open())}
    assert flagged == set(subs.TAMPERS)
