r"""The instructor's build has no solution text anywhere; the student build has all of it.

Every line of every ``{solution}`` directive in the exercise notebooks that is long enough to
be distinctive must appear in the student build (the pages or the downloadable notebooks)
and must appear nowhere in the no-solutions build: not in a page, not in a downloadable
notebook, not in the search index.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from tests.site.browser import ROOT, SITE

NO_SOLUTIONS_SITE = ROOT / "_build" / "nosolutions" / "_build" / "html"
FENCE_OR_DIRECTIVE = (":::", "```", ":class:", ":label:")


def is_solution(cell: dict) -> bool:
    return cell["cell_type"] == "markdown" and "{solution" in "".join(cell["source"])


def solution_lines() -> list[str]:
    r"""Distinctive lines of the solutions: long, and not also outside a solution anywhere in
    the book (a solution repeats the signature of its stub, or a line of its chapter)."""
    notebooks = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("exercises/*.ipynb"))
    cells = [cell for path in notebooks for cell in json.loads(path.read_text())["cells"]]
    elsewhere = "\n".join("".join(c["source"]) for c in cells if not is_solution(c))
    return [line.strip() for cell in filter(is_solution, cells)
            for line in "".join(cell["source"]).splitlines()
            if len(line.strip()) >= 25 and line.strip() not in elsewhere
            and not line.strip().startswith(FENCE_OR_DIRECTIVE)]


def site_text(site: Path) -> str:
    r"""All the text a reader can reach: pages and search index (unescaped), and the cell
    sources of the downloadable notebooks."""
    texts = []
    for path in site.rglob("*"):
        if "_static" in path.parts:
            continue
        if path.suffix in {".html", ".js"}:
            texts.append(html.unescape(path.read_text(errors="ignore")))
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            texts += ["".join(cell["source"]) for cell in cells]
    return "\n".join(texts)


SOLUTION_LINES = solution_lines()


def test_there_are_solutions_to_look_for():
    assert len(SOLUTION_LINES) >= 10


@pytest.fixture(scope="module")
def student_text():
    return site_text(SITE)


@pytest.fixture(scope="module")
def instructor_text():
    assert NO_SOLUTIONS_SITE.exists(), "run `make book-nosolutions` first"
    return site_text(NO_SOLUTIONS_SITE)


def test_the_student_build_contains_every_solution(student_text):
    missing = [line for line in SOLUTION_LINES if line not in student_text]
    assert not missing, f"solution lines missing from the student build: {missing[:5]}"


def test_the_no_solutions_build_contains_none(instructor_text):
    leaked = [line for line in SOLUTION_LINES if line in instructor_text]
    assert not leaked, f"solution text in the no-solutions build: {leaked[:5]}"
