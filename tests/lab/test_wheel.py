r"""A notebook on its own: gradlab's wheel in a fresh virtual environment, nothing else.

This is what a student who downloads one notebook from the book does (README, "Running
one notebook on its own"). The test builds the wheel of lib/, makes a new venv with only
ipykernel, and runs exercises/06 (it imports gradlab.data, hence scikit-learn) copied into
an empty folder, twice:

1. before gradlab is installed: the hidden setup cell must stop the run with the one
   instruction (the pip command), not a traceback;
2. after ``pip install WHEEL[widgets,quiz]``: every cell runs without an error output,
   and gradlab is imported from the venv, not from the repository.

Dependencies come from PyPI (or pip's cache), pinned by binder/requirements.txt as
constraints; nothing else is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.colab import DISTRIBUTION, pip_requirement

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "exercises" / "06_capstone_digits.ipynb"
PINS = ROOT / "binder" / "requirements.txt"


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--constraint", str(PINS), *args], check=True)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    r"""A wheel of lib/, and a new venv (ipykernel only) with a kernelspec for it."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp / "dist"),
                    str(ROOT / "lib")], check=True)
    wheels = list((tmp / "dist").glob("*.whl"))
    assert len(wheels) == 1, wheels
    venv.create(tmp / "venv", with_pip=True)
    python = tmp / "venv" / "bin" / "python"
    pip(python, "ipykernel")
    kernels = tmp / "share" / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh venv", "language": "python"}))
    work = tmp / "download"
    work.mkdir()
    shutil.copy(NOTEBOOK, work)
    return {"wheel": wheels[0], "python": python, "work": work,
            "jupyter_path": str(tmp / "share" / "jupyter")}


def run(fresh, notebook):
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = fresh["jupyter_path"]
    try:
        NotebookClient(notebook, timeout=300, kernel_name="fresh",
                       resources={"metadata": {"path": str(fresh["work"])}}).execute()
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH")
        else:
            os.environ["JUPYTER_PATH"] = old


def test_the_wheel_is_the_course_distribution(fresh):
    assert fresh["wheel"].name.startswith(DISTRIBUTION.replace("-", "_") + "-")


def test_without_gradlab_the_setup_cell_says_what_to_run(fresh):
    notebook = nbformat.read(fresh["work"] / NOTEBOOK.name, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.execution_count, cell.outputs = None, []
    with pytest.raises(CellExecutionError):
        run(fresh, notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [(index, output) for index, cell in enumerate(code)
              for output in cell.outputs if output.output_type == "error"]
    assert len(errors) == 1, errors
    index, error = errors[0]
    assert index == 0, "the first code cell (the hidden setup cell) must stop the run"
    assert error.ename == "GradlabMissing"
    message = "\n".join(error.traceback)
    assert "Traceback" not in message and "File " not in message, message
    assert f'%pip install "{pip_requirement()}"' in message
    assert all(cell.execution_count is None for cell in code[1:]), "Run All went on"


def test_from_the_wheel_alone_every_cell_runs(fresh):
    pip(fresh["python"], f"{fresh['wheel']}[widgets,quiz]")
    notebook = nbformat.read(fresh["work"] / NOTEBOOK.name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import gradlab\nprint(gradlab.__file__)"))
    run(fresh, notebook)
    errors = [output.get("ename") for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors
    where = notebook.cells[-1].outputs[0]["text"].strip()
    assert where.startswith(str(fresh["python"].parents[1])), where
