r"""The generic checker behind every ``check_*`` function.

An :class:`Exercise` is a table: a reference, the input :class:`Case`\ s and
the known :class:`Mistake`\ s, each a wrong implementation with its
explanation and the heading of the chapter it points to. :func:`check` runs
the student's function on every case and reports, for the first case where
something is wrong:

1. ``NotImplementedError`` on every case: not attempted yet (on some
   cases only, it is an attempt's exception like any other);
2. ``None``, a list, a non-numeric result, a dtype other than float64, an
   input changed in place;
3. an exception (never propagated), a wrong shape, nan/inf, wrong values;
4. a result changed by a later call, or a different result when called
   again on the first case (hidden state).

For 3 a mistake is named only if the student's outcome agrees with it, at
the correctness tolerance (nan or inf where it has nan or inf), on every
case where the mistake differs from the reference, and there is at least
one such case; and, so that a second slip is not hidden behind the first,
also on the cases where the mistake gives the right answer; an exception
only from the line the mistake describes. Otherwise the
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
import re
import sysconfig
import textwrap
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
# A student's raising line that shows the mistake (see Mistake.line).
NO_KEEPDIMS = r"\b(max|sum|amax)\((?![^()]*keepdims)"
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

    def _repr_pretty_(self, printer, cycle) -> None:
        # A notebook shows the verdict wrapped to the book's code column.
        printer.text("\n".join(
            textwrap.fill(line, width=77, break_long_words=False,
                          break_on_hyphens=False) if line else line
            for line in str(self).splitlines()))


@dataclass(frozen=True)
class Case:
    r"""One set of inputs, described for the student.

    ``hint`` is added when an answer is nan/inf on this case; ``see`` is
    the heading the hint points to; ``shape_hint`` (text, or a function
    of the expected and received shapes that returns text or "") replaces
    the general hint about a wrong shape. ``numerical``, when given,
    returns the central-difference gradient(s) a correct answer must match
    here.
    """

    description: str
    inputs: tuple
    hint: str = ""
    see: str = ""
    numerical: Callable | None = None
    shape_hint: str | Callable = ""


@dataclass(frozen=True)
class Mistake:
    r"""A wrong implementation, what it gets wrong, and where to read more.

    ``see`` is a heading of the exercise's chapter (the one place to
    update when a heading is renamed). ``line``, for a mistake that
    raises, is a regular expression the student's raising line must match
    for the mistake to be named: the same exception text from another line
    is another mistake.
    """

    wrong: Callable
    message: str
    see: str = ""
    line: str = ""


@dataclass(frozen=True)
class Raised:
    r"""An exception from the student's code: its type, text, line (where)
    and that line's source."""

    kind: str
    text: str
    where: str = ""
    source: str = ""
    first_call: bool = True  # False: an earlier call of the run returned

    def __eq__(self, other) -> bool:
        return (isinstance(other, Raised) and self.kind == other.kind
                and self.text == other.text)


class Found(list):
    r"""A run hook's outcome: its parts, plus ``notes`` on how it went (for
    the exercise's ``describe`` hook; never compared)."""

    def __init__(self, parts, notes: dict):
        super().__init__(parts)
        self.notes = notes


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
    reorder: Callable | None = None

    def text(self, message: str, see: str) -> str:
        r"""``message`` with its pointer to the chapter, when it has one."""
        if not see:
            return message
        return f"{message.rstrip('.')} (chapter {self.chapter}, '{see}')."

    def outcome(self, fn, case: Case):
        r"""Run ``fn`` on ``case``: arrays, a Raised or a Problem."""
        if self.run is not None:
            result = self.run(fn, case)
            if isinstance(result, (Raised, Problem)):
                return result
            found = numbers(self, result)
            if isinstance(found, Problem):
                return found
            return Found(found, result.get("notes", {}))
        return self.kept(fn, case)[0]

    def kept(self, fn, case: Case):
        r"""The outcome of ``fn`` on ``case`` and the object it returned
        (None for a ``run`` hook)."""
        if self.run is not None:
            return self.outcome(fn, case), None
        arguments = copy.deepcopy(case.inputs)
        given = tuple(dict(a) if isinstance(a, dict) else a
                      for a in arguments)
        result = call(fn, arguments)
        if isinstance(result, Raised):
            return result, None
        found = numbers(self, result)
        if isinstance(found, Problem):
            return found, None
        changed = changed_input(self.arg_names, case.inputs, arguments,
                                given)
        return (Problem(changed), None) if changed else (found, result)

    @cached_property
    def checked_cases(self) -> tuple[Case, ...]:
        r"""The cases, then one again with its inputs in another order (see
        :func:`reordered`): an answer that keeps something from an earlier
        call of the same shapes shows there."""
        rng = np.random.default_rng(0)
        for case in self.cases:
            inputs = reordered(case.inputs, rng)
            if inputs is not None:
                extra = (self.reorder(case, inputs) if self.reorder
                         else Case(f"the inputs of {case.description} in "
                                   f"another order", inputs))
                return self.cases + (extra,)
        return self.cases

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


