r"""The generic checker behind every ``check_*`` function.

An :class:`Exercise` is a table: a reference, the input :class:`Case`\ s and
the known :class:`Mistake`\ s, each a wrong implementation with its
explanation and the heading of the chapter it points to. :func:`check` runs
the student's function on every case and reports, for the first case where
something is wrong:

1. ``NotImplementedError``: the exercise is not attempted yet;
2. ``None``, a list, a non-numeric result, a dtype other than float64, an
   input changed in place;
3. an exception (never propagated), a wrong shape, nan/inf, wrong values;
4. a different result when called again on the first case (hidden state).

For 3 a mistake is named only if the student's outcome agrees with it, at
the correctness tolerance (nan or inf where it has nan or inf), on every
case where the mistake differs from the reference, and there is at least
one such case; and, so that a second slip is not hidden behind the first,
also on the cases where the mistake gives the right answer. Otherwise the
message names the case, the entry and the two values, with enough digits
to differ; an exception shows the line of the student's code that raised
it.

An exercise that changes a model instead of returning arrays supplies a
``run`` hook that turns one call into an outcome (a dict of arrays) and a
``describe`` hook for its value messages; everything else is shared.
"""

from __future__ import annotations

import copy
import os
import sysconfig
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

from ..gradcheck import DEFAULT_TOLERANCE, rel_error

NOT_ATTEMPTED = "not attempted yet"
CORRECT = "correct"
NOT_YET = "not yet right"
RTOL, ATOL = 1e-7, 1e-12  # a correct answer agrees to rounding error
ATTEMPT = "replace `raise NotImplementedError` with your code and run this " \
          "cell again."


@dataclass(frozen=True)
class Feedback:
    r"""A checker's verdict: one to three lines, truthy only when correct."""

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    __repr__ = __str__


@dataclass(frozen=True)
class Case:
    r"""One set of inputs, described for the student.

    ``hint`` is added when an answer is nan/inf on this case; ``see`` is
    the heading the hint points to; ``shape_hint`` replaces the general
    hint about a wrong shape. ``numerical``, when given, returns the
    central-difference gradient(s) a correct answer must match here.
    """

    description: str
    inputs: tuple
    hint: str = ""
    see: str = ""
    numerical: Callable | None = None
    shape_hint: str = ""


@dataclass(frozen=True)
class Mistake:
    r"""A wrong implementation, what it gets wrong, and where to read more.

    ``see`` is a heading of the exercise's chapter (the one place to
    update when a heading is renamed).
    """

    wrong: Callable
    message: str
    see: str = ""


@dataclass(frozen=True)
class Raised:
    r"""An exception from the student's code: its type, text and line."""

    kind: str
    text: str
    where: str = ""

    def __eq__(self, other) -> bool:
        return (isinstance(other, Raised) and self.kind == other.kind
                and self.text == other.text)


@dataclass(frozen=True)
class Problem:
    r"""A result that cannot be compared, with the message that says why."""

    message: str


