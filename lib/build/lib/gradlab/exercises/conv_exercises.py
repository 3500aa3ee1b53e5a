r"""Checkers for the exercises of chapter 4, convolution.

- :func:`check_conv1d_jacobian` for ``conv1d_jacobian(w, length)``: the Jacobian
  :math:`\partial y_i/\partial x_j = w_{i-j}` (L, L) of the true 1-D convolution
  :math:`y_i = \sum_{j=-r}^{r} x_{i-j} w_j` with a centred kernel of odd length
  K = 2r + 1 (``w[j + r]`` holds :math:`w_j`) and zero padding;
- :func:`check_conv2d_db` for ``conv2d_db(dout)``: :math:`\partial L/\partial b` (F,);
- :func:`check_conv2d_dw` for ``conv2d_dw(dout, x, w, stride, padding)``:
  :math:`\partial L/\partial W` (F, C, HH, WW);
- :func:`check_conv2d_dx` for ``conv2d_dx(dout, x, w, stride, padding)``:
  :math:`\partial L/\partial x` (N, C, H, W);

for the cross-correlation layer of ``gradlab.conv.conv2d_forward`` with an int stride and
padding. The layers checked have rectangular inputs, stride 2 (smaller than the kernel)
and 3 (larger than it), padding 0, 1 and 2, C != F and batches of 1 and more; the first
one has a square kernel that is not symmetric, so a transposed kernel gives wrong values
of the right shape. Each returns a :class:`~gradlab.exercises.Feedback`.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv1d_forward, conv2d_backward, conv2d_forward
from ..gradcheck import numerical_gradient
from ._framework import Case, Exercise, Feedback, Mistake, check

# ------------------------------------------------------------------------ the layers

_LAYERS = (
    # x shape (N, C, H, W), w shape (F, C, HH, WW), stride, padding
    ((2, 2, 7, 9), (3, 2, 3, 3), 2, 0),    # square asymmetric kernel, overlapping windows
    ((3, 3, 6, 9), (2, 3, 2, 4), 1, 1),    # rectangular kernel, padding, C > F
    ((2, 3, 9, 7), (4, 3, 3, 5), 2, 2),    # stride < kernel along both axes, padding 2
    ((1, 1, 8, 9), (2, 1, 3, 2), 3, 1),    # a batch of 1, stride > kernel width, a row left over
)


def _describe(x, w, stride, padding) -> str:
    return (f"x of shape {x.shape} (N, C, H, W), w of shape {w.shape} (F, C, HH, WW), "
            f"stride {stride}, padding {padding}")


def _layers() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]]:
    rng = np.random.default_rng(4401)
    layers = []
    for x_shape, w_shape, stride, padding in _LAYERS:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
        out, _ = conv2d_forward(x, w, b, stride, padding)
        dout = rng.normal(size=out.shape)
        layers.append((_describe(x, w, stride, padding), dout, x, w, b, stride, padding))
    return layers


def _numerical(wrt: str, dout, x, w, b, stride, padding):
    r"""Central differences of sum(dout * conv2d_forward(x, w, b)) with respect to ``wrt``."""
    def gradient():
        arrays = {"x": x.copy(), "w": w.copy(), "b": b.copy()}

        def forward(_):
            return conv2d_forward(arrays["x"], arrays["w"], arrays["b"], stride, padding)[0]

        return numerical_gradient(forward, arrays[wrt], dout=dout)
    return gradient


def _layer_cases(wrt: str) -> tuple[Case, ...]:
    cases = []
    for description, dout, x, w, b, stride, padding in _layers():
        inputs = (dout,) if wrt == "b" else (dout, x, w, stride, padding)
        cases.append(Case(description, inputs,
                          numerical=_numerical(wrt, dout, x, w, b, stride, padding)))
    return tuple(cases)


def _backward(dout, x, w, stride, padding):
    return conv2d_backward(dout, conv2d_forward(x, w, np.zeros(w.shape[0]), stride, padding)[1])


def _padded(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _cropped(dx_p, x, padding):
    return dx_p[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]


def _positions(dout):
    n_samples, n_filters, out_h, out_w = dout.shape
    return [(n, k, i, j) for n in range(n_samples) for k in range(n_filters)
            for i in range(out_h) for j in range(out_w)]


def _window(top, left, w):
    r"""Rows and columns of the window whose top-left corner is (top, left)."""
    return slice(top, top + w.shape[2]), slice(left, left + w.shape[3])


CHAPTER = "chapter 4"
SUM_OVER_POSITIONS = ("{what} comes from the output position (0, 0) only: the {shared} is "
                      "used at every output position, so its gradient sums dout over all "
                      "positions (i, j) and over the batch (chapter 4, 'Dropping the sum over "
                      "output positions').")
OVERWRITTEN = ("only the last output position reached {what}: inside the loops, `{lhs} = "
               "...` overwrites what earlier positions added. Accumulate with `+=` (chapter "
               "4, 'Index by index').")
STRIDE = ("the window of output (i, j) starts at row i*stride and column j*stride, not at "
          "(i, j): with stride > 1 your {what} reads the wrong inputs (chapter 4, 'Ignoring "
          "the stride').")
TRANSPOSED = ("the kernel indices are transposed: weight (m, n) multiplies the input at row "
              "i*stride + m and column j*stride + n, so the row offset m goes with HH and the "
              "column offset n with WW (chapter 4, 'Testing only square, symmetric shapes').")
CHANNELS_FILTERS = ("the channel and filter axes are mixed up: w has shape (F, C, HH, WW), "
                    "filter k first and input channel t second, and {what} (chapter 4, "
                    "'The index formula').")

# ------------------------------------------------------------ Exercise 4.1: 1-D Jacobian


def _conv1d_reference(w, length):
    r"""Column j is the response to e_j: a true convolution is a correlation with w reversed."""
    radius = (len(w) - 1) // 2
    basis = np.eye(length)[:, np.newaxis, :]                      # (L, 1, L): N = L inputs
    responses, _ = conv1d_forward(basis, w[np.newaxis, np.newaxis, ::-1], padding=radius)
    return responses[:, 0, :].T


def _conv1d_numerical(w, length):
    def jacobian():
        x = np.random.default_rng(4410).normal(size=length)
        rows = [numerical_gradient(lambda v: np.convolve(v, w, mode="same"), x.copy(), dout=e)
                for e in np.eye(length)]
        return np.array(rows)
    return jacobian


def _band(w, length, entry):
    r"""The (L, L) matrix with ``entry(w, i, j)`` where it is not None, else 0."""
    jac = np.zeros((length, length))
    for i in range(length):
        for j in range(length):
            value = entry(w, i, j)
            jac[i, j] = 0.0 if value is None else value
    return jac


def _centred(w, d):
    radius = (len(w) - 1) // 2
    return w[d + radius] if -radius <= d <= radius else None


def _jacobian_of_correlation(w, length):
    return _band(w, length, lambda w, i, j: _centred(w, j - i))


def _array_index_below(w, length):
    return _band(w, length, lambda w, i, j: w[i - j] if 0 <= i - j < len(w) else None)


def _array_index_above(w, length):
    return _band(w, length, lambda w, i, j: w[j - i] if 0 <= j - i < len(w) else None)


def _periodic(w, length):
    radius = (len(w) - 1) // 2
    jac = np.zeros((length, length))
    for i in range(length):
        for d in range(-radius, radius + 1):
            jac[i, (i - d) % length] += w[d + radius]      # wraps around at the ends
    return jac


def _conv1d_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(4411)
    three, five, three_b = rng.normal(size=3), rng.normal(size=5), rng.normal(size=3)
    return (
        Case("a kernel of length 3 and L = 6", (three, 6), numerical=_conv1d_numerical(three, 6)),
        Case("a kernel of length 5 and L = 7", (five, 7), numerical=_conv1d_numerical(five, 7)),
        Case("a kernel of length 3 and L = 3", (three_b, 3),
             numerical=_conv1d_numerical(three_b, 3)),
    )


SHIFTED_BAND = ("the band is shifted off the diagonal: w[0] stores w_{-r}, not w_0, so w_{i-j} "
                "is w[i - j + r] with r = (K - 1) // 2 (chapter 4, 'The Jacobian with respect "
                "to the input').")

CONV1D_JACOBIAN = Exercise(
    name="conv1d_jacobian", arg_names=("w", "length"), reference=_conv1d_reference,
    cases=_conv1d_cases(),
    mistakes=(
        Mistake(_jacobian_of_correlation,
                "this is the transpose of the Jacobian, which is the Jacobian of the "
                "cross-correlation: for the convolution y_i = sum_j x_(i-j) w_j the entry "
                "(i, j) is w_(i-j), so w_1 sits just below the diagonal (chapter 4, 'The "
                "Jacobian with respect to the input')."),
        Mistake(_array_index_below, SHIFTED_BAND),
        Mistake(_array_index_above, SHIFTED_BAND),
        Mistake(_periodic,
                "the corners must be zero: x_(-1) and x_L are zero padding, not x_(L-1) and "
                "x_0, so the band does not wrap around (chapter 4, 'The Jacobian with respect "
                "to the input')."),
    ))


def check_conv1d_jacobian(fn) -> Feedback:
    r"""Check ``fn(w, length)``: the (L, L) Jacobian dy/dx of a centred true 1-D convolution."""
    return check(CONV1D_JACOBIAN, fn)


# ------------------------------------------------------------------ Exercise 4.2: db

def _db_reference(dout):
    return dout.sum(axis=(0, 2, 3))


def _db_one_position(dout):
    return dout[:, :, 0, 0].sum(axis=0)


def _db_overwritten(dout):
    db = np.zeros(dout.shape[1])
    for n, k, i, j in _positions(dout):
        db[k] = dout[n, k, i, j]
    return db


def _db_first_sample(dout):
    return dout[0].sum(axis=(1, 2))


def _db_batch_only(dout):
    return dout.sum(axis=0)


def _db_keeps_batch(dout):
    return dout.sum(axis=(2, 3))


def _db_per_sample(dout):
    return dout.sum(axis=(1, 2, 3))


def _db_per_position(dout):
    return dout.sum(axis=(0, 1))


def _db_everything(dout):
    return dout.sum()


def _db_mean(dout):
    return dout.mean(axis=(0, 2, 3))


WRONG_AXES = ("db is summed over the wrong axes: {detail} b_k is added to every position of "
              "filter k in every sample, so sum dout over axes (0, 2, 3), the batch and the "
              "positions, and keep axis 1, the filters (chapter 4, 'The gradient of the "
              "bias').")

CONV2D_DB = Exercise(
    name="conv2d_db", arg_names=("dout",), reference=_db_reference, cases=_layer_cases("b"),
    mistakes=(
        Mistake(_db_one_position, SUM_OVER_POSITIONS.format(what="db", shared="bias")),
        Mistake(_db_overwritten, OVERWRITTEN.format(what="db", lhs="db[k]")),
        Mistake(_db_first_sample,
                "db holds the first sample only: the bias is shared by every sample, so sum "
                "over the batch too (chapter 4, 'Batches and padding')."),
        Mistake(_db_batch_only, WRONG_AXES.format(detail="you summed over the batch but not "
                                                         "over the positions (i, j).")),
        Mistake(_db_keeps_batch, WRONG_AXES.format(detail="you kept the batch axis.")),
        Mistake(_db_per_sample, WRONG_AXES.format(detail="you summed over the filters and "
                                                         "kept one number per sample.")),
        Mistake(_db_per_position, WRONG_AXES.format(detail="you summed over the batch and "
                                                           "the filters and kept the "
                                                           "positions.")),
        Mistake(_db_everything, WRONG_AXES.format(detail="you summed everything into one "
                                                         "number.")),
        Mistake(_db_mean,
                "db is a mean: the gradient of a shared parameter is the sum of its "
                "contributions; any 1/N of the loss is already inside dout (chapter 4, "
                "'Batches and padding')."),
    ))


def check_conv2d_db(fn) -> Feedback:
    r"""Check ``fn(dout)``: dL/db (F,) of a conv layer, dout of shape (N, F, H', W')."""
    return check(CONV2D_DB, fn)


# ------------------------------------------------------------------ Exercise 4.3: dW

def _dw_reference(dout, x, w, stride, padding):
    return _backward(dout, x, w, stride, padding)[1]


def _dw_accumulate(dout, x, w, stride, padding, *, step=None, only_first=False, flip=False,
                   transpose=False, assign=False):
    r"""dW[k] += dout * window, with one of the known slips switched on."""
    x_p, dw = _padded(x, padding), np.zeros_like(w)
    step = stride if step is None else step
    for n, k, i, j in _positions(dout):
        if only_first and (i, j) != (0, 0):
            continue
        window = x_p[(n, slice(None)) + _window(i * step, j * step, w)]
        window = window[:, ::-1, ::-1] if flip else window
        window = window.transpose(0, 2, 1) if transpose else window
        term = dout[n, k, i, j] * window
        dw[k] = term if assign else dw[k] + term
    return dw


def _dw_one_position(dout, x, w, stride, padding):
    return _dw_accumulate(dout, x, w, stride, padding, only_first=True)


def _dw_overwritten(dout, x, w, stride, padding):
    return _dw_accumulate(dout, x, w, stride, padding, assign=True)


def _dw_rotated(dout, x, w, stride, padding):
    return _dw_accumulate(dout, x, w, stride, padding, flip=True)


def _dw_stride_ignored(dout, x, w, stride, padding):
    return _dw_accumulate(dout, x, w, stride, padding, step=1)


def _dw_transposed(dout, x, w, stride, padding):
    return _dw_accumulate(dout, x, w, stride, padding, transpose=True)


def _dw_channels_first(dout, x, w, stride, padding):
    return _dw_reference(dout, x, w, stride, padding).transpose(1, 0, 2, 3)


def _dw_index_swapped(dout, x, w, stride, padding):
    x_p, dw = _padded(x, padding), np.zeros_like(w)
    for n, k, i, j in _positions(dout):
        rows, cols = _window(i * stride, j * stride, w)
        for t in range(x.shape[1]):
            dw[t, k] += dout[n, k, i, j] * x_p[n, t, rows, cols]
    return dw


def _dw_filter_slice(dout, x, w, stride, padding):
    x_p, dw = _padded(x, padding), np.zeros_like(w)
    for n, k, i, j in _positions(dout):
        dw[:, k] += dout[n, k, i, j] * x_p[(n, slice(None)) + _window(i * stride, j * stride, w)]
    return dw


def _dw_divided_by_batch(dout, x, w, stride, padding):
    return _dw_reference(dout, x, w, stride, padding) / x.shape[0]


CONV2D_DW = Exercise(
    name="conv2d_dw", arg_names=("dout", "x", "w", "stride", "padding"),
    reference=_dw_reference, cases=_layer_cases("w"),
    mistakes=(
        Mistake(_dw_one_position, SUM_OVER_POSITIONS.format(what="dW", shared="weight")),
        Mistake(_dw_overwritten, OVERWRITTEN.format(what="dW", lhs="dw[k]")),
        Mistake(_dw_rotated,
                "your dW is rotated by 180 degrees: dW is the cross-correlation of the padded "
                "input with dout, dW_k(t, m, n) = sum dout(k, i, j) x(t, i*s + m, j*s + n), "
                "with no flip (chapter 4, 'dW is a cross-correlation')."),
        Mistake(_dw_stride_ignored, STRIDE.format(what="dW")),
        Mistake(_dw_transposed, TRANSPOSED),
        Mistake(_dw_channels_first, CHANNELS_FILTERS.format(
            what="dW must have that shape too; yours is (C, F, HH, WW)")),
        Mistake(_dw_index_swapped, CHANNELS_FILTERS.format(
            what="dw[k, t] is the gradient of filter k, channel t, not dw[t, k]")),
        Mistake(_dw_filter_slice, CHANNELS_FILTERS.format(
            what="dw[k] is the gradient of filter k, while dw[:, k] is channel k of every "
                 "filter")),
        Mistake(_dw_divided_by_batch,
                "dW is divided by N: the weights are shared by the samples, so their "
                "gradient is the sum over the batch; any 1/N of the loss is already inside "
                "dout (chapter 4, 'Batches and padding')."),
    ))


def check_conv2d_dw(fn) -> Feedback:
    r"""Check ``fn(dout, x, w, stride, padding)``: dL/dW (F, C, HH, WW) of a conv layer."""
    return check(CONV2D_DW, fn)


# ------------------------------------------------------------------ Exercise 4.4: dx

def _dx_reference(dout, x, w, stride, padding):
    return _backward(dout, x, w, stride, padding)[0]


def _dx_scatter(dout, x, w, stride, padding, *, step=None, only_first=False, flip=False,
                transpose=False, assign=False, crop=True):
    r"""dx_p[window] += dout * W_k, with one of the known slips switched on."""
    x_p = _padded(x, padding)
    dx_p = np.zeros_like(x_p)
    step = stride if step is None else step
    for n, k, i, j in _positions(dout):
        if only_first and (i, j) != (0, 0):
            continue
        kernel = w[k, :, ::-1, ::-1] if flip else w[k]
        kernel = kernel.transpose(0, 2, 1) if transpose else kernel
        where = (n, slice(None)) + _window(i * step, j * step, w)
        term = dout[n, k, i, j] * kernel
        dx_p[where] = term if assign else dx_p[where] + term
    return _cropped(dx_p, x, padding) if crop else dx_p


def _dx_first_window(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, only_first=True)


def _dx_overwritten(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, assign=True)


def _dx_rotated(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, flip=True)


def _dx_stride_ignored(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, step=1)


def _dx_transposed(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, transpose=True)


def _dx_not_cropped(dout, x, w, stride, padding):
    return _dx_scatter(dout, x, w, stride, padding, crop=False)


def _dx_index_swapped(dout, x, w, stride, padding):
    x_p = _padded(x, padding)
    dx_p = np.zeros_like(x_p)
    for n, k, i, j in _positions(dout):
        rows, cols = _window(i * stride, j * stride, w)
        for t in range(x.shape[1]):
            dx_p[n, t, rows, cols] += dout[n, k, i, j] * w[t, k]
    return _cropped(dx_p, x, padding)


def _dx_filter_slice(dout, x, w, stride, padding):
    x_p = _padded(x, padding)
    dx_p = np.zeros_like(x_p)
    for n, k, i, j in _positions(dout):
        dx_p[(n, slice(None)) + _window(i * stride, j * stride, w)] += dout[n, k, i, j] * w[:, k]
    return _cropped(dx_p, x, padding)


CONV2D_DX = Exercise(
    name="conv2d_dx", arg_names=("dout", "x", "w", "stride", "padding"),
    reference=_dx_reference, cases=_layer_cases("x"),
    mistakes=(
        Mistake(_dx_first_window,
                "only the window of output (0, 0) sends gradient to x: an input receives "
                "dout(k, i, j) W_k(t, p - i*s, q - j*s) from every output position whose "
                "window covers it, and from every filter k (chapter 4, 'Only when i = 0 and "
                "j = 0')."),
        Mistake(_dx_overwritten, OVERWRITTEN.format(what="each part of dx",
                                                    lhs="dx[n, :, rows, cols]")),
        Mistake(_dx_rotated,
                "the kernel is flipped the wrong way: adding dout * W_k back onto each "
                "window uses W_k as it is, while the full-convolution form (dilate, pad, "
                "cross-correlate) needs W_k rotated by 180 degrees; one of the two is missing "
                "or added (chapter 4, 'Forgetting the 180° rotation')."),
        Mistake(_dx_stride_ignored, STRIDE.format(what="dx")),
        Mistake(_dx_transposed, TRANSPOSED),
        Mistake(_dx_not_cropped,
                "your dx has the shape of the padded input: compute on the padded input, then "
                "crop `padding` rows and columns from each side (chapter 4, 'Batches and "
                "padding')."),
        Mistake(_dx_index_swapped, CHANNELS_FILTERS.format(
            what="W_k(t, ...) is w[k, t], not w[t, k]")),
        Mistake(_dx_filter_slice, CHANNELS_FILTERS.format(
            what="filter k is w[k], one kernel per channel, while w[:, k] is channel k of "
                 "every filter")),
    ))


def check_conv2d_dx(fn) -> Feedback:
    r"""Check ``fn(dout, x, w, stride, padding)``: dL/dx (N, C, H, W) of a conv layer."""
    return check(CONV2D_DX, fn)
