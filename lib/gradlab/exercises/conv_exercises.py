r"""Checkers for chapter 4, convolution.

- ``check_conv1d_jacobian(fn)``: ``fn(w, length)``, the (L, L) Jacobian
  :math:`\partial y_i/\partial x_j = w_{i-j}` of the true 1-D convolution
  :math:`y_i = \sum_{u=-r}^{r} x_{i-u} w_u` with a centred kernel of odd
  length K = 2r + 1 (``w[u + r]`` holds :math:`w_u`) and zero padding;
- ``check_conv2d_db(fn)``: ``fn(dout)``, dL/db (F,);
- ``check_conv2d_dw(fn)``: ``fn(dout, x, w, stride, padding)``, dL/dw;
- ``check_conv2d_dx(fn)``: ``fn(dout, x, w, stride, padding)``, dL/dx;
- ``check_conv_transpose2d(fn)``: ``fn(x, w, stride, padding,
  output_padding)``, the transposed convolution (conv2d's dx with x in the
  part of dout), no bias;

for the cross-correlation layer of ``gradlab.conv.conv2d_forward`` with an
int stride and padding. The layers have rectangular inputs, stride 2
(smaller than the kernel) and 3 (larger), padding 0, 1 and 2, C != F,
batches of 1 and more, real rows and columns that no window reaches, and a
first square kernel that is not symmetric, so a transposed kernel gives
wrong values of the right shape. The transposed convolution has cases of
its own (``_TRANSPOSES``): stride 1, 2 and 3, output_padding 0 to 2.
"""

from __future__ import annotations

import numpy as np

from ..conv import (conv1d_forward, conv2d_backward, conv2d_forward,
                    conv_transpose2d_forward)
from ..gradcheck import numerical_gradient
from ._framework import Case, Exercise, Mistake, checker
from .cases import jacobian_rows

# x shape (N, C, H, W), w shape (F, C, HH, WW), stride, padding, note
_LAYERS = (
    ((2, 2, 7, 9), (3, 2, 3, 3), 2, 0, ""),
    ((3, 3, 6, 9), (2, 3, 2, 4), 1, 1, ""),
    ((2, 3, 9, 7), (4, 3, 3, 5), 2, 2, ""),
    ((1, 1, 8, 9), (2, 1, 3, 2), 3, 1, ""),
    ((2, 3, 8, 10), (2, 3, 3, 3), 2, 0, ", so no window reaches the last "
     "row and column of x"),
    ((1, 2, 9, 11), (3, 2, 3, 2), 3, 1, ", so no window reaches the last "
     "row and column of x"),
)


def _layers():
    rng = np.random.default_rng(4401)
    layers = []
    for x_shape, w_shape, stride, padding, note in _LAYERS:
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
        b = rng.normal(size=w_shape[0])
        out, _ = conv2d_forward(x, w, b, stride, padding)
        dout = rng.normal(size=out.shape)
        text = (f"x of shape {x.shape} (N, C, H, W), w of shape {w.shape} "
                f"(F, C, HH, WW), stride {stride}, padding {padding}{note}")
        layers.append((text, dout, x, w, b, stride, padding))
    return layers


def _layer_cases(wrt: str) -> tuple[Case, ...]:
    cases = []
    for text, dout, x, w, b, stride, padding in _layers():
        arrays = {"x": x, "w": w, "b": b}

        def numeric(arrays=arrays, dout=dout, stride=stride, padding=padding):
            copies = {key: value.copy() for key, value in arrays.items()}
            return numerical_gradient(lambda _: conv2d_forward(
                copies["x"], copies["w"], copies["b"], stride, padding)[0],
                copies[wrt], dout=dout)
        inputs = (dout,) if wrt == "b" else (dout, x, w, stride, padding)
        unreached = wrt == "x" and "no window reaches" in text
        cases.append(Case(text, inputs, numerical=numeric, shape_hint=(
            _unreached if unreached else "")))
    return tuple(cases)


def _unreached(expected: tuple, received: tuple) -> str:
    r"""The shape hint of a dx smaller than x where rows go unreached."""
    smaller = len(received) == len(expected) and all(
        r <= e for r, e in zip(received, expected))
    return ("Rows and columns of x that no window reaches still have a "
            "gradient, 0: dx has the shape of x." if smaller else "")


