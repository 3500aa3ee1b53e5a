r"""The graded test cell against each tamper, without nbgrader: fast, in subprocesses.

Each tamper must first fool a plain test cell (else the test proves nothing), then
fail the guarded cell that the conversion writes. The reference table must name real
library functions, cover every checker, and trip when an answer calls any of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import gradlab.exercises
from gradlab.grading import guard
from gradlab.grading.convert import to_source

from . import submissions as subs
from .test_convert import ROOT

RUNNER = r'''
import contextlib, io, json, sys
cells = json.loads(sys.stdin.read())
space = {"__name__": "__main__"}
results = {}
for name, code in cells:
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, name, "exec"), space)
        results[name] = ["passed", printed.getvalue()]
    except BaseException as error:
        results[name] = ["failed",
                         f"{printed.getvalue()}{type(error).__name__}: {error}"]
print(json.dumps(results))
'''


def _flat(text: str) -> str:
    return " ".join(text.split())


def _release_like(source: dict) -> dict:
    r"""What ClearSolutions makes of the source: the solution becomes a stub."""
    notebook = json.loads(json.dumps(source))
    for cell in notebook["cells"]:
        body = subs.text(cell)
        notebook_cell = re.sub(r"( *)### BEGIN SOLUTION.*?### END SOLUTION",
                               r"\1raise NotImplementedError()", body, flags=re.S)
        cell["source"] = notebook_cell
    return notebook


@pytest.fixture(scope="module")
def notebooks():
    original = json.loads((ROOT / "exercises" / f"{subs.ASSIGNMENT}.ipynb").read_text())
    source = to_source(original)
    return source, subs.submissions(source, _release_like(source))


def _run(notebook: dict, exercise: str) -> dict:
    r"""Run the setup and answer cells, both plain test cells, then the guarded one."""
    answer, test, function = subs.EXERCISES[exercise]
    setup = next(subs.text(c) for c in notebook["cells"]
                 if c["cell_type"] == "code" and "from gradlab.exercises" in subs.text(c))
    cells = [("setup", setup)]
    if exercise != "1.1":  # the answers above it
        cells.append(("1.1", subs.text(subs.cell(notebook, "answer-ex01-softmax"))))
    cells.append(("answer", subs.text(subs.cell(notebook, answer))))
    cells += [(name, plain.format(function)) for name, plain in subs.PLAIN_CELLS.items()]
    cells.append(("guarded", subs.text(subs.cell(notebook, test))))
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(cells),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("tamper", sorted(subs.TAMPERS))
def test_each_tamper_fools_a_plain_cell_but_not_the_guarded_one(notebooks, tamper):
    results = _run(notebooks[1][tamper], subs.target(tamper))
    assert results["setup"][0] == results["answer"][0] == "passed", results
    fooled = [name for name in subs.PLAIN_CELLS if results[name][0] == "passed"]
    assert fooled, f"{tamper} fools no plain test cell: {results}"
    status, message = results["guarded"]
    assert status == "failed", results
    assert message.endswith("scores 0: the verdict is above."), message
    assert message.startswith(("not accepted", "not yet right", "not attempted")), message
    if tamper == "calls-reference":
        assert " ".join(message.split()).startswith(
            "not accepted: your function calls gradlab.softmax.softmax,")


@pytest.mark.parametrize("exercise", sorted(subs.EXERCISES))
def test_the_honest_answers(notebooks, exercise):
    correct = _run(notebooks[1]["correct"], exercise)
    assert {name: status for name, (status, _) in correct.items()} == dict.fromkeys(
        correct, "passed")
    stub = _run(notebooks[1]["stub"], exercise)
    assert [stub[name][0] for name in ["guarded", *subs.PLAIN_CELLS]] == ["failed"] * 3
    assert "not attempted yet" in stub["guarded"][1]
    mistake = _run(notebooks[1]["mistake"], exercise)
    assert mistake["guarded"][0] == ("failed" if exercise == "1.3" else "passed")


def test_the_table_names_real_functions_for_every_checker():
    checkers = {name[len("check_"):] for name in gradlab.exercises.__all__
                if name.startswith("check_")}
    assert set(guard.REFERENCE_OPS) == checkers
    for ops in guard.REFERENCE_OPS.values():
        for op in ops:
            assert guard.resolve(op).__module__ == op.partition(":")[0]


def test_the_table_covers_what_each_exercise_says_it_reproduces():
    # Exercise.reproduces (the checkers' registry) names the library code each
    # exercise re-derives; the guard must trip on every one of them.
    for _, exercises in gradlab.exercises.CHAPTERS.values():
        for exercise in exercises:
            tripped = guard.REFERENCE_OPS[exercise.name]
            for name in exercise.reproduces:
                module, _, attribute = name.rpartition(".")
                target = f"gradlab.{module}:{attribute}"
                assert any(op == target or op.startswith(target + ".")
                           for op in tripped), (exercise.name, name)


@pytest.mark.parametrize("name,op", [(name, op) for name, ops in
                                     sorted(guard.REFERENCE_OPS.items()) for op in ops])
def test_an_answer_that_calls_a_reference_op_scores_zero(name, op):
    function = guard.resolve(op)

    def answer(*args, **kwargs):
        return function(*args, **kwargs)

    passed, verdict = guard.grade_exercise(name, answer)
    assert not passed
    assert f"calls {op.replace(':', '.')}, gradlab's own" in _flat(verdict)
    # and everything is put back: the library works as before
    assert guard.resolve(op) is function


# Each of the guard's mechanisms alone, so that losing one fails a test.

def test_the_trace_finds_a_reference_that_no_replacement_reaches():
    hidden = [guard.resolve("gradlab.softmax:softmax")]  # in a list: not replaced

    def softmax(z):
        return hidden[0](z)

    passed, verdict = guard.grade_exercise("softmax", softmax)
    assert not passed and "calls gradlab.softmax.softmax" in _flat(verdict)


def test_the_tripwires_work_when_the_answer_switches_the_trace_off():
    import gradlab.softmax

    def softmax(z):
        sys.settrace(None)
        return gradlab.softmax.softmax(z)

    passed, verdict = guard.grade_exercise("softmax", softmax)
    assert not passed and "calls gradlab.softmax.softmax" in _flat(verdict)


def test_changing_the_checkers_while_running_is_caught():
    def softmax(z):
        feedback = sys.modules["gradlab.exercises"].Feedback
        feedback.__bool__ = lambda self: True
        raise NotImplementedError

    original = gradlab.exercises.Feedback.__dict__["__bool__"]
    try:
        passed, verdict = guard.grade_exercise("softmax", softmax)
        assert not passed and "Feedback.__bool__" in _flat(verdict)
    finally:
        gradlab.exercises.Feedback.__bool__ = original


def test_calling_the_checkers_own_code_is_caught():
    from gradlab.exercises import check_accuracy

    def softmax(z):
        check_accuracy(lambda logits, y: 0.5)  # code of gradlab.exercises
        raise NotImplementedError

    passed, verdict = guard.grade_exercise("softmax", softmax)
    assert not passed and "code of the checkers themselves" in _flat(verdict)
    assert "gradlab.exercises." in _flat(verdict)


def test_a_replaced_numpy_function_is_caught():
    import numpy as np

    original = np.allclose
    np.allclose = lambda *args, **kwargs: True
    try:
        passed, verdict = guard.grade_exercise("softmax", lambda z: z)
        assert not passed and "numpy.allclose" in _flat(verdict)
    finally:
        np.allclose = original


def test_a_value_instead_of_a_function_gets_the_checkers_own_message():
    passed, verdict = guard.grade_exercise("softmax", None)
    assert not passed and "pass your function itself" in _flat(verdict)


def test_the_transposed_convolution_is_no_way_around_conv2d_backward():
    # conv_transpose2d's forward is conv2d's dx: a correct answer through it
    # must still score zero, as one through conv2d_backward does.
    from gradlab.conv import conv_transpose2d_forward

    def conv2d_dx(dout, x, w, stride, padding):
        out, _ = conv_transpose2d_forward(dout, w, None, stride, padding)
        extra = [x.shape[2] - out.shape[2], x.shape[3] - out.shape[3]]
        return conv_transpose2d_forward(dout, w, None, stride, padding,
                                        output_padding=tuple(extra))[0]

    assert gradlab.exercises.check_conv2d_dx(conv2d_dx)   # it is correct
    passed, verdict = guard.grade_exercise("conv2d_dx", conv2d_dx)
    assert not passed
    assert "calls gradlab.conv.conv_transpose2d_forward" in _flat(verdict)
