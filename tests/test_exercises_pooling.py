r"""The checkers of chapter 3's exercises, tested in both directions, and their notebook.

Properties checked, for ``check_avg_pool1d_jacobian``, ``check_max_pool1d_grad``,
``check_avg_pool2d_grad`` and ``check_max_pool2d_grad``:

- the reference solution passes and is confirmed against central differences (the verdict
  quotes a relative error below 1e-8);
- the stub is "not attempted yet";
- every registered mistake is rejected with its own message, and each known mistake written
  the way a student would write it (loops, slices, masks, np.pad, not the checker's code)
  gets its targeted message: a sign, a window of K + 1, routing to every copy of the
  maximum, the last of two equal maxima, assigning instead of accumulating, mixing up the
  channels, ignoring the stride, dividing by the wrong count, a transposed kernel or
  stride, zero padding, no padding, no cropping;
- other correct formulations (vectorised, sliding windows, np.add.at) pass;
- the cases cannot let those slips through: overlapping windows (stride < kernel) with
  stride > 1, rectangular images and kernels, N != C, a batch of 1 and of more, several
  channels, a value equal to a window's maximum outside it, and two equal maxima;
- None, a list, a transposed result, raising, changing an input in place each get their
  own message; nothing ever raises out of a checker; no warnings leak.

And for the notebook: every solution block, executed in order, passes its checker; the
stubs are executed and report "not attempted yet"; the pen-and-paper answers are right;
the chapter sections that feedback points to exist.
"""

from __future__ import annotations

import re
from fractions import Fraction

import nbformat
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.exercises import (check_avg_pool1d_jacobian, check_avg_pool2d_grad,
                               check_max_pool1d_grad, check_max_pool2d_grad)
from gradlab.exercises import pooling_exercises as pe
from gradlab.pooling import (avg_pool1d_backward, avg_pool1d_forward, max_pool1d_backward,
                             max_pool1d_forward, max_pool2d_forward)
from tests.exercise_helpers import (RETURNS_NONE, ROOT, assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with, feedback_text,
                                    headings, markdown, run_solutions)

NOTEBOOK = "exercises/03_pooling.ipynb"
CHAPTER = "chapters/03_pooling.ipynb"

CHECKERS = {
    "avg_pool1d_jacobian": (check_avg_pool1d_jacobian, pe.AVG_POOL1D_JACOBIAN),
    "max_pool1d_grad": (check_max_pool1d_grad, pe.MAX_POOL1D_GRAD),
    "avg_pool2d_grad": (check_avg_pool2d_grad, pe.AVG_POOL2D_GRAD),
    "max_pool2d_grad": (check_max_pool2d_grad, pe.MAX_POOL2D_GRAD),
}
TAKES_ARRAYS = ["max_pool1d_grad", "avg_pool2d_grad", "max_pool2d_grad"]


def verdict(name, fn) -> str:
    return feedback_text(CHECKERS[name][0], fn)


# ------------------------------------------------------------------ both directions

@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes_and_matches_central_differences(name):
    _, exercise = CHECKERS[name]
    text = verdict(name, exercise.reference)
    assert text.startswith(f"correct: matches the reference on {len(exercise.cases)} inputs "
                           f"and the numerical gradient"), text
    assert float(re.search(r"relative error (\S+)\)", text).group(1)) < 1e-8


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_is_not_attempted(name):
    assert_not_attempted(CHECKERS[name][0])


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_gets_its_own_message(name):
    checker, exercise = CHECKERS[name]
    assert_each_mistake_gets_its_message(checker, exercise.mistakes, minimum=7)


def test_jacobian_cases_expose_bugs():
    settings = [case.inputs for case in pe.AVG_POOL1D_JACOBIAN.cases]
    assert any(1 < stride < kernel for _, kernel, stride in settings)      # overlap, stride > 1
    assert any(stride > kernel for _, kernel, stride in settings)          # gaps
    assert any((length - kernel) % stride for length, kernel, stride in settings)  # a tail
    assert all(case.numerical is not None for case in pe.AVG_POOL1D_JACOBIAN.cases)


