r"""The chapter 4 (convolution) exercise checkers, tested in both directions, and their notebook.

Properties checked:

- the reference solution of each checker passes, confirmed against central differences;
- the stub is "not attempted yet";
- every registered mistake is rejected with its own message, and the same mistakes written
  the way students write them (einsum, the full-convolution recipe, loops with other index
  names) get the targeted message too;
- other correct formulations (vectorised, the operational recipes of the chapter) pass;
- the layers exercise the bugs: stride 2 < kernel and stride 3 > kernel width, padding 0 and
  > 0, rectangular inputs and kernels, C != F, batches of 1 and more, and a first layer with
  a square kernel that is neither symmetric nor unchanged by a 180-degree rotation;
- generic failures (None, a list, the wrong shape, nan, changing an input in place,
  raising) get the framework's messages, and nothing raises out of a checker;
- every solution in the exercise notebook passes its checker, the committed notebook is in
  stub state, the pen-and-paper answers are right, and every section a message points to
  exists in chapter 4.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.conv import conv1d_backward, conv1d_forward
from gradlab.exercises import (check_conv1d_jacobian, check_conv2d_db, check_conv2d_dw,
                               check_conv2d_dx)
from gradlab.exercises import conv_exercises as ce
from tests.exercise_helpers import (RETURNS_NONE, ROOT, assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with,
                                    assert_well_formed, headings, markdown, run_solutions)

CHECKERS = {
    "conv1d_jacobian": (check_conv1d_jacobian, ce.CONV1D_JACOBIAN),
    "conv2d_db": (check_conv2d_db, ce.CONV2D_DB),
    "conv2d_dw": (check_conv2d_dw, ce.CONV2D_DW),
    "conv2d_dx": (check_conv2d_dx, ce.CONV2D_DX),
}
LAYER_CHECKERS = ["conv2d_dw", "conv2d_dx"]
NOTEBOOK = "exercises/04_convolution.ipynb"
CHAPTER = "chapters/04_convolution.ipynb"


# ------------------------------------------------------------------ both directions

@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(exercise.reference)
    assert_well_formed(feedback)
    assert feedback, str(feedback)
    assert str(feedback).startswith(f"correct: matches the reference on "
                                    f"{len(exercise.cases)} inputs and the numerical gradient")
    error = float(re.search(r"relative error (\S+)\)", str(feedback)).group(1))
    assert error < 1e-8


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_is_not_attempted(name):
    assert_not_attempted(CHECKERS[name][0])


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_is_recognised(name):
    checker, exercise = CHECKERS[name]
    assert_each_mistake_gets_its_message(checker, exercise.mistakes, minimum=4)


def test_layers_expose_bugs():
    layers = [case.inputs for case in ce.CONV2D_DW.cases]
    for dout, x, w, stride, padding in layers:
        assert x.shape[1] != w.shape[0]                                  # C != F everywhere
        assert dout.shape[2] != dout.shape[3]                            # H' != W'
        assert x.shape[2] != x.shape[3]                                  # rectangular input
    batches = {x.shape[0] for _, x, _, _, _ in layers}
    assert 1 in batches and max(batches) > 1
    assert any(1 < stride < min(w.shape[2:]) for _, _, w, stride, _ in layers)  # overlaps
    assert any(stride > min(w.shape[2:]) for _, _, w, stride, _ in layers)      # gaps
    assert any(w.shape[2] != w.shape[3] for _, _, w, _, _ in layers)            # rectangular
    assert {padding for *_, padding in layers} >= {0, 1, 2}
    first_w = layers[0][2]
    assert first_w.shape[2] == first_w.shape[3]          # square: a transposed kernel fits
    assert not np.allclose(first_w, first_w.transpose(0, 1, 3, 2))
    assert not np.allclose(first_w, first_w[:, :, ::-1, ::-1])
    assert layers[0][3] > 1 and layers[0][1].shape[1] < layers[0][2].shape[0]  # C < F
    db_douts = [case.inputs[0] for case in ce.CONV2D_DB.cases]
    assert all(np.array_equal(a, layer[0]) for a, layer in zip(db_douts, layers, strict=True))


# ------------------------------------------------ mistakes written the student's way

def pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def windows_of(x_p, w, step, out_shape):
    r"""windows[n, t, i, j, m, l] = x_p[n, t, i*step + m, j*step + l] (numpy slicing view)."""
    view = sliding_window_view(x_p, w.shape[2:], axis=(2, 3))
    return view[:, :, ::step, ::step][:, :, :out_shape[2], :out_shape[3]]


def dw_einsum(step=None, flip=False):
    def dw(dout, x, w, stride, padding):
        windows = windows_of(pad(x, padding), w, stride if step is None else step, dout.shape)
        if flip:
            windows = windows[..., ::-1, ::-1]
        return np.einsum("nkij,ntijml->ktml", dout, windows)
    return dw


def dilate(dout, stride):
    spread = np.zeros(dout.shape[:2] + ((dout.shape[2] - 1) * stride + 1,
                                        (dout.shape[3] - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = dout
    return spread


def dx_recipe(rotate=True, dilation=True):
    r"""The chapter's recipe: dilate, pad by kernel - 1, correlate with rot180(w), crop."""
    def dx(dout, x, w, stride, padding):
        hh, ww = w.shape[2:]
        spread = dilate(dout, stride) if dilation else dout
        spread = np.pad(spread, ((0, 0), (0, 0), (hh - 1, hh - 1), (ww - 1, ww - 1)))
        kernel = w[:, :, ::-1, ::-1] if rotate else w
        view = sliding_window_view(spread, (hh, ww), axis=(2, 3))
        full = np.einsum("nkpqml,ktml->ntpq", view, kernel)
        dx_p = np.zeros(pad(x, padding).shape)
        rows, cols = min(full.shape[2], dx_p.shape[2]), min(full.shape[3], dx_p.shape[3])
        dx_p[:, :, :rows, :cols] = full[:, :, :rows, :cols]
        return dx_p[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    return dx


def dx_loops(kernel_of=lambda w, k: w[k], first_only=False, assign=False, crop=True):
    def dx(dout, x, w, stride, padding):
        dx_p = np.zeros(pad(x, padding).shape)
        hh, ww = w.shape[2:]
        for n in range(dout.shape[0]):
            for f in range(dout.shape[1]):
                for a in range(1 if first_only else dout.shape[2]):
                    for c in range(1 if first_only else dout.shape[3]):
                        region = (n, slice(None), slice(a * stride, a * stride + hh),
                                  slice(c * stride, c * stride + ww))
                        if assign:
                            dx_p[region] = dout[n, f, a, c] * kernel_of(w, f)
                        else:
                            dx_p[region] += dout[n, f, a, c] * kernel_of(w, f)
        if not crop:
            return dx_p
        return dx_p[:, :, padding:dx_p.shape[2] - padding, padding:dx_p.shape[3] - padding]
    return dx


def dw_loops_assigning(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for a in range(dout.shape[2]):
                for c in range(dout.shape[3]):
                    dw[f] = dout[n, f, a, c] * x_p[n, :, a * stride:a * stride + hh,
                                                  c * stride:c * stride + ww]
    return dw


def dw_loops_channel_first(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for a in range(dout.shape[2]):
                for c in range(dout.shape[3]):
                    for t in range(x.shape[1]):
                        dw[t, f, :, :] += dout[n, f, a, c] * x_p[n, t, a * stride:a * stride + hh,
                                                                c * stride:c * stride + ww]
    return dw


def dw_filter_slice(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n, f, a, c in np.ndindex(*dout.shape):
        dw[:, f] += dout[n, f, a, c] * x_p[n, :, a * stride:a * stride + hh,
                                          c * stride:c * stride + ww]
    return dw


def jacobian_by_convolving_basis(transpose=False, periodic=False):
    r"""Column j = the response of np.convolve to the unit vector e_j."""
    def jacobian(w, length):
        r = (len(w) - 1) // 2
        columns = []
        for e in np.eye(length):
            if periodic:
                full = np.convolve(np.concatenate([e[-r:], e, e[:r]]), w, mode="valid")
            else:
                full = np.convolve(e, w, mode="full")[r:r + length]
            columns.append(full)
        jac = np.array(columns).T
        return jac.T if transpose else jac
    return jacobian


def jacobian_uncentred(w, length):
    jac = np.zeros((length, length))
    for i in range(length):
        for j in range(length):
            if 0 <= i - j < len(w):
                jac[i, j] = w[i - j]
    return jac


STUDENT_MISTAKES = [
    # 4.1: the 1-D Jacobian
    ("conv1d_jacobian", jacobian_by_convolving_basis(transpose=True),
     "the Jacobian of the cross-correlation"),
    ("conv1d_jacobian", jacobian_by_convolving_basis(periodic=True),
     "the band does not wrap around"),
    ("conv1d_jacobian", jacobian_uncentred, "the band is shifted off the diagonal"),
    # 4.2: db
    ("conv2d_db", lambda dout: np.sum(dout[:, :, 0, 0], axis=0),
     "comes from the output position (0, 0) only"),
    ("conv2d_db", lambda dout: dout.sum(axis=(1, 2, 3)), "kept one number per sample"),
    ("conv2d_db", lambda dout: dout.sum(axis=-1).sum(axis=-1), "you kept the batch axis"),
    ("conv2d_db", lambda dout: dout.sum(axis=0), "but not over the positions"),
    ("conv2d_db", lambda dout: np.mean(dout, axis=(0, 2, 3)), "db is a mean"),
    ("conv2d_db", lambda dout: dout[0].sum(axis=(-2, -1)), "db holds the first sample only"),
    # 4.3: dW
    ("conv2d_dw", dw_einsum(step=1), "not at (i, j)"),
    ("conv2d_dw", dw_einsum(flip=True), "your dW is rotated by 180 degrees"),
    ("conv2d_dw", dw_loops_assigning, "overwrites what earlier positions added"),
    ("conv2d_dw", lambda dout, x, w, s, p: np.einsum("nkij,ntijml->tkml", dout,
                                                     windows_of(pad(x, p), w, s, dout.shape)),
     "yours is (C, F, HH, WW)"),
    ("conv2d_dw", dw_loops_channel_first, "not dw[t, k]"),
    ("conv2d_dw", dw_filter_slice,
     "dw[:, k] is channel k of every filter"),
    ("conv2d_dw", lambda dout, x, w, s, p: dw_einsum()(dout, x, w, s, p) / x.shape[0],
     "dW is divided by N"),
    ("conv2d_dw", lambda dout, x, w, s, p: np.einsum(
        "nk,ntml->ktml", dout[:, :, 0, 0], pad(x, p)[:, :, :w.shape[2], :w.shape[3]]),
     "comes from the output position (0, 0) only"),
    # 4.4: dx
    ("conv2d_dx", dx_recipe(rotate=False), "the kernel is flipped the wrong way"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: w[k, :, ::-1, ::-1]),
     "the kernel is flipped the wrong way"),
    ("conv2d_dx", dx_recipe(dilation=False), "not at (i, j)"),
    ("conv2d_dx", dx_loops(first_only=True), "only the window of output (0, 0)"),
    ("conv2d_dx", dx_loops(assign=True), "overwrites what earlier positions added"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: np.swapaxes(w[k], 1, 2)),
     "the kernel indices are transposed"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: w[:, k]), "w[:, k] is channel k"),
    ("conv2d_dx", dx_loops(crop=False), "your dx has the shape of the padded input"),
]


@pytest.mark.parametrize("name, wrong, phrase", STUDENT_MISTAKES,
                         ids=[f"{name}-{phrase[:30]}" for name, _, phrase in STUDENT_MISTAKES])
def test_student_mistake_gets_its_targeted_message(name, wrong, phrase):
    assert_rejected_with(CHECKERS[name][0], wrong, phrase)


STUDENT_CORRECT = [
    ("conv1d_jacobian", jacobian_by_convolving_basis()),
    ("conv2d_db", lambda dout: np.einsum("nkij->k", dout)),
    ("conv2d_dw", dw_einsum()),
    ("conv2d_dx", dx_recipe()),
    ("conv2d_dx", dx_loops()),
]


@pytest.mark.parametrize("name, right", STUDENT_CORRECT,
                         ids=[f"{name}-{index}" for index, (name, _) in
                              enumerate(STUDENT_CORRECT)])
def test_other_correct_formulations_pass(name, right):
    checker, _ = CHECKERS[name]
    feedback = checker(right)
    assert feedback, str(feedback)


# ------------------------------------------------------------------ generic problems

@pytest.mark.parametrize("name", CHECKERS)
def test_returning_none(name):
    assert str(CHECKERS[name][0](lambda *args: None)) == RETURNS_NONE


@pytest.mark.parametrize("name", CHECKERS)
def test_returning_a_list(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(lambda *args: exercise.reference(*args).tolist())
    assert "returns a list, but an array is expected" in str(feedback)


@pytest.mark.parametrize("name", CHECKERS)
def test_raising_is_reported_not_raised(name):
    checker, exercise = CHECKERS[name]

    def raises(*args):
        raise ValueError("shapes do not match")

    feedback = checker(raises)
    assert_well_formed(feedback)
    assert str(feedback) == (f"not yet right: on {exercise.cases[0].description}, your "
                             f"function raised ValueError: shapes do not match")


@pytest.mark.parametrize("name", LAYER_CHECKERS + ["conv2d_db"])
def test_changing_dout_in_place(name):
    checker, exercise = CHECKERS[name]

    def mutates(dout, *args):
        result = exercise.reference(dout, *args)
        dout *= 2
        return result

    assert "your function changed its input dout in place" in str(checker(mutates))


@pytest.mark.parametrize("name", LAYER_CHECKERS)
def test_changing_x_in_place(name):
    checker, exercise = CHECKERS[name]

    def mutates(dout, x, w, stride, padding):
        result = exercise.reference(dout, x, w, stride, padding)
        x[...] = 0.0
        return result

    assert "your function changed its input x in place" in str(checker(mutates))


def test_wrong_shape_is_named():
    feedback = check_conv2d_dx(lambda dout, x, w, s, p: np.zeros(x.shape[1:]))
    assert "expected shape (2, 2, 7, 9), got (2, 7, 9)" in str(feedback)


def test_nan_is_reported():
    def with_nan(dout, x, w, stride, padding):
        dw = ce.CONV2D_DW.reference(dout, x, w, stride, padding)
        dw[0, 0, 0, 0] = np.nan
        return dw

    feedback = check_conv2d_dw(with_nan)
    assert "your function returns nan at [0, 0, 0, 0]" in str(feedback)


def test_unknown_wrong_values_name_the_layer_and_the_entry():
    feedback = check_conv2d_db(lambda dout: dout.sum(axis=(0, 2, 3)) + np.array([0, 0.5, 0]))
    assert str(feedback).startswith(f"not yet right: on {ce.CONV2D_DB.cases[0].description}, "
                                    f"entry [1] is ")


def test_index_error_from_mixed_axes_is_recognised_not_raised():
    def dx_channel_filter_swapped(dout, x, w, stride, padding):
        dx_p = pad(np.zeros(x.shape), padding)
        hh, ww = w.shape[2:]
        for n, f, a, c in np.ndindex(*dout.shape):
            for t in range(x.shape[1]):
                dx_p[n, t, a * stride:a * stride + hh, c * stride:c * stride + ww] += \
                    dout[n, f, a, c] * w[t, f]
        return dx_p[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]

    feedback = check_conv2d_dx(dx_channel_filter_swapped)
    assert "w[k, t], not w[t, k]" in str(feedback)


# ------------------------------------------------------------- the exercise notebook

NAMES = {"conv1d_jacobian", "conv2d_db", "conv2d_dw", "conv2d_dx"}


def test_notebook_solutions_pass_their_checkers():
    checkers = {name: checker for name, (checker, _) in CHECKERS.items()}
    assert set(run_solutions(NOTEBOOK, {"np": np}, checkers)) == NAMES


def test_notebook_is_in_stub_state_with_one_checker_call_each():
    notebook = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for name in NAMES:
        assert any(re.search(rf"^def {name}\(", code, re.MULTILINE)
                   and "raise NotImplementedError(" in code for code in sources), name
        assert sources.count(f"check_{name}({name})") == 1, name
    outputs = [cell.outputs for cell in notebook.cells
               if cell.cell_type == "code" and cell.source.startswith("check_")]
    assert len(outputs) == len(NAMES)
    for output in outputs:
        assert output, f"{NOTEBOOK} was not executed"
        assert "not attempted yet" in output[0]["data"]["text/plain"]


def test_pen_and_paper_1d_convolution():
    # x = (1, 2, -1, 3), (w_-1, w_0, w_1) = (2, 1, -1): gradlab correlates, so reverse w.
    x = np.array([1.0, 2.0, -1.0, 3.0])[None, None]
    w = np.array([2.0, 1.0, -1.0])
    y, cache = conv1d_forward(x, w[::-1][None, None], padding=1)
    np.testing.assert_allclose(y[0, 0], [5, -1, 3, 4], atol=1e-14)
    jacobian = ce.CONV1D_JACOBIAN.reference(w, 4)
    np.testing.assert_allclose(jacobian, [[1, 2, 0, 0], [-1, 1, 2, 0], [0, -1, 1, 2],
                                          [0, 0, -1, 1]], atol=1e-14)
    dx, dw_reversed, _ = conv1d_backward(np.array([1.0, 0.0, 0.0, 2.0])[None, None], cache)
    np.testing.assert_allclose(dx[0, 0], [1, 2, -2, 2], atol=1e-14)
    np.testing.assert_allclose(dw_reversed[0, 0, ::-1], [2, 7, -2], atol=1e-14)
    text = markdown(NOTEBOOK)
    for claim in ["y = (5, -1, 3, 4)", r"\partial L / \partial x = (1, 2, -2, 2)",
                  r"\partial L / \partial w = (2, 7, -2)",
                  r"1 & 2 & 0 & 0 \\ -1 & 1 & 2 & 0 \\", r"0 & -1 & 1 & 2 \\ 0 & 0 & -1 & 1"]:
        assert claim in text, claim


def test_pen_and_paper_stride_2():
    x = np.array([2.0, 0.0, 1.0, -1.0, 3.0, 1.0, -2.0])[None, None]
    v = np.array([1.0, 2.0, 3.0])[None, None]
    y, cache = conv1d_forward(x, v, stride=2)
    assert y.shape == (1, 1, 3)
    dx, dv, _ = conv1d_backward(np.array([1.0, -1.0, 2.0])[None, None], cache)
    np.testing.assert_allclose(dx[0, 0], [1, 2, 2, -2, -1, 4, 6], atol=1e-14)
    np.testing.assert_allclose(dv[0, 0], [7, 3, -6], atol=1e-14)
    spread = np.pad(np.array([1.0, 0.0, -1.0, 0.0, 2.0]), 2)
    recipe = np.correlate(spread, np.array([3.0, 2.0, 1.0]), mode="valid")
    np.testing.assert_allclose(recipe, dx[0, 0], atol=1e-14)
    text = markdown(NOTEBOOK)
    for claim in ["L' = \\lfloor (7 - 3)/2 \\rfloor + 1 = 3", "(1, 2, 2, -2, -1, 4, 6)",
                  "(0, 0, 1, 0, -1, 0, 2, 0, 0)", r"\partial L / \partial v = (7, 3, -6)"]:
        assert claim in text, claim


def test_feedback_points_to_sections_that_exist():
    chapter_headings = headings(CHAPTER)
    texts = [mistake.message for _, exercise in CHECKERS.values()
             for mistake in exercise.mistakes]
    pointers = re.findall(r"chapter 4, '([^']+)'", " ".join(texts))
    assert len(pointers) >= 20
    for section in pointers:
        assert section in chapter_headings, section
    # Exercise statements name sections in italics: *The index formula*, *dx is ...*.
    italics = [" ".join(text.split()) for text in re.findall(r"\*([A-Za-z][^*]+)\*",
                                                             markdown(NOTEBOOK))]
    sections = [text for text in italics if text[0].isupper() or text.startswith("dx ")]
    assert len(sections) >= 8
    for section in sections:
        assert section in chapter_headings, section
