r"""The generic exercise checker behind every ``check_*`` function.

An :class:`Exercise` bundles a reference implementation, a list of named input
:class:`Case`\ s and the :class:`Mistake`\ s students are known to make, each a wrong
implementation paired with a one- or two-sentence explanation. :func:`check` runs a
student's function on copies of each case's inputs and reports the first problem it
finds, in this order:

1. ``NotImplementedError``: the exercise is not attempted yet;
2. any other exception (never propagated to the notebook);
3. ``None``, a list or tuple instead of an array, a non-numeric result (for an
   exercise that returns several arrays: not the tuple or dict of them it expects);
4. an input changed in place;
5. the wrong shape, ``nan``/``inf`` where the answer is finite, wrong values.

For 2 and 5 it first asks whether a known mistake produces exactly the same outcome on
that case; if so, the mistake's explanation is the feedback. Otherwise the message
names the case and, for values, the largest difference and where it is. It never shows
the reference code or the reference arrays. Where the exercise is a gradient, a correct
answer is also compared with central differences (:mod:`gradlab.gradcheck`).

An exercise whose function returns several arrays (``dx, dw, db = ...`` or a dict of
gradients) names them in ``parts``; each is then checked in turn, and messages name the
part that is wrong.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..gradcheck import DEFAULT_TOLERANCE, rel_error

NOT_ATTEMPTED = "not attempted yet"
CORRECT = "correct"
NOT_YET = "not yet right"

# A correct answer agrees with the reference to rounding error; a known mistake is
# recognised when it agrees with the student's answer to a slightly looser tolerance.
RTOL, ATOL = 1e-7, 1e-12
MISTAKE_RTOL, MISTAKE_ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Feedback:
    r"""The verdict of a checker: prints as one to three lines, truthy only when correct."""

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    __repr__ = __str__


@dataclass(frozen=True)
class Case:
    r"""One set of inputs, described for the student (``"a batch of 1 (N=1, C=4)"``).

    ``nonfinite_hint`` explains what goes wrong when an answer is ``nan`` or ``inf`` on
    this case (for large logits: the overflow and its fix). ``numerical``, when given,
    returns the central-difference gradient that the answer must match on this case (for
    an exercise with ``parts``, a tuple of them in the order of ``parts``).
    """

    description: str
    inputs: tuple
    nonfinite_hint: str = ""
    numerical: Callable[[], np.ndarray] | None = None


@dataclass(frozen=True)
class Mistake:
    r"""A wrong implementation (same signature as the exercise) and what it gets wrong."""

    wrong: Callable
    message: str


@dataclass(frozen=True)
class Exercise:
    r"""What :func:`check` needs: the reference, the cases and the known mistakes.

    ``arg_names`` name the inputs in messages; ``returns`` is ``"array"`` or
    ``"scalar"``; ``scalar_hint`` explains a result that should be one number but is not.
    A function that returns several arrays has ``returns="tuple"`` (a tuple in the order
    of ``parts``) or ``returns="dict"`` (a dict with the keys ``parts``).
    """

    name: str
    arg_names: tuple[str, ...]
    reference: Callable
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...] = ()
    returns: str = "array"
    scalar_hint: str = ""
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Raised:
    kind: str
    text: str


def _run(fn: Callable, inputs: tuple):
    r"""Call ``fn`` on copies of ``inputs``: (result or _Raised, the copies afterwards)."""
    arguments = copy.deepcopy(inputs)
    # Overflow warnings would clutter the notebook; the checker reports nan/inf itself.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = fn(*arguments)
        except NotImplementedError:
            raise  # the stub: check() reports "not attempted yet"
        except Exception as error:  # noqa: BLE001 - a student's bug must not crash the notebook
            result = _Raised(type(error).__name__, str(error))
    return result, arguments


def _as_numbers(result) -> np.ndarray | None:
    try:
        array = np.asarray(result)
    except Exception:  # noqa: BLE001 - ragged lists and other oddities
        return None
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        return None
    return array.astype(np.float64)


def _same(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _numbers_in_parts(exercise: Exercise, result) -> tuple[list[np.ndarray] | None, str]:
    r"""A tuple or dict result as one float array per part, or None and what is wrong."""
    names = exercise.parts
    listed = ", ".join(names)
    if exercise.returns == "dict":
        if not isinstance(result, dict):
            return None, (f"your function returns {type(result).__name__}, but a dict with "
                          f"the keys {listed} is expected.")
        missing = [name for name in names if name not in result]
        if missing:
            found = ", ".join(repr(key) for key in result) or "none"
            return None, (f"the dict your function returns has no key {missing[0]!r} (its "
                          f"keys: {found}); it needs the keys {listed}.")
        values = [result[name] for name in names]
    else:
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            what = (f"{len(result)} values" if isinstance(result, (tuple, list))
                    else f"a single {type(result).__name__}")
            return None, (f"your function returns {what}, but {len(names)} are expected: "
                          f"return {listed}, in this order.")
        values = list(result)
    arrays = [_as_numbers(value) for value in values]
    for name, value, array in zip(names, values, arrays):
        if array is None:
            return None, f"{name} is {type(value).__name__}, but an array of floats is expected."
    return arrays, ""


def _outcome(exercise: Exercise, result):
    r"""``result`` as numbers: an array, a list of arrays (one per part), or None."""
    if exercise.parts:
        return _numbers_in_parts(exercise, result)[0]
    return _as_numbers(result)


def _same_outcome(a, b, rtol: float, atol: float) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(_same(x, y, rtol, atol) for x, y in zip(a, b)))
    return _same(a, b, rtol, atol)


def _matching_mistake(exercise: Exercise, case: Case, outcome) -> Mistake | None:
    r"""The first known mistake whose outcome on ``case`` is the student's outcome."""
    for mistake in exercise.mistakes:
        wrong, _ = _run(mistake.wrong, case.inputs)
        if isinstance(outcome, _Raised):
            if isinstance(wrong, _Raised) and wrong == outcome:
                return mistake
            continue
        if isinstance(wrong, _Raised):
            continue
        wrong = _outcome(exercise, wrong)
        if wrong is not None and _same_outcome(outcome, wrong, MISTAKE_RTOL, MISTAKE_ATOL):
            return mistake
    return None