def test_max1d_cases_expose_bugs():
    cases = pe.MAX_POOL1D_GRAD.cases
    assert all(case.inputs[3] < case.inputs[2] for case in cases)           # always overlapping
    assert any(case.inputs[3] > 1 for case in cases)
    shapes = [case.inputs[1].shape for case in cases]
    assert any(n == 1 for n, _, _ in shapes) and any(n > 1 for n, _, _ in shapes)
    assert all(c > 1 and len({n, c, length}) == 3 for n, c, length in shapes)
    # distinct values wherever the numerical gradient is used: no tie can confuse it
    for case in cases:
        dout, x, kernel, stride = case.inputs
        windows = sliding_window_view(x, kernel, axis=2)[:, :, ::stride]
        tied = np.sum(windows == windows.max(axis=-1, keepdims=True), axis=-1) > 1
        assert tied.any() == (case.numerical is None), case.description


def test_2d_cases_expose_bugs():
    for exercise in (pe.AVG_POOL2D_GRAD, pe.MAX_POOL2D_GRAD):
        shapes = [case.inputs[1] if exercise is pe.AVG_POOL2D_GRAD else case.inputs[1].shape
                  for case in exercise.cases]
        kernels = [case.inputs[2] for case in exercise.cases]
        strides = [case.inputs[3] for case in exercise.cases]
        assert any(n == 1 for n, *_ in shapes) and any(n > 1 for n, *_ in shapes)
        assert all(c > 1 and n != c and h != w for n, c, h, w in shapes)
        assert sum(kh != kw for kh, kw in kernels) >= 2                      # rectangular kernels
        assert any(sh != sw for sh, sw in strides)
        assert any(s < k for stride, kernel in zip(strides, kernels)
                   for s, k in zip(stride, kernel))                          # overlap
        assert any(max(stride) > 1 for stride in strides)
    paddings = [case.inputs[4] for case in pe.MAX_POOL2D_GRAD.cases]
    assert any(ph != pw and min(ph, pw) == 0 for ph, pw in paddings)
    assert any(min(padding) > 0 for padding in paddings)


# ------------------------------------------------ mistakes written the student's way

def jacobian_by_loops(entry, rows=None):
    def jacobian(length, kernel_size, stride):
        out_length = rows(length, kernel_size, stride) if rows else \
            (length - kernel_size) // stride + 1
        jac = np.zeros((out_length, length))
        for i in range(out_length):
            for j in range(length):
                jac[i, j] = entry(i, j, kernel_size, stride)
        return jac
    return jacobian


def max1d_by_loops(pick=lambda window: np.argmax(window), start=lambda i, s: i * s,
                   extra=0, assign=False, sign=1.0):
    def grad(dout, x, kernel_size, stride):
        dx = np.zeros(x.shape)
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                for i in range(dout.shape[2]):
                    first = start(i, stride)
                    window = x[n, c, first:first + kernel_size + extra]
                    winner = first + pick(window)
                    if assign:
                        dx[n, c, winner] = sign * dout[n, c, i]
                    else:
                        dx[n, c, winner] += sign * dout[n, c, i]
        return dx
    return grad


def max1d_mask(whole_row):
    def grad(dout, x, kernel_size, stride):
        dx = np.zeros(x.shape)
        for n, c, i in np.ndindex(dout.shape):
            window = x[n, c, i * stride:i * stride + kernel_size]
            if whole_row:
                dx[n, c] += (x[n, c] == window.max()) * dout[n, c, i]
            else:
                dx[n, c, i * stride:i * stride + kernel_size] += \
                    (window == window.max()) * dout[n, c, i]
        return dx
    return grad


