r"""What the graded test cells run: a checker that the answer cannot fake.

Every graded test cell of the nbgrader notebooks (see
:mod:`gradlab.grading.convert`) first removes every ``gradlab`` module from
``sys.modules``, so that the import below it loads the checkers afresh from the
installed files, then calls::

    grade_exercise("softmax", softmax)

which passes only on a genuine "correct" verdict of the real checker. Whatever
the student's cells did before to ``check_*`` names, to ``gradlab.exercises``,
to the ``Feedback`` class or to ``sys.modules`` concerns the old modules, not
these. While the student's function runs (and only then: the checkers call the
same functions to compute the expected values), the library functions that
already compute the answer (:data:`REFERENCE_OPS`) are replaced by tripwires
wherever the function can reach them, its own globals included, and a trace
hook notes any call to their code that goes around the replacement. Changes the
function makes to gradlab's modules or to numpy while it runs are detected,
too. Each of these fails the exercise with a message that says why, and so does
a call into the checkers' own code.

What this cannot stop, and what an instructor can do about it, is in the README
(section "Grading with nbgrader").
"""

from __future__ import annotations

import functools
import importlib
import sys
import sysconfig
import textwrap
import types
from pathlib import Path

import numpy as np

# The library's functions that compute an exercise's answer (or most of it): an
# answer must not call them. "module:qualname"; a method is
# "module:Class.method".
# The transposed convolution's forward is conv2d's dx and its backward
# computes conv2d's dw, so it reproduces the backward pass as well.
CONV2D_BACKWARD = ("gradlab.conv:conv2d_backward",
                   "gradlab.conv:conv2d_backward_loops",
                   "gradlab.conv:_conv_backward",
                   "gradlab.conv:_input_gradient",
                   "gradlab.conv:_weight_gradient",
                   "gradlab.conv:conv_transpose2d_forward",
                   "gradlab.conv:conv_transpose2d_backward",
                   "gradlab.layers:Conv2d.backward")
REFERENCE_OPS = {
    "softmax": ("gradlab.softmax:softmax", "gradlab.softmax:log_softmax",
                "gradlab.softmax:softmax_forward"),
    "softmax_jacobian": ("gradlab.softmax:softmax_jacobian",
                         "gradlab.softmax:softmax_backward"),
    "softmax_vjp": ("gradlab.softmax:softmax_backward",
                    "gradlab.softmax:softmax_jacobian"),
    "cross_entropy": ("gradlab.losses:cross_entropy_forward",
                      "gradlab.losses:nll_forward",
                      "gradlab.softmax:log_softmax",
                      "gradlab.layers:SoftmaxCrossEntropy.forward"),
    "ce_grad_probs": ("gradlab.losses:nll_backward",),
    "ce_grad_logits": ("gradlab.losses:cross_entropy_backward",
                       "gradlab.layers:SoftmaxCrossEntropy.backward",
                       "gradlab.softmax:softmax"),
    "ce_smoothing_grad": ("gradlab.losses:cross_entropy_backward",
                          "gradlab.layers:SoftmaxCrossEntropy.backward",
                          "gradlab.softmax:softmax"),
    "avg_pool1d_jacobian": ("gradlab.pooling:avg_pool1d_forward",
                            "gradlab.pooling:avg_pool1d_backward",
                            "gradlab.pooling:_window_matrix"),
    "max_pool1d_grad": ("gradlab.pooling:max_pool1d_forward",
                        "gradlab.pooling:max_pool1d_backward"),
    "avg_pool2d_grad": ("gradlab.pooling:avg_pool2d_forward",
                        "gradlab.pooling:avg_pool2d_backward"),
    "max_pool2d_grad": ("gradlab.pooling:max_pool2d_forward",
                        "gradlab.pooling:max_pool2d_backward",
                        "gradlab.layers:MaxPool2d.backward"),
    "global_avg_pool_grad": ("gradlab.pooling:global_avg_pool_forward",
                             "gradlab.pooling:global_avg_pool_backward",
                             "gradlab.pooling:avg_pool2d_forward",
                             "gradlab.pooling:avg_pool2d_backward"),
    "conv1d_jacobian": ("gradlab.conv:conv1d_forward",
                        "gradlab.conv:conv1d_backward",
                        "gradlab.conv:conv1d_forward_loops",
                        "gradlab.conv:conv1d_backward_loops"),
    "conv2d_db": CONV2D_BACKWARD,
    "conv2d_dw": CONV2D_BACKWARD,
    "conv2d_dx": CONV2D_BACKWARD,
    "conv_transpose2d": CONV2D_BACKWARD,
    "linear_backward": ("gradlab.linear:linear_backward",
                        "gradlab.layers:Linear.backward"),
    "tanh_backward": ("gradlab.activations:tanh_backward",
                      "gradlab.layers:Tanh.backward"),
    "mlp_gradients": ("gradlab.mlp:mlp_backward",
                      "gradlab.linear:linear_backward",
                      "gradlab.activations:tanh_backward",
                      "gradlab.losses:cross_entropy_backward"),
    # The gradient dotted with the tangent is a way around forward mode, and
    # central differences of mlp_forward come close to the answer.
    "mlp_jvp": ("gradlab.mlp:mlp_jvp", "gradlab.mlp:mlp_backward",
                "gradlab.mlp:mlp_forward", "gradlab.linear:linear_backward",
                "gradlab.layers:Linear.backward",
                "gradlab.activations:tanh_backward",
                "gradlab.layers:Tanh.backward"),
    "relu_backward": ("gradlab.activations:relu_backward",
                      "gradlab.layers:ReLU.backward"),
    "accuracy": (),  # the library has no accuracy function
    "sgd_step": ("gradlab.layers:SGD.step",),
    "batchnorm_backward": ("gradlab.normalization:batchnorm_backward",
                           "gradlab.normalization:batchnorm_backward_steps"),
    "layernorm_backward": ("gradlab.normalization:layernorm_backward",),
    "attention_backward": ("gradlab.attention:attention_backward",),
}

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../gradlab
# Where the checkers' code lives, as the interpreter names their files
CHECKERS = tuple(
    {
        str(Path(__file__).parent.parent / "exercises") + "/",
        str(PACKAGE_DIR / "exercises") + "/",
    }
)
NUMPY_DIR = Path(np.__file__).resolve().parent
STDLIB_DIR = Path(sysconfig.get_paths()["stdlib"]).resolve()