def _shuffled(value, rng):
    r"""``value`` in another order, or None when it is not an array or
    does not change: the entries of an array (integer labels stay labels)
    or of each array of a dict; rows of probabilities within each row, so
    that they still sum to 1."""
    if isinstance(value, dict):
        new = {key: _shuffled(v, rng) for key, v in value.items()}
        if any(v is None for v in new.values()):
            return None
        return new
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        return None
    if value.dtype.kind == "f" and value.ndim and np.all(
            (value >= 0) & (value <= 1)) and np.allclose(
                value.sum(axis=-1), 1.0, rtol=0, atol=1e-12):
        new = rng.permuted(value, axis=-1)
    else:
        new = rng.permutation(value.ravel()).reshape(value.shape)
    return None if np.array_equal(new, value) else new


def reordered(inputs: tuple, rng) -> tuple | None:
    r"""``inputs`` with every array (and every array of a dict) in another
    order, or None when one of them cannot change (a batch of 1 label)."""
    new = tuple(_shuffled(v, rng) if isinstance(v, (np.ndarray, dict))
                else v for v in inputs)
    arrays = [n for n, v in zip(new, inputs)
              if isinstance(v, (np.ndarray, dict))]
    if not arrays or any(n is None for n in arrays):
        return None
    return new


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