def max1d_across_channels(dout, x, kernel_size, stride):
    dx = np.zeros(x.shape)
    for n, c, i in np.ndindex(dout.shape):
        block = x[n, :, i * stride:i * stride + kernel_size]      # every channel's window
        channel, offset = np.unravel_index(np.argmax(block), block.shape)
        dx[n, channel, i * stride + offset] += dout[n, c, i]
    return dx


def avg2d_by_loops(divide=lambda kh, kw: kh * kw, window=lambda k: k, step=lambda s: s,
                   assign=False, channels=lambda c: c, sign=1.0):
    def grad(dout, x_shape, kernel_size, stride):
        (kh, kw), (sh, sw) = window(kernel_size), step(stride)
        dx = np.zeros(x_shape)
        for n, c, i, j in np.ndindex(dout.shape):
            value = sign * dout[n, c, i, j] / divide(*kernel_size)
            target = (n, channels(c), slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw))
            if assign:
                dx[target] = value
            else:
                dx[target] += value
        return dx
    return grad


def max2d_by_loops(pad_value=-np.inf, crop=True, pad=True, window=lambda k: k,
                   step=lambda s: s, pick=None, assign=False, sign=1.0):
    def grad(dout, x, kernel_size, stride, padding):
        (kh, kw), (sh, sw) = window(kernel_size), step(stride)
        ph, pw = padding if pad else (0, 0)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
        dxp = np.zeros(xp.shape)
        for n, c, i, j in np.ndindex(dout.shape):
            block = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
            flat = pick(block) if pick else np.argmax(block)
            m, k = np.unravel_index(flat, block.shape)
            if assign:
                dxp[n, c, i * sh + m, j * sw + k] = sign * dout[n, c, i, j]
            else:
                dxp[n, c, i * sh + m, j * sw + k] += sign * dout[n, c, i, j]
        return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] if crop else dxp
    return grad


def max2d_mask(whole_map):
    def grad(dout, x, kernel_size, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        dxp = np.zeros(xp.shape)
        for n, c, i, j in np.ndindex(dout.shape):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            top = xp[n, c, rows, cols].max()
            if whole_map:
                dxp[n, c] += (xp[n, c] == top) * dout[n, c, i, j]
            else:
                dxp[n, c, rows, cols] += (xp[n, c, rows, cols] == top) * dout[n, c, i, j]
        return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]
    return grad


def last_flat_argmax(block):
    return block.size - 1 - np.argmax(block.ravel()[::-1])


