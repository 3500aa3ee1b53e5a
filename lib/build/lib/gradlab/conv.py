r"""Convolution layers in 1-D and 2-D: forward passes and their gradients.

Deep-learning frameworks compute a cross-correlation (the kernel is not flipped) and call
it convolution; so does this module. In 2-D, with stride :math:`s` and padding :math:`P`,

.. math::

    y(n, f, i, j) = \sum_{c} \sum_{m} \sum_{k} x_p(n, c,\ i s + m,\ j s + k)\, w(f, c, m, k) + b(f),

where :math:`x_p` is ``x`` padded with P zeros on each side, and
:math:`H' = \lfloor (H + 2P - HH)/s \rfloor + 1` (the same for W'). Every weight is used at
every output position, so its gradient sums over them:

* ``dw`` is the cross-correlation of the input with ``dout``:
  :math:`\partial L/\partial w(f, c, m, k) = \sum_{n, i, j} \mathrm{dout}(n, f, i, j)\,
  x_p(n, c, i s + m, j s + k)`;
* ``db`` is the sum of ``dout`` over the batch and every position;
* ``dx`` is the *full* convolution of ``dout`` (dilated by the stride: s - 1 zeros between
  entries) with the kernel rotated by 180 degrees, computed on the padded input and then
  cropped: :math:`\partial L/\partial x_p(n, c, p, q) = \sum_{f} \sum_{(i, m):\ i s + m = p}
  \sum_{(j, k):\ j s + k = q} \mathrm{dout}(n, f, i, j)\, w(f, c, m, k)`.

Two implementations sit side by side: :func:`conv2d_forward_loops` and
:func:`conv2d_backward_loops` transcribe these sums index by index (slow, for reading);
:func:`conv2d_forward` and :func:`conv2d_backward` compute the same numbers with matrix
products ("im2col"): the windows of the input become the columns of a matrix and the
filters its rows, so the forward pass is one product, ``dw`` another (with ``dout``), and
``dx`` a third whose columns, one per window, are added back where each window was taken
from ("col2im"). The 1-D functions are the 2-D ones on an image of height 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_int, as_pair, check_dout, output_length
from ._windows import crop, gather_windows, pad, scatter_windows

Pair = tuple[int, int]


class ConvCache(NamedTuple):
    r"""What :func:`conv2d_backward` (and :func:`conv1d_backward`) needs."""

    x_shape: tuple[int, ...]   # (N, C, L) or (N, C, H, W), as given
    w_shape: tuple[int, ...]   # (F, C, K) or (F, C, HH, WW), as given
    w: np.ndarray              # (F, C, HH, WW); height 1 in 1-D
    columns: np.ndarray        # the input windows as a matrix (HH*WW*C, N*H'*W')
    stride: Pair
    padding: Pair
    padded_shape: tuple[int, ...]  # (C, N, H + 2 PH, W + 2 PW): channels first
    out_size: Pair             # (H', W')
    out_shape: tuple[int, ...]  # (N, F, L') or (N, F, H', W'), as returned
    has_bias: bool


class ConvLoopsCache(NamedTuple):
    r"""What :func:`conv2d_backward_loops` (and :func:`conv1d_backward_loops`) needs."""

    x_padded: np.ndarray       # (N, C, H + 2 PH, W + 2 PW); height 1 in 1-D
    w: np.ndarray              # (F, C, HH, WW)
    stride: Pair
    padding: Pair
    x_shape: tuple[int, ...]   # as given
    w_shape: tuple[int, ...]   # as given
    out_shape: tuple[int, ...]  # as returned
    has_bias: bool


# ----------------------------------------------------------------------------- checks

def _arguments_2d(x, w, b, stride, padding):
    x = as_float_array(x, "x", ndim=4, layout="(N, C, H, W)")
    w = as_float_array(w, "w", ndim=4, layout="(F, C, HH, WW)")
    stride = as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    b = _check_channels_and_bias(x, w, b)
    out_size = (output_length(x.shape[2], w.shape[2], stride[0], padding[0], "height"),
                output_length(x.shape[3], w.shape[3], stride[1], padding[1], "width"))
    return x, w, b, stride, padding, out_size


def _arguments_1d(x, w, b, stride, padding):
    r"""Check 1-D arguments and return them as the 2-D ones of an image of height 1."""
    x = as_float_array(x, "x", ndim=3, layout="(N, C, L)")
    w = as_float_array(w, "w", ndim=3, layout="(F, C, K)")
    stride = as_int(stride, "stride", 1)
    padding = as_int(padding, "padding", 0)
    b = _check_channels_and_bias(x, w, b)
    out_length = output_length(x.shape[2], w.shape[2], stride, padding, "length")
    return (x[:, :, np.newaxis, :], w[:, :, np.newaxis, :], b, (1, stride), (0, padding),
            (1, out_length))


def _check_channels_and_bias(x, w, b):
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has C={x.shape[1]} channels but w expects {w.shape[1]} "
                         f"(x.shape[1] must equal w.shape[1])")
    if b is None:
        return None
    b = as_float_array(b, "b", ndim=1, layout="(F,)")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b must hold one bias per filter: expected length F={w.shape[0]}, "
                         f"got {b.shape[0]}")
    return b


def _returned_shape(x_shape, num_filters, out_size):
    return (x_shape[0], num_filters) + (out_size[-1:] if len(x_shape) == 3 else out_size)


# ----------------------------------------------------------------------------- vectorised (im2col)

def _conv(x, w, b, stride, padding, out_size, x_shape, w_shape):
    num_filters, channels, hh, ww = w.shape
    # Channels first, batch second, so that the windows stack into one matrix whose rows
    # are (kernel offset, channel) and whose columns are (n, i, j).
    x_padded = pad(x.transpose(1, 0, 2, 3), padding)                     # (C, N, Hp, Wp)
    windows = gather_windows(x_padded, (hh, ww), stride, out_size)      # (HH*WW, C, N, H', W')
    columns = windows.reshape(hh * ww * channels, -1)                   # (HH*WW*C, N*H'*W')
    w_rows = _filters_as_rows(w)                                        # (F, HH*WW*C)
    out = w_rows @ columns                                              # (F, N*H'*W'): one GEMM
    if b is not None:
        out += b[:, np.newaxis]
    out = out.reshape((num_filters, x.shape[0]) + out_size).transpose(1, 0, 2, 3)
    out_shape = _returned_shape(x_shape, num_filters, out_size)
    cache = ConvCache(x_shape, w_shape, w, columns, stride, padding, x_padded.shape, out_size,
                      out_shape, b is not None)
    return np.ascontiguousarray(out).reshape(out_shape), cache


def _filters_as_rows(w):
    r"""w (F, C, HH, WW) as a matrix (F, HH*WW*C) whose columns match the rows of the windows."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)


