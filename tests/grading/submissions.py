r"""Submissions for the grading tests: an honest one, a stub, a mistake, the tampers.

Each tamper is code a student could put in the answer cell of exercise 1.1 (after the
untouched stub, or in place of it) to make a plain test cell pass without an answer.
``PLAIN_CELLS`` are the two plain test cells they fool: the checker cell of the
exercise notebook turned into an assertion, and the same after importing the checker
again.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

ASSIGNMENT = "01_softmax_jacobian"
EXERCISE = "answer-ex01-softmax"  # the answer cell the variants change

PLAIN_CELLS = {
    "plain": "assert check_softmax(softmax)",
    "plain, re-imported": ("from gradlab.exercises import check_softmax\n"
                           "assert check_softmax(softmax)"),
}

# A registered mistake of exercise 1.1: no maximum subtracted, so exp overflows.
MISTAKE = '''\
def softmax(z):
    exps = np.exp(z)
    return exps / np.sum(exps, axis=-1, keepdims=True)
'''

TAMPERS = {
    "rebinds-check": '''
check_softmax = lambda fn: True
''',
    "rebinds-attribute": '''
import gradlab.exercises
gradlab.exercises.check_softmax = lambda fn: True
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
_fake.check_softmax = lambda fn: True
sys.modules["gradlab.exercises"] = _fake
''',
    "own-feedback-class": '''
class Feedback:
    def __bool__(self):
        return True

def check_softmax(fn):
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


def variant(base: dict, answer: str) -> dict:
    r"""``base`` with the answer cell of exercise 1.1 replaced by ``answer``."""
    notebook = copy.deepcopy(base)
    cell(notebook, EXERCISE)["source"] = answer
    return notebook


def submissions(source: dict, release: dict) -> dict[str, dict]:
    r"""Student id -> submitted notebook. Tampers keep 1.1 a stub, solve 1.2, 1.3."""
    correct = solved(source)
    stub_11 = text(cell(release, EXERCISE))
    found = {"correct": correct, "stub": copy.deepcopy(release),
             "mistake": variant(correct, MISTAKE)}
    for name, tamper in TAMPERS.items():
        start = "" if name == "calls-reference" else stub_11 + "\n"
        found[name] = variant(correct, start + tamper)
    return found


def write(notebook: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path
