r"""What is specific to the checkers of chapter 3 (pooling): the cases that
separate, a few messages, and the notebook's pen-and-paper answers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.exercises import pooling_exercises as pe
from gradlab.gradcheck import numerical_gradient
from gradlab.pooling import (avg_pool1d_backward, avg_pool1d_forward,
                             max_pool1d_backward, max_pool1d_forward,
                             max_pool2d_forward)
from tests.exercise_helpers import markdown, verdict
from tests.wrong_answers_pooling import max2d_by_loops


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




def test_a_corner_window_holds_only_the_smallest_input():
    corner = [case for case in pe.MAX_POOL2D_GRAD.cases
              if "smallest input" in case.description]
    assert len(corner) == 1
    _, x, kernel, stride, padding = corner[0].inputs
    assert padding[0] >= 1 and padding[1] >= 1 and kernel == (2, 2)
    assert np.all(x[:, :, 0, 0] == x.min())  # padding with x.min() ties


def test_the_ones_that_crash_get_a_hint():
    text = verdict("max_pool2d_grad", max2d_by_loops(pad=False))
    assert "raised ValueError: attempt to get argmax of an empty sequence" \
        in text and "Hint: a window came out empty" in text
    for name in ("max_pool1d_grad", "avg_pool2d_grad", "max_pool2d_grad"):
        exercise = pe.__dict__[name.upper()]
        text = verdict(name, lambda *a, e=exercise: np.swapaxes(
            e.reference(*a), -1, -2))
        assert "Axis" in text and "from the wrong argument" in text, text


def test_changing_x_in_place():
    def mutates(dout, x, *settings):
        result = pe.MAX_POOL2D_GRAD.reference(dout, x, *settings)
        x[...] = 0.0
        return result

    assert "your function changed its input x in place" in verdict(
        "max_pool2d_grad", mutates)


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
    assigned = pe._avg2d(dout[:, :, None, :], (1, 1, 1, 7), (1, 3), (1, 2),
                         assign=True)
    np.testing.assert_allclose(assigned[0, 0, 0, [2, 4]], [2 / 3, 1], rtol=1e-15)
    assert pe._max1d(dout, x, 3, 2, assign=True)[0, 0, 2] == 2
    assert max_pool2d_forward(np.zeros((1, 1, 28, 20)), (3, 2), (2, 2), (1, 0))[0].shape[2:] \
        == (14, 10)
    tie = np.array([[[2.0, 5.0, 5.0]]])
    out, cache = max_pool1d_forward(tie, 3)
    np.testing.assert_array_equal(max_pool1d_backward(np.ones((1, 1, 1)), cache)[0, 0],
                                  [0, 1, 0])

    np.testing.assert_allclose(numerical_gradient(lambda v: max_pool1d_forward(v, 3)[0],
                                                  tie.copy())[0, 0], [0, 0.5, 0.5], atol=1e-9)
    text = markdown("exercises", 3)
    for claim in [r"\frac{11}{3}", "(7, 7, 5)", r"\frac{5}{3}", "(0, 0, 3, 0, 0, 3, 0)",
                  r"$\frac{2}{3}$ instead of 1", r"1 instead of $\frac{5}{3}$",
                  "2 instead of 3", r"$14 \times 10$", "$(0, 1, 0)$",
                  r"\left(0, \frac{1}{2}, \frac{1}{2}\right)"]:
        assert claim in text, claim




def test_global_average_cases_expose_every_divisor():
    shapes = [case.inputs[1] for case in pe.GLOBAL_AVG_POOL_GRAD.cases]
    assert any(h > 1 and w > 1 and h != w for _, _, h, w in shapes)   # H*W vs H, W, H + W
    assert any(n != c for n, c, _, _ in shapes)                        # a swapped (N, C)
    assert any(n == 1 for n, _, _, _ in shapes) and any(c > 1 for _, c, _, _ in shapes)
    for case in pe.GLOBAL_AVG_POOL_GRAD.cases:
        dout, x_shape = case.inputs
        assert dout.shape == x_shape[:2] and case.numerical is not None
