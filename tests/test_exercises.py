r"""Every exercise checker, driven by the registry ``gradlab.exercises.CHAPTERS``.

For each exercise: the reference passes (and matches central differences
where a case has them); the stub is "not attempted yet"; every registered
mistake gets its own message; every heading a message or hint points to
exists in its chapter; None, an exception, a list, float32, an input changed
in place, state kept between calls (results, labels or dicts kept per
shape, a returned array refilled later) and a wrong value each get an
honest message; an exception names a mistake only from the mistake's line;
a NotImplementedError on some cases only is an attempt; nothing raises
out of a checker and no warning leaks. For each exercise notebook: every solution passes its checker, and the committed
notebook is in stub state with one executed checker call per exercise.
Topic files (``test_exercises_<topic>.py``) keep only what is specific.
"""

from __future__ import annotations

import copy
import importlib
import re

import numpy as np
import pytest

import gradlab
from gradlab.exercises import CHAPTERS, Feedback, check
from gradlab.exercises._framework import Raised
from gradlab.softmax import softmax
from tests.exercise_helpers import (EXERCISES, is_heading, mistake_texts,
                                    notebook, run_solutions, stub, verdict)

NAMES = list(EXERCISES)
ARRAY_OUT = [name for name in NAMES if EXERCISES[name].returns == "array"]


def reference_result(name, *args):
    return EXERCISES[name].reference(*args)


# ------------------------------------------------------------ both directions

@pytest.mark.parametrize("name", NAMES)
def test_reference_passes(name):
    exercise = EXERCISES[name]
    text = verdict(name, exercise.reference)
    assert text.startswith(f"correct: matches the reference on "
                           f"{len(exercise.checked_cases)} "
                           f"{exercise.counted}"), text
    # every answer is finite, so nan or inf is never right (the checker
    # counts nan and inf as agreeing only to match a mistake's overflow)
    assert all(np.all(np.isfinite(part)) for outcome in exercise.expected
               for part, _ in outcome)
    if any(case.numerical for case in exercise.cases):
        error = float(re.search(r"relative error (\S+)\)", text).group(1))
        assert error < 1e-8, text


@pytest.mark.parametrize("name", NAMES)
def test_stub_is_not_attempted(name):
    feedback = check(EXERCISES[name], stub)
    assert not feedback
    assert str(feedback) == ("not attempted yet: replace `raise "
                             "NotImplementedError` with your code and run "
                             "this cell again.")


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_mistake_gets_its_own_message(name):
    exercise = EXERCISES[name]
    assert len(exercise.mistakes) >= 4
    for mistake in exercise.mistakes:
        text = exercise.text(mistake.message, mistake.see)
        assert verdict(name, mistake.wrong) == f"not yet right: {text}"


@pytest.mark.parametrize("number", CHAPTERS)
def test_cited_headings_exist(number):
    exercises = CHAPTERS[number][1]
    cited = [item.see for exercise in exercises
             for item in exercise.mistakes + exercise.cases if item.see]
    assert len(cited) >= 5
    for section in cited:
        assert is_heading(section, number), section
    for exercise in exercises:  # headings are cited only through `see`
        for item in exercise.mistakes:
            assert not re.search(r"chapter \d", item.message), item.message
        for case in exercise.cases:
            assert not re.search(r"chapter \d", case.hint), case.hint


@pytest.mark.parametrize("name", NAMES)
def test_reproduced_ops_exist(name):
    for dotted in EXERCISES[name].reproduces:
        module, attribute = dotted.split(".")
        assert hasattr(importlib.import_module(f"gradlab.{module}"),
                       attribute), dotted
    assert gradlab.exercises.CHAPTERS is CHAPTERS


# -------------------------------------------------------- generic problems

@pytest.mark.parametrize("name", NAMES)
def test_returning_none(name):
    assert verdict(name, lambda *args: None).startswith(
        "not yet right: your function returns None: did you forget `return")


