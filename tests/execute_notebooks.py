r"""Re-execute notebooks in place, keeping their widget state (``make notebooks``).

Each notebook runs top to bottom in a fresh kernel from its own folder, exactly as nbval
and a student will run it. The saved widget state is what the static book uses to make
the sliders respond without a kernel. Each notebook is normalised first and after
(tests/normalize_notebooks.py: the hidden setup cell, the kernelspec, hidden quiz source),
so it opens unmodified in JupyterLab. Prints each notebook's execution time.

Usage: python -m tests.execute_notebooks chapters/01_softmax_jacobian.ipynb ...
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.normalize_notebooks import normalize


def execute_in_place(path: Path, timeout: int = 300) -> float:
    notebook = nbformat.read(path, as_version=4)
    normalize(notebook)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    normalize(notebook)
    nbformat.write(notebook, path)
    return seconds


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit("usage: python -m tests.execute_notebooks NOTEBOOK.ipynb ...")
    for name in paths:
        seconds = execute_in_place(Path(name))
        print(f"{seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
