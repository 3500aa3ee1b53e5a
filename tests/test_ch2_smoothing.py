r"""Exercise 2.5, the gradient of the label-smoothed cross-entropy, in both
directions: the reference and correct formulations pass, the stub is "not
attempted yet", every registered mistake gets its own message citing a
heading of chapter 2, and every wrong answer of
``tests/wrong_answers_ch2_smoothing.py`` is rejected with true feedback.

These are the generic tests of ``tests/test_exercises.py`` and
``tests/test_exercises_wrong_answers.py`` for this one exercise, run on it
directly: they hold whether or not the exercise is listed in
``gradlab.exercises.CHAPTERS``.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

from gradlab.exercises._framework import check
from gradlab.exercises.cross_entropy_exercises import (
    CE_SMOOTHING_GRAD, check_ce_smoothing_grad)
from gradlab.grading import guard
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.softmax import softmax

from tests import wrong_answers_ch2_smoothing as corpus
from tests.exercise_helpers import (PYTHON, SOLUTION, is_heading, notebook,
                                    stub, untrue)

EXERCISE = CE_SMOOTHING_GRAD


def verdict(fn) -> str:
    feedback = check(EXERCISE, fn)
    text = str(feedback)
    assert 1 <= len(text.splitlines()) <= 3, text
    assert bool(feedback) == text.startswith("correct: "), text
    return text


def _phrases(phrase) -> tuple:
    return phrase if isinstance(phrase, tuple) else (phrase,)


def test_the_reference_is_p_minus_the_smoothed_target_over_n():
    # the formula of the exercise, written out independently of the checker
    rng = np.random.default_rng(7)
    logits, y, alpha = rng.normal(size=(6, 4)), rng.integers(0, 4, 6), 0.15
    target = np.full((6, 4), alpha / 4)
    target[np.arange(6), y] += 1 - alpha
    np.testing.assert_allclose(target.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    expected = (softmax(logits) - target) / 6
    np.testing.assert_allclose(EXERCISE.reference(logits, y, alpha),
                               expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cross_entropy_backward(
        cross_entropy_forward(logits, target)[1]), expected, rtol=1e-12,
        atol=1e-15)


def test_reference_passes_with_the_numerical_gradient():
    text = verdict(EXERCISE.reference)
    assert text.startswith(f"correct: matches the reference on "
                           f"{len(EXERCISE.checked_cases)} inputs"), text
    error = float(re.search(r"relative error (\S+)\)", text).group(1))
    assert error < 1e-8, text
    assert all(np.all(np.isfinite(part)) for outcome in EXERCISE.expected
               for part, _ in outcome)


def test_the_cases_separate_the_values_of_alpha():
    alphas = {case.inputs[2] for case in EXERCISE.cases}
    assert len(alphas) >= 3 and 0.0 not in alphas
    shapes = [case.inputs[0].shape for case in EXERCISE.cases]
    assert any(n == 1 for n, _ in shapes)
    assert any(n > c for n, c in shapes) and any(n < c for n, c in shapes)


def test_stub_is_not_attempted():
    assert str(check_ce_smoothing_grad(stub)) == (
        "not attempted yet: replace `raise NotImplementedError` with your "
        "code and run this cell again.")


def test_every_registered_mistake_gets_its_own_message():
    assert len(EXERCISE.mistakes) >= 4
    for mistake in EXERCISE.mistakes:
        text = EXERCISE.text(mistake.message, mistake.see)
        assert verdict(mistake.wrong) == f"not yet right: {text}"


def test_cited_headings_exist_in_chapter_2():
    cited = [item.see for item in EXERCISE.mistakes + EXERCISE.cases
             if item.see]
    assert "Soft targets: label smoothing" in cited
    for section in cited:
        assert is_heading(section, 2), section
    for mistake in EXERCISE.mistakes:
        assert not re.search(r"chapter \d", mistake.message)


def test_the_guard_trips_on_what_the_exercise_reproduces():
    tripped = guard.REFERENCE_OPS[EXERCISE.name]
    for name in EXERCISE.reproduces:
        module, _, attribute = name.rpartition(".")
        assert hasattr(importlib.import_module(f"gradlab.{module}"),
                       attribute), name
        target = f"gradlab.{module}:{attribute}"
        assert any(op == target or op.startswith(target + ".")
                   for op in tripped), name
    for op in tripped:
        guard.resolve(op)


@pytest.mark.parametrize("wrong, phrase", [
    entry[1:] for entry in corpus.STUDENT_MISTAKES])
def test_a_registered_mistake_written_another_way(wrong, phrase):
    text = verdict(wrong)
    assert text.startswith("not yet right: "), text
    assert all(p in text for p in _phrases(phrase)), text
    assert not untrue(text), (untrue(text), text)


@pytest.mark.parametrize("wrong, phrase, named", [
    entry[1:] for entry in corpus.UNREGISTERED])
def test_an_unregistered_wrong_answer_gets_true_feedback(wrong, phrase,
                                                         named):
    text = verdict(wrong)
    assert text.startswith("not yet right: "), text
    assert all(p in text for p in _phrases(phrase)), text
    registered = {f"not yet right: {EXERCISE.text(m.message, m.see)}"
                  for m in EXERCISE.mistakes}
    assert text not in registered, text
    wrongly_named = [p for p in named if p.lower() in text.lower()]
    assert not wrongly_named, wrongly_named
    assert not untrue(text), (untrue(text), text)


@pytest.mark.parametrize("right", [entry[1]
                                   for entry in corpus.STUDENT_CORRECT])
def test_a_correct_formulation_passes(right):
    assert verdict(right).startswith("correct: ")


def test_the_corpus_names_a_phrase_of_every_registered_mistake():
    messages = [m.message for m in EXERCISE.mistakes]
    for phrase in corpus.NAMED:
        assert any(phrase in message for message in messages), phrase
    assert len(corpus.UNREGISTERED) >= 10


def test_the_exercise_notebook_has_the_stub_the_checker_and_a_solution():
    cells = notebook("exercises", 2).cells
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    assert any(re.search(r"^def ce_smoothing_grad\(", source, re.MULTILINE)
               and 'raise NotImplementedError("Exercise 2.5")' in source
               for source in code)
    runs = [cell for cell in cells if cell.cell_type == "code"
            and cell.source == "check_ce_smoothing_grad(ce_smoothing_grad)"]
    assert len(runs) == 1
    assert runs[0].outputs[0]["data"]["text/plain"].startswith(
        "not attempted yet")
    solutions = [block for cell in cells if cell.cell_type == "markdown"
                 for block in SOLUTION.findall(cell.source)
                 if "ex02-smoothing" in block[1] or
                 "ce_smoothing_grad" in block[1]]
    assert len(solutions) == 1
    namespace = {"np": np}
    exec(PYTHON.findall(solutions[0][1])[0], namespace)  # noqa: S102
    assert verdict(namespace["ce_smoothing_grad"]).startswith("correct: ")