def _conv_backward(dout, cache: ConvCache):
    dout = check_dout(dout, cache.out_shape)
    num_filters, channels, hh, ww = cache.w.shape
    batch = cache.x_shape[0]
    dout_rows = dout.reshape(batch, num_filters, -1).transpose(1, 0, 2).reshape(num_filters, -1)
    db = dout_rows.sum(axis=1) if cache.has_bias else None
    # dw: dout correlated with the input windows, summed over the batch and every position
    dw_rows = dout_rows @ cache.columns.T                                    # (F, HH*WW*C)
    dw = dw_rows.reshape(num_filters, hh, ww, channels).transpose(0, 3, 1, 2)
    # dx: every window receives the filters weighted by its dout (one GEMM) and is added
    # back where it was taken from (col2im); overlapping windows add up
    dwindows = _filters_as_rows(cache.w).T @ dout_rows                       # (HH*WW*C, N*H'*W')
    dwindows = dwindows.reshape((hh * ww, channels, batch) + cache.out_size)
    dx_padded = scatter_windows(dwindows, cache.padded_shape, (hh, ww), cache.stride,
                                cache.out_size)
    dx = crop(dx_padded, cache.padding).transpose(1, 0, 2, 3)               # (N, C, H, W)
    return (np.ascontiguousarray(dx).reshape(cache.x_shape),
            np.ascontiguousarray(dw).reshape(cache.w_shape), db)


