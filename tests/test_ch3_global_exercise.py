r"""Exercise 3.6, the gradient of global average pooling (issue 13), end to end.

Until ``gradlab.exercises`` lists the exercise in ``CHAPTERS`` (and exports
``check_global_avg_pool_grad``), the generic tests of ``test_exercises.py`` and
``test_exercises_wrong_answers.py`` do not see it, so this file runs their checks on it:
the reference passes and matches central differences, the stub is "not attempted yet",
every registered mistake gets its own message, every cited heading exists in chapter 3,
the generic problems (None, a list, float32, dout changed in place, hidden state) get
honest messages, the answers of ``wrong_answers_ch3_global.py`` get true feedback, the
notebook's solution passes and the committed notebook is in stub state, and the grading
guard trips on every op the exercise reproduces. Once the exercise is registered these
checks run twice, which costs well under a second.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradlab.exercises import check
from gradlab.exercises.pooling_exercises import (GLOBAL_AVG_POOL_GRAD,
                                                 check_global_avg_pool_grad)
from gradlab.grading import guard
from tests import exercise_helpers, wrong_answers_ch3_global
from tests.exercise_helpers import (PYTHON, SOLUTION, is_heading, mistake_texts, notebook,
                                    stub, untrue, verdict)

NAME = GLOBAL_AVG_POOL_GRAD.name


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    r"""Let the shared helpers (verdict, mistake_texts) find the exercise by name."""
    monkeypatch.setitem(exercise_helpers.EXERCISES, NAME, GLOBAL_AVG_POOL_GRAD)


def reference(*args):
    return GLOBAL_AVG_POOL_GRAD.reference(*args)


def test_the_checker_is_the_exercise():
    assert check_global_avg_pool_grad.exercise is GLOBAL_AVG_POOL_GRAD
    assert GLOBAL_AVG_POOL_GRAD.chapter == 3


def test_reference_passes_and_matches_central_differences():
    text = verdict(NAME, reference)
    assert text.startswith(f"correct: matches the reference on "
                           f"{len(GLOBAL_AVG_POOL_GRAD.checked_cases)} inputs"), text
    error = float(re.search(r"relative error (\S+)\)", text).group(1))
    assert error < 1e-8, text


def test_the_cases_expose_every_divisor():
    shapes = [case.inputs[1] for case in GLOBAL_AVG_POOL_GRAD.cases]
    assert any(h > 1 and w > 1 and h != w for _, _, h, w in shapes)   # H*W vs H, W, H + W
    assert any(n != c for n, c, _, _ in shapes)                        # a swapped (N, C)
    assert any(n == 1 for n, _, _, _ in shapes) and any(c > 1 for _, c, _, _ in shapes)
    for case in GLOBAL_AVG_POOL_GRAD.cases:
        dout, x_shape = case.inputs
        assert dout.shape == x_shape[:2] and case.numerical is not None


def test_stub_is_not_attempted():
    assert str(check(GLOBAL_AVG_POOL_GRAD, stub)) == (
        "not attempted yet: replace `raise NotImplementedError` with your code and run this "
        "cell again.")


def test_every_registered_mistake_gets_its_own_message():
    assert len(GLOBAL_AVG_POOL_GRAD.mistakes) >= 4
    texts = set()
    for mistake in GLOBAL_AVG_POOL_GRAD.mistakes:
        text = GLOBAL_AVG_POOL_GRAD.text(mistake.message, mistake.see)
        assert verdict(NAME, mistake.wrong) == f"not yet right: {text}"
        texts.add(text)
    assert len(texts) == len(GLOBAL_AVG_POOL_GRAD.mistakes)


def test_cited_headings_exist_in_chapter_3():
    cited = [item.see for item in GLOBAL_AVG_POOL_GRAD.mistakes + GLOBAL_AVG_POOL_GRAD.cases
             if item.see]
    assert "Global average pooling" in cited
    for section in cited:
        assert is_heading(section, 3), section
    for mistake in GLOBAL_AVG_POOL_GRAD.mistakes:
        assert not re.search(r"chapter \d", mistake.message), mistake.message


@pytest.mark.parametrize("answer, start", [
    (lambda *args: None, "not yet right: your function returns None: did you forget `return"),
    (lambda *args: reference(*args).tolist(), "not yet right: your function returns a list"),
])
def test_generic_problems(answer, start):
    assert verdict(NAME, answer).startswith(start)


def test_float32_is_rejected_naming_the_dtype():
    text = verdict(NAME, lambda *args: np.float32(reference(*args)))
    assert "float32" in text and "float64" in text, text


def test_changing_dout_in_place():
    def mutates(dout, x_shape):
        result = reference(dout, x_shape)
        dout[...] = 0
        return result

    assert verdict(NAME, mutates).startswith(
        "not yet right: your function changed its input dout in place")


def test_state_kept_between_calls():
    calls = []

    def remembers(*args):
        calls.append(1)
        return reference(*args) + 0.5 * (len(calls) > len(GLOBAL_AVG_POOL_GRAD.checked_cases))

    assert "it depends on something besides its inputs" in verdict(NAME, remembers)


# ------------------------------------------------------------------ the corpus

@pytest.mark.parametrize("name, wrong, phrase", wrong_answers_ch3_global.STUDENT_MISTAKES)
def test_a_registered_mistake_written_another_way(name, wrong, phrase):
    text = verdict(name, wrong)
    assert text.startswith("not yet right: ") and phrase in text, text
    assert text in mistake_texts(name), text
    assert not untrue(text), (untrue(text), text)


@pytest.mark.parametrize("name, wrong, phrase, forbidden",
                         wrong_answers_ch3_global.UNREGISTERED)
def test_an_unregistered_wrong_answer_gets_true_feedback(name, wrong, phrase, forbidden):
    text = verdict(name, wrong)
    assert text.startswith("not yet right: ") and phrase in text, text
    assert text not in mistake_texts(name), text
    named = [p for p in forbidden if p.lower() in text.lower()]
    assert not named, (f"names a mistake the answer did not make: {named}", text)
    assert not untrue(text), (untrue(text), text)


@pytest.mark.parametrize("name, right", wrong_answers_ch3_global.STUDENT_CORRECT)
def test_a_correct_formulation_passes(name, right):
    assert verdict(name, right).startswith("correct: ")


def test_the_corpus_covers_every_registered_mistake():
    phrases = {phrase for _, _, phrase in wrong_answers_ch3_global.STUDENT_MISTAKES}
    for mistake in GLOBAL_AVG_POOL_GRAD.mistakes:
        assert any(phrase in mistake.message for phrase in phrases), mistake.message
    assert len(wrong_answers_ch3_global.UNREGISTERED) >= 8


# ------------------------------------------------------------ notebook, guard

def test_the_notebook_solution_passes_and_the_notebook_is_in_stub_state():
    cells = notebook("exercises", 3).cells
    namespace = {"np": np}
    solutions = [code for cell in cells if cell.cell_type == "markdown"
                 for block in SOLUTION.finditer(cell.source)
                 for code in PYTHON.findall(block.group(2))
                 if f"def {NAME}(" in code]
    assert len(solutions) == 1
    exec(solutions[0], namespace)  # noqa: S102 - our own solution code
    assert verdict(NAME, namespace[NAME]).startswith("correct")
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert sum(f"def {NAME}(" in cell.source
               and 'raise NotImplementedError("Exercise 3.6")' in cell.source
               for cell in code) == 1
    calls = [cell for cell in code if cell.source == f"check_{NAME}({NAME})"]
    assert len(calls) == 1
    assert calls[0].outputs[0]["data"]["text/plain"].startswith("not attempted yet")
    # the last exercise of the notebook, after the pen-and-paper exercise 3.5
    assert code[-1] is calls[0]


def test_the_guard_trips_on_what_the_exercise_reproduces():
    tripped = guard.REFERENCE_OPS[NAME]
    for name in GLOBAL_AVG_POOL_GRAD.reproduces:
        module, _, attribute = name.rpartition(".")
        assert f"gradlab.{module}:{attribute}" in tripped, name
    for op in tripped:
        assert guard.resolve(op).__module__ == op.partition(":")[0]