def _backward(dout, x, w, stride, padding):
    cache = conv2d_forward(x, w, np.zeros(w.shape[0]), stride, padding)[1]
    return conv2d_backward(dout, cache)


def _by_hand(dout, x, w, stride, padding, *, wrt, step=None, only_first=False,
             flip=False, transpose=False, assign=False, crop=True,
             kernel_of=None, target=None):
    r"""dw[f] += dout * window, or dx[window] += dout * w[f], by loops; the
    switches reproduce the slips."""
    x_p = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    grad = np.zeros(w.shape if wrt == "w" else x_p.shape)
    step = stride if step is None else step
    hh, ww = w.shape[2:]
    for n, f, i, j in np.ndindex(dout.shape):
        if only_first and (i, j) != (0, 0):
            continue
        window = (slice(i * step, i * step + hh),
                  slice(j * step, j * step + ww))
        if wrt == "w":
            where = (f,) if target is None else target(f)
            term = x_p[(n, slice(None)) + window]
        else:
            where = (n, slice(None)) + window
            term = w[f] if kernel_of is None else kernel_of(w, f)
        term = term[:, ::-1, ::-1] if flip else term
        term = dout[n, f, i, j] * (term.transpose(0, 2, 1) if transpose
                                   else term)
        if assign:
            grad[where] = term
        else:
            grad[where] += term
    if wrt == "w" or not crop:
        return grad
    return grad[:, :, padding:padding + x.shape[2],
                padding:padding + x.shape[3]]


def _index_swapped(dout, x, w, stride, padding, *, wrt):
    r"""Channel c and filter f swapped: dw[c, f] += ... or ... * w[c, f]."""
    x_p = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    grad = np.zeros(w.shape if wrt == "w" else x_p.shape)
    hh, ww = w.shape[2:]
    for n, f, i, j in np.ndindex(dout.shape):
        rows = slice(i * stride, i * stride + hh)
        cols = slice(j * stride, j * stride + ww)
        for c in range(x.shape[1]):
            if wrt == "w":
                grad[c, f] += dout[n, f, i, j] * x_p[n, c, rows, cols]
            else:
                grad[n, c, rows, cols] += dout[n, f, i, j] * w[c, f]
    if wrt == "w":
        return grad
    return grad[:, :, padding:padding + x.shape[2],
                padding:padding + x.shape[3]]


SUM_OVER_POSITIONS = ("{what} comes from the output position (0, 0) only: "
                      "the {shared} is used at every output position, so "
                      "its gradient sums dout over all positions (i, j) and "
                      "over the batch")
OVERWRITTEN = ("only the last output position reached {what}: inside the "
               "loops, `{lhs} = ...` overwrites what earlier positions "
               "added. Accumulate with `+=`")
STRIDE = ("the window of output (i, j) starts at row i*stride and column "
          "j*stride, not at (i, j): with stride > 1 your {what} reads the "
          "wrong inputs")
# the raising line adds into dw / multiplies by the kernel w
INTO_DW = r"\bdw\b"
USES_W = r"\bw\b"
TRANSPOSED = ("the kernel indices are transposed: weight (u, v) multiplies "
              "the input at row i*stride + u and column j*stride + v, so the "
              "row offset u goes with HH and the column offset v with WW")
CHANNELS_FILTERS = ("the channel and filter axes are mixed up: w has shape "
                    "(F, C, HH, WW), filter f first and input channel c "
                    "second, and {what}")
DROPPED_SUM = "Dropping the sum over output positions"
SQUARE = "Testing only square, symmetric shapes"
BATCHES = "Batches and padding"


# ------------------------------------------------ Exercise 4.1: 1-D Jacobian

def _conv1d_reference(w, length):
    r"""Column j is the response to e_j (a correlation with w reversed)."""
    radius = (len(w) - 1) // 2
    basis = np.eye(length)[:, np.newaxis, :]
    responses, _ = conv1d_forward(basis, w[np.newaxis, np.newaxis, ::-1],
                                  padding=radius)
    return responses[:, 0, :].T


def _band(w, length, offset, *, shift=0, periodic=False):
    r"""J[i, j] = w[offset(i, j) + shift] where that index exists, else 0."""
    jac = np.zeros((length, length))
    for i, j in np.ndindex(length, length):
        d = offset(i, j)
        if periodic:
            d = min((d % length, d % length - length), key=abs)
        if 0 <= d + shift < len(w):
            jac[i, j] += w[d + shift]
    return jac


