r"""How long the book takes to build and its notebooks take to run (part of ``make bench``).

Reports, on this machine and in one run:
- each notebook's execution time in a fresh kernel (budget: 15 s, the capstone 60 s);
- a clean build of the book (``_build`` removed first) and a rebuild with nothing changed.

The notebooks are executed on copies in a temporary folder; the committed ones are not
touched. ``--with-test`` also times a whole ``make test``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.execute_notebooks import execute_in_place  # noqa: E402

BUILD = [str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT),
         "--warningiserror", "--nitpick", "--keep-going"]


def seconds_of(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def notebook_times() -> list[tuple[str, float]]:
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        for folder in ("chapters", "exercises"):
            shutil.copytree(ROOT / folder, Path(scratch) / folder)
        for notebook in sorted(Path(scratch).glob("*/*.ipynb")):
            name = notebook.relative_to(scratch).as_posix()
            times.append((name, execute_in_place(notebook)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-test", action="store_true", help="also time `make test`")
    args = parser.parse_args()

    print("notebook execution (fresh kernel)")
    for name, seconds in notebook_times():
        budget = 60 if "capstone" in name else 15
        print(f"  {name:45s} {seconds:6.1f} s   (budget {budget} s)")

    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    clean = seconds_of(BUILD)
    rebuild = seconds_of(BUILD)
    print("book build")
    print(f"  clean build                                   {clean:6.1f} s   (budget 120 s)")
    print(f"  rebuild, nothing changed                      {rebuild:6.1f} s   (budget 15 s)")
    if args.with_test:
        print(f"  make test                                     {seconds_of(['make', 'test']):6.1f} s"
              "   (budget 480 s)")


if __name__ == "__main__":
    main()