class ReferenceCalled(RuntimeError):
    r"""Raised by a tripwire: the answer called gradlab's own
    implementation."""


def resolve(op: str):
    r"""The function named ``"module:qualname"`` in the (freshly imported)
    library."""
    module_name, _, qualname = op.partition(":")
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    if not isinstance(target, types.FunctionType):
        raise TypeError(
            f"REFERENCE_OPS names {op}, which is {type(target).__name__}, "
            f"not a Python function"
        )
    return target


def _code_key(value):
    r"""Where a function's code was written: the same for every import of a
    module."""
    code = getattr(value, "__code__", None)
    if not isinstance(value, types.FunctionType) or code is None:
        return None
    return code.co_filename, code.co_firstlineno, code.co_name


def _is_gradlab_module(value) -> bool:
    return (
        isinstance(value, types.ModuleType)
        and str(getattr(value, "__name__", "")).partition(".")[0] == "gradlab"
    )


def _in_package(value) -> bool:
    key = _code_key(value)
    return key is not None and Path(key[0]).resolve().is_relative_to(
        PACKAGE_DIR
    )


def _namespaces(fn) -> list:
    r"""Every module, class and globals dict through which ``fn`` can reach
    gradlab.

    Items are ``(owner, mapping)``: a module or class is patched with setattr,
    a plain dict (the notebook's globals) by item assignment.
    """
    found, seen = [], set()
    pending = [
        module
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] == "gradlab"
    ]
    pending.append(getattr(fn, "__globals__", {}))
    while pending:
        owner = pending.pop()
        mapping = owner if isinstance(owner, dict) else vars(owner)
        if id(mapping) in seen:
            continue
        seen.add(id(mapping))
        found.append((owner, mapping))
        for value in list(mapping.values()):
            if _is_gradlab_module(value) or _is_gradlab_class(value):
                pending.append(value)
            elif _in_package(value):
                pending.append(value.__globals__)
    return found


def _is_gradlab_class(value) -> bool:
    return isinstance(value, type) and str(
        getattr(value, "__module__", "")
    ).startswith("gradlab")


def _set(owner, mapping, key, value) -> None:
    if isinstance(owner, dict):
        owner[key] = value
    else:
        setattr(owner, key, value)


def _tripwire(label: str, trips: list):
    def tripwire(*args, **kwargs):
        trips.append(label)
        raise ReferenceCalled(
            f"{label} is gradlab's own code for this exercise or a part "
            f"of it; your answer must compute it itself."
        )

    return tripwire


def _install_tripwires(fn, banned: dict, trips: list) -> list:
    r"""Replace every reachable reference function by a tripwire; return the
    undo list."""
    undo = []
    for owner, mapping in _namespaces(fn):
        for key, value in list(mapping.items()):
            label = banned.get(_code_key(value))
            if label is not None:
                undo.append((owner, mapping, key, value))
                _set(owner, mapping, key, _tripwire(label, trips))
    # default arguments and closures of the answer itself
    defaults = list(getattr(fn, "__defaults__", None) or ())
    defaults += list((getattr(fn, "__kwdefaults__", None) or {}).values())
    trips.extend(
        banned[_code_key(value)]
        for value in defaults
        if _code_key(value) in banned
    )
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            label = banned.get(_code_key(cell.cell_contents))
        except ValueError:  # an empty cell
            continue
        if label is not None:
            undo.append((cell, None, "cell_contents", cell.cell_contents))
            cell.cell_contents = _tripwire(label, trips)
    return undo


def _undo(undo: list) -> None:
    for owner, mapping, key, value in reversed(undo):
        _set(owner, mapping, key, value)