@dataclass(frozen=True, eq=False)
class Exercise:
    r"""What :func:`check` needs; see the module docstring.

    ``returns`` is ``"array"``, ``"scalar"``, ``"tuple"`` or ``"dict"``
    (the last two name their arrays in ``parts``; messages about values
    follow the order of ``parts``). ``reproduces`` names the gradlab
    functions whose work the exercise asks for (a grader may forbid them).
    """

    name: str
    chapter: int
    arg_names: tuple[str, ...]
    reference: Callable
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...] = ()
    returns: str = "array"
    parts: tuple[str, ...] = ()
    scalar_hint: str = ""
    reproduces: tuple[str, ...] = ()
    run: Callable | None = None
    describe: Callable | None = None
    applied: Callable | None = None
    counted: str = "inputs"

    def text(self, message: str, see: str) -> str:
        r"""``message`` with its pointer to the chapter, when it has one."""
        if not see:
            return message
        return f"{message.rstrip('.')} (chapter {self.chapter}, '{see}')."

    def outcome(self, fn, case: Case):
        r"""Run ``fn`` on ``case``: arrays, a Raised or a Problem."""
        if self.run is not None:
            result = self.run(fn, case)
            return result if isinstance(result, (Raised, Problem)) \
                else numbers(self, result)
        arguments = copy.deepcopy(case.inputs)
        result = call(fn, arguments)
        if isinstance(result, Raised):
            return result
        found = numbers(self, result)
        if isinstance(found, Problem):
            return found
        changed = changed_input(self.arg_names, case.inputs, arguments)
        return Problem(changed) if changed else found

    @cached_property
    def checked_cases(self) -> tuple[Case, ...]:
        r"""The cases, then the first one again with the entries of each
        float array in another order: an answer that keeps something from
        an earlier call of the same shapes shows there."""
        first = self.cases[0]
        rng = np.random.default_rng(0)
        inputs = tuple(rng.permutation(v.ravel()).reshape(v.shape)
                       if isinstance(v, np.ndarray) and v.dtype.kind == "f"
                       else v for v in first.inputs)
        if all(new is old for new, old in zip(inputs, first.inputs)):
            return self.cases
        return self.cases + (Case(f"the inputs of {first.description} in "
                                  f"another order", inputs),)

    @cached_property
    def expected(self) -> list:
        with quiet():
            return [self.outcome(self.reference, case)
                    for case in self.checked_cases]

    @cached_property
    def mistake_outcomes(self) -> list[list]:
        with quiet():
            return [[self.outcome(m.wrong, case)
                     for case in self.checked_cases] for m in self.mistakes]


@contextmanager
def quiet():
    r"""No overflow warnings in the notebook: the checker reports nan/inf."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


_LIBRARY = tuple(os.path.join(folder, "") for folder in (
    os.path.dirname(np.__file__), os.path.dirname(os.path.dirname(__file__)),
    *(sysconfig.get_paths()[key] for key in ("stdlib", "purelib",
                                             "platlib"))))


def _raising_line(error: BaseException) -> str:
    r"""Where the student's own code raised: the last frame outside numpy,
    gradlab, the standard library and installed packages."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if not f.filename.startswith(_LIBRARY)]
    if not own:
        return ""
    frame = own[-1]
    source = f": {frame.line.strip()}" if frame.line else ""
    return (f"line {frame.lineno} of {_place(frame.filename)}, in "
            f"{frame.name}{source}")


def _place(filename: str) -> str:
    r"""``cell In[5]`` in a notebook (as IPython names it), else the file."""
    try:
        from IPython import get_ipython
        label = get_ipython().compile.format_code_name(filename)
        return f"cell {label[1]}"
    except Exception:  # noqa: BLE001 - not in IPython, or not a cell
        return os.path.basename(filename)


def call(fn: Callable, arguments: tuple):
    r"""``fn(*arguments)``, or a :class:`Raised`; NotImplementedError
    propagates (the stub)."""
    try:
        return fn(*arguments)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - never crash the notebook
        return Raised(type(error).__name__, " ".join(str(error).split()),
                      _raising_line(error))


def _floats(value, name: str, wanted: str):
    r"""``value`` as a float64 array (with its dtype) or a :class:`Problem`."""
    if value is None:
        return Problem(f"{name} is None, but {wanted} is expected." if name
                       else "your function returns None: did you forget "
                            "`return`?")
    what = f"{name} is" if name else "your function returns"
    if isinstance(value, (list, tuple)):
        fix = ("build it with numpy operations, or convert it with "
               "np.asarray(...)" if wanted.startswith("an array")
               else "return one number, such as float(loss)")
        return Problem(f"{what} a {type(value).__name__}, but {wanted} is "
                       f"expected: {fix}.")
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - ragged sequences and other oddities
        array = np.asarray(None)
    kind = array.dtype.kind
    if kind not in "iuf":
        dtype = f" of dtype {array.dtype}" if isinstance(value, np.ndarray) \
            else ""
        return Problem(f"{what} {type(value).__name__}{dtype}, but {wanted} "
                       f"is expected.")
    if kind == "f" and array.dtype != np.float64:
        fewer = (f": {array.dtype} keeps fewer digits than a gradient check "
                 f"needs. Compute in float64 (the inputs are float64; look "
                 f"for a conversion or a dtype=)"
                 if array.dtype.itemsize < 8 else "")
        return Problem(f"{what} values of dtype {array.dtype}, but float64 "
                       f"is expected{fewer}.")
    return array.astype(np.float64), array.dtype