def _raising_line(error: BaseException) -> tuple[str, str]:
    r"""Where the student's own code raised (the last frame outside numpy,
    gradlab, the standard library and installed packages), and the source
    of that line."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if not f.filename.startswith(_LIBRARY)]
    if not own:
        return "", ""
    frame = own[-1]
    code = " ".join((frame.line or "").split())
    source = f": {code}" if code else ""
    return (f"line {frame.lineno} of {_place(frame.filename)}, in "
            f"{frame.name}{source}"), code


def _place(filename: str) -> str:
    r"""``cell In[5]`` in a notebook (as IPython names it), else the file."""
    try:
        from IPython import get_ipython
        label = get_ipython().compile.format_code_name(filename)
        return f"cell {label[1]}"
    except Exception:  # noqa: BLE001 - not in IPython, or not a cell
        return os.path.basename(filename)


def call(fn: Callable, arguments: tuple):
    r"""``fn(*arguments)``, or a :class:`Raised` (a NotImplementedError
    too: :func:`check` tells the stub from an attempt)."""
    try:
        return fn(*arguments)
    except Exception as error:  # noqa: BLE001 - never crash the notebook
        return Raised(type(error).__name__, " ".join(str(error).split()),
                      *_raising_line(error))


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
        fewer = (f": {array.dtype} keeps about "
                 f"{np.finfo(array.dtype).precision} significant digits, "
                 f"float64 about 15. Compute in float64 (the inputs are "
                 f"float64; look for a conversion or a dtype=)"
                 if array.dtype.itemsize < 8 else "")
        has = (f"{name} has dtype {array.dtype}" if name else
               f"your function returns values of dtype {array.dtype}")
        return Problem(f"{has}, but float64 is expected{fewer}.")
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


def changed_input(arg_names, before: tuple, after: tuple,
                  given: tuple = ()) -> str:
    r"""The message for the first array input (or array in a dict input)
    changed in place, or "". ``given``: what the function received (the
    dicts copied before the call), to tell a replaced entry from a changed
    array."""
    given = given or (None,) * len(before)
    for name, old, new, held in zip(arg_names, before, after, given):
        if isinstance(old, dict):
            new = new if isinstance(new, dict) else {}
            for key, value in old.items():
                if isinstance(held, dict) and new.get(key) is not \
                        held.get(key):
                    return (f"your function changed its input {name}: "
                            f"{name}[{key!r}] is no longer the array it "
                            f"was given (something else was stored under "
                            f"that key). Leave {name} as it is and put "
                            f"your results in a new dict.")
                message = _changed(f"{name}[{key!r}]", value, new.get(key))
                if message:
                    return message
        else:
            message = _changed(name, old, new)
            if message:
                return message
    return ""


def _changed(name: str, old, new) -> str:
    r"""What a function did to the array ``old`` it was given, or ""."""
    if not isinstance(old, np.ndarray) or (
            isinstance(new, np.ndarray) and new.shape == old.shape
            and np.array_equal(new, old, equal_nan=True)):
        return ""
    fix = (f"Leave it as it is: compute into a new array (start from "
           f"{name}.copy() if you need one to fill).")
    if not isinstance(new, np.ndarray) or new.shape != old.shape:
        return (f"your function changed the shape of its input {name} in "
                f"place. {fix}")
    diff = ~((new == old) | (np.isnan(new) & np.isnan(old)))
    index = np.unravel_index(int(np.argmax(diff)), diff.shape)
    was, now = _digits(float(old[index]), float(new[index]))
    at = f"entry {_index(index)} " if old.ndim else ""
    return (f"your function changed its input {name} in place: {at}was "
            f"{was} and is {now} after the call. {fix}")


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
                agree(w, e) for w, e in zip(wrong, exercise.expected)) \
                and all(_same_line(mistake, mine, w)
                        for mine, w in zip(got, wrong)):
            return mistake
    return None


def _same_line(mistake: Mistake, mine, wrong) -> bool:
    r"""An exception names ``mistake`` only if it comes from the line the
    mistake raises on, or from a line its ``line`` pattern describes."""
    if not isinstance(mine, Raised) or mine.source == wrong.source:
        return True
    return bool(mistake.line) and re.search(mistake.line,
                                            mine.source) is not None


# ------------------------------------------------------------ messages

def _shape_hint(expected: tuple, received: tuple) -> str:
    r"""A hint only where the two shapes show the cause, else ""."""
    if len(expected) == 2 and received == expected[::-1] and \
            expected[0] != expected[1]:
        return ("Rows and columns are swapped: did you transpose, or put "
                "the two indices the other way round?")
    dropped = [k for k in range(len(expected))
               if expected[:k] + expected[k + 1:] == received]
    if dropped:
        return (f"That is the expected shape without axis {dropped[0]}: a "
                f"sum, mean or max over an axis drops it (keepdims=True "
                f"keeps it with length 1).")
    if tuple(n for n in received if n != 1) == tuple(
            n for n in expected if n != 1) and len(received) > len(expected):
        return ("Your result has extra axes of length 1: keepdims=True or "
                "an index with None adds them.")
    wrong = [k for k, (e, r) in enumerate(zip(expected, received))
             if e != r]
    if len(received) == len(expected) and (
            len(wrong) == 1 or sorted(received) == sorted(expected)):
        axis = wrong[0]
        others = [k for k, n in enumerate(expected)
                  if n == received[axis] and k != axis]
        hint = (f"Axis {axis} has length {received[axis]} instead of "
                f"{expected[axis]}")
        if others:
            return (f"{hint}, the length of axis {others[0]}: did you take "
                    f"a size from the wrong argument or the wrong axis?")
        return f"{hint}."
    if int(np.prod(received)) == int(np.prod(expected)):
        return ("It has the right number of entries in another shape: was "
                "it flattened or reshaped?")
    return ""


_SHAPES = re.compile(r"\(([\d,]*)\)")


def _squeezed(shape: tuple) -> tuple:
    return tuple(n for n in shape if n != 1)


def _raised_hint(raised: Raised, windows: bool = False) -> str:
    r"""A hint the exception and its line support, or "" (``windows``:
    the exercise slides windows, with a stride)."""
    text = raised.text
    if "could not be broadcast" in text:
        shapes = [tuple(int(n) for n in group.split(",") if n)
                  for group in _SHAPES.findall(text.split("remapped")[0])]
        # Only when the shapes show it: one operand is the other with one
        # axis dropped, maybe with axes of length 1 put back elsewhere (a
        # line may also sum over every axis, where keepdims is no help).
        if len(shapes) == 2 and any(
                big[:k] + big[k + 1:] in (small, _squeezed(small))
                and big[k] != 1
                for big, small in (shapes, shapes[::-1])
                for k in range(len(big))):
            return ("Hint: a sum or max over one axis drops that axis; "
                    "keepdims=True keeps it with length 1.")
        return ""
    if "mismatch in its core dimension" in text or "not aligned" in text:
        return ("Hint: the inner sizes of a matrix product must agree; "
                "write down the shape of each factor and of the result.")
    if ("empty sequence" in text or "zero-size array" in text) and (
            windows or re.search(r"\[[^\]]*:[^\]]*\]", raised.source)):
        return ("Hint: a window came out empty: check where each window "
                "starts and where it ends.")
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
        hint = _raised_hint(got, "stride" in exercise.arg_names)
        return (f"on {case.description}, your function raised {got.kind}: "
                f"{text}{where}" + (f"\n{hint}" if hint else ""))
    if exercise.describe is not None:
        return exercise.describe(case, got, want)
    names = exercise.parts or ("",)
    for name, (part, _), (answer, _) in zip(names, got, want):
        if part.shape != answer.shape:
            if answer.shape == ():
                hint = (exercise.scalar_hint if part.size > 1 else
                        "Return its one entry as a number, float(...).")
                return (f"expected a single number, got an array of shape "
                        f"{part.shape} on {case.description}. "
                        f"{hint}").rstrip()
            of = f" for {name}" if name else ""
            hint = case.shape_hint
            if callable(hint):
                hint = hint(answer.shape, part.shape)
            hint = hint or _shape_hint(answer.shape, part.shape)
            return (f"on {case.description}, expected shape {answer.shape}"
                    f"{of}, got {part.shape}." + (f"\n{hint}" if hint
                                                   else ""))
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
        runs = [exercise.kept(fn, case) for case in exercise.checked_cases]
        got = [outcome for outcome, _ in runs]
        if all(isinstance(o, Raised) and o.kind == "NotImplementedError"
               and o.first_call for o in got):
            return Feedback(NOT_ATTEMPTED, ATTEMPT)
        again = exercise.outcome(fn, exercise.cases[0])
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
            message = _generic(exercise, case, mine, want)
            if all(case is not c for c in exercise.cases) and \
                    not isinstance(mine, Raised):
                message += ("\nIt was right on every other case, one of "
                            "them with these shapes: does it keep something "
                            "from an earlier call (a global, a default "
                            "argument)?")
            return Feedback(NOT_YET, message)
        overwritten = _overwritten(exercise, runs)
        if overwritten:
            return Feedback(NOT_YET, overwritten)
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


def _overwritten(exercise: Exercise, runs) -> str:
    r"""The message for a result that a later call changed (one array
    kept between calls and refilled), or ""."""
    for case, (outcome, result) in zip(exercise.checked_cases, runs):
        if result is None:
            continue
        now = numbers(exercise, result)
        if isinstance(now, Problem) or not all(
                a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
                for (a, _), (b, _) in zip(now, outcome)):
            return (f"the result your function returned on "
                    f"{case.description} changed when the function was "
                    f"called again: it returns an array it keeps between "
                    f"calls (a global, a default argument) and refills it. "
                    f"Return a new array on every call.")
    return ""


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
