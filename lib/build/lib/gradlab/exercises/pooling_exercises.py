r"""Checkers for the exercises of chapter 3, pooling.

Windows are placed every ``stride`` entries and may overlap (stride < kernel); the sizes
follow :math:`L' = \lfloor (L + 2P - K)/S \rfloor + 1`.

- :func:`check_avg_pool1d_jacobian` for ``avg_pool1d_jacobian(length, kernel_size, stride)``:
  the (L', L) matrix ``J[i, j]`` :math:`= \partial y_i / \partial x_j` of 1-D average pooling;
- :func:`check_max_pool1d_grad` for ``max_pool1d_grad(dout, x, kernel_size, stride)``:
  dx (N, C, L) of 1-D max pooling, ties to the first maximum;
- :func:`check_avg_pool2d_grad` for ``avg_pool2d_grad(dout, x_shape, kernel_size, stride)``:
  dx (N, C, H, W) of 2-D average pooling with (KH, KW) windows every (SH, SW);
- :func:`check_max_pool2d_grad` for ``max_pool2d_grad(dout, x, kernel_size, stride, padding)``:
  dx (N, C, H, W) of 2-D max pooling, padded with :math:`-\infty`.

Each returns a :class:`~gradlab.exercises.Feedback`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..pooling import (avg_pool1d_backward, avg_pool1d_forward, avg_pool2d_backward,
                       avg_pool2d_forward, max_pool1d_backward, max_pool1d_forward,
                       max_pool2d_backward, max_pool2d_forward)
from ._framework import Case, Exercise, Feedback, Mistake, check, described

SHAPE_LETTERS = "NCHW"


def _distinct(rng: np.random.Generator, shape: tuple[int, ...], offset: float = 0.0) -> np.ndarray:
    r"""Values 0.1 apart in random order: no two entries of a window are within h of a tie."""
    size = int(np.prod(shape))
    return ((rng.permutation(size) - size / 2) * 0.1 + offset).reshape(shape)


def _size(shape: tuple[int, ...]) -> str:
    return described(shape, SHAPE_LETTERS[:2] + ("L" if len(shape) == 3 else "HW"))


# --------------------------------------------------- Exercise 3.1: avg_pool1d_jacobian

def _jacobian_reference(length, kernel_size, stride):
    r"""Row i is the gradient of y_i: the library's backward pass applied to dout = e_i."""
    out, cache = avg_pool1d_forward(np.zeros((1, 1, length)), kernel_size, stride)
    rows = []
    for i in range(out.shape[-1]):
        pick = np.zeros(out.shape)
        pick[0, 0, i] = 1.0
        rows.append(avg_pool1d_backward(pick, cache)[0, 0])
    return np.array(rows)


def _numerical_jacobian(length, kernel_size, stride):
    x = np.random.default_rng(3100 + length).normal(size=(1, 1, length))
    out = avg_pool1d_forward(x, kernel_size, stride)[0]
    rows = []
    for i in range(out.shape[-1]):
        pick = np.zeros(out.shape)
        pick[0, 0, i] = 1.0
        rows.append(numerical_gradient(lambda v: avg_pool1d_forward(v, kernel_size, stride)[0],
                                       x.copy(), dout=pick)[0, 0])
    return np.array(rows)


def _jacobian_case(length, kernel_size, stride, note=""):
    out_length = (length - kernel_size) // stride + 1
    text = (f"length L={length}, kernel_size={kernel_size}, stride={stride} "
            f"(L'={out_length}{note})")
    return Case(text, (length, kernel_size, stride),
                numerical=lambda: _numerical_jacobian(length, kernel_size, stride))


def _jacobian_cases() -> tuple[Case, ...]:
    return (
        _jacobian_case(11, 4, 2, ", overlapping windows"),
        _jacobian_case(9, 3, 1, ", overlapping windows"),
        _jacobian_case(13, 5, 3, ", overlapping windows"),
        _jacobian_case(10, 2, 3, ", gaps between the windows"),
        _jacobian_case(8, 2, 2, ", windows side by side"),
    )