def numbers(exercise: Exercise, result):
    r"""The result as a list of (float64 array, dtype) pairs, one per part,
    or a :class:`Problem`."""
    names, listed = exercise.parts, ", ".join(exercise.parts)
    if result is None:
        return _floats(None, "", "")
    if exercise.returns == "dict":
        if not isinstance(result, dict):
            return Problem(f"your function returns {type(result).__name__}, "
                           f"but a dict with the keys {listed} is expected.")
        missing = [name for name in names if name not in result]
        if missing:
            found = ", ".join(repr(key) for key in result) or "none"
            return Problem(f"the dict your function returns has no key "
                           f"{missing[0]!r} (its keys: {found}); it needs "
                           f"the keys {listed}.")
        values = [result[name] for name in names]
    elif exercise.returns == "tuple":
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            what = (f"{len(result)} values"
                    if isinstance(result, (tuple, list))
                    else f"a single {type(result).__name__}")
            return Problem(f"your function returns {what}, but {len(names)} "
                           f"are expected: return {listed}, in this order.")
        values = list(result)
    else:
        names, values = ("",), [result]
    wanted = ("a single number" if exercise.returns == "scalar"
              else "an array of floats")
    found = []
    for name, value in zip(names, values):
        array = _floats(value, name, wanted)
        if isinstance(array, Problem):
            return array
        found.append(array)
    return found


def changed_input(arg_names, before: tuple, after: tuple) -> str:
    r"""The message for the first array input (or array in a dict input)
    changed in place, or ""."""
    pairs = []
    for name, old, new in zip(arg_names, before, after):
        if isinstance(old, dict):
            new = new if isinstance(new, dict) else {}
            pairs += [(f"{name}[{key!r}]", value, new.get(key))
                      for key, value in old.items()]
        else:
            pairs.append((name, old, new))
    for name, old, new in pairs:
        if isinstance(old, np.ndarray) and not (
                isinstance(new, np.ndarray) and new.shape == old.shape
                and np.array_equal(new, old, equal_nan=True)):
            return (f"your function changed its input {name} in place; work "
                    f"on a copy (write {name} = {name} - m rather than "
                    f"{name} -= m, or start from {name}.copy()).")
    return ""


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    r"""Same shape, nan/inf at the same places, close everywhere else."""
    if a.shape != b.shape:
        return False
    finite = np.isfinite(a)
    return bool(np.array_equal(finite, np.isfinite(b)) and np.allclose(
        a[finite], b[finite], rtol=RTOL, atol=ATOL))


def agree(a, b) -> bool:
    r"""Two outcomes agree: the same exception, or every part close."""
    if isinstance(a, Raised) or isinstance(b, Raised):
        return a == b
    if isinstance(a, Problem) or isinstance(b, Problem):
        return False
    return len(a) == len(b) and all(
        _close(x, y) for (x, _), (y, _) in zip(a, b))


def named_mistake(exercise: Exercise, got: list) -> Mistake | None:
    r"""The first mistake the student's outcomes agree with on every case
    (so wherever it differs from the reference, and it differs somewhere;
    where it does not, the student must be right too)."""
    for mistake, wrong in zip(exercise.mistakes, exercise.mistake_outcomes):
        if all(agree(mine, w) for mine, w in zip(got, wrong)) and not all(
                agree(w, e) for w, e in zip(wrong, exercise.expected)):
            return mistake
    return None


# ------------------------------------------------------------ messages