def max2d_across_channels(dout, x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    for n, c, i, j in np.ndindex(dout.shape):
        block = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
        channel, m, k = np.unravel_index(np.argmax(block), block.shape)
        dxp[n, channel, i * sh + m, j * sw + k] += dout[n, c, i, j]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def in_window(i, j, kernel_size, stride, extra=0):
    return i * stride <= j <= i * stride + kernel_size - 1 + extra


STUDENT_MISTAKES = [
    # 3.1: the Jacobian
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: -1 / k if in_window(i, j, k, s) else 0.0),
     "the entries have the wrong sign"),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1 / k if in_window(i, j, k, s, extra=1) else 0.0),
     "each row has K + 1 non-zero entries"),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1.0 if in_window(i, j, k, s) else 0.0),
     "the entries are 1 instead of 1/K"),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1 / (k + 1) if in_window(i, j, k, s) else 0.0),
     "the entries are 1/(K + 1)"),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1 / k if i <= j < i + k else 0.0),
     "your windows start at i, one entry apart"),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1 / k if i <= j < i + k else 0.0,
                       rows=lambda length, k, s: length - k + 1),
     "L - K + 1 rows"),
    ("avg_pool1d_jacobian",
     lambda length, k, s: jacobian_by_loops(lambda i, j, k, s: 1 / k
                                            if in_window(i, j, k, s) else 0.0)(length, k, s).T,
     "your matrix is transposed"),
    # 3.2: max pooling in 1-D
    ("max_pool1d_grad", max1d_by_loops(sign=-1.0), "the gradient has the wrong sign"),
    ("max_pool1d_grad", max1d_by_loops(assign=True), "use +="),
    ("max_pool1d_grad", max1d_by_loops(start=lambda i, s: i), "your windows start at i"),
    ("max_pool1d_grad", max1d_by_loops(extra=1), "your windows hold K + 1 entries"),
    ("max_pool1d_grad", max1d_across_channels, "reached another channel"),
    ("max_pool1d_grad", max1d_mask(whole_row=True), "an input outside window i"),
    ("max_pool1d_grad", max1d_mask(whole_row=False), "sent its gradient to both"),
    ("max_pool1d_grad", max1d_by_loops(pick=lambda w: len(w) - 1 - np.argmax(w[::-1])),
     "sent its gradient to the last one"),
    # 3.3: average pooling in 2-D
    ("avg_pool2d_grad", avg2d_by_loops(sign=-1.0), "the gradient has the wrong sign"),
    ("avg_pool2d_grad", avg2d_by_loops(divide=lambda kh, kw: 1), "KH*KW times too large"),
    ("avg_pool2d_grad", avg2d_by_loops(divide=lambda kh, kw: kh + kw), "divided by KH + KW"),
    ("avg_pool2d_grad", avg2d_by_loops(window=lambda k: (k[0] + 1, k[1] + 1)),
     "your windows are (KH + 1) x (KW + 1)"),
    ("avg_pool2d_grad", avg2d_by_loops(assign=True), "use +="),
    ("avg_pool2d_grad", avg2d_by_loops(step=lambda s: (1, 1)),
     "your windows start one row and one column apart"),
    ("avg_pool2d_grad", avg2d_by_loops(window=lambda k: k[::-1]),
     "your windows are KW x KH instead of KH x KW"),
    ("avg_pool2d_grad", avg2d_by_loops(step=lambda s: s[::-1]), "your strides are swapped"),
    ("avg_pool2d_grad", avg2d_by_loops(channels=lambda c: slice(None)),
     "reached every channel"),
    # 3.4: max pooling in 2-D
    ("max_pool2d_grad", max2d_by_loops(sign=-1.0), "the gradient has the wrong sign"),
    ("max_pool2d_grad", max2d_by_loops(assign=True), "use +="),
    ("max_pool2d_grad", max2d_by_loops(step=lambda s: (1, 1)),
     "your windows start one row and one column apart"),
    ("max_pool2d_grad", max2d_by_loops(window=lambda k: k[::-1]),
     "your windows are KW x KH instead of KH x KW"),
    ("max_pool2d_grad", max2d_by_loops(window=lambda k: (k[0] + 1, k[1] + 1)),
     "your windows are (KH + 1) x (KW + 1)"),
    ("max_pool2d_grad", max2d_by_loops(pad_value=0.0), "you padded with zeros"),
    ("max_pool2d_grad", max2d_by_loops(crop=False), "your dx still has the padding"),
    ("max_pool2d_grad", max2d_across_channels, "reached another channel"),
    ("max_pool2d_grad", max2d_mask(whole_map=True), "an input outside window i"),
    ("max_pool2d_grad", max2d_mask(whole_map=False), "sent its gradient to both"),
    ("max_pool2d_grad", max2d_by_loops(pick=last_flat_argmax),
     "the first maximum in row-major order"),
]


@pytest.mark.parametrize("name, wrong, phrase", STUDENT_MISTAKES,
                         ids=[f"{name}-{phrase[:30]}" for name, _, phrase in STUDENT_MISTAKES])
def test_student_mistake_gets_its_targeted_message(name, wrong, phrase):
    text = assert_rejected_with(CHECKERS[name][0], wrong, phrase)
    assert "(chapter 3, '" in text


def test_max2d_without_padding_crashes_with_a_hint():
    # Windows on the unpadded input run past its edge: np.argmax of an empty window raises.
    text = verdict("max_pool2d_grad", max2d_by_loops(pad=False))
    assert "your function raised ValueError: attempt to get argmax of an empty sequence" in text
    assert "Hint: a window came out empty" in text