@pytest.mark.parametrize("name", NAMES)
def test_an_exception_shows_the_raising_line(name):
    def raises(*args):
        raise ValueError("shapes do\nnot match")

    text = verdict(name, raises)
    first = EXERCISES[name].cases[0].description
    step = "step 1, " * (name == "sgd_step")
    assert text == (f"not yet right: on {first}, your function raised "
                    f"ValueError: shapes do not match\nat {step}line "
                    f"{raises.__code__.co_firstlineno + 1} of "
                    f"test_exercises.py, in raises: raise ValueError(\"shapes "
                    f"do\\nnot match\")")


def test_an_exception_inside_numpy_shows_the_students_line():
    def unregistered_broadcast_bug(dout, s):
        return (dout - np.sum(dout * s, axis=-1)[None, :]) * s

    text = verdict("softmax_vjp", unregistered_broadcast_bug)
    assert "could not be broadcast" in text and "keepdims=True" in text
    assert ("of test_exercises.py, in unregistered_broadcast_bug: return "
            "(dout - np.sum(") in text


def as_float32(name, result):
    if isinstance(result, dict):
        return {key: np.float32(value) for key, value in result.items()}
    if isinstance(result, tuple):
        return tuple(np.float32(value) for value in result)
    return np.float32(result)


@pytest.mark.parametrize("name", NAMES)
def test_float32_is_rejected_naming_the_dtype(name):
    def in_float32(*args):
        if name == "sgd_step":
            loss = reference_result(name, *args)
            for layer in args[0].layers:
                for key in layer.params:
                    layer.params[key] = layer.params[key].astype(np.float32)
            return loss
        return as_float32(name, reference_result(name, *args))

    text = verdict(name, in_float32)
    assert "float32" in text and "float64" in text, text


@pytest.mark.parametrize("name", [name for name in NAMES if any(
    isinstance(value, np.ndarray) for value in EXERCISES[name].cases[0].inputs)])
def test_changing_an_input_in_place(name):
    exercise = EXERCISES[name]
    position = next(k for k, value in enumerate(exercise.cases[0].inputs)
                    if isinstance(value, np.ndarray))
    if name == "sgd_step":
        position = 2

    def mutates(*args):
        result = reference_result(name, *args)
        args[position][...] = 0
        return result

    argument = exercise.arg_names[position]
    assert verdict(name, mutates).startswith(
        f"not yet right: your function changed its input {argument} in place")


@pytest.mark.parametrize("name", ARRAY_OUT)
def test_returning_a_list(name):
    text = verdict(name, lambda *a: reference_result(name, *a).tolist())
    assert text == ("not yet right: your function returns a list, but an "
                    "array of floats is expected: build it with numpy "
                    "operations, or convert it with np.asarray(...).")


@pytest.mark.parametrize("name", ARRAY_OUT)
def test_state_kept_between_calls(name):
    calls = []

    def remembers(*args):
        calls.append(1)
        again = len(calls) > len(EXERCISES[name].checked_cases)
        return reference_result(name, *args) + 0.5 * again

    assert "it depends on something besides its inputs" in verdict(
        name, remembers)


def _arrays(inputs) -> list:
    return [v for value in inputs for v in (
        value.values() if isinstance(value, dict) else [value])
        if isinstance(v, np.ndarray)]


WITH_ARRAYS = [name for name in NAMES if EXERCISES[name].run is None
               and _arrays(EXERCISES[name].cases[0].inputs)]


@pytest.mark.parametrize("name", WITH_ARRAYS)
def test_a_result_kept_per_shape_of_the_inputs_is_caught(name):
    # built from every input, floats, integer labels and dicts alike
    kept = {}

    def memo(*args):
        key = tuple((np.shape(v), str(np.asarray(v).dtype))
                    for v in _arrays(args))
        if key not in kept:
            kept[key] = reference_result(name, *args)
        return kept[key]

    text = verdict(name, memo)
    assert text.startswith("not yet right: on "), text
    assert text not in mistake_texts(name), text


