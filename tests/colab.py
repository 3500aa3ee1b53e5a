r"""The hidden first cell of every notebook: install gradlab when (and only when) on Colab.

On Binder, a JupyterHub or a local checkout the repository is on disk and gradlab is
installed; on Colab only the notebook is. The cell installs gradlab from the repository
named in ``_config.yml`` (the same URL the launch buttons use) and does nothing elsewhere.
It is tagged ``remove-cell`` so the book does not show it. ``make notebooks`` adds it to
any notebook that lacks it; ``tests/test_notebooks.py`` checks every notebook has it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAGS = ["remove-cell"]


def colab_source() -> str:
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    package = (f"gradlab @ git+{repository['url']}@{repository['branch']}"
               f"#subdirectory=lib")
    return (
        "# On Google Colab the repository is not on disk: install gradlab and the quiz\n"
        "# package from it. Everywhere else (Binder, a JupyterHub, your machine) this\n"
        "# cell does nothing.\n"
        "import sys\n"
        "\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"{package}\" \"ipywidgets>=8\" jupyterquiz==2.9.6.4\n"
        "    from google.colab import output\n"
        "    output.enable_custom_widget_manager()\n"
    )


def is_colab_cell(cell) -> bool:
    return cell.cell_type == "code" and "google.colab" in cell.source


def ensure_colab_cell(notebook) -> bool:
    r"""Make the notebook's first code cell the current Colab cell; True if it changed."""
    source = colab_source()
    existing = [cell for cell in notebook.cells if is_colab_cell(cell)]
    if existing and existing[0].source == source and notebook.cells.index(existing[0]) <= 1:
        return False
    notebook.cells = [cell for cell in notebook.cells if not is_colab_cell(cell)]
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
    position = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    notebook.cells.insert(position, cell)
    return True
