r"""The instructor's build without solutions (``make book-nosolutions``).

With ``BOOK_HIDE_SOLUTIONS=1`` in the environment this turns on sphinx-exercise's
``hide_solutions``, which removes every ``{solution}`` directive from the pages. The
``.ipynb`` download button serves the source notebooks, solutions included, so once the
build has finished the markdown cells holding a ``{solution}`` directive are also removed
from the copies under ``_sources/``.
"""

import json
import os
import re
from pathlib import Path

SOLUTION = re.compile(r"^\s*(:::+|```+)\s*\{solution(-start)?\}", re.MULTILINE)


def is_solution(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown" and bool(SOLUTION.search("".join(cell["source"])))


def _strip_downloadable_solutions(app, exception):
    if exception is not None or not app.config.hide_solutions:
        return
    for path in Path(app.outdir, "_sources").rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        notebook["cells"] = [cell for cell in notebook["cells"] if not is_solution(cell)]
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")


def _hide_solutions_if_asked(app, config):
    if os.environ.get("BOOK_HIDE_SOLUTIONS") == "1":
        config.hide_solutions = True


def setup(app):
    app.connect("config-inited", _hide_solutions_if_asked)
    app.connect("build-finished", _strip_downloadable_solutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
