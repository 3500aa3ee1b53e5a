r"""What the exercise test files share: the checks every checker must pass, and the notebooks.

Each ``tests/test_exercises*.py`` file tests the checkers of one or two chapters. They all
ask the same of a checker (a stub is "not attempted yet", every registered mistake gets its
own message, a function that returns None is told so) and read their notebooks the same
way (the Python blocks of the ``{solution}`` dropdowns, the markdown, the headings). Those
steps live here, once.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from gradlab.exercises import Feedback

ROOT = Path(__file__).resolve().parent.parent

NOT_ATTEMPTED = ("not attempted yet: replace `raise NotImplementedError` with your code and "
                 "run this cell again.")
RETURNS_NONE = "not yet right: your function returns None: did you forget `return`?"

SOLUTION = re.compile(r"^(:{3,})\{solution\}.*?\n(.*?)^\1\s*$", re.DOTALL | re.MULTILINE)
PYTHON = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


# ------------------------------------------------------------------ feedback

def assert_well_formed(feedback: Feedback) -> None:
    text = str(feedback)
    assert 1 <= len(text.splitlines()) <= 3, text
    assert "0x" not in text, text  # no memory addresses
    assert repr(feedback) == text


def feedback_text(checker, fn) -> str:
    r"""The checker's feedback on ``fn`` as text, after checking that it is well formed."""
    feedback = checker(fn)
    assert_well_formed(feedback)
    return str(feedback)


def stub(*args):
    r"""An exercise as the student receives it."""
    raise NotImplementedError("Exercise")


def assert_not_attempted(checker) -> None:
    feedback = checker(stub)
    assert not feedback
    assert str(feedback) == NOT_ATTEMPTED


def assert_rejected_with(checker, wrong, phrase: str) -> str:
    r"""``wrong`` is "not yet right", with ``phrase`` in the message; returns the message."""
    feedback = checker(wrong)
    assert_well_formed(feedback)
    assert not feedback
    text = str(feedback)
    assert text.startswith("not yet right: "), text
    assert phrase in text, text
    return text


def assert_each_mistake_gets_its_message(checker, mistakes, minimum: int) -> None:
    r"""At least ``minimum`` registered mistakes, each answered with its own message."""
    assert len(mistakes) >= minimum
    for mistake in mistakes:
        feedback = checker(mistake.wrong)
        assert_well_formed(feedback)
        assert not feedback
        assert str(feedback) == f"not yet right: {mistake.message}", mistake.wrong.__name__


# ------------------------------------------------------------------ notebooks

def solution_blocks(path: str) -> list[str]:
    r"""The Python code blocks inside the ``{solution}`` dropdowns of a notebook, in order."""
    notebook = nbformat.read(ROOT / path, as_version=4)
    blocks = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for solution in SOLUTION.finditer(cell.source):
                blocks += PYTHON.findall(solution.group(2))
    return blocks


def run_solutions(path: str, namespace: dict, checkers: dict) -> list[str]:
    r"""Run a notebook's solutions in order, as a student would, checking each function defined.

    ``namespace`` holds what the notebook's setup cell imports; ``checkers`` maps a function
    name to its checker. Every function a solution block (re)defines must pass its checker.
    Returns the names checked, in order (a name twice when two solutions define it).
    """
    checked = []
    for code in solution_blocks(path):
        defined_before = dict(namespace)
        exec(code, namespace)  # noqa: S102 - our own notebook's solution code
        for name, checker in checkers.items():
            if name in namespace and namespace[name] is not defined_before.get(name):
                feedback = checker(namespace[name])
                assert feedback, f"{path}: the solution of {name} fails: {feedback}"
                checked.append(name)
    return checked


def markdown(path: str) -> str:
    notebook = nbformat.read(ROOT / path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def headings(path: str) -> list[str]:
    r"""The section headings of a notebook, without the leading #'s and without $ signs."""
    return [line.lstrip("#").strip().replace("$", "")
            for line in markdown(path).splitlines() if line.startswith("#")]