def _shape_hint(expected: tuple, received: tuple) -> str:
    if len(expected) == 2 and received == expected[::-1]:
        return "Rows and columns are swapped: did you transpose, or index [class, sample]?"
    if len(received) == len(expected) - 1:
        return ("An axis is missing: did you sum over an axis without keepdims=True, or "
                "drop the batch axis?")
    if len(received) == len(expected) + 1:
        return "There is an extra axis: did you add or keep an axis that should not be there?"
    if len(received) == len(expected):
        axis = next(i for i, (e, r) in enumerate(zip(expected, received)) if e != r)
        return (f"Axis {axis} has length {received[axis]} instead of {expected[axis]}: "
                f"did you take a size from the wrong argument or the wrong axis?")
    return "Check which axes you reduce over and which you keep."


def _raised_hint(raised: _Raised) -> str:
    if "could not be broadcast" in raised.text:
        return ("Hint: a sum or max over one axis drops that axis; keepdims=True keeps it "
                "with length 1 so the result broadcasts back over the rows.")
    if "mismatch in its core dimension" in raised.text or "not aligned" in raised.text:
        return ("Hint: the inner sizes of a matrix product must agree. Write down the shape "
                "of each factor and of the result (a gradient has the shape of its input): "
                "that shows which factor to transpose.")
    if "empty sequence" in raised.text or "zero-size array" in raised.text:
        return ("Hint: a window came out empty, so it starts past the edge of the input: "
                "check where each window starts (stride, padding, which axis is which).")
    if raised.kind == "IndexError":
        return "Hint: check that each index runs over the right axis (N rows, C columns)."
    return ""