def _conv1d_cases():
    rng = np.random.default_rng(4411)
    cases = []
    for size, length in ((3, 6), (5, 7), (3, 3)):
        w = rng.normal(size=size)
        x = np.random.default_rng(4410).normal(size=length)
        cases.append(Case(
            f"a kernel of length {size} and L = {length}", (w, length),
            numerical=lambda w=w, x=x: jacobian_rows(
                lambda v: np.convolve(v, w, mode="same"), x)))
    return tuple(cases)


SHIFTED_BAND = ("the band is shifted off the diagonal: w[0] stores w_{-r}, "
                "not w_0, so w_{i-j} is w[i - j + r] with r = (K - 1) // 2")
INPUT_JACOBIAN = "The Jacobian with respect to the input"

CONV1D_JACOBIAN = Exercise(
    name="conv1d_jacobian", chapter=4, arg_names=("w", "length"),
    reference=_conv1d_reference, reproduces=("conv.conv1d_forward",),
    cases=_conv1d_cases(),
    mistakes=(
        Mistake(lambda w, L: _band(w, L, lambda i, j: j - i,
                                   shift=len(w) // 2),
                "this is the transpose of the Jacobian, which is the "
                "Jacobian of the cross-correlation: for the convolution "
                "y_i = sum_u x_(i-u) w_u the entry (i, j) is w_(i-j), so w_1 "
                "sits just below the diagonal", INPUT_JACOBIAN),
        Mistake(lambda w, L: _band(w, L, lambda i, j: i - j), SHIFTED_BAND,
                INPUT_JACOBIAN),
        Mistake(lambda w, L: _band(w, L, lambda i, j: j - i), SHIFTED_BAND,
                INPUT_JACOBIAN),
        Mistake(lambda w, L: _band(w, L, lambda i, j: i - j,
                                   shift=len(w) // 2, periodic=True),
                "the corners must be zero: x_(-1) and x_L are zero padding, "
                "not x_(L-1) and x_0, so the band does not wrap around",
                INPUT_JACOBIAN),
    ))

check_conv1d_jacobian = checker(CONV1D_JACOBIAN, r"""Check ``fn(w, length)``:
the (L, L) Jacobian dy/dx of a centred true 1-D convolution.""")


# ---------------------------------------------------------- Exercise 4.2: db

def _db_overwritten(dout):
    db = np.zeros(dout.shape[1])
    for n, f, i, j in np.ndindex(dout.shape):
        db[f] = dout[n, f, i, j]
    return db


WRONG_AXES = ("db is summed over the wrong axes: {detail} b[f] is added "
              "to every position of filter f in every sample, so sum dout "
              "over axes (0, 2, 3), the batch and the positions, and keep "
              "axis 1, the filters")
BIAS = "The gradient of the bias"

CONV2D_DB = Exercise(
    name="conv2d_db", chapter=4, arg_names=("dout",),
    reference=lambda dout: dout.sum(axis=(0, 2, 3)),
    reproduces=("conv.conv2d_backward",), cases=_layer_cases("b"),
    mistakes=(
        Mistake(lambda dout: dout[:, :, 0, 0].sum(axis=0),
                SUM_OVER_POSITIONS.format(what="db", shared="bias"),
                DROPPED_SUM),
        Mistake(_db_overwritten, OVERWRITTEN.format(what="db", lhs="db[f]"),
                "Index by index"),
        Mistake(lambda dout: dout[0].sum(axis=(1, 2)),
                "db holds the first sample only: the bias is shared by every "
                "sample, so sum over the batch too", BATCHES),
        *(Mistake(lambda dout, axes=axes: dout.sum(axis=axes),
                  WRONG_AXES.format(detail=detail), BIAS)
          for axes, detail in (
              (0, "you summed over the batch but not over the positions "
                  "(i, j)."),
              ((2, 3), "you kept the batch axis."),
              ((1, 2, 3), "you summed over the filters and kept one number "
                          "per sample."),
              ((0, 1), "you summed over the batch and the filters and kept "
                       "the positions."),
              (None, "you summed everything into one number."))),
        Mistake(lambda dout: dout.mean(axis=(0, 2, 3)),
                "db is a mean: the gradient of a shared parameter is the sum "
                "of its contributions; any 1/N of the loss is already "
                "inside dout", BATCHES),
    ))

check_conv2d_db = checker(CONV2D_DB, r"""Check ``fn(dout)``: dL/db (F,) of a
conv layer, dout of shape (N, F, H', W').""")


# ---------------------------------------------------------- Exercise 4.3: dw

def _dw(**switches):
    return lambda dout, x, w, s, p: _by_hand(dout, x, w, s, p, wrt="w",
                                             **switches)


CONV2D_DW = Exercise(
    name="conv2d_dw", chapter=4, arg_names=("dout", "x", "w", "stride",
                                            "padding"),
    reference=lambda dout, x, w, s, p: _backward(dout, x, w, s, p)[1],
    reproduces=("conv.conv2d_backward",), cases=_layer_cases("w"),
    mistakes=(
        Mistake(_dw(only_first=True), SUM_OVER_POSITIONS.format(
            what="dw", shared="weight"), DROPPED_SUM),
        Mistake(_dw(assign=True), OVERWRITTEN.format(what="dw", lhs="dw[f]"),
                "Index by index"),
        Mistake(_dw(flip=True),
                "your dw is rotated by 180 degrees: dw is the "
                "cross-correlation of the padded input with dout, "
                "dw[f, c, u, v] = sum over n, i, j of dout[n, f, i, j] "
                "x_pad[n, c, i*S + u, j*S + v], with no flip",
                "dw is a cross-correlation"),
        Mistake(_dw(step=1), STRIDE.format(what="dw"), "Ignoring the stride"),
        Mistake(_dw(transpose=True), TRANSPOSED, SQUARE, line=INTO_DW),
        Mistake(lambda dout, x, w, s, p: _backward(dout, x, w, s, p)[1]
                .transpose(1, 0, 2, 3), CHANNELS_FILTERS.format(
                    what="dw must have that shape too; yours is "
                         "(C, F, HH, WW)"), "The index formula"),
        Mistake(lambda *args: _index_swapped(*args, wrt="w"),
                CHANNELS_FILTERS.format(
                    what="dw[f, c] is the gradient of filter f, channel c, "
                         "not dw[c, f]"), "The index formula", line=INTO_DW),
        Mistake(_dw(target=lambda f: (slice(None), f)),
                CHANNELS_FILTERS.format(
                    what="dw[f] is the gradient of filter f, while dw[:, f] "
                         "is channel f of every filter"), "The index formula",
                line=INTO_DW),
        Mistake(lambda dout, x, w, s, p: _backward(dout, x, w, s, p)[1]
                / x.shape[0],
                "dw is divided by N: the weights are shared by the samples, "
                "so their gradient is the sum over the batch; any 1/N of the "
                "loss is already inside dout", BATCHES),
    ))

check_conv2d_dw = checker(CONV2D_DW, r"""Check ``fn(dout, x, w, stride,
padding)``: dL/dw (F, C, HH, WW) of a conv layer.""")


# ---------------------------------------------------------- Exercise 4.4: dx

def _dx(**switches):
    return lambda dout, x, w, s, p: _by_hand(dout, x, w, s, p, wrt="x",
                                             **switches)


CONV2D_DX = Exercise(
    name="conv2d_dx", chapter=4, arg_names=("dout", "x", "w", "stride",
                                            "padding"),
    reference=lambda dout, x, w, s, p: _backward(dout, x, w, s, p)[0],
    reproduces=("conv.conv2d_backward",), cases=_layer_cases("x"),
    mistakes=(
        Mistake(_dx(only_first=True),
                "only the window of output (0, 0) sends gradient to x: the "
                "padded input x_pad[n, c, p, q] receives dout[n, f, i, j] "
                "w[f, c, p - i*S, q - j*S] from every output position whose "
                "window covers it, and from every filter f",
                "Only when i = 0 and j = 0"),
        Mistake(_dx(assign=True), OVERWRITTEN.format(
            what="each part of dx", lhs="dx[n, :, rows, cols]"),
            "Index by index"),
        Mistake(_dx(flip=True),
                "the kernel is flipped the wrong way: adding dout * w[f] "
                "back onto each window uses w[f] as it is, while the "
                "cross-correlation form (dilate, pad, cross-correlate) "
                "needs w[f] rotated by 180 degrees; one of the two is "
                "missing or added", "Forgetting the 180° rotation"),
        Mistake(_dx(step=1), STRIDE.format(what="dx"), "Ignoring the stride"),
        Mistake(_dx(transpose=True), TRANSPOSED, SQUARE, line=USES_W),
        Mistake(_dx(crop=False),
                "your dx has the shape of the padded input: compute on the "
                "padded input, then crop `padding` rows and columns from "
                "each side", BATCHES),
        Mistake(lambda *args: _index_swapped(*args, wrt="x"),
                CHANNELS_FILTERS.format(what="the kernel of filter f on "
                                             "channel c is w[f, c], not "
                                             "w[c, f]"), "The index formula",
                line=USES_W),
        Mistake(_dx(kernel_of=lambda w, f: w[:, f]), CHANNELS_FILTERS.format(
            what="filter f is w[f], one kernel per channel, while w[:, f] "
                 "is channel f of every filter"), "The index formula",
            line=USES_W),
    ))

check_conv2d_dx = checker(CONV2D_DX, r"""Check ``fn(dout, x, w, stride,
padding)``: dL/dx (N, C, H, W) of a conv layer.""")


# ------------------------------------ Exercise 4.8: the transposed convolution

# x shape (N, F, H', W'), w shape (F, C, HH, WW), stride, padding,
# output_padding: strides that overlap (2), leave gaps (3) and are 1,
# output_padding 1 and 2, padding 0 to 2, F > C and F < C, C = 1, N = 1,
# non-square kernels, and a first square kernel that is not symmetric.
_TRANSPOSES = (
    ((2, 3, 3, 4), (3, 2, 3, 3), 2, 0, 0),
    ((1, 2, 4, 3), (2, 3, 2, 4), 1, 1, 0),
    ((2, 4, 3, 3), (4, 3, 3, 5), 2, 2, 1),
    ((1, 2, 3, 4), (2, 1, 3, 2), 3, 1, 2),
    ((3, 2, 4, 5), (2, 3, 2, 3), 2, 1, 1),
    ((2, 3, 3, 2), (3, 2, 2, 3), 1, 0, 0),
)


def _transpose_size(x_shape, w_shape, stride, padding, output_padding):
    r"""(H_out, W_out) = (H' - 1) S - 2P + HH + output_padding, and W's."""
    return tuple((x_shape[k] - 1) * stride - 2 * padding + w_shape[k]
                 + output_padding for k in (2, 3))


def _transpose_shape_hint(padding, output_padding):
    r"""The shape hint of a result output_padding short or left padded."""
    def hint(expected: tuple, received: tuple) -> str:
        if len(received) != 4 or received[:2] != expected[:2]:
            return ""
        rows, cols = (r - e for r, e in zip(received[2:], expected[2:]))
        if output_padding and rows == cols == -output_padding:
            return (f"That is output_padding = {output_padding} rows and "
                    f"columns short: the size without output_padding.")
        if padding and rows == cols == 2 * padding:
            return (f"That is 2*padding = {2 * padding} rows and columns "
                    f"too many: the size before the crop.")
        return ""
    return hint


def _transpose_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(4408)
    cases = []
    for x_shape, w_shape, stride, padding, extra in _TRANSPOSES:
        x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
        size = _transpose_size(x_shape, w_shape, stride, padding, extra)
        image = (x_shape[0], w_shape[1]) + size   # conv2d's input shape

        def numeric(x=x, w=w, stride=stride, padding=padding, image=image):
            # conv2d is linear: its gradient at 0 for dout = x is A^T x
            return numerical_gradient(lambda a: conv2d_forward(
                a, w, None, stride, padding)[0], np.zeros(image), dout=x)
        text = (f"x of shape {x.shape} (N, F, H', W'), w of shape "
                f"{w.shape} (F, C, HH, WW), stride {stride}, padding "
                f"{padding}, output_padding {extra}")
        cases.append(Case(text, (x, w, stride, padding, extra),
                          numerical=numeric,
                          shape_hint=_transpose_shape_hint(padding, extra)))
    return tuple(cases)


def _scatter(x, w, stride, padding, output_padding, *, step=None,
             flip=False, transpose=False, assign=False, crop=True,
             extra=None, kernel_of=None):
    r"""z_pad[n, :, window of (i, j)] += x[n, f, i, j] * w[f], by loops,
    then the crop; the switches reproduce the slips."""
    hh, ww = w.shape[2:]
    extra = output_padding if extra is None else extra
    height = (x.shape[2] - 1) * stride + hh + extra
    width = (x.shape[3] - 1) * stride + ww + extra
    channels = w.shape[1] if kernel_of is None else w.shape[0]
    z_pad = np.zeros((x.shape[0], channels, height, width))
    step = stride if step is None else step
    for n, f, i, j in np.ndindex(x.shape):
        kernel = w[f] if kernel_of is None else kernel_of(w, f)
        kernel = kernel[:, ::-1, ::-1] if flip else kernel
        kernel = kernel.transpose(0, 2, 1) if transpose else kernel
        where = (n, slice(None), slice(i * step, i * step + hh),
                 slice(j * step, j * step + ww))
        if assign:
            z_pad[where] = x[n, f, i, j] * kernel
        else:
            z_pad[where] += x[n, f, i, j] * kernel
    if not crop:
        return z_pad
    return z_pad[:, :, padding:height - padding, padding:width - padding]


def _transpose(**switches):
    return lambda x, w, s, p, o: _scatter(x, w, s, p, o, **switches)


TRANSPOSE_SECTION = "The transposed convolution"

CONV_TRANSPOSE2D = Exercise(
    name="conv_transpose2d", chapter=4,
    arg_names=("x", "w", "stride", "padding", "output_padding"),
    reference=lambda x, w, s, p, o: conv_transpose2d_forward(
        x, w, None, s, p, o)[0],
    reproduces=("conv.conv_transpose2d_forward", "conv.conv2d_backward"),
    cases=_transpose_cases(),
    mistakes=(
        Mistake(_transpose(flip=True),
                "your kernel is rotated by 180 degrees: each entry "
                "x[n, f, i, j] adds x[n, f, i, j] * w[f], the kernel as it "
                "is, onto the window at row i*stride and column j*stride of "
                "the padded result; only the other form, a full "
                "cross-correlation of the dilated x, needs the kernel "
                "rotated, so one rotation is missing or one too many",
                "The flip, as one rule"),
        Mistake(_transpose(extra=0),
                "your result has (H' - 1)*stride - 2*padding + HH rows and "
                "(W' - 1)*stride - 2*padding + WW columns, the shape "
                "without output_padding: output_padding adds that many "
                "rows at the bottom and columns on the right of the padded "
                "result, before the crop", TRANSPOSE_SECTION),
        Mistake(_transpose(crop=False),
                "your result has the shape of the padded result, "
                "2*padding rows and columns too many: scatter into the "
                "padded grid, then crop `padding` rows and columns from "
                "each side", TRANSPOSE_SECTION),
        Mistake(_transpose(step=1),
                "the window of entry (i, j) starts at row i*stride and "
                "column j*stride of the padded result, not at (i, j): with "
                "stride > 1 your copies of the kernel are one row and one "
                "column apart instead of stride apart",
                "Ignoring the stride"),
        Mistake(_transpose(kernel_of=lambda w, f: w[:, f]),
                "the channel axes are mixed up: w has conv2d's shape "
                "(F, C, HH, WW), so entry x[n, f, i, j] spreads w[f], of "
                "shape (C, HH, WW), over the C channels of the result; "
                "yours reads w as (C, F, HH, WW), with w[c, f] the kernel "
                "from channel f to channel c", TRANSPOSE_SECTION,
                line=USES_W),
        Mistake(_transpose(transpose=True),
                "the kernel indices are transposed: weight (u, v) lands on "
                "row i*stride + u and column j*stride + v of the padded "
                "result, so the row offset u goes with HH and the column "
                "offset v with WW", SQUARE, line=USES_W),
        Mistake(_transpose(assign=True),
                "where copies of the kernel meet, only the last one is "
                "left: inside the loops, an assignment `= ...` overwrites "
                "what earlier entries of x (other positions, other "
                "filters) added. Accumulate with `+=`", "Index by index"),
    ))

check_conv_transpose2d = checker(CONV_TRANSPOSE2D, r"""Check ``fn(x, w,
stride, padding, output_padding)``: the transposed convolution (N, C, H_out,
W_out) of x (N, F, H', W') with the conv2d kernel w (F, C, HH, WW).""")
