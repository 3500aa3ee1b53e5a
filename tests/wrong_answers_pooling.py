r"""Answers a student might write for chapter 3 (pooling): wrong ones, each
with the phrase its feedback must contain (``STUDENT_MISTAKES``:
registered mistakes written another way; ``UNREGISTERED``: slips no
mistake describes, whose feedback must name none), and correct
formulations the checkers must accept (``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.pooling import (avg_pool1d_backward, avg_pool1d_forward,
                             max_pool1d_backward, max_pool1d_forward)


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
    ("max_pool1d_grad", max1d_by_loops(assign=True), "keeps only one window's gradient"),
    ("max_pool1d_grad", max1d_by_loops(start=lambda i, s: i), "your windows start at i"),
    ("max_pool1d_grad", max1d_by_loops(extra=1), "your windows hold K + 1 entries"),
    ("max_pool1d_grad", max1d_across_channels, "reached another channel"),
    ("max_pool1d_grad", max1d_mask(whole_row=True), "an input outside window i"),
    ("max_pool1d_grad", max1d_mask(whole_row=False), "sent its gradient to both"),
    ("max_pool1d_grad", max1d_by_loops(pick=lambda w: len(w) - 1 - np.argmax(w[::-1])),
     "sent its gradient to the last one"),
    # 3.3: average pooling in 2-D
    ("avg_pool2d_grad", avg2d_by_loops(sign=-1.0), "the gradient has the wrong sign"),
    ("avg_pool2d_grad", avg2d_by_loops(divide=lambda kh, kw: 1), "K_H*K_W times too large"),
    ("avg_pool2d_grad", avg2d_by_loops(divide=lambda kh, kw: kh + kw), "divided by K_H + K_W"),
    ("avg_pool2d_grad", avg2d_by_loops(window=lambda k: (k[0] + 1, k[1] + 1)),
     "your windows are (K_H + 1) x (K_W + 1)"),
    ("avg_pool2d_grad", avg2d_by_loops(assign=True), "keeps only one window's gradient"),
    ("avg_pool2d_grad", avg2d_by_loops(step=lambda s: (1, 1)),
     "your windows start one row and one column apart"),
    ("avg_pool2d_grad", avg2d_by_loops(window=lambda k: k[::-1]),
     "your windows are K_W x K_H instead of K_H x K_W"),
    ("avg_pool2d_grad", avg2d_by_loops(step=lambda s: s[::-1]), "your strides are swapped"),
    ("avg_pool2d_grad", avg2d_by_loops(channels=lambda c: slice(None)),
     "reached every channel"),
    # 3.4: max pooling in 2-D
    ("max_pool2d_grad", max2d_by_loops(sign=-1.0), "the gradient has the wrong sign"),
    ("max_pool2d_grad", max2d_by_loops(assign=True), "keeps only one window's gradient"),
    ("max_pool2d_grad", max2d_by_loops(step=lambda s: (1, 1)),
     "your windows start one row and one column apart"),
    ("max_pool2d_grad", max2d_by_loops(window=lambda k: k[::-1]),
     "your windows are K_W x K_H instead of K_H x K_W"),
    ("max_pool2d_grad", max2d_by_loops(window=lambda k: (k[0] + 1, k[1] + 1)),
     "your windows are (K_H + 1) x (K_W + 1)"),
    ("max_pool2d_grad", max2d_by_loops(pad_value=0.0), "you padded with zeros"),
    ("max_pool2d_grad", max2d_by_loops(crop=False), "your dx still has the padding"),
    ("max_pool2d_grad", max2d_across_channels, "reached another channel"),
    ("max_pool2d_grad", max2d_mask(whole_map=True), "an input outside window i"),
    ("max_pool2d_grad", max2d_mask(whole_map=False), "sent its gradient to both"),
    ("max_pool2d_grad", max2d_by_loops(pick=last_flat_argmax),
     "the first maximum in row-major order"),
]


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




def max2d_fancy_plus_equals(dout, x, kernel_size, stride, padding):
    r"""Vectorised, with dxp[idx] += dout: repeated indices add only once."""
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                constant_values=-np.inf)
    out_h, out_w = dout.shape[2:]
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[
        :, :, ::sh, ::sw][:, :, :out_h, :out_w]
    flat = np.argmax(windows.reshape(windows.shape[:4] + (-1,)), axis=-1)
    m, k = np.divmod(flat, kw)
    n, c, i, j = np.indices(dout.shape)
    dxp = np.zeros(xp.shape)
    dxp[n, c, i * sh + m, j * sw + k] += dout
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def max1d_fancy_plus_equals(dout, x, kernel_size, stride):
    return max2d_fancy_plus_equals(dout[:, :, None], x[:, :, None],
                                   (1, kernel_size), (1, stride),
                                   (0, 0))[:, :, 0]


def max1d_one_window_short(dout, x, kernel_size, stride):
    dx = np.zeros(x.shape)
    for n, c, i in np.ndindex(dout.shape[0], dout.shape[1],
                              dout.shape[2] - 1):
        start = i * stride
        dx[n, c, start + np.argmax(x[n, c, start:start + kernel_size])] += \
            dout[n, c, i]
    return dx


def avg2d_dout_divided_in_place(dout, x_shape, kernel_size, stride):
    dout /= kernel_size[0] * kernel_size[1]
    return avg2d_by_loops(divide=lambda kh, kw: 1)(dout, x_shape,
                                                   kernel_size, stride)


STUDENT_MISTAKES += [
    ("max_pool2d_grad", lambda dout, x, k, s, p: max2d_by_loops(
        pad_value=float(x.min()))(dout, x, k, s, p),
     "you padded with x.min()"),
    ("max_pool1d_grad", max1d_fancy_plus_equals, "np.add.at(dx, idx, v)"),
    ("max_pool2d_grad", max2d_fancy_plus_equals, "np.add.at(dx, idx, v)"),
]

def max1d_split_between_ties(dout, x, kernel_size, stride):
    dx = np.zeros(x.shape)
    for n, c, i in np.ndindex(dout.shape):
        window = x[n, c, i * stride:i * stride + kernel_size]
        tied = window == window.max()
        dx[n, c, i * stride:i * stride + kernel_size] += \
            tied * dout[n, c, i] / tied.sum()
    return dx


def max1d_without_window_offset(dout, x, kernel_size, stride):
    dx = np.zeros(x.shape)
    for n, c, i in np.ndindex(dout.shape):
        window = x[n, c, i * stride:i * stride + kernel_size]
        dx[n, c, np.argmax(window)] += dout[n, c, i]  # not + i * stride
    return dx


def max2d_cropped_with_negative_index(dout, x, kernel_size, stride, padding):
    (ph, pw) = padding
    return max2d_by_loops(crop=False)(dout, x, kernel_size, stride,
                                      padding)[:, :, ph:-ph, pw:-pw]


def max2d_unravelled_with_kh(dout, x, kernel_size, stride, padding):
    return max2d_by_loops(pick=lambda block: np.ravel_multi_index(
        divmod(int(np.argmax(block)), block.shape[0]), block.shape,
        mode="clip"))(dout, x, kernel_size, stride, padding)


UNREGISTERED = [
    ("max_pool1d_grad", max1d_split_between_ties,
     "on windows with two equal maxima"),
    ("max_pool1d_grad", max1d_without_window_offset, "entry"),
    ("max_pool2d_grad", max2d_cropped_with_negative_index,
     "got (1, 2, 0, 9)"),
    ("max_pool2d_grad", max2d_unravelled_with_kh, "entry"),
    ("max_pool1d_grad", max1d_by_loops(pick=np.argmin), "entry"),
    ("max_pool1d_grad", max1d_one_window_short, "entry"),
    ("max_pool1d_grad", max1d_by_loops(start=lambda i, s: i * s + 1),
     "entry [0, 0, 0] is 0 but should be"),
    ("avg_pool2d_grad", avg2d_by_loops(divide=lambda kh, kw: kh), "entry"),
    ("avg_pool2d_grad", avg2d_dout_divided_in_place,
     "changed its input dout in place"),
    ("avg_pool1d_jacobian", lambda length, k, s: jacobian_from_eye(
        length, k, s).astype(np.float32), "dtype float32"),
    ("max_pool2d_grad", lambda dout, x, k, s, p: max2d_by_loops()(
        dout, x, k, s, p)[:, :, ::-1], "entry"),
]


WINNERS = {}


def max1d_remembering_the_winners(dout, x, kernel_size, stride):
    r"""Keeps the argmax positions of the first x of each shape."""
    key = (x.shape, kernel_size, stride)
    if key not in WINNERS:
        WINNERS[key] = [np.argmax(x[n, c, i * stride:i * stride + kernel_size])
                        for n, c, i in np.ndindex(dout.shape)]
    dx = np.zeros(x.shape)
    for (n, c, i), k in zip(np.ndindex(dout.shape), WINNERS[key]):
        dx[n, c, i * stride + k] += dout[n, c, i]
    return dx


UNREGISTERED += [
    ("max_pool1d_grad", max1d_remembering_the_winners,
     "on the inputs of overlapping windows: x with N=2, C=3, L=11, "
     "kernel_size=4, stride=2 in another order, entry"),
]

UNREGISTERED += [
    ("avg_pool1d_jacobian", lambda length, k, s: jacobian_by_loops(
        lambda i, j, k, s: 1 // k if in_window(i, j, k, s) else 0,
    )(length, k, s), "entry"),
    ("avg_pool1d_jacobian", jacobian_by_loops(
        lambda i, j, k, s: 1 / k if in_window(i, j, k, s) else 0.0,
        rows=lambda length, k, s: (length - k) // s),
     "expected shape (4, 11), got (3, 11)"),
]