def _band(length, kernel_size, stride, *, rows=None, start_step=None, extra=0, value=None):
    r"""A (rows, length) matrix with ``value`` at columns iS ... iS + K - 1 + extra of row i."""
    start_step = stride if start_step is None else start_step
    rows = (length - kernel_size) // stride + 1 if rows is None else rows
    value = 1 / kernel_size if value is None else value
    jac = np.zeros((rows, length))
    for i in range(rows):
        jac[i, i * start_step:min(i * start_step + kernel_size + extra, length)] = value
    return jac


def _jacobian_negated(length, kernel_size, stride):
    return -_band(length, kernel_size, stride)


def _jacobian_range_too_long(length, kernel_size, stride):
    return _band(length, kernel_size, stride, extra=1)


def _jacobian_not_divided(length, kernel_size, stride):
    return _band(length, kernel_size, stride, value=1.0)


def _jacobian_divided_by_k_plus_1(length, kernel_size, stride):
    return _band(length, kernel_size, stride, value=1 / (kernel_size + 1))


def _jacobian_stride_ignored(length, kernel_size, stride):
    return _band(length, kernel_size, stride, start_step=1)


def _jacobian_stride_ignored_in_size(length, kernel_size, stride):
    return _band(length, kernel_size, stride, rows=length - kernel_size + 1, start_step=1)


def _jacobian_transposed(length, kernel_size, stride):
    return _band(length, kernel_size, stride).T


STRIDE_IGNORED = ("your windows start at i, one entry apart, but window i starts at i*S: "
                  "with stride S it covers j = iS, ..., iS + K - 1 (chapter 3, 'Stride and "
                  "overlap').")

AVG_POOL1D_JACOBIAN = Exercise(
    name="avg_pool1d_jacobian", arg_names=("length", "kernel_size", "stride"),
    reference=_jacobian_reference, cases=_jacobian_cases(),
    mistakes=(
        Mistake(_jacobian_negated,
                "the entries have the wrong sign: y_i is a plain average, so raising an input "
                "of window i raises y_i, and dy_i/dx_j = +1/K (chapter 3, 'A minus sign')."),
        Mistake(_jacobian_range_too_long,
                "each row has K + 1 non-zero entries: window i holds exactly K inputs, "
                "j = iS, ..., iS + K - 1, so range(i*S, i*S + K) and not range(i*S, i*S + K + 1) "
                "(chapter 3, 'Off by one')."),
        Mistake(_jacobian_not_divided,
                "the entries are 1 instead of 1/K: y_i is the mean of its window, so each input "
                "counts with weight 1/K (chapter 3, 'Average pooling in one dimension')."),
        Mistake(_jacobian_divided_by_k_plus_1,
                "the entries are 1/(K + 1): the window holds exactly K inputs and the average "
                "divides by K (chapter 3, 'Off by one')."),
        Mistake(_jacobian_stride_ignored, STRIDE_IGNORED),
        Mistake(_jacobian_stride_ignored_in_size,
                "your matrix has L - K + 1 rows, the output length for stride 1: with stride S "
                "there are L' = (L - K) // S + 1 windows, and window i starts at i*S "
                "(chapter 3, 'Stride and overlap')."),
        Mistake(_jacobian_transposed,
                "your matrix is transposed: J[i, j] = dy_i/dx_j has one row per output and one "
                "column per input, shape (L', L) (chapter 3, 'The Jacobian: a band of 1/W')."),
    ))


def check_avg_pool1d_jacobian(fn) -> Feedback:
    r"""Check ``fn(length, kernel_size, stride)``: the (L', L) Jacobian of 1-D average pooling."""
    return check(AVG_POOL1D_JACOBIAN, fn)


# ------------------------------------------------------- max pooling, right and wrong

def _first(block: np.ndarray) -> np.ndarray:
    mask = np.zeros(block.shape, dtype=bool)
    mask[np.unravel_index(int(np.argmax(block)), block.shape)] = True
    return mask


def _last(block: np.ndarray) -> np.ndarray:
    flat = block.ravel()
    mask = np.zeros(block.shape, dtype=bool)
    mask[np.unravel_index(flat.size - 1 - int(np.argmax(flat[::-1])), block.shape)] = True
    return mask


