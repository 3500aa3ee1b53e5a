r"""Checkers for chapter 3, pooling.

Windows are placed every ``stride`` entries and may overlap (stride <
kernel); sizes follow :math:`L' = \lfloor (L + 2P - K)/S \rfloor + 1`.

- ``check_avg_pool1d_jacobian(fn)``: ``fn(length, kernel_size, stride)``,
  the (L', L) Jacobian of 1-D average pooling;
- ``check_max_pool1d_grad(fn)``: ``fn(dout, x, kernel_size, stride)``, dx
  (N, C, L) of 1-D max pooling, ties to the first maximum;
- ``check_avg_pool2d_grad(fn)``: ``fn(dout, x_shape, kernel_size, stride)``,
  dx (N, C, H, W) of 2-D average pooling;
- ``check_max_pool2d_grad(fn)``: ``fn(dout, x, kernel_size, stride,
  padding)``, dx (N, C, H, W) of 2-D max pooling, padded with -inf;
- ``check_global_avg_pool_grad(fn)``: ``fn(dout, x_shape)``, dx
  (N, C, H, W) of global average pooling, dout (N, C).

Every mistake is a switch on one by-hand loop in 2-D (:func:`_avg2d`,
:func:`_max2d`); the 1-D exercises run the same loops on images of height 1.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..pooling import (avg_pool1d_backward, avg_pool1d_forward,
                       avg_pool2d_backward, avg_pool2d_forward,
                       global_avg_pool_backward, global_avg_pool_forward,
                       max_pool1d_backward, max_pool1d_forward,
                       max_pool2d_backward, max_pool2d_forward)
from ._framework import Case, Exercise, Mistake, checker, described
from .cases import jacobian_rows, spatial


def _window(kernel, stride, grow, step_one, swap_kernel, swap_stride):
    (kh, kw), (sh, sw) = kernel, stride
    kh, kw = (kw, kh) if swap_kernel else (kh, kw)
    sh, sw = (1, 1) if step_one else (sw, sh) if swap_stride else (sh, sw)
    return kh + grow, kw + grow, sh, sw


def _avg2d(dout, x_shape, kernel, stride, *, grow=0, step_one=False,
           swap_kernel=False, swap_stride=False, divisor=None, assign=False,
           all_channels=False, sign=1.0):
    r"""2-D average-pooling gradient by loops; the switches are the slips."""
    kh, kw, sh, sw = _window(kernel, stride, grow, step_one, swap_kernel,
                             swap_stride)
    count = kernel[0] * kernel[1] if divisor is None else divisor(*kernel)
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(dout.shape):
        channels = slice(None) if all_channels else slice(c, c + 1)
        target = dx[n, channels, i * sh:i * sh + kh, j * sw:j * sw + kw]
        value = sign * dout[n, c, i, j] / count
        if assign:
            target[...] = value
        else:
            target += value
    return dx


def _first(block):
    return np.unravel_index(int(np.argmax(block)), block.shape)


def _last(block):
    flat = block.size - 1 - int(np.argmax(block.ravel()[::-1]))
    return np.unravel_index(flat, block.shape)


def _max2d(dout, x, kernel, stride, padding=(0, 0), *, route="first",
           grow=0, step_one=False, swap_kernel=False, swap_stride=False,
           pad_value=-np.inf, pad=True, crop=True, across_channels=False,
           whole_map=False, assign=False, sign=1.0):
    r"""2-D max-pooling gradient by loops; the switches are the slips."""
    kh, kw, sh, sw = _window(kernel, stride, grow, step_one, swap_kernel,
                             swap_stride)
    ph, pw = padding if pad else (0, 0)
    fill = np.min(x) if pad_value == "min" else pad_value
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                    constant_values=fill)
    grad = np.zeros(padded.shape)
    for n, c, i, j in np.ndindex(dout.shape):
        rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
        channels = slice(None) if across_channels else slice(c, c + 1)
        block = padded[n, channels, rows, cols]
        if block.size == 0:  # a window past the edge: skip it
            continue
        if whole_map:  # every entry of the channel equal to the maximum
            target, hits = grad[n, c], padded[n, c] == np.max(block)
        elif route == "all":
            target, hits = grad[n, channels, rows, cols], block == block.max()
        else:
            target = grad[n, channels, rows, cols]
            hits = (_first if route == "first" else _last)(block)
        if assign:
            target[hits] = sign * dout[n, c, i, j]
        else:
            target[hits] += sign * dout[n, c, i, j]
    if not crop:
        return grad
    return grad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def _max1d(dout, x, kernel_size, stride, **switches):
    r""":func:`_max2d` on an image of height 1."""
    return _max2d(dout[:, :, None], x[:, :, None], (1, kernel_size),
                  (1, stride), **switches)[:, :, 0]


def _avg1d_jacobian(length, kernel_size, stride, *, every_start=False,
                    transpose=False, **switches):
    r"""Row i is :func:`_avg2d` applied to e_i, on an image of height 1;
    ``every_start`` makes a window start at every entry, as for stride 1."""
    rows = (length - kernel_size) // (1 if every_start else stride) + 1
    switches["step_one"] = switches.get("step_one") or every_start
    jac = np.array([_avg2d(e.reshape(1, 1, 1, rows), (1, 1, 1, length),
                           (1, kernel_size), (1, stride),
                           **switches)[0, 0, 0] for e in np.eye(rows)])
    return jac.T if transpose else jac


OFF_BY_ONE = "Off by one"
SIGN = "A minus sign"
OVERLAP = "Stride and overlap"
TWO_D = "Two dimensions: stride and padding"
TIES = "Ties: where max has a kink"
CHANNELS = "Mixing up the channel index"
ASSIGNED = ("when two windows share an input, your dx keeps only one "
            "window's gradient: `dx[i] = ...` keeps the last write, and so "
            "does `dx[idx] += v` when idx repeats an index (numpy's fancy "
            "indexing does not accumulate). Accumulate with += in a loop, "
            "or with np.add.at(dx, idx, v)")
STRIDE_IGNORED = ("your windows start at i, one entry apart, but window i "
                  "starts at i*S: with stride S it covers j = iS, ..., "
                  "iS + K - 1")
STRIDE_IGNORED_2D = ("your windows start one row and one column apart: with "
                     "stride (S_H, S_W), window (i, j) starts at row i*S_H "
                     "and column j*S_W")
KERNEL_SWAPPED = ("your windows are K_W x K_H instead of K_H x K_W: "
                  "kernel_size = (K_H, K_W) gives the rows first, then the "
                  "columns")
STRIDE_SWAPPED = ("your strides are swapped: stride = (S_H, S_W), so window "
                  "(i, j) starts at row i*S_H and column j*S_W")
GROWN_2D = ("your windows are (K_H + 1) x (K_W + 1): window (i, j) covers "
            "rows i*S_H : i*S_H + K_H and columns j*S_W : j*S_W + K_W{of}, "
            "slice ends excluded")

# (switches, message, heading, exercises: "1" for 1-D, "2" for 2-D)
MAX_SLIPS = (
    (dict(sign=-1.0), "the gradient has the wrong sign: y_i = x_j at the "
     "maximum j of window i, so dy_i/dx_j = +1 and dx_j receives +dout_i",
     SIGN, "12"),
    (dict(assign=True), ASSIGNED, "Assigning instead of accumulating", "12"),
    (dict(step_one=True), STRIDE_IGNORED, OVERLAP, "1"),
    (dict(step_one=True), STRIDE_IGNORED_2D + " of the padded input",
     OVERLAP, "2"),
    (dict(swap_kernel=True), KERNEL_SWAPPED, TWO_D, "2"),
    (dict(swap_stride=True), STRIDE_SWAPPED, TWO_D, "2"),
    (dict(grow=1), "your windows hold K + 1 entries: window i is "
     "x[i*S : i*S + K], the slice end excluded", OFF_BY_ONE, "1"),
    (dict(grow=1), GROWN_2D.format(of=" of the padded input"), OFF_BY_ONE,
     "2"),
    (dict(pad_value=0.0), "you padded with zeros: where every input of a "
     "window is negative a padded 0 wins and the gradient is lost. Max "
     "pooling pads with -inf, so the padding is never the maximum",
     "Padding", "2"),
    (dict(pad_value="min"), "you padded with x.min(): in a window whose "
     "only real entries equal that minimum the padding ties with them, and "
     "np.argmax picks the padding. Pad with -inf, never the maximum",
     "Padding", "2"),
    (dict(pad=False), "your windows ignore the padding: pad x with P_H "
     "rows and P_W columns of -inf on each side first; window (i, j) starts "
     "at row i*S_H and column j*S_W of the padded input", "Padding", "2"),
    (dict(crop=False), "your dx still has the padding: the gradient of the "
     "padded input is (H + 2P_H, W + 2P_W); crop P_H rows and P_W columns "
     "off each side to get the shape of x", "Padding", "2"),
    (dict(across_channels=True), "the gradient of channel c reached another "
     "channel: pooling works on each channel separately, so search the "
     "maximum in x[n, c, window] only and add to dx[n, c]", CHANNELS, "12"),
    (dict(whole_map=True), "an input outside window i got window i's "
     "gradient because it has the same value as its maximum: search for "
     "the maximum inside the window only",
     "Routing to every copy of the maximum", "12"),
    (dict(route="all"), "a window with two equal maxima sent its gradient "
     "to both, doubling it: the whole gradient goes to the first maximum, "
     "as np.argmax picks it", TIES, "12"),
    (dict(route="last"), "a window with two equal maxima sent its gradient "
     "to the last one: the rule of the chapter (and PyTorch) is the first "
     "maximum, the one np.argmax returns", TIES, "1"),
    (dict(route="last"), "a window with two equal maxima sent its gradient "
     "to the last one: the rule is the first maximum in row-major order, "
     "the one np.argmax of the flattened window returns", TIES, "2"),
)


def _mistakes(slips, by_hand, dims):
    return tuple(Mistake(partial(by_hand, **switches), message, see)
                 for switches, message, see, where in slips if dims in where)


def _distinct(rng, shape, offset=0.0):
    r"""Values 0.1 apart in random order: no tie within h of another."""
    size = int(np.prod(shape))
    return ((rng.permutation(size) - size / 2) * 0.1 + offset).reshape(shape)


def _sizes(shape):
    return described(shape, "NC" + ("L" if len(shape) == 3 else "HW"))


# ------------------------------------------ Exercise 3.1: avg_pool1d_jacobian

def _jacobian_reference(length, kernel_size, stride):
    out, cache = avg_pool1d_forward(np.zeros((1, 1, length)), kernel_size,
                                    stride)
    return np.array([avg_pool1d_backward(e.reshape(out.shape), cache)[0, 0]
                     for e in np.eye(out.shape[-1])])


def _jacobian_case(length, kernel_size, stride, note):
    x = np.random.default_rng(3100 + length).normal(size=(1, 1, length))
    rows = (length - kernel_size) // stride + 1
    return Case(f"length L={length}, kernel_size={kernel_size}, stride="
                f"{stride} (L'={rows}, {note})", (length, kernel_size, stride),
                numerical=lambda: jacobian_rows(
                    lambda v: avg_pool1d_forward(v, kernel_size, stride)[0],
                    x).reshape(rows, length))


AVG_POOL1D_JACOBIAN = Exercise(
    name="avg_pool1d_jacobian", chapter=3,
    arg_names=("length", "kernel_size", "stride"),
    reference=_jacobian_reference, reproduces=("pooling.avg_pool1d_backward",),
    cases=(_jacobian_case(11, 4, 2, "overlapping windows"),
           _jacobian_case(9, 3, 1, "overlapping windows"),
           _jacobian_case(13, 5, 3, "overlapping windows"),
           _jacobian_case(10, 2, 3, "gaps between the windows"),
           _jacobian_case(8, 2, 2, "windows side by side")),
    mistakes=tuple(Mistake(partial(_avg1d_jacobian, **switches), text, see)
                   for switches, text, see in (
        (dict(sign=-1.0), "the entries have the wrong sign: y_i is a plain "
         "average, so raising an input of window i raises y_i, and "
         "dy_i/dx_j = +1/K", SIGN),
        (dict(grow=1), "each row has K + 1 non-zero entries: window i holds "
         "exactly K inputs, j = iS, ..., iS + K - 1, so range(i*S, i*S + K) "
         "and not range(i*S, i*S + K + 1)", OFF_BY_ONE),
        (dict(divisor=lambda kh, kw: 1), "the entries are 1 instead of 1/K: "
         "y_i is the mean of its window, so each input counts with weight "
         "1/K", "Average pooling in one dimension"),
        (dict(divisor=lambda kh, kw: kh * kw + 1), "the entries are "
         "1/(K + 1): the window holds exactly K inputs and the average "
         "divides by K", OFF_BY_ONE),
        (dict(step_one=True), STRIDE_IGNORED, OVERLAP),
        (dict(every_start=True), "your matrix has L - K + 1 rows, the "
         "output length for stride 1: with stride S there are L' = "
         "(L - K) // S + 1 windows, and window i starts at i*S", OVERLAP),
        (dict(transpose=True), "your matrix is transposed: J[i, j] = "
         "dy_i/dx_j has one row per output and one column per input, shape "
         "(L', L)", "The Jacobian: a band of 1/K"),
    )))

check_avg_pool1d_jacobian = checker(AVG_POOL1D_JACOBIAN, r"""Check
``fn(length, kernel_size, stride)``: the (L', L) Jacobian of 1-D average
pooling.""")


# ---------------------------------------------- Exercise 3.2: max_pool1d_grad

def _max1d_cases():
    rng = np.random.default_rng(3200)
    forward = max_pool1d_forward

    def case(note, x, kernel, stride, numerical=True):
        return spatial(f"{note}: x with {_sizes(x.shape)}, kernel_size="
                       f"{kernel}, stride={stride}", rng, forward, x, kernel,
                       stride, check_numerically=numerical)

    # 5, the maximum of window 0 (entries 0-3), appears again at entry 4,
    # outside window 0; no window holds two equal maxima
    outside = np.array([[[5.0, 1.0, 2.0, 0.0, 5.0, 3.0, 4.0, 7.0, 6.0],
                         [0.5, 2.5, 1.5, 0.0, 2.0, 3.5, 3.0, 1.0, 2.5]]])
    # windows 0 (entries 0-2) and 2 (4-6) of the first row and window 1
    # (2-4) of the second each hold two equal maxima
    ties = np.array([[[3.0, 1.0, 3.0, 2.0, 0.0, 4.0, 4.0, 1.0],
                      [1.0, 0.0, 6.0, 2.0, 6.0, 5.0, 3.0, 0.0]]])
    return (
        case("overlapping windows", _distinct(rng, (2, 3, 11)), 4, 2),
        case("windows one entry apart", _distinct(rng, (1, 2, 10)), 3, 1),
        case("overlapping windows, a batch of 3", _distinct(rng, (3, 2, 13)),
             5, 3),
        case("a value equal to a window's maximum just outside that window",
             outside, 4, 2),
        case("windows with two equal maxima (the first one takes the whole "
             "gradient)", ties, 3, 2, numerical=False),
    )


MAX_POOL1D_GRAD = Exercise(
    name="max_pool1d_grad", chapter=3,
    arg_names=("dout", "x", "kernel_size", "stride"),
    reference=lambda dout, x, k, s: max_pool1d_backward(
        dout, max_pool1d_forward(x, k, s)[1]),
    reproduces=("pooling.max_pool1d_backward",), cases=_max1d_cases(),
    mistakes=_mistakes(MAX_SLIPS, _max1d, "1"))

check_max_pool1d_grad = checker(MAX_POOL1D_GRAD, r"""Check
``fn(dout, x, kernel_size, stride)``: dx (N, C, L) of 1-D max pooling.""")


# ---------------------------------------------- Exercise 3.3: avg_pool2d_grad

def _avg2d_cases():
    rng = np.random.default_rng(3300)

    def case(note, shape, kernel, stride):
        x = rng.normal(size=shape)
        out = avg_pool2d_forward(x, kernel, stride)[0].shape
        return spatial(f"{note}: x with {_sizes(shape)}, kernel_size="
                       f"{kernel}, stride={stride}, so dout has H'={out[2]}, "
                       f"W'={out[3]}", rng, avg_pool2d_forward, x, kernel,
                       stride, inputs=lambda dout, x: (dout, x.shape))

    return (
        case("overlapping windows down the rows and along the columns",
             (2, 3, 7, 9), (3, 2), (2, 1)),
        case("a batch of 1, overlapping columns", (1, 4, 6, 5), (2, 3),
             (1, 2)),
        case("square windows that overlap by one row and one column",
             (3, 2, 8, 7), (3, 3), (2, 2)),
        case("windows side by side", (3, 2, 4, 9), (2, 3), (2, 3)),
    )


def _avg2d_assigned_by_offset(dout, x_shape, kernel_size, stride):
    r"""Assigning in the vectorised form: one strided slice per offset."""
    (kh, kw), (sh, sw) = kernel_size, stride
    out_h, out_w = dout.shape[2:]
    dx = np.zeros(x_shape)
    for u in range(kh):
        for v in range(kw):
            dx[:, :, u:u + sh * out_h:sh, v:v + sw * out_w:sw] = \
                dout / (kh * kw)
    return dx


AVG_SLIPS = (
    (dict(sign=-1.0), "the gradient has the wrong sign: each input of a "
     "window raises its average with slope +1/(K_H*K_W)", SIGN, "2"),
    (dict(divisor=lambda kh, kw: 1), "the gradient is K_H*K_W times too "
     "large: each window's dout is shared out as dout/(K_H*K_W), because "
     "its output is the mean, not the sum, of the window", TWO_D, "2"),
    (dict(divisor=lambda kh, kw: kh + kw), "you divided by K_H + K_W: a "
     "K_H x K_W window holds K_H*K_W inputs, and the mean divides by that "
     "count", TWO_D, "2"),
    (dict(grow=1), GROWN_2D.format(of=""), OFF_BY_ONE, "2"),
    (dict(assign=True), ASSIGNED, "Assigning instead of accumulating", "2"),
    (dict(step_one=True), STRIDE_IGNORED_2D, OVERLAP, "2"),
    (dict(swap_kernel=True), KERNEL_SWAPPED, TWO_D, "2"),
    (dict(swap_stride=True), STRIDE_SWAPPED, TWO_D, "2"),
    (dict(all_channels=True), "the gradient of channel c reached every "
     "channel: pooling works on each channel separately, so dout[n, c] only "
     "flows into dx[n, c]", CHANNELS, "2"),
)

AVG_POOL2D_GRAD = Exercise(
    name="avg_pool2d_grad", chapter=3,
    arg_names=("dout", "x_shape", "kernel_size", "stride"),
    reference=lambda dout, x_shape, k, s: avg_pool2d_backward(
        dout, avg_pool2d_forward(np.zeros(x_shape), k, s)[1]),
    reproduces=("pooling.avg_pool2d_backward",), cases=_avg2d_cases(),
    mistakes=_mistakes(AVG_SLIPS, _avg2d, "2") + (
        Mistake(_avg2d_assigned_by_offset, ASSIGNED,
                "Assigning instead of accumulating"),))

check_avg_pool2d_grad = checker(AVG_POOL2D_GRAD, r"""Check
``fn(dout, x_shape, kernel_size, stride)``: dx (N, C, H, W) of 2-D average
pooling.""")


# ---------------------------------------------- Exercise 3.4: max_pool2d_grad

def _max2d_cases():
    rng = np.random.default_rng(3400)

    def case(note, x, kernel, stride, padding, numerical=True):
        return spatial(f"{note}: x with {_sizes(x.shape)}, kernel_size="
                       f"{kernel}, stride={stride}, padding={padding}", rng,
                       max_pool2d_forward, x, kernel, stride, padding,
                       check_numerically=numerical)

    # 9, the maximum of window (0, 0) (rows 0-1, columns 0-1), appears
    # again at [1, 3], outside it: the maximum of windows (0, 1) and (1, 1)
    outside = np.array([[[[9.0, 1.0, 2.0, 0.5, 3.0, 2.5],
                          [4.0, 3.5, 1.5, 9.0, 0.0, 1.0],
                          [2.0, 6.0, 5.0, 4.5, 8.0, 7.5],
                          [1.0, 0.0, 7.0, 3.0, 6.5, 5.5]],
                         [[0.0, 2.0, 1.0, 4.0, 3.0, 5.0],
                          [6.0, 1.5, 2.5, 0.5, 4.5, 3.5],
                          [5.5, 7.0, 6.5, 1.0, 2.0, 8.0],
                          [0.5, 3.0, 4.0, 7.5, 6.0, 1.0]]]])
    # 2 x 3 windows every (2, 2): window (0, 0) of channel 0 holds 8 twice,
    # in both rows; window (0, 1) of channel 1 holds 9 twice in its first row
    ties = np.array([[[[1.0, 8.0, 2.0, 0.0, 3.0],
                       [8.0, 5.0, 4.0, 6.0, 1.0],
                       [0.5, 2.5, 3.5, 1.5, 7.0],
                       [6.5, 4.5, 5.5, 0.0, 2.0]],
                      [[1.0, 2.0, 9.0, 3.0, 9.0],
                       [0.0, 4.0, 5.0, 8.0, 1.0],
                       [7.0, 3.0, 6.0, 2.0, 5.0],
                       [1.5, 8.5, 0.5, 4.5, 3.5]]]])
    # the corner window (0, 0) holds one real entry, x[:, :, 0, 0], the
    # global minimum: padding with x.min() would tie with it
    corner = _distinct(rng, (2, 3, 5, 6))
    corner[:, :, 0, 0] = corner.min() - 1.0
    # every entry is below -1e9: padding with a large finite negative
    # number (-1e9) would take the gradient of every window it reaches
    huge = _distinct(rng, (1, 2, 4, 5)) * 1e9 - 5e10
    # each window holds two values 1e-9 apart, the smaller one first:
    # np.isclose would call them equal; only the larger one is the maximum
    near = np.array([[[[1.0, 0.5, 2.0, 2.0 + 1e-9],
                       [0.25, 1.0 + 1e-9, -1.0, 0.75]],
                      [[-3.0, -3.0 + 1e-9, 4.0, 0.0],
                       [-4.0, -5.0, 4.0 + 1e-9, 3.5]]]])
    return (
        case("overlapping windows with padding", _distinct(rng, (2, 3, 7, 8)),
             (3, 2), (2, 1), (1, 1)),
        case("a batch of 1, overlapping columns, padded columns",
             _distinct(rng, (1, 2, 6, 9)), (2, 3), (1, 2), (0, 1)),
        case("every input negative, so the padding must never win",
             _distinct(rng, (3, 2, 5, 7), offset=-20.0), (3, 3), (2, 2),
             (1, 1)),
        case("a value equal to a window's maximum just outside that window",
             outside, (2, 2), (1, 2), (0, 0)),
        case("windows with two equal maxima (the first in row-major order "
             "takes the whole gradient)", ties, (2, 3), (2, 2), (0, 0),
             numerical=False),
        case("corner windows whose only real entry is the smallest input",
             corner, (2, 2), (2, 2), (1, 1)),
        case("every input below -1e9, with padding", huge, (2, 2), (2, 2),
             (1, 1), numerical=False),
        case("windows whose two largest values are 1e-9 apart", near,
             (2, 2), (2, 2), (0, 0), numerical=False),
    )


MAX_POOL2D_GRAD = Exercise(
    name="max_pool2d_grad", chapter=3,
    arg_names=("dout", "x", "kernel_size", "stride", "padding"),
    reference=lambda dout, x, k, s, p: max_pool2d_backward(
        dout, max_pool2d_forward(x, k, s, p)[1]),
    reproduces=("pooling.max_pool2d_backward",), cases=_max2d_cases(),
    mistakes=_mistakes(MAX_SLIPS, _max2d, "2"))

check_max_pool2d_grad = checker(MAX_POOL2D_GRAD, r"""Check
``fn(dout, x, kernel_size, stride, padding)``: dx (N, C, H, W) of 2-D max
pooling.""")



# ----------------------------------------- Exercise 3.6: global_avg_pool_grad

GLOBAL = "Global average pooling"


def _global(dout, x_shape, *, divisor=lambda h, w: h * w, mix=False,
            whole_batch=False):
    r"""Global average-pooling gradient; the switches are the slips."""
    batch, channels, height, width = x_shape
    count = divisor(height, width) * (batch * channels if whole_batch else 1)
    share = dout / count
    if mix:  # every channel receives the sum over the channels
        share = np.repeat(share.sum(axis=1, keepdims=True), channels, axis=1)
    return np.broadcast_to(share[:, :, None, None], x_shape).copy()


def _global_cases():
    rng = np.random.default_rng(3600)

    def case(note, shape):
        return spatial(f"{note}: x with {_sizes(shape)}, so dout has shape "
                       f"(N, C) = {shape[:2]}", rng, global_avg_pool_forward,
                       rng.normal(size=shape),
                       inputs=lambda dout, x: (dout, x.shape))

    return (
        case("maps of 5 x 7 pixels", (2, 3, 5, 7)),
        case("a batch of 1, square maps", (1, 4, 3, 3)),
        case("maps of one row", (3, 2, 1, 6)),
        case("maps of one column", (2, 5, 4, 1)),
        case("a 1 x 1 map per channel", (4, 3, 1, 1)),
    )


GLOBAL_AVG_POOL_GRAD = Exercise(
    name="global_avg_pool_grad", chapter=3, arg_names=("dout", "x_shape"),
    reference=lambda dout, x_shape: global_avg_pool_backward(
        dout, global_avg_pool_forward(np.zeros(x_shape))[1]),
    reproduces=("pooling.global_avg_pool_backward",), cases=_global_cases(),
    mistakes=tuple(Mistake(partial(_global, **switches), message, see)
                   for switches, message, see in (
        (dict(divisor=lambda h, w: 1), "dx is H*W times too large: y[n, c] "
         "is the mean of the map, not its sum, so each pixel receives "
         "dout[n, c] / (H*W)", GLOBAL),
        (dict(divisor=lambda h, w: h), "you divided by H only: the map has "
         "H*W pixels, and each receives dout[n, c] / (H*W)", GLOBAL),
        (dict(divisor=lambda h, w: w), "you divided by W only: the map has "
         "H*W pixels, and each receives dout[n, c] / (H*W)", GLOBAL),
        (dict(divisor=lambda h, w: h + w), "you divided by H + W: the map "
         "has H*W pixels, and each receives dout[n, c] / (H*W)", GLOBAL),
        (dict(whole_batch=True), "you divided by N*C*H*W, the size of the "
         "whole batch: each map is averaged on its own, so each of its "
         "pixels receives dout[n, c] / (H*W)", GLOBAL),
        (dict(mix=True), "the gradient of channel c reached every channel: "
         "y[n, c] averages channel c only, so dout[n, c] flows into "
         "dx[n, c] and nowhere else", CHANNELS),
    )))

check_global_avg_pool_grad = checker(GLOBAL_AVG_POOL_GRAD, r"""Check
``fn(dout, x_shape)``: dx (N, C, H, W) of global average pooling.""")