def _not_floats(value) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, np.ndarray) and value.dtype.kind in "iu")


@pytest.mark.parametrize("name", [name for name in WITH_ARRAYS if any(
    _not_floats(value) for value in EXERCISES[name].cases[0].inputs)])
def test_labels_or_a_dict_kept_per_shape_are_caught(name):
    # the integer labels, or the arrays of a dict, of the first call of
    # each shape are used again for every later call of that shape
    kept = {}

    def stale(*args):
        used = [kept.setdefault((k, str([a.shape for a in _arrays([v])])),
                                copy.deepcopy(v)) if _not_floats(v) else v
                for k, v in enumerate(args)]
        return reference_result(name, *used)

    text = verdict(name, stale)
    assert text.startswith("not yet right: on "), text
    assert text not in mistake_texts(name), text
    # caught on the re-run case alone: the question about kept state
    assert ("in another order" not in text) or text.endswith(
        "does it keep something from an earlier call (a global, a default "
        "argument)?"), text


@pytest.mark.parametrize("name", WITH_ARRAYS)
def test_the_reordered_case_keeps_probabilities_valid(name):
    # a softmax output stays one: every row still sums to 1
    exercise = EXERCISES[name]
    extra = exercise.checked_cases[-1]
    assert len(exercise.checked_cases) == len(exercise.cases) + 1
    base = next(case for case in exercise.cases if all(
        np.shape(a) == np.shape(b) for a, b in zip(case.inputs,
                                                  extra.inputs)))
    for old, new in zip(base.inputs, extra.inputs):
        if isinstance(old, np.ndarray) and old.ndim and np.all(
                (old >= 0) & (old <= 1)) and np.allclose(old.sum(-1), 1):
            assert np.allclose(new.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
            assert not np.array_equal(new, old)


@pytest.mark.parametrize("name", [name for name in WITH_ARRAYS
                                  if EXERCISES[name].returns != "scalar"])
def test_a_result_overwritten_by_a_later_call_is_caught(name):
    buffers = {}

    def refills(*args):
        result = reference_result(name, *args)
        kind = type(result)
        named = (result.items() if kind is dict else enumerate(
            result if kind in (tuple, list) else [result]))
        filled = {}
        for key, part in named:
            buffer = buffers.setdefault((key, np.shape(part)),
                                        np.zeros(np.shape(part)))
            buffer[...] = part  # right until the next call refills it
            filled[key] = buffer
        return (filled if kind is dict else kind(filled.values())
                if kind in (tuple, list) else filled[0])

    text = verdict(name, refills)
    assert "changed when the function was called again" in text, text


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_on_some_cases_is_an_attempt(name):
    exercise = EXERCISES[name]
    calls = []

    def partial(*args):
        calls.append(1)
        if len(calls) > 1:
            raise NotImplementedError("this case is not handled yet")
        return reference_result(name, *args)

    text = verdict(name, partial)
    assert text.startswith("not yet right: on "), text
    assert "raised NotImplementedError: this case is not handled yet" \
        in text and exercise.cases[0].description not in text.split(",")[0]


@pytest.mark.parametrize("name", [name for name in NAMES if any(
    isinstance(outcome, Raised) for outcomes in
    EXERCISES[name].mistake_outcomes for outcome in outcomes)])
def test_an_exception_from_another_line_names_no_mistake(name):
    exercise = EXERCISES[name]
    for mistake, outcomes in zip(exercise.mistakes,
                                 exercise.mistake_outcomes):
        if not any(isinstance(o, Raised) for o in outcomes):
            continue

        def same_error_elsewhere(*args, wrong=mistake.wrong):
            try:
                return wrong(*args)
            except Exception as error:  # noqa: BLE001 - re-raised
                message = str(error)
            raise ValueError(message)  # the same text from this line

        text = verdict(name, same_error_elsewhere)
        assert text not in mistake_texts(name), (mistake.message, text)


def test_hints_about_an_exception_need_its_evidence():
    # an empty reduction with no slice on the line is no empty window
    def empty_max(z):
        return np.exp(z - z[z > 1e300].max())

    text = verdict("softmax", empty_max)
    assert "zero-size array" in text and "Hint" not in text, text
    # (3, 5) against (3, 3) is no missing keepdims
    text = verdict("softmax_vjp", lambda dout, s: s * (dout - dout @ s.T))
    assert "could not be broadcast" in text and "Hint" not in text, text


@pytest.mark.parametrize("name", ARRAY_OUT)
def test_a_small_error_prints_digits_that_differ(name):
    text = verdict(name, lambda *a: reference_result(name, *a) * (1 + 5e-7)
                   + 1e-9)
    found = re.search(r"is (\S+) but should be (\S+) \(the largest", text)
    assert found and found.group(1) != found.group(2), text
    assert text not in mistake_texts(name)


def test_passing_a_result_instead_of_the_function():
    assert verdict("softmax", softmax(np.ones((2, 3)))) == (
        "not yet right: pass your function itself, as in "
        "check_softmax(softmax), not ndarray (the result of calling it).")


def test_no_warnings_leak_and_feedback_is_deterministic(recwarn):
    for name in ("softmax", "cross_entropy", "max_pool2d_grad", "sgd_step"):
        for mistake in EXERCISES[name].mistakes:
            assert verdict(name, mistake.wrong) == verdict(name,
                                                           mistake.wrong)
    assert len(recwarn) == 0
    assert bool(Feedback("not yet right", "x")) is False


# ------------------------------------------------------ the exercise notebooks

@pytest.mark.parametrize("number", CHAPTERS)
def test_notebook_solutions_pass_their_checkers(number):
    # As in the notebooks' setup cells: numpy, and softmax for chapter 5.
    checked = run_solutions(number, {"np": np, "softmax": softmax})
    assert set(checked) == {exercise.name for exercise in CHAPTERS[number][1]}


@pytest.mark.parametrize("number", CHAPTERS)
def test_notebook_is_in_stub_state_with_one_checker_call_each(number):
    cells = [cell for cell in notebook("exercises", number).cells
             if cell.cell_type == "code"]
    sources = [cell.source for cell in cells]
    # Checked exercises are numbered in registry order; a pen-and-paper
    # exercise between them takes a number too, so only the order is fixed.
    numbers = []
    for exercise in CHAPTERS[number][1]:
        name = exercise.name
        stubs = [re.search(rf'raise NotImplementedError\("Exercise '
                           rf'{number}\.(\d+)"\)', code) for code in sources
                 if re.search(rf"^def {name}\(", code, re.MULTILINE)]
        assert len(stubs) == 1 and stubs[0], name
        numbers.append(int(stubs[0].group(1)))
        assert sources.count(f"check_{name}({name})") == 1, name
    assert numbers == sorted(set(numbers)), numbers
    runs = [cell for cell in cells if cell.source.startswith(("check_",
                                                              "watch_"))]
    assert len(runs) >= len(CHAPTERS[number][1])
    for cell in runs:
        assert cell.outputs, f"chapter {number}'s exercises not executed"
        assert cell.outputs[0]["data"]["text/plain"].startswith(
            "not attempted yet")


def test_a_notebook_shows_the_verdict_wrapped_to_the_code_column():
    from IPython.lib.pretty import pretty

    from gradlab.exercises import check_softmax

    def batch_max(z):
        e = np.exp(z - np.max(z))
        return e / e.sum(axis=-1, keepdims=True)

    feedback = check_softmax(batch_max)
    shown = pretty(feedback)
    assert max(map(len, shown.splitlines())) <= 77 < len(str(feedback))
    assert shown.split() == str(feedback).split()
