r"""Grading the exercise notebooks with nbgrader, offline.

- :mod:`gradlab.grading.convert`: an exercise notebook -> nbgrader source
  notebook;
- :mod:`gradlab.grading.guard`: what each graded test cell runs (no nbgrader
  needed);
- :mod:`gradlab.grading.course`: release and grade in a course directory.

Command line (in the grading environment, which has nbgrader)::

    python -m gradlab.grading release [--course _build/grading]
    python -m gradlab.grading grade SUBMISSIONS [--course _build/grading]
"""