def _snapshot() -> dict:
    r"""Identity of every binding in gradlab's modules and classes, and in
    numpy's."""
    spaces = [
        module
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] == "gradlab"
    ]
    spaces += [np, np.linalg]
    state = {}
    for space in spaces:
        state[space.__name__] = {
            key: id(value) for key, value in vars(space).items()
        }
        for value in list(vars(space).values()):
            if _is_gradlab_class(value):
                name = f"{value.__module__}.{value.__qualname__}"
                state[name] = {
                    key: id(member) for key, member in vars(value).items()
                }
    return state


def _changed(before: dict, after: dict) -> list[str]:
    r"""Bindings added, removed or rebound in the spaces that existed
    before."""
    changed = []
    for space, bindings in before.items():
        now = after.get(space, {})
        changed += [
            f"{space}.{key}"
            for key in bindings.keys() | now.keys()
            if bindings.get(key) != now.get(key)
        ]
    return changed


def _file(value) -> Path | None:
    code = getattr(value, "__code__", None)
    return Path(code.co_filename).resolve() if code is not None else None


def _numpy_own(value) -> bool:
    r"""Is ``value`` numpy's code (or numpy's, wrapped by the standard
    library)?"""
    where = _file(value)
    if where is None:
        return False
    if where.is_relative_to(NUMPY_DIR):
        return True
    wrapped = getattr(value, "__wrapped__", None)
    return (
        where.is_relative_to(STDLIB_DIR)
        and wrapped is not None
        and _numpy_own(wrapped)
    )


def numpy_replacements() -> list[str]:
    r"""Names in numpy (and numpy.linalg) bound to Python code from outside
    numpy."""
    replaced = []
    for space in (np, np.linalg):
        for key, value in list(vars(space).items()):
            if isinstance(
                value, (types.FunctionType, functools.partial)
            ) and not _numpy_own(value):
                replaced.append(f"{space.__name__}.{key}")
    return replaced


class _Run:
    r"""What happened while the student's function ran, over all its calls."""

    def __init__(self):
        self.trips: list[str] = []  # reference ops called
        self.checker_calls: list[str] = []  # code of gradlab.exercises run
        self.changed: list[str] = []  # bindings changed


def _guarded(fn, banned: dict, run: _Run):
    r"""``fn`` wrapped: tripwires and a trace hook on while it runs, changes
    noted."""
    code_keys = set(banned)

    def tracer(frame, event, arg):
        code = frame.f_code
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        if key in code_keys:
            run.trips.append(banned[key])
        elif code.co_filename.startswith(CHECKERS):
            module = frame.f_globals.get("__name__")
            run.checker_calls.append(f"{module}.{code.co_name}")
        return None  # no line-by-line tracing

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        before = _snapshot()
        undo = _install_tripwires(fn, banned, run.trips)
        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.settrace(previous)
            _undo(undo)
            run.changed.extend(_changed(before, _snapshot()))

    return guarded


def _wrapped(text: str) -> str:
    return "\n".join(wrapped for line in text.splitlines()
                     for wrapped in textwrap.wrap(line, width=79,
                                                  break_long_words=False))


def grade_exercise(name: str, fn) -> tuple[bool, str]:
    r"""Check ``fn`` with the fresh ``check_<name>``: (passed, the verdict as
    text).

    ``passed`` is true only for a "correct" verdict of the real checker, and
    only if ``fn`` called none of the library functions in
    :data:`REFERENCE_OPS` for this exercise (nor the checkers' own code) and
    changed neither gradlab nor numpy while it ran; otherwise the text says
    why. Lines are wrapped at 79 characters.
    """
    if name not in REFERENCE_OPS:
        raise KeyError(
            f"name: no exercise {name!r} in REFERENCE_OPS; known: "
            f"{', '.join(REFERENCE_OPS)}"
        )
    exercises = importlib.import_module("gradlab.exercises")
    real_feedback = exercises.Feedback
    checker = getattr(exercises, f"check_{name}")
    replaced = numpy_replacements()
    if replaced:
        return False, _wrapped(
            f"not graded: numpy has been changed ({', '.join(replaced)} "
            f"replaced); restart the kernel and run the notebook without "
            f"changing numpy."
        )
    banned = {}
    for op in REFERENCE_OPS[name]:
        banned[_code_key(resolve(op))] = op.replace(":", ".")
    run = _Run()
    verdict = checker(_guarded(fn, banned, run) if callable(fn) else fn)
    if run.trips:
        return False, _wrapped(
            f"not accepted: your function calls {run.trips[0]}, gradlab's own "
            f"code for this exercise or a part of it. Write the computation "
            f"yourself."
        )
    if run.checker_calls:
        return False, _wrapped(
            f"not accepted: your function runs {run.checker_calls[0]}, code "
            f"of the checkers themselves."
        )
    if run.changed:
        shown = ", ".join(sorted(set(run.changed))[:3])
        return False, _wrapped(
            f"not accepted: while it ran, your function changed {shown}; an "
            f"answer must not change the library or numpy."
        )
    if type(verdict) is not real_feedback:
        return False, _wrapped(
            f"not graded: the checker returned "
            f"{type(verdict).__name__}, not its Feedback."
        )
    return real_feedback.__bool__(verdict), _wrapped(str(verdict))