def _describe_index(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _value_message(case: Case, received: np.ndarray, expected: np.ndarray,
                   part: str = "") -> str:
    if received.ndim == 0:
        what = f"{part} is" if part else "your function returns"
        return (f"on {case.description}, {what} {float(received):.6g} "
                f"but the answer is {float(expected):.6g}.")
    difference = np.abs(received - expected)
    index = np.unravel_index(int(np.argmax(difference)), difference.shape)
    of = f" of {part}" if part else ""
    return (f"on {case.description}, entry {_describe_index(index)}{of} is "
            f"{received[index]:.6g} but should be {expected[index]:.6g} "
            f"(the largest difference, {difference[index]:.3g}).")


def _nonfinite_message(case: Case, received: np.ndarray, part: str = "") -> str:
    bad = ~np.isfinite(received)
    index = np.unravel_index(int(np.argmax(bad)), bad.shape)
    what = "nan" if np.isnan(received[index]) else f"{float(received[index])}"
    located = (f" in {part}" if part else "") + (
        f" at {_describe_index(index)}" if received.ndim else "")
    hint = case.nonfinite_hint or ("Look for an exponential that overflows, a log of 0 or "
                                  "a division by 0.")
    return f"on {case.description}, your function returns {what}{located}.\n{hint}"


def _problem(exercise: Exercise, case: Case, result, after: tuple,
             expected: np.ndarray) -> tuple[str, np.ndarray | None]:
    r"""What is wrong with ``result`` on ``case`` ("" if nothing), and the result as numbers."""
    if isinstance(result, _Raised):
        mistake = _matching_mistake(exercise, case, result)
        if mistake:
            return mistake.message, None
        hint = _raised_hint(result)
        text = result.text if len(result.text) <= 200 else result.text[:197] + "..."
        return (f"on {case.description}, your function raised {result.kind}: {text}"
                + (f"\n{hint}" if hint else "")), None
    if result is None:
        return "your function returns None: did you forget `return`?", None
    if exercise.parts:
        return _problem_in_parts(exercise, case, result, after, expected)
    wanted = "an array" if exercise.returns == "array" else "a single number"
    if isinstance(result, (list, tuple)):
        fix = ("build the result with numpy operations, or convert it with np.asarray(...)"
               if exercise.returns == "array" else "return one number, such as float(loss)")
        return (f"your function returns a {type(result).__name__}, but {wanted} is expected: "
                f"{fix}."), None
    received = _as_numbers(result)
    if received is None:
        dtype = f" of dtype {result.dtype}" if isinstance(result, np.ndarray) else ""
        return (f"your function returns {type(result).__name__}{dtype}, but {wanted} of "
                f"floats is expected."), None
    changed = _changed_input(exercise, case, after)
    if changed:
        return changed, received
    if received.shape == expected.shape and _same(received, expected, RTOL, ATOL):
        return "", received
    mistake = _matching_mistake(exercise, case, received)
    if mistake:
        return mistake.message, received
    if received.shape != expected.shape:
        if expected.shape == ():
            return (f"expected a single number, got an array of shape {received.shape} on "
                    f"{case.description}. {exercise.scalar_hint}").rstrip(), received
        return (f"on {case.description}, expected shape {expected.shape}, got "
                f"{received.shape}.\n{_shape_hint(expected.shape, received.shape)}"), received
    if np.all(np.isfinite(expected)) and not np.all(np.isfinite(received)):
        return _nonfinite_message(case, received), received
    return _value_message(case, received, expected), received


def _changed_input(exercise: Exercise, case: Case, after: tuple) -> str:
    for name, before, now in zip(exercise.arg_names, case.inputs, after):
        if isinstance(before, np.ndarray) and not (
                isinstance(now, np.ndarray) and now.shape == before.shape
                and np.array_equal(now, before, equal_nan=True)):
            return (f"your function changed its input {name} in place; work on a copy "
                    f"(write {name} = {name} - m rather than {name} -= m, or start from "
                    f"{name}.copy()).")
    return ""


def _problem_in_parts(exercise: Exercise, case: Case, result, after: tuple,
                      expected: list[np.ndarray]) -> tuple[str, list[np.ndarray] | None]:
    r""":func:`_problem` for a function that returns several arrays (``exercise.parts``)."""
    received, message = _numbers_in_parts(exercise, result)
    if message:
        return message, None
    changed = _changed_input(exercise, case, after)
    if changed:
        return changed, received
    if _same_outcome(received, expected, RTOL, ATOL):
        return "", received
    mistake = _matching_mistake(exercise, case, received)
    if mistake:
        return mistake.message, received
    pairs = list(zip(exercise.parts, received, expected))
    for name, part, answer in pairs:  # shapes first: a wrong shape says more than a value
        if part.shape != answer.shape:
            return (f"on {case.description}, expected shape {answer.shape} for {name}, got "
                    f"{part.shape}.\n{_shape_hint(answer.shape, part.shape)}"), received
    name, part, answer = next(pair for pair in pairs if not _same(*pair[1:], RTOL, ATOL))
    if np.all(np.isfinite(answer)) and not np.all(np.isfinite(part)):
        return _nonfinite_message(case, part, name), received
    return _value_message(case, part, answer, name), received


def _expected(exercise: Exercise, answer):
    if exercise.parts:
        return _numbers_in_parts(exercise, answer)[0]
    return np.asarray(answer, dtype=np.float64)


def _rel_errors(received, numerical) -> list[float]:
    if isinstance(received, list):
        return [rel_error(part, gradient) for part, gradient in zip(received, numerical)]
    return [rel_error(received, numerical)]


def check(exercise: Exercise, fn) -> Feedback:
    r"""Run ``fn`` on every case of ``exercise`` and return the :class:`Feedback`."""
    if not callable(fn):
        return Feedback(NOT_YET, f"pass your function itself, as in "
                                 f"check_{exercise.name}({exercise.name}), not "
                                 f"{type(fn).__name__} (the result of calling it).")
    errors = []
    for case in exercise.cases:
        try:
            result, after = _run(fn, case.inputs)
        except NotImplementedError:
            return Feedback(NOT_ATTEMPTED, "replace `raise NotImplementedError` with your "
                                           "code and run this cell again.")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = _expected(exercise, exercise.reference(*copy.deepcopy(case.inputs)))
        message, received = _problem(exercise, case, result, after, expected)
        if message:
            return Feedback(NOT_YET, message)
        if case.numerical is not None:
            errors.extend(_rel_errors(received, case.numerical()))
    count = len(exercise.cases)
    if not errors:
        return Feedback(CORRECT, f"matches the reference on {count} inputs.")
    worst = max(errors)
    if worst > DEFAULT_TOLERANCE:
        return Feedback(NOT_YET, f"matches the reference on {count} inputs but not the "
                                 f"numerical gradient (relative error {worst:.1e}); "
                                 f"please report this as a bug in the checker.")
    return Feedback(CORRECT, f"matches the reference on {count} inputs and the numerical "
                             f"gradient (relative error {worst:.1e}).")


def described(shape: Sequence[int], letters: str = "NC") -> str:
    r"""``(3, 5)`` -> ``"N=3, C=5"``: sizes named with the book's letters."""
    return ", ".join(f"{letter}={size}" for letter, size in zip(letters, shape))
