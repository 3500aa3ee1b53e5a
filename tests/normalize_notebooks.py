r"""Make every notebook open clean in JupyterLab (``make notebooks`` runs this first).

Idempotent: a second run changes nothing. For each notebook:

- the kernelspec is what the ``python3`` kernel of ipykernel calls itself, so JupyterLab
  does not rewrite it (and mark the notebook modified) when the kernel starts;
- the hidden first cell (tests/colab.py) is present and current;
- code cells the book hides (tags ``remove-input``, ``hide-input``, ``remove-cell``, such
  as the quizzes, whose source holds the answers) get ``jupyter.source_hidden``, so
  JupyterLab shows them collapsed; a student can still open them;
- no markdown cell carries ``jupyter.source_hidden``: JupyterLab 4's *Run All* renders
  every markdown cell again and so unfolds it anyway. Solutions are folded by their own
  markup instead (``:class: dropdown``, which both sphinx-exercise and jupyterlab-myst
  draw as a closed block).

``language_info`` is left to the kernel: ``tests/execute_notebooks.py`` stores what the
kernel reports when it runs the notebook.

Usage: python -m tests.normalize_notebooks chapters/*.ipynb exercises/*.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from tests.colab import ensure_colab_cell

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python",
              "name": "python3"}
HIDDEN_SOURCE_TAGS = {"remove-input", "hide-input", "remove-cell"}


def normalize(notebook) -> bool:
    r"""Normalise ``notebook`` in place; True if anything changed."""
    before = nbformat.writes(notebook)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    ensure_colab_cell(notebook)
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        jupyter = dict(cell.metadata.get("jupyter", {}))
        if cell.cell_type == "code" and tags & HIDDEN_SOURCE_TAGS:
            jupyter["source_hidden"] = True
        else:
            jupyter.pop("source_hidden", None)
        if jupyter:
            cell.metadata["jupyter"] = jupyter
        else:
            cell.metadata.pop("jupyter", None)
    return nbformat.writes(notebook) != before


def normalize_file(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    changed = normalize(notebook)
    if changed:
        nbformat.write(notebook, path)
    return changed


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit("usage: python -m tests.normalize_notebooks NOTEBOOK.ipynb ...")
    for name in paths:
        print(f"{'normalised' if normalize_file(Path(name)) else 'unchanged '}  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
