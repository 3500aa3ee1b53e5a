r"""ruff on the code cells of notebooks that a reader sees (``make lint``).

Cells tagged ``remove-cell``, ``remove-input`` or ``hide-input`` are not shown in the
book (and are collapsed in JupyterLab), so they are exempt: their source is blanked in a
temporary copy, which keeps the cell numbers of ruff's messages those of the notebook
(ruff's "cell N" is the N-th cell counting from 1, markdown included).
The settings are the library's (``[tool.ruff]`` in lib/pyproject.toml: lines <= 79).
Exit status: ruff's (0 when nothing is found). The last line counts the violations.

Usage: python -m tests.lab.lint_notebooks chapters/*.ipynb exercises/*.ipynb
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
EXEMPT_TAGS = {"remove-cell", "remove-input", "hide-input"}


def visible_copy(notebook):
    r"""The notebook with the source of every hidden code cell blanked, outputs dropped."""
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        if set(cell.metadata.get("tags", [])) & EXEMPT_TAGS:
            cell.source = ""
    return copy


def main(paths: list[str]) -> int:
    if not paths:
        sys.exit("usage: python -m tests.lab.lint_notebooks NOTEBOOK.ipynb ...")
    ruff = Path(sys.executable).with_name("ruff")
    with tempfile.TemporaryDirectory() as tmp:
        copies = {}
        for name in paths:
            path = Path(name).resolve()
            relative = path.relative_to(ROOT)
            target = Path(tmp) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(visible_copy(nbformat.read(path, as_version=4)), target)
            copies[str(target)] = str(relative)
        result = subprocess.run(
            [str(ruff), "check", "--no-cache", "--output-format", "concise",
             "--config", str(ROOT / "lib" / "pyproject.toml"), *copies],
            capture_output=True, text=True)
    output = result.stdout
    for copy, original in copies.items():
        output = output.replace(copy, original)
    sys.stdout.write(output)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
