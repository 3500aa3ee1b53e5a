r"""The nbgrader source notebooks are derived correctly from the exercise notebooks."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from gradlab.grading.convert import ConversionError, answer_cell_source, to_source

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


def _kinds(notebook: dict) -> list[str]:
    kinds = []
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader")
        kinds.append("answer" if meta and meta["solution"] else
                     "test" if meta and meta["grade"] else cell["cell_type"])
    return kinds


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_stub_becomes_an_answer_and_each_check_a_test(path):
    original = json.loads(path.read_text(encoding="utf-8"))
    source = to_source(original, name=path.name)
    text = ["".join(cell["source"]) for cell in source["cells"]]
    checks = [cell for cell in original["cells"] if cell["cell_type"] == "code"
              and "".join(cell["source"]).startswith("check_")]
    kinds = _kinds(source)
    assert kinds.count("answer") == kinds.count("test") == len(checks) > 0
    for index, kind in enumerate(kinds):
        if kind == "test":  # an answer cell right above each test cell
            assert kinds[index - 1] == "answer"
            assert source["cells"][index]["metadata"]["nbgrader"]["locked"]
    assert not any(":::{solution}" in body or ":::{exercise}" in body for body in text)
    statements = [body for body, kind in zip(text, kinds) if body.startswith("### Exercise")]
    assert len(statements) == sum(":::{exercise}" in "".join(cell["source"])
                                  for cell in original["cells"])
    assert "A solution follows each exercise" not in text[0]
    for cell in source["cells"]:
        if cell["cell_type"] == "code":
            ast.parse("\n".join(line for line in "".join(cell["source"]).splitlines()
                                if not line.lstrip().startswith(("%", "!"))))


def test_the_answer_cell_keeps_signature_and_docstring():
    stub = ('def f(x: int) -> int:\n    r"""Twice x."""\n'
            '    raise NotImplementedError("Exercise 0.1")\n')
    solution = "def f(x: int) -> int:\n    y = 2 * x\n    return y\n"
    assert answer_cell_source(stub, solution, "here") == (
        'def f(x: int) -> int:\n    r"""Twice x."""\n    ### BEGIN SOLUTION\n'
        "    y = 2 * x\n    return y\n    ### END SOLUTION")
    with pytest.raises(ConversionError, match="signature differs"):
        answer_cell_source(stub, "def f(x, y):\n    return x\n", "here")


@pytest.mark.parametrize("name", [
    "smithjohn_12345_678_01_softmax_jacobian.ipynb",
    "smithjohn_LATE_12345_678_01_softmax_jacobian-1.ipynb"])
def test_the_zip_pattern_reads_lms_file_names(name):
    from gradlab.grading.course import ZIP_REGEXP

    pattern = ZIP_REGEXP.replace("{notebook}", re.escape("01_softmax_jacobian"))
    found = re.match(pattern, f"/course/downloaded/x/extracted/lms/{name}")
    assert found["student_id"] == "smithjohn"
    assert found["file_id"] == "01_softmax_jacobian"
    assert re.match(pattern, "/course/x/smithjohn_1_02_cross_entropy.ipynb") is None
