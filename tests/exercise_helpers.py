r"""What the exercise tests share: the registry's notebooks, their solution
blocks and headings, and the checks every verdict must pass."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from gradlab.exercises import CHAPTERS, check

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = {exercise.name: exercise
             for _, exercises in CHAPTERS.values() for exercise in exercises}
SOLUTION = re.compile(r"^(:{3,})\{solution\}.*?\n(.*?)^\1\s*$",
                      re.DOTALL | re.MULTILINE)
PYTHON = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def notebook(kind: str, number: int):
    r"""The ``"chapters"`` or ``"exercises"`` notebook of a chapter."""
    return nbformat.read(ROOT / kind / f"{CHAPTERS[number][0]}.ipynb",
                         as_version=4)


def markdown(kind: str, number: int) -> str:
    return "\n".join(cell.source for cell in notebook(kind, number).cells
                     if cell.cell_type == "markdown")


def headings(number: int) -> list[str]:
    r"""The chapter's headings, without #'s and $ signs."""
    return [line.lstrip("#").strip().replace("$", "")
            for line in markdown("chapters", number).splitlines()
            if line.startswith("#")]


def is_heading(section: str, number: int) -> bool:
    section = " ".join(section.split())
    return any(heading.startswith(section) for heading in headings(number))


def stub(*args):
    r"""An exercise as the student receives it."""
    raise NotImplementedError("Exercise")


def verdict(name: str, fn) -> str:
    r"""The checker's verdict on ``fn``, after checking it is well formed."""
    feedback = check(EXERCISES[name], fn)
    text = str(feedback)
    assert 1 <= len(text.splitlines()) <= 3, text
    assert "0x" not in text and repr(feedback) == text, text
    assert bool(feedback) == text.startswith("correct: "), text
    return text


_VALUES = re.compile(r"is (\S+) but should be ([^\s(]+)")
_RETURNS = re.compile(r"returns (\S+) but the answer is ([^\s(]+)")


def untrue(text: str) -> list[str]:
    r"""What no feedback may contain: equal digits shown as different, a
    traceback or a frame of the checker itself, a bare nan as a value."""
    problems = [f"shows equal values {got} and {want}"
                for pattern in (_VALUES, _RETURNS)
                for got, want in pattern.findall(text)
                if got.rstrip(",.") == want.rstrip(",.")]
    if "Traceback" in text:
        problems.append("shows a traceback")
    if re.search(r"gradlab[/\\]exercises|_framework\.py|exercises\.py",
                 text):
        problems.append("points at the checker's own file")
    if re.search(r"but should be nan|answer is nan|relative error nan",
                 text):
        problems.append("shows nan as the reference")
    return problems


def mistake_texts(name: str) -> dict[str, object]:
    r"""Each registered mistake's full message -> the mistake."""
    exercise = EXERCISES[name]
    return {f"not yet right: {exercise.text(m.message, m.see)}": m
            for m in exercise.mistakes}


def run_solutions(number: int, namespace: dict) -> list[str]:
    r"""Run a notebook's solution blocks in order, as a student would; every
    exercise function a block (re)defines must pass its checker. Returns
    the names checked, in order."""
    names = [exercise.name for exercise in CHAPTERS[number][1]]
    checked = []
    for cell in notebook("exercises", number).cells:
        if cell.cell_type != "markdown":
            continue
        for solution in SOLUTION.finditer(cell.source):
            for code in PYTHON.findall(solution.group(2)):
                before = dict(namespace)
                exec(code, namespace)  # noqa: S102 - our own solution code
                for name in names:
                    if name in namespace and \
                            namespace[name] is not before.get(name):
                        text = verdict(name, namespace[name])
                        assert text.startswith("correct"), (name, text)
                        checked.append(name)
    return checked