def _all_equal(block: np.ndarray) -> np.ndarray:
    return block == np.max(block)


def _max_grad(dout, x, kernel, stride, padding=(0, 0), *, route=_first, assign=False,
              window=None, step=None, pad_value=-np.inf, crop=True, across_channels=False,
              whole_map=False, sign=1.0):
    r"""2-D max-pooling gradient by loops, with switches that reproduce each known mistake."""
    (kh, kw), (sh, sw), (ph, pw) = window or kernel, step or stride, padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    dpadded = np.zeros(padded.shape)
    for n, c, i, j in np.ndindex(dout.shape):
        rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
        channels = slice(None) if across_channels else slice(c, c + 1)
        block = padded[n, channels, rows, cols]
        if block.size == 0:  # a window past the edge (wrong stride or no padding): skip it
            continue
        if whole_map:  # every entry of the channel equal to this window's maximum
            target, hits = dpadded[n, c], padded[n, c] == np.max(block)
        else:
            target, hits = dpadded[n, channels, rows, cols], route(block)
        if assign:
            target[hits] = sign * dout[n, c, i, j]
        else:
            target[hits] += sign * dout[n, c, i, j]
    return dpadded[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] if crop else dpadded


def _max1d(dout, x, kernel_size, stride, **switches):
    r"""The 1-D version: an image of height 1."""
    window = switches.pop("window", None)
    step = switches.pop("step", None)
    return _max_grad(dout[:, :, None, :], x[:, :, None, :], (1, kernel_size), (1, stride),
                     window=window and (1, window), step=step and (1, step), **switches)[:, :, 0]


# --------------------------------------------------------- Exercise 3.2: max_pool1d_grad

def _max1d_reference(dout, x, kernel_size, stride):
    return max_pool1d_backward(dout, max_pool1d_forward(x, kernel_size, stride)[1])


def _max1d_case(description, dout, x, kernel_size, stride, numerical=True):
    def numeric():
        return numerical_gradient(lambda v: max_pool1d_forward(v, kernel_size, stride)[0],
                                  x.copy(), dout=dout)
    text = f"{description}: x with {_size(x.shape)}, kernel_size={kernel_size}, stride={stride}"
    return Case(text, (dout, x, kernel_size, stride), numerical=numeric if numerical else None)


