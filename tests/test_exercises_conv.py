r"""What is specific to the checkers of chapter 4 (convolution): layers
that separate, a few messages, and the notebook's pen-and-paper answers."""

from __future__ import annotations

import numpy as np

from gradlab.conv import conv1d_backward, conv1d_forward
from gradlab.exercises import conv_exercises as ce
from tests.exercise_helpers import markdown, verdict


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

    # a real row (and column) of x that no window reaches: H + 2P - HH
    # leaves more than P rows after the last window
    assert any((x.shape[2] + 2 * padding - w.shape[2]) % stride > padding
               and (x.shape[3] + 2 * padding - w.shape[3]) % stride > padding
               for _, x, w, stride, padding in layers)


def test_nan_and_wrong_values_name_the_layer_and_the_entry():
    def with_nan(dout, x, w, stride, padding):
        dw = ce.CONV2D_DW.reference(dout, x, w, stride, padding)
        dw[0, 0, 0, 0] = np.nan
        return dw

    assert "your function returns nan at [0, 0, 0, 0]" in verdict(
        "conv2d_dw", with_nan)
    assert verdict("conv2d_db", lambda dout: dout.sum(axis=(0, 2, 3))
                   + np.array([0, 0.5, 0])).startswith(
        f"not yet right: on {ce.CONV2D_DB.cases[0].description}, entry [1] "
        f"is ")
    assert "expected shape (2, 2, 7, 9), got (2, 7, 9)" in verdict(
        "conv2d_dx", lambda dout, x, w, s, p: np.zeros(x.shape[1:]))


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
    text = markdown("exercises", 4)
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
    text = markdown("exercises", 4)
    for claim in ["L' = \\lfloor (7 - 3)/2 \\rfloor + 1 = 3", "(1, 2, 2, -2, -1, 4, 6)",
                  "(0, 0, 1, 0, -1, 0, 2, 0, 0)", r"\partial L / \partial v = (7, 3, -6)"]:
        assert claim in text, claim




def test_the_unreached_rows_hint_only_for_a_dx_smaller_than_x():
    unreached = next(case for case in ce.CONV2D_DX.cases
                     if "no window reaches" in case.description)
    shape = unreached.inputs[1].shape

    def cut_there(name, cut):
        def answer(dout, x, w, stride, padding):
            result = getattr(ce, name).reference(dout, x, w, stride,
                                                 padding)
            return cut(result) if x.shape == shape else result
        return answer

    hint = "dx has the shape of x"
    assert hint in verdict("conv2d_dx", cut_there(
        "CONV2D_DX", lambda dx: dx[:, :, :-1]))
    for name, cut in (("CONV2D_DX", lambda dx: np.pad(dx, 1)),
                      ("CONV2D_DW", lambda dw: dw[:, :, :-1])):
        text = verdict(name.lower(), cut_there(name, cut))
        assert "expected shape" in text and hint not in text, text


# ------------------------------------ exercise 4.8: the transposed convolution

def test_transposed_convolution_cases_cover_the_slips():
    cases = [case.inputs for case in ce.CONV_TRANSPOSE2D.cases]
    assert {stride for _, _, stride, _, _ in cases} == {1, 2, 3}
    assert any(stride == 1 and padding == 0 for _, _, stride, padding, _ in cases)
    assert all(0 <= extra < stride for _, _, stride, _, extra in cases)
    assert {extra for *_, extra in cases} >= {0, 1, 2}
    assert any(extra > padding > 0 for _, _, _, padding, extra in cases)   # unreached rows
    assert any(0 < extra <= padding for _, _, _, padding, extra in cases)
    assert any(stride > w.shape[3] for _, w, stride, _, _ in cases)        # gaps
    assert all(x.shape[1] == w.shape[0] != w.shape[1] for x, w, *_ in cases)  # F != C
    assert {x.shape[1] > w.shape[1] for x, w, *_ in cases} == {True, False}
    assert 1 in {w.shape[1] for _, w, *_ in cases} and 1 in {x.shape[0] for x, *_ in cases}
    assert any(w.shape[2] != w.shape[3] for _, w, *_ in cases)
    first_w = cases[0][1]
    assert first_w.shape[2] == first_w.shape[3]
    assert not np.allclose(first_w, first_w.transpose(0, 1, 3, 2))
    assert not np.allclose(first_w, first_w[:, :, ::-1, ::-1])


def test_transposed_convolution_is_the_dx_of_exercise_4_4():
    # the statement: conv2d_dx(x, zeros of the result's shape, w, S, P)
    for case in ce.CONV_TRANSPOSE2D.cases:
        x, w, stride, padding, extra = case.inputs
        z = ce.CONV_TRANSPOSE2D.reference(*case.inputs)
        assert z.shape[2:] == ce._transpose_size(x.shape, w.shape, stride, padding, extra)
        dx = ce.CONV2D_DX.reference(x, np.zeros(z.shape), w, stride, padding)
        np.testing.assert_allclose(dx, z, rtol=1e-12, atol=1e-12)


def test_output_padding_rows_can_hold_copies_of_the_kernel():
    # the solution: with padding, zeros appended after the crop are wrong
    within = [c.inputs for c in ce.CONV_TRANSPOSE2D.cases if 0 < c.inputs[4] <= c.inputs[3]]
    assert within
    for x, w, stride, padding, extra in within:
        z = ce.CONV_TRANSPOSE2D.reference(x, w, stride, padding, extra)
        assert np.any(z[:, :, -extra:] != 0) and np.any(z[:, :, :, -extra:] != 0)


def test_transposed_convolution_shape_hints_say_what_the_shape_is():
    case = next(c for c in ce.CONV_TRANSPOSE2D.cases if c.inputs[3] and c.inputs[4])
    _, _, _, padding, extra = case.inputs
    expected = ce.CONV_TRANSPOSE2D.reference(*case.inputs).shape
    short = expected[:2] + tuple(n - extra for n in expected[2:])
    padded = expected[:2] + tuple(n + 2 * padding for n in expected[2:])
    assert case.shape_hint(expected, short) == (
        f"That is output_padding = {extra} rows and columns short: the size without "
        f"output_padding.")
    assert case.shape_hint(expected, padded) == (
        f"That is 2*padding = {2 * padding} rows and columns too many: the size before "
        f"the crop.")
    one_axis = expected[:3] + (expected[3] - extra,)
    for received in (one_axis, expected[1:], expected[::-1]):
        assert case.shape_hint(expected, received) == ""
    # the verdict on an answer short by output_padding only where it also errs
    def short_and_wrong(x, w, stride, padding, extra):
        z = ce.CONV_TRANSPOSE2D.reference(x, w, stride, padding, 0)
        return -z if extra else z

    text = verdict("conv_transpose2d", short_and_wrong)
    assert text.endswith("the size without output_padding."), text
    assert case.description in text