def jacobian_from_eye(length, kernel_size, stride):
    out_length = (length - kernel_size) // stride + 1
    starts = np.arange(out_length) * stride
    columns = np.arange(length)
    inside = (columns >= starts[:, None]) & (columns < starts[:, None] + kernel_size)
    return inside / kernel_size


def max1d_sliding(dout, x, kernel_size, stride):
    windows = sliding_window_view(x, kernel_size, axis=2)[:, :, ::stride][:, :, :dout.shape[2]]
    winners = np.argmax(windows, axis=-1) + np.arange(dout.shape[2]) * stride
    dx = np.zeros(x.shape)
    n, c, _ = np.indices(dout.shape)
    np.add.at(dx, (n, c, winners), dout)
    return dx


def max2d_sliding(dout, x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    out_h, out_w = dout.shape[2:]
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :out_h, :out_w]
    flat = np.argmax(windows.reshape(windows.shape[:4] + (-1,)), axis=-1)
    m, k = np.divmod(flat, kw)
    n, c, i, j = np.indices(dout.shape)
    dxp = np.zeros(xp.shape)
    np.add.at(dxp, (n, c, i * sh + m, j * sw + k), dout)
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def avg2d_via_gradlab_1d(dout, x_shape, kernel_size, stride):
    # separable: average over rows of the column averages, each a 1-D pooling's backward pass
    (kh, kw), (sh, sw) = kernel_size, stride
    n, c, h, w = x_shape
    out_h, out_w = dout.shape[2:]
    rows = np.moveaxis(dout, 2, 3).reshape(n * c * out_w, 1, out_h)
    _, row_cache = avg_pool1d_forward(np.zeros((n * c * out_w, 1, h)), kh, sh)
    dcols = avg_pool1d_backward(rows, row_cache).reshape(n, c, out_w, h)
    cols = np.moveaxis(dcols, 2, 3).reshape(n * c * h, 1, out_w)
    _, col_cache = avg_pool1d_forward(np.zeros((n * c * h, 1, w)), kw, sw)
    return avg_pool1d_backward(cols, col_cache).reshape(x_shape)


STUDENT_CORRECT = [
    ("avg_pool1d_jacobian", jacobian_from_eye),
    ("avg_pool1d_jacobian",
     jacobian_by_loops(lambda i, j, k, s: 1 / k if in_window(i, j, k, s) else 0.0)),
    ("max_pool1d_grad", max1d_by_loops()),
    ("max_pool1d_grad", max1d_sliding),
    ("max_pool1d_grad", lambda dout, x, k, s: max_pool1d_backward(
        dout, max_pool1d_forward(x, k, s)[1])),
    ("avg_pool2d_grad", avg2d_by_loops()),
    ("avg_pool2d_grad", avg2d_via_gradlab_1d),
    ("max_pool2d_grad", max2d_by_loops()),
    ("max_pool2d_grad", max2d_sliding),
]


@pytest.mark.parametrize("name, right", STUDENT_CORRECT,
                         ids=[f"{name}-{index}" for index, (name, _) in enumerate(STUDENT_CORRECT)])
def test_other_correct_formulations_pass(name, right):
    text = verdict(name, right)
    assert text.startswith("correct: "), text


# ------------------------------------------------------------------ generic problems

@pytest.mark.parametrize("name", CHECKERS)
def test_returning_none(name):
    assert verdict(name, lambda *args: None) == RETURNS_NONE


@pytest.mark.parametrize("name", CHECKERS)
def test_raising_is_reported_not_raised(name):
    _, exercise = CHECKERS[name]

    def raises(*args):
        raise ValueError("operands could not be combined")

    assert verdict(name, raises) == (f"not yet right: on {exercise.cases[0].description}, "
                                     f"your function raised ValueError: operands could not "
                                     f"be combined")


