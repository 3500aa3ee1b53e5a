r"""Submissions for the grading tests: an honest one, a stub, a mistake, the tampers.

Each tamper is code a student could put in an answer cell (after the untouched stub,
or in place of it) to make a plain test cell pass without an answer: in exercise 1.3,
whose answer no other exercise uses, except the call of the library's softmax, in 1.1
(1.2 may use it). The mistake is in 1.3 too. ``PLAIN_CELLS`` are the two plain test
cells they fool: the checker cell of the exercise notebook turned into an assertion,
and the same after importing the checker again.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

ASSIGNMENT = "01_softmax_jacobian"
# exercise -> (its answer cell, its test cell, its function)
EXERCISES = {"1.1": ("answer-ex01-softmax", "test-ex01-softmax", "softmax"),
             "1.3": ("answer-ex01-vjp", "test-ex01-vjp", "softmax_vjp")}
TESTS = ["test-ex01-softmax", "test-ex01-jacobian", "test-ex01-vjp"]

PLAIN_CELLS = {
    "plain": "assert check_{0}({0})",
    "plain, re-imported": ("from gradlab.exercises import check_{0}\n"
                           "assert check_{0}({0})"),
}

# A registered mistake of exercise 1.3: the dot products summed down the batch.
MISTAKE = '''\
def softmax_vjp(dout, s):
    dot = np.sum(dout * s, axis=0, keepdims=True)
    return s * (dout - dot)
'''
TARGETS = {"mistake": "1.3", "calls-reference": "1.1"}  # all other tampers: 1.3

TAMPERS = {
    "rebinds-check": '''
check_softmax_vjp = lambda fn: True
''',
    "rebinds-attribute": '''
import gradlab.exercises
gradlab.exercises.check_softmax_vjp = lambda fn: True
''',
    "patches-bool": '''
from gradlab.exercises import Feedback
Feedback.__bool__ = lambda self: True
''',
    "replaces-module": '''
import sys
import types

_fake = types.ModuleType("gradlab.exercises")
_fake.__dict__.update(vars(sys.modules["gradlab.exercises"]))
_fake.check_softmax_vjp = lambda fn: True
sys.modules["gradlab.exercises"] = _fake
''',
    "own-feedback-class": '''
class Feedback:
    def __bool__(self):
        return True

def check_softmax_vjp(fn):
    return Feedback()
''',
    "calls-reference": '''
from gradlab.softmax import softmax as library_softmax

def softmax(z):
    return library_softmax(z)
''',
}


def text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def cell(notebook: dict, grade_id: str) -> dict:
    for found in notebook["cells"]:
        if found["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return found
    raise KeyError(f"grade_id: no cell {grade_id!r}")


def solved(source: dict) -> dict:
    r"""The source notebook with its solution markers removed: a correct student."""
    notebook = copy.deepcopy(source)
    for found in notebook["cells"]:
        if found["metadata"].get("nbgrader", {}).get("solution"):
            lines = text(found).splitlines(keepends=True)
            found["source"] = "".join(line for line in lines
                                      if not re.match(r"\s*### (BEGIN|END) SOLUTION",
                                                      line))
    return notebook


def target(student: str) -> str:
    return TARGETS.get(student, "1.3")


def variant(base: dict, exercise: str, answer: str) -> dict:
    r"""``base`` with the answer cell of ``exercise`` replaced by ``answer``."""
    notebook = copy.deepcopy(base)
    cell(notebook, EXERCISES[exercise][0])["source"] = answer
    return notebook


def submissions(source: dict, release: dict) -> dict[str, dict]:
    r"""Student id -> submitted notebook; tampers keep the stub of their exercise."""
    correct = solved(source)
    found = {"correct": correct, "stub": copy.deepcopy(release),
             "mistake": variant(correct, "1.3", MISTAKE)}
    for name, tamper in TAMPERS.items():
        exercise = target(name)
        stub = text(cell(release, EXERCISES[exercise][0]))
        start = "" if name == "calls-reference" else stub + "\n"
        found[name] = variant(correct, exercise, start + tamper)
    return found


def expected_scores(student: str) -> list[float]:
    r"""The score of each test cell (TESTS) that the grading must give ``student``."""
    if student in ("correct", "stub"):
        return [float(student == "correct")] * len(TESTS)
    failed = EXERCISES[target(student)][1]
    return [0.0 if test == failed else 1.0 for test in TESTS]


def write(notebook: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path
