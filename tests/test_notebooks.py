r"""What every committed notebook must be, beyond reproducing its outputs (nbval does that).

- executed: every code cell has run, no error is stored, and where a cell shows a widget
  the widget state the static book needs is saved;
- small (< 2 MB) and run by the ``python3`` kernel, with the kernelspec ipykernel writes
  (so JupyterLab does not mark it modified on opening);
- its first code cell is the hidden setup cell, pointing at the repository that
  ``_config.yml`` names, as the README's install command does;
- the source of every cell the book hides (quizzes: their answers) is collapsed in
  JupyterLab, and no markdown cell relies on ``source_hidden`` (tests/normalize_notebooks.py);
- in the table of contents, and each chapter links to its exercise notebook.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.colab import TAGS, colab_source, is_colab_cell, pip_requirement
from tests.normalize_notebooks import KERNELSPEC, normalize

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def ids(paths):
    return [path.relative_to(ROOT).as_posix() for path in paths]


@pytest.fixture(params=NOTEBOOKS, ids=ids(NOTEBOOKS))
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_executed_without_errors(notebook):
    path, nb = notebook
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), f"{path.name} has cells that never ran"
    errors = [out.get("ename") for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not errors, f"{path.name} stores error outputs: {errors}"


def test_widget_state_is_saved_where_widgets_are_shown(notebook):
    path, nb = notebook
    shows_widgets = any(WIDGET_VIEW in out.get("data", {})
                        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    if shows_widgets:
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        assert state, f"{path.name} shows widgets but has no saved widget state: run make notebooks"


def test_small_and_on_the_python3_kernel(notebook):
    path, nb = notebook
    assert path.stat().st_size < 2_000_000, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"
    assert nb.metadata.get("kernelspec") == KERNELSPEC, (
        f"{path.name}: kernelspec {nb.metadata.get('kernelspec')}, JupyterLab would "
        f"rewrite it on opening (make notebooks)")


def test_normalised(notebook):
    path, nb = notebook
    assert not normalize(nb), f"{path.name} is not normalised: run make notebooks"


def test_hidden_cells_are_collapsed_in_jupyterlab(notebook):
    path, nb = notebook
    for cell in nb.cells:
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "code" and re.search(r"^show_quiz\(", cell.source, re.M):
            assert hidden and "remove-input" in tags, f"{path.name}: a quiz shows its answers"
        if cell.cell_type == "markdown":
            assert not hidden, f"{path.name}: Run All would unfold a hidden markdown cell"


def test_readme_says_how_to_install_gradlab_as_the_notebooks_do():
    readme = (ROOT / "README.md").read_text()
    assert f'pip install "{pip_requirement()}"' in readme


def test_first_code_cell_installs_gradlab_on_colab_only(notebook):
    path, nb = notebook
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert is_colab_cell(first), f"{path.name}: the first code cell is not the Colab cell (make notebooks adds it)"
    assert first.source == colab_source(), f"{path.name}: the Colab cell is out of date (make notebooks)"
    assert first.metadata.get("tags") == TAGS
    assert first.outputs == [], "outside Colab the cell must print nothing"


def test_every_notebook_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    missing = [name for name in ids(NOTEBOOKS) if name.removesuffix(".ipynb") not in toc]
    assert not missing, f"notebooks not in _toc.yml: {missing}"


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.name)
def test_each_chapter_links_to_its_exercises(chapter):
    text = "\n".join(cell.source for cell in nbformat.read(chapter, as_version=4).cells
                     if cell.cell_type == "markdown")
    assert f"../exercises/{chapter.name}" in text
    assert (ROOT / "exercises" / chapter.name).exists()


@pytest.mark.parametrize("package", ["jupyterlab", "jupyterlab_myst", "ipykernel", "ipywidgets",
                                     "jupyterquiz", "latex2mathml"])
def test_the_environment_can_open_the_notebooks(package):
    import importlib.util

    assert importlib.util.find_spec(package), f"{package} is not installed: add it to binder/requirements.in (make lock)"