@pytest.mark.parametrize("name", CHECKERS)
def test_returning_a_list(name):
    _, exercise = CHECKERS[name]
    text = verdict(name, lambda *args: exercise.reference(*args).tolist())
    assert text == ("not yet right: your function returns a list, but an array is expected: "
                    "build the result with numpy operations, or convert it with "
                    "np.asarray(...).")


@pytest.mark.parametrize("name", TAKES_ARRAYS)
def test_swapped_last_axes_get_a_shape_message(name):
    _, exercise = CHECKERS[name]
    text = verdict(name, lambda *args: np.swapaxes(exercise.reference(*args), -1, -2))
    expected = exercise.reference(*exercise.cases[0].inputs).shape
    received = expected[:-2] + expected[-2:][::-1]
    assert f"expected shape {expected}, got {received}" in text
    assert "Axis" in text and "did you take a size from the wrong argument" in text


@pytest.mark.parametrize("name", ["max_pool1d_grad", "max_pool2d_grad"])
def test_changing_x_in_place(name):
    _, exercise = CHECKERS[name]

    def mutates(*args):
        result = exercise.reference(*args)
        args[1][...] = 0.0
        return result

    assert "your function changed its input x in place; work on a copy" in verdict(name, mutates)


def test_changing_dout_in_place():
    def divides_dout_in_place(dout, x_shape, kernel_size, stride):
        result = pe.AVG_POOL2D_GRAD.reference(dout, x_shape, kernel_size, stride)
        dout /= kernel_size[0] * kernel_size[1]
        return result

    text = verdict("avg_pool2d_grad", divides_dout_in_place)
    assert "your function changed its input dout in place; work on a copy" in text


def test_wrong_value_names_the_case_and_the_entry():
    def off_at_one_entry(dout, x, kernel_size, stride):
        dx = pe.MAX_POOL1D_GRAD.reference(dout, x, kernel_size, stride)
        dx[0, 0, 0] += 0.5
        return dx

    text = verdict("max_pool1d_grad", off_at_one_entry)
    assert text.startswith(f"not yet right: on {pe.MAX_POOL1D_GRAD.cases[0].description}, "
                           f"entry [0, 0, 0] is ")
    assert "(the largest difference, 0.5)" in text


def test_checking_leaves_the_cases_unchanged_and_is_deterministic(recwarn):
    before = [tuple(np.copy(v) if isinstance(v, np.ndarray) else v for v in case.inputs)
              for case in pe.MAX_POOL2D_GRAD.cases]
    first = verdict("max_pool2d_grad", pe.MAX_POOL2D_GRAD.reference)
    assert first == verdict("max_pool2d_grad", pe.MAX_POOL2D_GRAD.reference)
    for saved, case in zip(before, pe.MAX_POOL2D_GRAD.cases):
        for a, b in zip(saved, case.inputs):
            assert np.array_equal(a, b)
    for name, (checker, exercise) in CHECKERS.items():
        for mistake in exercise.mistakes:
            checker(mistake.wrong)
    assert len(recwarn) == 0


# ------------------------------------------------------------- the exercise notebook

def test_notebook_solutions_pass_their_checkers():
    checkers = {name: checker for name, (checker, _) in CHECKERS.items()}
    checked = run_solutions(NOTEBOOK, {"np": np}, checkers)
    assert set(checked) == set(CHECKERS)
    assert checked.count("avg_pool2d_grad") == 2   # the loop and the vectorised solution


def test_notebook_stubs_setup_and_checker_outputs():
    notebook = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert any("default_rng(" in code and "from gradlab.exercises import" in code
               for code in sources)
    for number, name in enumerate(CHECKERS, start=1):
        assert any(re.search(rf"^def {name}\(", code, re.MULTILINE)
                   and f'raise NotImplementedError("Exercise 3.{number}")' in code
                   for code in sources), name
        assert any(code.strip() == f"check_{name}({name})" for code in sources), name
    checker_cells = [cell for cell in notebook.cells
                     if cell.cell_type == "code" and cell.source.startswith("check_")]
    assert len(checker_cells) == len(CHECKERS)
    for cell in checker_cells:
        assert cell.outputs, f"{NOTEBOOK} was not executed"
        assert "not attempted yet" in cell.outputs[0]["data"]["text/plain"]