def conv2d_forward(x, w, b=None, stride: int | Pair = 1,
                   padding: int | Pair = 0) -> tuple[np.ndarray, ConvCache]:
    r"""2-D convolution (cross-correlation) of a batch of images with F filters.

    .. math::

        y(n, f, i, j) = \sum_{c=0}^{C-1} \sum_{m=0}^{HH-1} \sum_{k=0}^{WW-1}
        x_p(n, c,\ i s_H + m,\ j s_W + k)\, w(f, c, m, k) + b(f),

    .. math::

        H' = \left\lfloor \frac{H + 2P_H - HH}{s_H} \right\rfloor + 1, \qquad
        W' = \left\lfloor \frac{W + 2P_W - WW}{s_W} \right\rfloor + 1,

    where :math:`x_p` is ``x`` padded with zeros. ``stride`` and ``padding`` take an int or
    a pair (rows, columns). ``b=None`` means no bias. Computed as one matrix product of the
    filters, as rows, with the input windows, as columns (im2col).

    Shapes: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, H', W').
    """
    return _conv(*_arguments_2d(x, w, b, stride, padding), x_shape=np.shape(x),
                 w_shape=np.shape(w))


def conv2d_backward(dout, cache: ConvCache):
    r"""Gradients of :func:`conv2d_forward` with respect to x, w and b.

    .. math::

        \frac{\partial L}{\partial w(f, c, m, k)} = \sum_{n, i, j}
        \mathrm{dout}(n, f, i, j)\, x_p(n, c, i s_H + m, j s_W + k), \qquad
        \frac{\partial L}{\partial b(f)} = \sum_{n, i, j} \mathrm{dout}(n, f, i, j),

    .. math::

        \frac{\partial L}{\partial x_p(n, c, p, q)} = \sum_{f}
        \sum_{(i, m):\ i s_H + m = p}\ \sum_{(j, k):\ j s_W + k = q}
        \mathrm{dout}(n, f, i, j)\, w(f, c, m, k),

    the full convolution of the stride-dilated ``dout`` with the 180-degree rotated kernel,
    computed on the padded input and cropped to ``x``'s shape. ``db`` is ``None`` when the
    forward pass had ``b=None``.

    Shapes: dout (N, F, H', W') -> dx (N, C, H, W), dw (F, C, HH, WW), db (F,) or None.
    """
    return _conv_backward(dout, cache)


def conv1d_forward(x, w, b=None, stride: int = 1,
                   padding: int = 0) -> tuple[np.ndarray, ConvCache]:
    r"""1-D convolution (cross-correlation) of a batch of sequences with F filters.

    .. math::

        y(n, f, i) = \sum_{c=0}^{C-1} \sum_{k=0}^{K-1} x_p(n, c,\ i s + k)\, w(f, c, k) + b(f),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{s} \right\rfloor + 1,

    where :math:`x_p` is ``x`` padded with P zeros on both sides. ``b=None`` means no bias.
    Computed as :func:`conv2d_forward` on images of height 1.

    Shapes: x (N, C, L), w (F, C, K), b (F,) -> out (N, F, L').
    """
    return _conv(*_arguments_1d(x, w, b, stride, padding), x_shape=np.shape(x),
                 w_shape=np.shape(w))


def conv1d_backward(dout, cache: ConvCache):
    r"""Gradients of :func:`conv1d_forward` with respect to x, w and b.

    .. math::

        \frac{\partial L}{\partial w(f, c, k)} = \sum_{n, i} \mathrm{dout}(n, f, i)\,
        x_p(n, c, i s + k),
        \qquad \frac{\partial L}{\partial b(f)} = \sum_{n, i} \mathrm{dout}(n, f, i),

    .. math::

        \frac{\partial L}{\partial x_p(n, c, q)} = \sum_{f} \sum_{(i, k):\ i s + k = q}
        \mathrm{dout}(n, f, i)\, w(f, c, k),

    then cropped to ``x``'s shape. ``db`` is ``None`` when the forward pass had ``b=None``.

    Shapes: dout (N, F, L') -> dx (N, C, L), dw (F, C, K), db (F,) or None.
    """
    return _conv_backward(dout, cache)


# ----------------------------------------------------------------------------- index by index