def _shape_hint(expected: tuple, received: tuple) -> str:
    if len(expected) == 2 and received == expected[::-1]:
        return ("Rows and columns are swapped: did you transpose, or index "
                "[class, sample]?")
    if len(received) == len(expected) - 1:
        return ("An axis is missing: did you sum over an axis without "
                "keepdims=True, or drop the batch axis?")
    if len(received) == len(expected) + 1:
        return ("There is an extra axis: did you add or keep an axis that "
                "should not be there?")
    if len(received) == len(expected):
        axis = next(i for i, (e, r) in enumerate(zip(expected, received))
                    if e != r)
        return (f"Axis {axis} has length {received[axis]} instead of "
                f"{expected[axis]}: did you take a size from the wrong "
                f"argument or the wrong axis?")
    return "Check which axes you reduce over and which you keep."


def _raised_hint(raised: Raised) -> str:
    text = raised.text
    if "could not be broadcast" in text:
        return ("Hint: a sum or max over one axis drops that axis; "
                "keepdims=True keeps it with length 1.")
    if "mismatch in its core dimension" in text or "not aligned" in text:
        return ("Hint: the inner sizes of a matrix product must agree; "
                "write down the shape of each factor and of the result.")
    if "empty sequence" in text or "zero-size array" in text:
        return ("Hint: a window came out empty, so it starts past the edge "
                "of the input: check where each window starts.")
    return ""


def _digits(a: float, b: float) -> tuple[str, str]:
    r"""``a`` and ``b`` with the fewest digits (at least 6) that differ."""
    a, b = a + 0.0, b + 0.0  # no "-0"
    for digits in range(6, 18):
        first, second = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if first != second:
            return first, second
    return repr(a), repr(b)


