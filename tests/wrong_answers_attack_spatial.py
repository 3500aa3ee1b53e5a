r"""The red team's answers for chapters 3 and 4 (issue 10): wrong answers the
checkers were not told about, and correct formulations they must accept.

Each wrong answer gives the phrase its feedback must contain (a tuple:
every phrase) and, for ``UNREGISTERED``, the phrases it must not contain:
mistakes the answer did not make. A stateful answer is built fresh by
calling its factory here.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


ASSIGNED = "keeps only one window's gradient"
PADDED_ZEROS = "padded with zeros"
PADDED_MIN = "padded with x.min()"
IGNORE_PADDING = "ignore the padding"
KEEPDIMS = "keepdims"
WRONG_ARGUMENT = "wrong argument or the wrong axis"


# ------------------------------------------------- 3.1 avg_pool1d_jacobian

def jacobian_one_window_short(length, kernel_size, stride):
    rows = (length - kernel_size) // stride
    jac = np.zeros((rows, length))
    for i in range(rows):
        jac[i, i * stride:i * stride + kernel_size] = 1.0 / kernel_size
    return jac


def jacobian_stride_as_window(length, kernel_size, stride):
    rows = (length - kernel_size) // stride + 1
    jac = np.zeros((rows, length))
    for i in range(rows):
        jac[i, i * stride:(i + 1) * stride] = 1.0 / kernel_size
    return jac


def jacobian_float32(length, kernel_size, stride):
    rows = (length - kernel_size) // stride + 1
    jac = np.zeros((rows, length), dtype=np.float32)
    for i in range(rows):
        jac[i, i * stride:i * stride + kernel_size] = 1.0 / kernel_size
    return jac


def jacobian_from_windows(length, kernel_size, stride):
    windows = sliding_window_view(np.eye(length), kernel_size, axis=0)
    return windows[::stride].mean(axis=-1)


# ----------------------------------------------------- 3.2 max_pool1d_grad

def _max1d(dout, x, k, s, pick=np.argmax):
    dx = np.zeros_like(x)
    for n, c, i in np.ndindex(dout.shape):
        j = i * s + pick(x[n, c, i * s:i * s + k])
        dx[n, c, j] += dout[n, c, i]
    return dx


def max1d_vectorised(dout, x, kernel_size, stride):
    windows = sliding_window_view(x, kernel_size, axis=-1)[..., ::stride, :]
    first = windows.argmax(axis=-1)
    where = np.arange(dout.shape[-1]) * stride + first
    n, c, _ = np.indices(dout.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, where), dout)
    return dx


def max1d_reversed_offset(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride,
                  pick=lambda w: np.argmax(w[::-1]))


def max1d_reused_output_buffer():
    buffers = {}

    def max_pool1d_grad(dout, x, kernel_size, stride):
        dx = buffers.setdefault(x.shape, np.zeros(x.shape))
        dx[...] = 0.0
        dx += _max1d(dout, x, kernel_size, stride)
        return dx
    return max_pool1d_grad


def max1d_float16(dout, x, kernel_size, stride):
    return _max1d(dout, x, kernel_size, stride).astype(np.float16)


# ----------------------------------------------------- 3.3 avg_pool2d_grad

def avg2d_repeat(dout, x_shape, kernel_size, stride):
    kh, kw = kernel_size
    return dout.repeat(kh, axis=2).repeat(kw, axis=3) / (kh * kw)


def avg2d_square_divisor(dout, x_shape, kernel_size, stride):
    (kh, kw), (sh, sw) = kernel_size, stride
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(dout.shape):
        dx[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += \
            dout[n, c, i, j] / kh ** 2
    return dx


def avg2d_float32_buffer(dout, x_shape, kernel_size, stride):
    (kh, kw), (sh, sw) = kernel_size, stride
    dx = np.zeros(x_shape, dtype=np.float32)
    for n, c, i, j in np.ndindex(dout.shape):
        dx[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += \
            dout[n, c, i, j] / (kh * kw)
    return dx


def avg2d_by_offset(dout, x_shape, kernel_size, stride):
    (kh, kw), (sh, sw) = kernel_size, stride
    oh, ow = dout.shape[2:]
    dx = np.zeros(x_shape)
    for m in range(kh):
        for k in range(kw):
            dx[:, :, m:m + sh * oh:sh, k:k + sw * ow:sw] += dout / (kh * kw)
    return dx


# ----------------------------------------------------- 3.4 max_pool2d_grad

def _max2d(dout, x, kernel_size, stride, padding, fill=-np.inf,
           order="C", pads=None):
    (kh, kw), (sh, sw) = kernel_size, stride
    ph, pw = padding if pads is None else pads
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                constant_values=fill)
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(dout.shape):
        win = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        if order == "F":
            u, v = np.unravel_index(np.argmax(win.T), win.shape[::-1])[::-1]
        else:
            u, v = np.unravel_index(np.argmax(win), win.shape)
        dxp[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def max2d_pad_minus_1e9(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, fill=-1e9)


def max2d_pad_below_min(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, fill=x.min() - 1)


def max2d_pad_finfo_min(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding,
                  fill=np.finfo(x.dtype).min)


def max2d_column_major_ties(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding, order="F")


def max2d_one_padding(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding,
                  pads=(padding[0], padding[0]))


def max2d_counts_windows_without_padding(dout, x, kernel_size, stride,
                                         padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    oh = (x.shape[2] - kh) // sh + 1
    ow = (x.shape[3] - kw) // sw + 1
    return _max2d(dout[:, :, :oh, :ow], x, kernel_size, stride, padding)


def max2d_float32(dout, x, kernel_size, stride, padding):
    return _max2d(dout, x, kernel_size, stride, padding).astype(np.float32)


# --------------------------------------------------- 4.1 conv1d_jacobian

def conv1d_by_diagonals(w, length):
    r = (len(w) - 1) // 2
    jac = np.zeros((length, length))
    for k in range(-r, r + 1):
        if abs(k) < length:
            jac += np.diag(np.full(length - abs(k), w[k + r]), -k)
    return jac


def conv1d_float32(w, length):
    return conv1d_by_diagonals(w, length).astype(np.float32)


def conv1d_centre_only(w, length):
    return w[(len(w) - 1) // 2] * np.eye(length)


# ------------------------------------------------------------ 4.2 conv db

def db_einsum(dout):
    return np.einsum("nfij->f", dout)


def db_batch_mean(dout):
    return dout.sum(axis=(2, 3)).mean(axis=0)


def db_keepdims(dout):
    return dout.sum(axis=(0, 2, 3), keepdims=True)


def db_float16(dout):
    return dout.sum(axis=(0, 2, 3)).astype(np.float16)


# ------------------------------------------------------------ 4.3 conv dw

def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def dw_einsum_windows(dout, x, w, stride, padding):
    hh, ww = w.shape[2:]
    oh, ow = dout.shape[2:]
    win = sliding_window_view(_pad(x, padding), (hh, ww), axis=(2, 3))
    win = win[:, :, ::stride, ::stride][:, :, :oh, :ow]
    return np.einsum("nfij,ncijuv->fcuv", dout, win)


def dw_window_one_short(dout, x, w, stride, padding):
    xp = _pad(x, padding)
    hh, ww = w.shape[2:]
    dw = np.zeros_like(w)
    for n, f, i, j in np.ndindex(dout.shape):
        r, c = i * stride, j * stride
        dw[f] += dout[n, f, i, j] * xp[n, :, r:r + hh - 1, c:c + ww - 1]
    return dw


def dw_mean_over_positions(dout, x, w, stride, padding):
    oh, ow = dout.shape[2:]
    return dw_einsum_windows(dout, x, w, stride, padding) / (oh * ow)


def dw_float32(dout, x, w, stride, padding):
    return dw_einsum_windows(dout, x, w, stride, padding).astype(np.float32)


# ------------------------------------------------------------ 4.4 conv dx

def _dx_loops(dout, x, w, stride, padding, rows=None):
    xp = _pad(x, padding)
    hh, ww = w.shape[2:]
    dxp = np.zeros_like(xp)
    oh, ow = dout.shape[2:] if rows is None else rows
    for n, f, i, j in np.ndindex(dout.shape[0], dout.shape[1], oh, ow):
        r, c = i * stride, j * stride
        dxp[n, :, r:r + hh, c:c + ww] += dout[n, f, i, j] * w[f]
    return dxp[:, :, padding:padding + x.shape[2],
               padding:padding + x.shape[3]]


def dx_loops_filters_outer(dout, x, w, stride, padding):
    xp = _pad(x, padding)
    hh, ww = w.shape[2:]
    dxp = np.zeros_like(xp)
    for f in range(w.shape[0]):
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                r, c = i * stride, j * stride
                dxp[:, :, r:r + hh, c:c + ww] += \
                    dout[:, f, i, j][:, None, None, None] * w[f]
    return dxp[:, :, padding:padding + x.shape[2],
               padding:padding + x.shape[3]]


def dx_one_window_short(dout, x, w, stride, padding):
    hh, ww = w.shape[2:]
    oh = (x.shape[2] + 2 * padding - hh) // stride
    ow = (x.shape[3] + 2 * padding - ww) // stride
    return _dx_loops(dout, x, w, stride, padding, rows=(oh, ow))


def dx_window_one_short(dout, x, w, stride, padding):
    xp = _pad(x, padding)
    hh, ww = w.shape[2:]
    dxp = np.zeros_like(xp)
    for n, f, i, j in np.ndindex(dout.shape):
        r, c = i * stride, j * stride
        dxp[n, :, r:r + hh - 1, c:c + ww - 1] += dout[n, f, i, j] * w[f]
    return dxp[:, :, padding:padding + x.shape[2],
               padding:padding + x.shape[3]]


def dx_float32(dout, x, w, stride, padding):
    return _dx_loops(dout, x, w, stride, padding).astype(np.float32)


STUDENT_MISTAKES = [
]

UNREGISTERED = [
    # L' = (L - K) // S, the +1 forgotten: one window short
    ('avg_pool1d_jacobian',
     jacobian_one_window_short,
     'shape',
     ('wrong argument or the wrong axis',)),
    # uses the stride as the window length
    ('avg_pool1d_jacobian',
     jacobian_stride_as_window,
     'on length L=11, kernel_size=4, '
     "stride=2 (L'=4, overlapping windows), entry",
     ('K + 1', '1/(K + 1)', 'transposed', 'stride 1')),
    ('avg_pool1d_jacobian',
     jacobian_float32,
     'float32'),
    # argmax of the reversed window, used as a forward offset
    ('max_pool1d_grad',
     max1d_reversed_offset,
     'on overlapping windows: x with N=2, '
     'C=3, L=11, kernel_size=4, stride=2, entry',
     ('last one', 'both', "keeps only one window's gradient")),
    # returns the same buffer every call for a given shape: an earlier
    # result is overwritten by the next call
    ('max_pool1d_grad',
     max1d_reused_output_buffer(),
     'the result your function returned on the inputs of'),
    ('max_pool1d_grad',
     max1d_float16,
     'float16'),
    # np.repeat of dout: only right when windows tile the input
    ('avg_pool2d_grad',
     avg2d_repeat,
     'shape',
     ('wrong argument or the wrong axis',)),
    # divides by KH**2 (square-kernel habit)
    ('avg_pool2d_grad',
     avg2d_square_divisor,
     'on overlapping windows down the rows and along the columns: x '
     'with N=2, C=3, H=7, W=9, kernel_size=(3, 2), stride=(2, 1), so '
     "dout has H'=3, W'=8, entry",
     ('K_H + K_W', 'K_H*K_W times', 'K_W x K_H')),
    ('avg_pool2d_grad',
     avg2d_float32_buffer,
     'float32'),
    # pads with -1e9, a finite value: wrong for inputs below -1e9 (a
    # window of real entries all < -1e9 loses its gradient to the padding)
    ('max_pool2d_grad',
     max2d_pad_minus_1e9,
     'on every input below -1e9, with padding: x with N=1, C=2, '
     'H=4, W=5, kernel_size=(2, 2), stride=(2, 2), padding=(1, 1), entry'),
    # ties broken by the first maximum in column-major order
    ('max_pool2d_grad',
     max2d_column_major_ties,
     'equal maxima',
     ('last one', 'sent its gradient to both',
       "keeps only one window's gradient")),
    # padding[0] used for both rows and columns
    ('max_pool2d_grad',
     max2d_one_padding,
     'on a batch of 1, overlapping columns, padded columns: x with N=1, '
     'C=2, H=6, W=9, kernel_size=(2, 3), stride=(1, 2), padding=(0, 1), entry',
     ('ignore the padding', 'padded with zeros', 'padded with x.min()')),
    # counts its own windows without the padding: drops the last
    # rows/columns of windows
    ('max_pool2d_grad',
     max2d_counts_windows_without_padding,
     'on overlapping windows with padding: x with N=2, C=3, H=7, '
     'W=8, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), entry',
     ('ignore the padding',)),
    ('max_pool2d_grad',
     max2d_float32,
     'float32'),
    ('conv1d_jacobian',
     conv1d_float32,
     'float32'),
    # only the centre tap on the diagonal (w_0 * I)
    ('conv1d_jacobian',
     conv1d_centre_only,
     'on a kernel of length 3 and L = 6, entry',
     ('corners must be zero', 'shifted off the diagonal')),
    # summed over positions, then averaged over the batch
    ('conv2d_db',
     db_batch_mean,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape '
     '(3, 2, 3, 3) (F, C, HH, WW), stride 2, padding 0, entry',
     ('first sample', 'position (0, 0)', 'last output position')),
    # keepdims=True: (1, F, 1, 1)
    ('conv2d_db',
     db_keepdims,
     'shape',
     ('first sample',)),
    ('conv2d_db',
     db_float16,
     'float16'),
    # window one row and one column short: a broadcast error that is not a
    # missing keepdims
    ('conv2d_dw',
     dw_window_one_short,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape (3, '
     '2, 3, 3) (F, C, HH, WW), stride 2, padding 0, your function',
     ('keepdims', 'sum or max over one axis')),
    # averaged over the output positions
    ('conv2d_dw',
     dw_mean_over_positions,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape '
     '(3, 2, 3, 3) (F, C, HH, WW), stride 2, padding 0, entry',
     ('divided by N', 'position (0, 0)', 'rotated')),
    ('conv2d_dw',
     dw_float32,
     'float32'),
    # counts windows as (H + 2P - HH) // S, the +1 forgotten
    ('conv2d_dx',
     dx_one_window_short,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape '
     '(3, 2, 3, 3) (F, C, HH, WW), stride 2, padding 0, entry',
     ('only the window of output (0, 0)', 'overwrites',
      'Ignoring the stride')),
    # window one row and one column short: broadcast error
    ('conv2d_dx',
     dx_window_one_short,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape (3, '
     '2, 3, 3) (F, C, HH, WW), stride 2, padding 0, your function',
     ('keepdims', 'sum or max over one axis')),
    ('conv2d_dx',
     dx_float32,
     'float32'),
]

STUDENT_CORRECT = [
    # from the identity, windows summed
    ('avg_pool1d_jacobian',
     jacobian_from_windows),
    # sliding_window_view + np.add.at
    ('max_pool1d_grad',
     max1d_vectorised),
    # one strided slice per window offset
    ('avg_pool2d_grad',
     avg2d_by_offset),
    # pads with x.min() - 1: below every real entry, so never the maximum
    ('max_pool2d_grad',
     max2d_pad_below_min),
    # pads with the most negative float
    ('max_pool2d_grad',
     max2d_pad_finfo_min),
    # diagonals with np.diag
    ('conv1d_jacobian',
     conv1d_by_diagonals),
    # einsum
    ('conv2d_db',
     db_einsum),
    # sliding_window_view + einsum
    ('conv2d_dw',
     dw_einsum_windows),
    # loops, filters outermost
    ('conv2d_dx',
     dx_loops_filters_outer),
]
