r"""The hidden first cell of every notebook: install gradlab on Colab, check it elsewhere.

On Binder, a JupyterHub or a local checkout the repository is on disk and gradlab is
installed; on Colab only the notebook is. The cell installs the library (distribution
``backprop-by-hand``, import name ``gradlab``) from the repository named in
``_config.yml`` (the same URL the launch buttons use). Everywhere else it only checks
that ``import gradlab`` works; when it does not (a notebook downloaded on its own, a
kernel without the library), the cell stops with one sentence saying what to run instead
of a traceback, and *Run All* stops there. It is tagged ``remove-cell`` so the book does
not show it. ``make notebooks`` adds it to any notebook that lacks it (and updates it);
``tests/test_notebooks.py`` checks every notebook has it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAGS = ["remove-cell"]


DISTRIBUTION = "backprop-by-hand"
EXTRAS = "widgets,quiz"


def pip_requirement() -> str:
    r"""What to give pip for the library, with its extras, from the repository's git URL."""
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return (f"{DISTRIBUTION}[{EXTRAS}] @ git+{repository['url']}@{repository['branch']}"
            f"#subdirectory=lib")


def colab_source() -> str:
    package = pip_requirement()
    return (
        "# On Google Colab the repository is not on disk: install gradlab from it.\n"
        "# Everywhere else (Binder, a JupyterHub, your machine) check that gradlab\n"
        "# is installed, and if not, say how to install it.\n"
        "import sys\n"
        "\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"{package}\"\n"
        "    from google.colab import output\n"
        "    output.enable_custom_widget_manager()\n"
        "\n"
        "\n"
        "class GradlabMissing(Exception):\n"
        "    def _render_traceback_(self):  # IPython shows this instead of a traceback\n"
        "        return [str(self)]\n"
        "\n"
        "\n"
        "try:\n"
        "    import gradlab  # noqa: F401\n"
        "except ModuleNotFoundError:\n"
        "    raise GradlabMissing(\n"
        "        \"This notebook needs the course's library gradlab. Run this line in a \"\n"
        "        \"cell, then restart the kernel (Kernel > Restart Kernel) and run the \"\n"
        "        \"notebook again:\\n\\n\"\n"
        f"        \"%pip install \\\"{package}\\\"\") from None\n"
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
