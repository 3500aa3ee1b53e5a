r"""``python -m gradlab.grading release|grade``: see
:mod:`gradlab.grading.course`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import ZIP_REGEXP, GradingError, grade, release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gradlab.grading", description=__doc__
    )
    parser.add_argument(
        "--course",
        type=Path,
        default=Path("_build/grading"),
        help="the nbgrader course directory (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser(
        "release", help="derive, validate and release every exercise notebook"
    )
    rel.add_argument("--exercises", type=Path, default=Path("exercises"))
    rel.add_argument(
        "--only", nargs="*", help="assignment names, e.g. 01_softmax_jacobian"
    )
    rel.add_argument(
        "--no-validate",
        action="store_true",
        help="skip `nbgrader validate` of the source notebooks",
    )
    gra = commands.add_parser(
        "grade", help="autograde <student>/<assignment>/ folders and LMS zips"
    )
    gra.add_argument("submissions", type=Path)
    gra.add_argument(
        "--zip-regexp",
        default=ZIP_REGEXP,
        help="file names inside zips; {notebook} stands for the "
        "assignment (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            names = release(
                args.course,
                args.exercises,
                args.only,
                validate=not args.no_validate,
            )
            print(f"released {len(names)} assignments: {', '.join(names)}")
            print(f"students get {args.course / 'release'}/<assignment>/")
        else:
            done = grade(args.course, args.submissions, args.zip_regexp)
            count = len(done["submissions"])
            print(
                f"graded {count} submissions in {done['seconds']:.1f} s, "
                f"{done['seconds'] / count:.1f} s each "
                f"({done['cpu_seconds'] / count:.1f} s of CPU time each)"
            )
            print(f"scores: {done['grades']} and {done['exercises']}")
            print(
                f"feedback: {len(done['feedback'])} HTML files in "
                f"{args.course / 'feedback'}/<student>/<assignment>/"
            )
            if done["flagged"]:
                flagged = args.course / "flagged.csv"
                print(
                    f"{len(done['flagged'])} answer cells touch the grading "
                    f"machinery: review them, see {flagged}"
                )
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
