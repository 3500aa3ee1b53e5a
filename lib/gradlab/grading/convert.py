r"""Exercise notebook -> nbgrader source notebook, derived, never edited by
hand.

An exercise notebook (``exercises/0N_*.ipynb``) has, for each exercise, a stub
cell (a function whose body is its docstring and ``raise
NotImplementedError``), a checker cell (``check_<name>(<function>)``) and a
markdown ``:::{solution}`` block holding the solution code in a ``python``
fence, followed by prose. :func:`to_source` turns it into the notebook nbgrader
releases from:

- each stub becomes an autograded answer cell: signature and docstring, then
  the solution's body between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  (nbgrader puts a stub back in the students' copy);
- each checker cell becomes a locked, graded test cell worth ``points``, which
  runs :func:`gradlab.grading.guard.grade_exercise` after reloading gradlab;
- each solution block is dropped, and so is the intro's sentence saying that
  solutions follow; each exercise statement becomes a read-only cell with a
  plain heading (nbgrader's feedback pages and a Jupyter without MyST show it
  as written).

Anything the conversion does not recognise raises :class:`ConversionError`
naming the notebook and cell, rather than guessing.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

SOLUTION_START = re.compile(r"^:{3,}\{solution\}")
EXERCISE_START = re.compile(r"^:{3,}\{exercise\}")
FENCE = re.compile(r"```python\n(.*?)```", re.S)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
TITLE = re.compile(r"^:{3,}\{exercise\}\s*([0-9]+\.[0-9]+)")
INTRO_SOLUTIONS = re.compile(
    r"A solution follows each exercise\..*?scroll on\.", re.S
)
GRADED_NOTE = (
    "This is the graded copy: it has no solutions, and each checker "
    "cell is a locked test that\nthe grading runs again, with the "
    "checkers loaded afresh."
)

TEST_CELL = '''\
# Graded test of exercise {number} ({points} point{plural}), locked. Run it to
# see your verdict; the grading runs it again, with freshly loaded checkers.
import sys

for _module in [m for m in sys.modules if m.split(".")[0] == "gradlab"]:
    del sys.modules[_module]
from gradlab.grading.guard import grade_exercise

passed, verdict = grade_exercise("{name}", {function})
print(verdict)
assert passed, "exercise {number} scores 0: the verdict is above."'''


class ConversionError(ValueError):
    r"""The exercise notebook does not have the structure the conversion
    expects."""


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _nbgrader(
    grade_id: str, *, grade=False, solution=False, locked=False, points=None
) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _single(code: str, kind: type) -> ast.stmt | None:
    r"""The cell's one statement if it is a ``kind``; otherwise None."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return None
    return body[0] if len(body) == 1 and isinstance(body[0], kind) else None


def _only_function(code: str, where: str) -> ast.FunctionDef:
    function = _single(code, ast.FunctionDef)
    if function is not None:
        return function
    try:
        ast.parse(code)
    except SyntaxError as error:
        raise ConversionError(f"{where}: not valid Python ({error})") from None
    raise ConversionError(f"{where}: expected exactly one function definition")


def _is_stub(code: str) -> bool:
    function = _single(code, ast.FunctionDef)
    if function is None:
        return False
    last = function.body[-1]
    return (
        isinstance(last, ast.Raise)
        and last.exc is not None
        and "NotImplementedError" in ast.unparse(last.exc)
    )


def _checker_call(code: str):
    r"""``check_x(f)`` -> ("x", "f"); anything else -> None."""
    statement = _single(code, ast.Expr)
    if statement is None:
        return None
    call = statement.value
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id.startswith("check_")
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
        and not call.keywords
    ):
        return call.func.id[len("check_") :], call.args[0].id
    return None


def _signature(node: ast.FunctionDef) -> str:
    return ast.dump(node.args) + ast.dump(node.returns or ast.Constant(None))


def plain_exercise(text: str) -> str:
    r"""An ``{exercise}`` block as a heading and its text: readable without
    MyST."""
    lines = text.strip().splitlines()
    title = re.sub(r"^:{3,}\{exercise\}\s*", "", lines[0])
    body = lines[1:]
    while body and re.match(r"^:\w+:", body[0]):
        body = body[1:]  # the directive's options (:label:, :nonumber:)
    if body and re.fullmatch(r":{3,}", body[-1].strip()):
        body = body[:-1]
    return "\n".join([f"### Exercise {title}", *body]).rstrip() + "\n"