def _max1d_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(3200)

    def dout_for(x, kernel_size, stride):
        return rng.normal(size=x.shape[:2] + ((x.shape[2] - kernel_size) // stride + 1,))

    first, second, third = (_distinct(rng, (2, 3, 11)), _distinct(rng, (1, 2, 10)),
                            _distinct(rng, (3, 2, 13)))
    # 5 is the maximum of window 0 (entries 0-3) and of window 1 (entries 2-5), at two places
    outside = np.array([[[5.0, 1.0, 2.0, 0.0, 5.0, 3.0, 4.0, 7.0, 6.0],
                         [0.5, 2.5, 1.5, 0.0, 2.0, 3.5, 3.0, 1.0, 2.5]]])
    # windows 0 and 2 of the first row, and 1 of the second, hold two equal maxima
    ties = np.array([[[3.0, 1.0, 3.0, 2.0, 0.0, 4.0, 4.0, 1.0],
                      [1.0, 0.0, 2.0, 6.0, 2.0, 6.0, 5.0, 0.0]]])
    return (
        _max1d_case("overlapping windows", dout_for(first, 4, 2), first, 4, 2),
        _max1d_case("windows one entry apart", dout_for(second, 3, 1), second, 3, 1),
        _max1d_case("overlapping windows, a batch of 3", dout_for(third, 5, 3), third, 5, 3),
        _max1d_case("a value equal to a window's maximum just outside that window",
                    dout_for(outside, 4, 2), outside, 4, 2),
        _max1d_case("windows with two equal maxima (the first one takes the whole gradient)",
                    dout_for(ties, 3, 2), ties, 3, 2, numerical=False),
    )


def _max1d_negated(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, sign=-1.0)


def _max1d_assigned(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, assign=True)


def _max1d_stride_ignored(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, step=1)


def _max1d_window_too_long(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, window=kernel_size + 1)


def _max1d_across_channels(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, across_channels=True)


def _max1d_whole_row(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, whole_map=True)


def _max1d_all_maxima(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, route=_all_equal)


def _max1d_last_maximum(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride, route=_last)


MAX_SIGN = ("the gradient has the wrong sign: y_i = x_j at the maximum j of window i, so "
            "dy_i/dx_j = +1 and dx_j receives +dout_i (chapter 3, 'A minus sign').")
ASSIGNED = ("when two windows overlap, your dx keeps only the last window's gradient: use += "
            "so that an input collects the gradient of every window that contains it "
            "(chapter 3, 'Assigning instead of accumulating').")
WINDOW_TOO_LONG = ("your windows hold K + 1 entries: window i is x[i*S : i*S + K], the "
                   "slice end excluded (chapter 3, 'Off by one').")
ACROSS_CHANNELS = ("the gradient of channel c reached another channel: pooling works on each "
                   "channel separately, so search the maximum in x[n, c, window] only and add "
                   "to dx[n, c] (chapter 3, 'Mixing up the channel index').")
WHOLE_MAP = ("an input outside window i got window i's gradient because it has the same value "
             "as its maximum: search for the maximum inside the window only "
             "(chapter 3, 'Routing to every copy of the maximum').")
ALL_MAXIMA = ("a window with two equal maxima sent its gradient to both, doubling it: the "
              "whole gradient goes to the first maximum, as np.argmax picks it "
              "(chapter 3, 'Ties: where max has a kink').")
LAST_MAXIMUM = ("a window with two equal maxima sent its gradient to the last one: the rule "
                "of the chapter (and PyTorch) is the first maximum, the one np.argmax returns "
                "(chapter 3, 'Ties: where max has a kink').")

MAX_POOL1D_GRAD = Exercise(
    name="max_pool1d_grad", arg_names=("dout", "x", "kernel_size", "stride"),
    reference=_max1d_reference, cases=_max1d_cases(),
    mistakes=(
        Mistake(_max1d_negated, MAX_SIGN),
        Mistake(_max1d_assigned, ASSIGNED),
        Mistake(_max1d_stride_ignored, STRIDE_IGNORED),
        Mistake(_max1d_window_too_long, WINDOW_TOO_LONG),
        Mistake(_max1d_across_channels, ACROSS_CHANNELS),
        Mistake(_max1d_whole_row, WHOLE_MAP),
        Mistake(_max1d_all_maxima, ALL_MAXIMA),
        Mistake(_max1d_last_maximum, LAST_MAXIMUM),
    ))


def check_max_pool1d_grad(fn) -> Feedback:
    r"""Check ``fn(dout, x, kernel_size, stride)``: dx (N, C, L) of 1-D max pooling."""
    return check(MAX_POOL1D_GRAD, fn)


# --------------------------------------------------------- Exercise 3.3: avg_pool2d_grad

def _avg2d_reference(dout, x_shape, kernel_size, stride):
    cache = avg_pool2d_forward(np.zeros(x_shape), kernel_size, stride)[1]
    return avg_pool2d_backward(dout, cache)


def _avg_grad(dout, x_shape, kernel, stride, *, window=None, step=None, divisor=None,
              assign=False, all_channels=False, sign=1.0):
    r"""2-D average-pooling gradient by loops, with switches that reproduce each known mistake."""
    (kh, kw), (sh, sw) = window or kernel, step or stride
    divisor = kernel[0] * kernel[1] if divisor is None else divisor
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(dout.shape):
        channels = slice(None) if all_channels else slice(c, c + 1)
        target = dx[n, channels, i * sh:i * sh + kh, j * sw:j * sw + kw]
        if assign:
            target[...] = sign * dout[n, c, i, j] / divisor
        else:
            target += sign * dout[n, c, i, j] / divisor
    return dx


def _avg2d_case(description, rng, x_shape, kernel, stride):
    out = avg_pool2d_forward(np.zeros(x_shape), kernel, stride)[0]
    dout = rng.normal(size=out.shape)
    x = rng.normal(size=x_shape)

    def numeric():
        return numerical_gradient(lambda v: avg_pool2d_forward(v, kernel, stride)[0], x.copy(),
                                  dout=dout)
    text = (f"{description}: x with {_size(x_shape)}, kernel_size={kernel}, stride={stride}, "
            f"so dout has H'={out.shape[2]}, W'={out.shape[3]}")
    return Case(text, (dout, x_shape, kernel, stride), numerical=numeric)


def _avg2d_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(3300)
    return (
        _avg2d_case("overlapping windows down the rows and along the columns", rng,
                    (2, 3, 7, 9), (3, 2), (2, 1)),
        _avg2d_case("a batch of 1, overlapping columns", rng, (1, 4, 6, 5), (2, 3), (1, 2)),
        _avg2d_case("square windows that overlap by one row and one column", rng,
                    (3, 2, 8, 7), (3, 3), (2, 2)),
        _avg2d_case("windows side by side", rng, (3, 2, 4, 9), (2, 3), (2, 3)),
    )


def _avg2d_negated(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, sign=-1.0)


def _avg2d_not_divided(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, divisor=1)


def _avg2d_divided_by_sum(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, divisor=kernel_size[0] + kernel_size[1])


def _avg2d_window_too_long(dout, x_shape, kernel_size, stride):
    kh, kw = kernel_size
    return _avg_grad(dout, x_shape, kernel_size, stride, window=(kh + 1, kw + 1))


def _avg2d_assigned(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, assign=True)


def _avg2d_assigned_by_offset(dout, x_shape, kernel_size, stride):
    r"""Assigning in the vectorised form: one strided slice per kernel offset."""
    (kh, kw), (sh, sw) = kernel_size, stride
    out_h, out_w = dout.shape[2:]
    dx = np.zeros(x_shape)
    for m in range(kh):
        for k in range(kw):
            dx[:, :, m:m + sh * out_h:sh, k:k + sw * out_w:sw] = dout / (kh * kw)
    return dx


def _avg2d_stride_ignored(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, step=(1, 1))


def _avg2d_kernel_transposed(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, window=kernel_size[::-1])


def _avg2d_stride_transposed(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, step=stride[::-1])


def _avg2d_all_channels(dout, x_shape, kernel_size, stride):
    return _avg_grad(dout, x_shape, kernel_size, stride, all_channels=True)


KERNEL_TRANSPOSED = ("your windows are KW x KH instead of KH x KW: kernel_size = (KH, KW) "
                     "gives the rows first, then the columns (chapter 3, 'Two dimensions: "
                     "stride and padding').")
STRIDE_TRANSPOSED = ("your strides are swapped: stride = (SH, SW), so window (i, j) starts at "
                     "row i*SH and column j*SW (chapter 3, 'Two dimensions: stride and "
                     "padding').")

AVG_POOL2D_GRAD = Exercise(
    name="avg_pool2d_grad", arg_names=("dout", "x_shape", "kernel_size", "stride"),
    reference=_avg2d_reference, cases=_avg2d_cases(),
    mistakes=(
        Mistake(_avg2d_negated,
                "the gradient has the wrong sign: each input of a window raises its average "
                "with slope +1/(KH*KW) (chapter 3, 'A minus sign')."),
        Mistake(_avg2d_not_divided,
                "the gradient is KH*KW times too large: each window's dout is shared out as "
                "dout/(KH*KW), because its output is the mean, not the sum, of the window "
                "(chapter 3, 'Two dimensions: stride and padding')."),
        Mistake(_avg2d_divided_by_sum,
                "you divided by KH + KW: a KH x KW window holds KH*KW inputs, and the mean "
                "divides by that count (chapter 3, 'Two dimensions: stride and padding')."),
        Mistake(_avg2d_window_too_long,
                "your windows are (KH + 1) x (KW + 1): window (i, j) covers rows "
                "i*SH : i*SH + KH and columns j*SW : j*SW + KW, slice ends excluded "
                "(chapter 3, 'Off by one')."),
        Mistake(_avg2d_assigned, ASSIGNED),
        Mistake(_avg2d_assigned_by_offset, ASSIGNED),
        Mistake(_avg2d_stride_ignored,
                "your windows start one row and one column apart: with stride (SH, SW), "
                "window (i, j) starts at row i*SH and column j*SW (chapter 3, 'Stride and "
                "overlap')."),
        Mistake(_avg2d_kernel_transposed, KERNEL_TRANSPOSED),
        Mistake(_avg2d_stride_transposed, STRIDE_TRANSPOSED),
        Mistake(_avg2d_all_channels,
                "the gradient of channel c reached every channel: pooling works on each "
                "channel separately, so dout[n, c] only flows into dx[n, c] (chapter 3, "
                "'Mixing up the channel index')."),
    ))


def check_avg_pool2d_grad(fn) -> Feedback:
    r"""Check ``fn(dout, x_shape, kernel_size, stride)``: dx (N, C, H, W) of 2-D average pooling."""
    return check(AVG_POOL2D_GRAD, fn)


# --------------------------------------------------------- Exercise 3.4: max_pool2d_grad

def _max2d_reference(dout, x, kernel_size, stride, padding):
    return max_pool2d_backward(dout, max_pool2d_forward(x, kernel_size, stride, padding)[1])


def _max2d_case(description, rng, x, kernel, stride, padding, numerical=True):
    out = max_pool2d_forward(x, kernel, stride, padding)[0]
    dout = rng.normal(size=out.shape)

    def numeric():
        return numerical_gradient(lambda v: max_pool2d_forward(v, kernel, stride, padding)[0],
                                  x.copy(), dout=dout)
    text = (f"{description}: x with {_size(x.shape)}, kernel_size={kernel}, stride={stride}, "
            f"padding={padding}")
    return Case(text, (dout, x, kernel, stride, padding), numerical=numeric if numerical else None)


def _max2d_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(3400)
    # 9 is the maximum of window (0, 0) (rows 0-1, columns 0-1) and appears again at [1, 3],
    # which lies in window (0, 1) only, where it is the maximum as well
    outside = np.array([[[[9.0, 1.0, 2.0, 0.5, 3.0, 2.5],
                          [4.0, 3.5, 1.5, 9.0, 0.0, 1.0],
                          [2.0, 6.0, 5.0, 4.5, 8.0, 7.5],
                          [1.0, 0.0, 7.0, 3.0, 6.5, 5.5]],
                         [[0.0, 2.0, 1.0, 4.0, 3.0, 5.0],
                          [6.0, 1.5, 2.5, 0.5, 4.5, 3.5],
                          [5.5, 7.0, 6.5, 1.0, 2.0, 8.0],
                          [0.5, 3.0, 4.0, 7.5, 6.0, 1.0]]]])
    # 2 x 3 windows every (2, 2): window (0, 0) of channel 0 holds 8 twice, in both rows;
    # window (0, 1) of channel 1 holds 9 twice in its first row
    ties = np.array([[[[1.0, 8.0, 2.0, 0.0, 3.0],
                       [8.0, 5.0, 4.0, 6.0, 1.0],
                       [0.5, 2.5, 3.5, 1.5, 7.0],
                       [6.5, 4.5, 5.5, 0.0, 2.0]],
                      [[1.0, 2.0, 9.0, 3.0, 9.0],
                       [0.0, 4.0, 5.0, 8.0, 1.0],
                       [7.0, 3.0, 6.0, 2.0, 5.0],
                       [1.5, 8.5, 0.5, 4.5, 3.5]]]])
    return (
        _max2d_case("overlapping windows with padding", rng, _distinct(rng, (2, 3, 7, 8)),
                    (3, 2), (2, 1), (1, 1)),
        _max2d_case("a batch of 1, overlapping columns, padded columns", rng,
                    _distinct(rng, (1, 2, 6, 9)), (2, 3), (1, 2), (0, 1)),
        _max2d_case("every input negative, so the padding must never win", rng,
                    _distinct(rng, (3, 2, 5, 7), offset=-20.0), (3, 3), (2, 2), (1, 1)),
        _max2d_case("a value equal to a window's maximum just outside that window", rng,
                    outside, (2, 2), (1, 2), (0, 0)),
        _max2d_case("windows with two equal maxima (the first in row-major order takes the "
                    "whole gradient)", rng, ties, (2, 3), (2, 2), (0, 0), numerical=False),
    )


def _max2d(dout, x, kernel_size, stride, padding, **switches):
    return _max_grad(dout, x, kernel_size, stride, padding, **switches)


def _max2d_negated(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, sign=-1.0)


def _max2d_assigned(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, assign=True)


def _max2d_stride_ignored(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, step=(1, 1))


def _max2d_kernel_transposed(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, window=kernel_size[::-1])


def _max2d_stride_transposed(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, step=stride[::-1])


def _max2d_window_too_long(dout, x, kernel_size, stride, padding):
    kh, kw = kernel_size
    return _max2d(dout, x, kernel_size, stride, padding, window=(kh + 1, kw + 1))


def _max2d_zero_padding(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, pad_value=0.0)


def _max2d_not_padded(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, (0, 0))


def _max2d_not_cropped(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, crop=False)


def _max2d_across_channels(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, across_channels=True)


def _max2d_whole_map(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, whole_map=True)


def _max2d_all_maxima(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, route=_all_equal)


def _max2d_last_maximum(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, route=_last)


MAX_POOL2D_GRAD = Exercise(
    name="max_pool2d_grad", arg_names=("dout", "x", "kernel_size", "stride", "padding"),
    reference=_max2d_reference, cases=_max2d_cases(),
    mistakes=(
        Mistake(_max2d_negated, MAX_SIGN),
        Mistake(_max2d_assigned, ASSIGNED),
        Mistake(_max2d_stride_ignored,
                "your windows start one row and one column apart: with stride (SH, SW), "
                "window (i, j) starts at row i*SH and column j*SW of the padded input "
                "(chapter 3, 'Stride and overlap')."),
        Mistake(_max2d_kernel_transposed, KERNEL_TRANSPOSED),
        Mistake(_max2d_stride_transposed, STRIDE_TRANSPOSED),
        Mistake(_max2d_window_too_long,
                "your windows are (KH + 1) x (KW + 1): window (i, j) covers rows "
                "i*SH : i*SH + KH and columns j*SW : j*SW + KW of the padded input, slice "
                "ends excluded (chapter 3, 'Off by one')."),
        Mistake(_max2d_zero_padding,
                "you padded with zeros: where every input of a window is negative a padded 0 "
                "wins and the gradient is lost. Max pooling pads with -inf, so the padding "
                "is never the maximum (chapter 3, 'Padding')."),
        Mistake(_max2d_not_padded,
                "your windows ignore the padding: pad x with PH rows and PW columns of -inf "
                "on each side first; window (i, j) starts at row i*SH and column j*SW of the "
                "padded input (chapter 3, 'Padding')."),
        Mistake(_max2d_not_cropped,
                "your dx still has the padding: the gradient of the padded input is "
                "(H + 2PH, W + 2PW); crop PH rows and PW columns off each side to get the "
                "shape of x (chapter 3, 'Padding')."),
        Mistake(_max2d_across_channels, ACROSS_CHANNELS),
        Mistake(_max2d_whole_map, WHOLE_MAP),
        Mistake(_max2d_all_maxima, ALL_MAXIMA),
        Mistake(_max2d_last_maximum,
                "a window with two equal maxima sent its gradient to the last one: the rule "
                "is the first maximum in row-major order, the one np.argmax of the flattened "
                "window returns (chapter 3, 'Ties: where max has a kink')."),
    ))


def check_max_pool2d_grad(fn) -> Feedback:
    r"""Check ``fn(dout, x, kernel_size, stride, padding)``: dx (N, C, H, W) of 2-D max pooling."""
    return check(MAX_POOL2D_GRAD, fn)