def _conv_loops(x, w, b, stride, padding, out_size, x_shape, w_shape):
    num_filters, _, hh, ww = w.shape
    sh, sw = stride
    x_padded = pad(x, padding)
    bias = np.zeros(num_filters) if b is None else b
    out = np.zeros((x.shape[0], num_filters) + out_size)
    for n in range(x.shape[0]):
        for f in range(num_filters):
            for i in range(out_size[0]):
                for j in range(out_size[1]):
                    window = x_padded[n, :, i * sh:i * sh + hh, j * sw:j * sw + ww]   # (C, HH, WW)
                    out[n, f, i, j] = np.sum(window * w[f]) + bias[f]
    out_shape = _returned_shape(x_shape, num_filters, out_size)
    cache = ConvLoopsCache(x_padded, w, stride, padding, x_shape, w_shape, out_shape, b is not None)
    return out.reshape(out_shape), cache


def _conv_backward_loops(dout, cache: ConvLoopsCache):
    dout = check_dout(dout, cache.out_shape)
    x_padded, w = cache.x_padded, cache.w
    hh, ww = w.shape[2:]
    sh, sw = cache.stride
    dout = dout.reshape(dout.shape[:2] + (-1, dout.shape[-1]))   # (N, F, H', W'); H' = 1 in 1-D
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros(w.shape[0])
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * sh, i * sh + hh), slice(j * sw, j * sw + ww)
                    db[f] += dout[n, f, i, j]
                    dw[f] += dout[n, f, i, j] * x_padded[n, :, rows, cols]
                    dx_padded[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    dx = crop(dx_padded, cache.padding).reshape(cache.x_shape)
    return dx, dw.reshape(cache.w_shape), (db if cache.has_bias else None)


def conv2d_forward_loops(x, w, b=None, stride: int | Pair = 1,
                         padding: int | Pair = 0) -> tuple[np.ndarray, ConvLoopsCache]:
    r"""The same numbers as :func:`conv2d_forward`, one output entry at a time (for reading).

    .. math::

        y(n, f, i, j) = \sum_{c} \sum_{m} \sum_{k}
        x_p(n, c,\ i s_H + m,\ j s_W + k)\, w(f, c, m, k) + b(f)

    Loops over n, f, i and j; the sum over (c, m, k) is the window times the filter.

    Shapes: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, H', W'),
    :math:`H' = \lfloor (H + 2P_H - HH)/s_H \rfloor + 1` (the same for W').
    """
    return _conv_loops(*_arguments_2d(x, w, b, stride, padding), x_shape=np.shape(x),
                       w_shape=np.shape(w))


def conv2d_backward_loops(dout, cache: ConvLoopsCache):
    r"""The same gradients as :func:`conv2d_backward`, one output position at a time.

    Each output entry :math:`y(n, f, i, j)` was computed from one window of the padded
    input and filter f, so its upstream gradient :math:`g = \mathrm{dout}(n, f, i, j)` adds

    .. math::

        db(f) \mathrel{+}= g, \qquad dw(f) \mathrel{+}= g \cdot \text{window}, \qquad
        dx_p(n, \text{window}) \mathrel{+}= g \cdot w(f),

    and ``dx`` is ``dx_p`` cropped. ``db`` is ``None`` when the forward pass had ``b=None``.

    Shapes: dout (N, F, H', W') -> dx (N, C, H, W), dw (F, C, HH, WW), db (F,) or None.
    """
    return _conv_backward_loops(dout, cache)


def conv1d_forward_loops(x, w, b=None, stride: int = 1,
                         padding: int = 0) -> tuple[np.ndarray, ConvLoopsCache]:
    r"""The same numbers as :func:`conv1d_forward`, one output entry at a time (for reading).

    .. math::

        y(n, f, i) = \sum_{c} \sum_{k} x_p(n, c,\ i s + k)\, w(f, c, k) + b(f)

    Shapes: x (N, C, L), w (F, C, K), b (F,) -> out (N, F, L'),
    :math:`L' = \lfloor (L + 2P - K)/s \rfloor + 1`.
    """
    return _conv_loops(*_arguments_1d(x, w, b, stride, padding), x_shape=np.shape(x),
                       w_shape=np.shape(w))


def conv1d_backward_loops(dout, cache: ConvLoopsCache):
    r"""The same gradients as :func:`conv1d_backward`, one output position at a time.

    Shapes: dout (N, F, L') -> dx (N, C, L), dw (F, C, K), db (F,) or None.
    """
    return _conv_backward_loops(dout, cache)