def answer_cell_source(stub: str, solution: str, where: str) -> str:
    r"""The stub's signature and docstring, then the solution's body between
    markers."""
    stub_node = _only_function(stub, f"{where} (stub)")
    solution_node = _only_function(solution, f"{where} (solution)")
    if stub_node.name != solution_node.name or _signature(
        stub_node
    ) != _signature(solution_node):
        raise ConversionError(
            f"{where}: the solution's signature differs from the "
            f"stub's ({solution_node.name} vs {stub_node.name})"
        )
    first = stub_node.body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        raise ConversionError(f"{where}: the stub has no docstring")
    head = stub.splitlines()[: first.end_lineno]
    body = solution_node.body
    if (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]  # the stub's docstring is kept instead
    solution_lines = solution.splitlines()
    body_lines = solution_lines[body[0].lineno - 1 : solution_node.end_lineno]
    indent = " " * body[0].col_offset
    return "\n".join(
        head
        + [indent + "### BEGIN SOLUTION"]
        + body_lines
        + [indent + "### END SOLUTION"]
    )


def _solution_code(markdown: str, name: str, where: str) -> str:
    for code in FENCE.findall(markdown):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        if any(
            isinstance(node, ast.FunctionDef) and node.name == name
            for node in tree.body
        ):
            return code
    raise ConversionError(
        f"{where}: no python code block defining {name}() in the "
        f"solution block after it"
    )


def to_source(notebook: dict, name: str = "notebook", points: int = 1) -> dict:
    r"""The nbgrader source version of an exercise notebook (a new dict)."""
    cells = notebook["cells"]
    out = []
    number = None  # the exercise number of the last statement, "1.1"
    label = None
    for index, cell in enumerate(cells):
        text = _source(cell)
        where = f"{name}, cell {index}"
        new = copy.deepcopy(cell)
        new.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "code":
            new["outputs"], new["execution_count"] = [], None
        if cell["cell_type"] == "markdown" and SOLUTION_START.match(text):
            continue
        if cell["cell_type"] == "markdown" and EXERCISE_START.match(text):
            title, found = TITLE.match(text), LABEL.search(text)
            if not title or not found:
                raise ConversionError(
                    f"{where}: an exercise without a number or label"
                )
            number, label = title.group(1), found.group(1)
            new["source"] = _lines(plain_exercise(text))
            new["metadata"]["nbgrader"] = _nbgrader(
                f"statement-{label}", locked=True
            )
        elif index == 0 and cell["cell_type"] == "markdown":
            new["source"] = _lines(INTRO_SOLUTIONS.sub(GRADED_NOTE, text))
        elif cell["cell_type"] == "code" and _is_stub(text):
            function = _only_function(text, where).name
            solution = next(
                (
                    _source(later)
                    for later in cells[index + 1 :]
                    if later["cell_type"] == "markdown"
                    and SOLUTION_START.match(_source(later))
                ),
                None,
            )
            if solution is None:
                raise ConversionError(
                    f"{where}: a stub with no solution block after it"
                )
            code = _solution_code(solution, function, where)
            new["source"] = _lines(answer_cell_source(text, code, where))
            new["metadata"]["nbgrader"] = _nbgrader(
                f"answer-{label}", solution=True
            )
        elif cell["cell_type"] == "code" and _checker_call(text):
            exercise, function = _checker_call(text)
            if number is None:
                raise ConversionError(
                    f"{where}: a checker call before any exercise"
                )
            new["source"] = _lines(
                TEST_CELL.format(
                    number=number,
                    points=points,
                    plural="" if points == 1 else "s",
                    name=exercise,
                    function=function,
                )
            )
            new["metadata"]["nbgrader"] = _nbgrader(
                f"test-{label}", grade=True, locked=True, points=points
            )
        out.append(new)
    result = copy.deepcopy(
        {key: value for key, value in notebook.items() if key != "cells"}
    )
    result["cells"] = out
    return result


def convert_file(path: Path, target: Path, points: int = 1) -> dict:
    r"""Read the exercise notebook ``path``, write its source version to
    ``target``."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    source = to_source(notebook, name=Path(path).name, points=points)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(source, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return source