def _index(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def worst_entry(received: np.ndarray, expected: np.ndarray):
    r"""The entry that misses the tolerance by most: its index as text,
    the two values with enough digits to differ, and the difference."""
    wrong = ~np.isclose(received, expected, rtol=RTOL, atol=ATOL)
    gap = np.where(wrong, np.abs(received - expected), -1.0)
    index = np.unravel_index(int(np.argmax(gap)), gap.shape)
    return (_index(index),) + _digits(float(received[index]),
                                      float(expected[index])) + (
        f"{gap[index]:.3g}",)


def value_message(case: Case, received: np.ndarray, expected: np.ndarray,
                  part: str = "", dtype=np.float64, see: str = "") -> str:
    r"""Which entry differs, with both values; nan/inf get the case's hint."""
    of = f" of {part}" if part else ""
    typed = "" if dtype == np.float64 else f" (your result has dtype {dtype})"
    if np.all(np.isfinite(expected)) and not np.all(np.isfinite(received)):
        bad = np.unravel_index(int(np.argmax(~np.isfinite(received))),
                               received.shape)
        where = f" at {_index(bad)}" if received.ndim else ""
        hint = case.hint or ("Look for an exponential that overflows, a log "
                             "of 0 or a division by 0.")
        hint = f"{hint.rstrip('.')} ({see})." if see else hint
        return (f"on {case.description}, your function returns "
                f"{received[bad]}{where}{' in ' + part if part else ''}."
                f"\n{hint}")
    index, got, want, gap = worst_entry(received, expected)
    if received.ndim == 0:
        what = f"{part} is" if part else "your function returns"
        return f"on {case.description}, {what} {got} but the answer is " \
               f"{want}{typed}."
    return (f"on {case.description}, entry {index}{of} is {got} but "
            f"should be {want}{typed} (the largest difference, {gap}).")


def _generic(exercise: Exercise, case: Case, got, want) -> str:
    if isinstance(got, Raised):
        text = got.text if len(got.text) <= 160 else got.text[:157] + "..."
        where = f"\nat {got.where}" if got.where else ""
        hint = _raised_hint(got)
        return (f"on {case.description}, your function raised {got.kind}: "
                f"{text}{where}" + (f"\n{hint}" if hint else ""))
    if exercise.describe is not None:
        return exercise.describe(case, got, want)
    names = exercise.parts or ("",)
    for name, (part, _), (answer, _) in zip(names, got, want):
        if part.shape != answer.shape:
            if answer.shape == ():
                return (f"expected a single number, got an array of shape "
                        f"{part.shape} on {case.description}. "
                        f"{exercise.scalar_hint}").rstrip()
            of = f" for {name}" if name else ""
            return (f"on {case.description}, expected shape {answer.shape}"
                    f"{of}, got {part.shape}.\n" + (
                        case.shape_hint
                        or _shape_hint(answer.shape, part.shape)))
    see = f"chapter {exercise.chapter}, '{case.see}'" if case.see else ""
    for name, (part, dtype), (answer, _) in zip(names, got, want):
        if not _close(part, answer):
            return value_message(case, part, answer, name, dtype, see)
    return f"on {case.description}, your result differs from the reference."


def check(exercise: Exercise, fn) -> Feedback:
    r"""Run ``fn`` on every case of ``exercise``: the :class:`Feedback`."""
    if not callable(fn):
        return Feedback(NOT_YET, f"pass your function itself, as in "
                                 f"check_{exercise.name}({exercise.name}), "
                                 f"not {type(fn).__name__} (the result of "
                                 f"calling it).")
    with quiet():
        try:
            got = [exercise.outcome(fn, case)
                   for case in exercise.checked_cases]
            again = exercise.outcome(fn, exercise.cases[0])
        except NotImplementedError:
            return Feedback(NOT_ATTEMPTED, ATTEMPT)
        for case, mine, want in zip(exercise.checked_cases, got,
                                    exercise.expected):
            if isinstance(mine, Problem):
                return Feedback(NOT_YET, mine.message)
            if agree(mine, want):
                continue
            mistake = named_mistake(exercise, got)
            if mistake is not None:
                return Feedback(NOT_YET, exercise.text(mistake.message,
                                                       mistake.see))
            return Feedback(NOT_YET, _generic(exercise, case, mine, want))
        if not agree(again, got[0]):
            return Feedback(NOT_YET, f"called a second time on "
                                     f"{exercise.cases[0].description}, your "
                                     f"function returned a different result: "
                                     f"it depends on something besides its "
                                     f"inputs (a global, an attribute, a "
                                     f"default argument it changes, a random "
                                     f"draw).")
        errors = []
        for case, mine in zip(exercise.cases, got):
            if case.numerical is not None:
                arrays = [part for part, _ in mine]
                if exercise.applied is not None:
                    arrays = exercise.applied(case, arrays)
                numeric = case.numerical()
                numeric = numeric if isinstance(numeric, tuple) else (numeric,)
                errors += [rel_error(a, n) for a, n in zip(arrays, numeric)]
    count = f"{len(exercise.checked_cases)} {exercise.counted}"
    if not errors:
        return Feedback(CORRECT, f"matches the reference on {count}.")
    worst = max(errors)
    if worst > DEFAULT_TOLERANCE:
        return Feedback(NOT_YET, f"matches the reference on {count} but not "
                                 f"the numerical gradient (relative error "
                                 f"{worst:.1e}); please report this as a bug "
                                 f"in the checker.")
    return Feedback(CORRECT, f"matches the reference on {count} and the "
                             f"numerical gradient (relative error "
                             f"{worst:.1e}).")


def checker(exercise: Exercise, doc: str) -> Callable[[object], Feedback]:
    r"""The notebook's ``check_<name>(fn)`` for ``exercise``."""
    def check_exercise(fn) -> Feedback:
        return check(exercise, fn)

    check_exercise.__name__ = check_exercise.__qualname__ = \
        f"check_{exercise.name}"
    check_exercise.__doc__ = doc
    check_exercise.exercise = exercise
    return check_exercise


def described(shape: Sequence[int], letters: str = "NC") -> str:
    r"""``(3, 5)`` -> ``"N=3, C=5"``: sizes named with the book's letters."""
    return ", ".join(f"{letter}={size}"
                     for letter, size in zip(letters, shape))