def test_pen_and_paper_numbers():
    x = np.array([[[1.0, 3.0, 7.0, 2.0, 0.0, 5.0, 4.0]]])
    dout = np.array([[[1.0, 2.0, 3.0]]])
    y_avg, avg_cache = avg_pool1d_forward(x, 3, 2)
    y_max, max_cache = max_pool1d_forward(x, 3, 2)
    np.testing.assert_allclose(y_avg[0, 0], [11 / 3, 3, 3], rtol=1e-15)
    np.testing.assert_array_equal(y_max[0, 0], [7, 7, 5])
    jacobian = pe.AVG_POOL1D_JACOBIAN.reference(7, 3, 2)
    np.testing.assert_allclose(3 * jacobian, [[1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0],
                                              [0, 0, 0, 0, 1, 1, 1]], atol=1e-15)
    dx_avg = avg_pool1d_backward(dout, avg_cache)[0, 0]
    expected = [Fraction(1, 3), Fraction(1, 3), 1, Fraction(2, 3), Fraction(5, 3), 1, 1]
    np.testing.assert_allclose(dx_avg, [float(v) for v in expected], rtol=1e-15)
    np.testing.assert_array_equal(max_pool1d_backward(dout, max_cache)[0, 0],
                                  [0, 0, 3, 0, 0, 3, 0])
    assigned = pe._avg_grad(dout[:, :, None, :], (1, 1, 1, 7), (1, 3), (1, 2), assign=True)
    np.testing.assert_allclose(assigned[0, 0, 0, [2, 4]], [2 / 3, 1], rtol=1e-15)
    assert pe._max1d(dout, x, 3, 2, assign=True)[0, 0, 2] == 2
    assert max_pool2d_forward(np.zeros((1, 1, 28, 20)), (3, 2), (2, 2), (1, 0))[0].shape[2:] \
        == (14, 10)
    tie = np.array([[[2.0, 5.0, 5.0]]])
    out, cache = max_pool1d_forward(tie, 3)
    np.testing.assert_array_equal(max_pool1d_backward(np.ones((1, 1, 1)), cache)[0, 0],
                                  [0, 1, 0])
    from gradlab.gradcheck import numerical_gradient
    np.testing.assert_allclose(numerical_gradient(lambda v: max_pool1d_forward(v, 3)[0],
                                                  tie.copy())[0, 0], [0, 0.5, 0.5], atol=1e-9)
    text = markdown(NOTEBOOK)
    for claim in [r"\frac{11}{3}", "(7, 7, 5)", r"\frac{5}{3}", "(0, 0, 3, 0, 0, 3, 0)",
                  r"$\frac{2}{3}$ instead of 1", r"1 instead of $\frac{5}{3}$",
                  "2 instead of 3", r"$14 \times 10$", "$(0, 1, 0)$",
                  r"\left(0, \frac{1}{2}, \frac{1}{2}\right)"]:
        assert claim in text, claim


def test_feedback_points_to_sections_that_exist():
    chapter_headings = headings(CHAPTER)
    texts = [mistake.message for _, exercise in CHECKERS.values() for mistake in exercise.mistakes]
    pointers = [section for text in texts
                for section in re.findall(r"chapter 3, '([^']+)'", text)]
    assert len(pointers) >= 30
    for section in pointers:
        assert any(heading.startswith(" ".join(section.split())) for heading in chapter_headings), section
    prose = re.sub(r"`[^`]*`|\$[^$]*\$", "", markdown(NOTEBOOK))  # no code or math
    sections = re.findall(r"\*([A-Z][^*]+)\*", prose)               # *Section name*
    assert len(sections) >= 6
    for section in sections:
        assert any(heading.startswith(" ".join(section.split())) for heading in chapter_headings), section
