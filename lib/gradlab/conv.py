r"""Convolution layers in 1-D and 2-D: forward passes and their gradients.

Deep-learning frameworks compute a cross-correlation (the kernel is not
flipped) and call it convolution; so does this module. In 2-D, for sample n,
filter f, output position (i, j), input channel c and kernel offset (u, v),
with stride S and padding P,

.. math::

    y(n, f, i, j) = \sum_{c} \sum_{u} \sum_{v}
    \tilde x(n, c,\ i S + u,\ j S + v)\, w(f, c, u, v) + b(f),

where :math:`\tilde x` is ``x`` padded with P zeros on each side, and
:math:`H' = \lfloor (H + 2P - HH)/S \rfloor + 1` (the same for W'). Every
weight is used at every output position, so its gradient sums over them:

* ``dw`` is the cross-correlation of the input with ``dout``:
  :math:`\partial L/\partial w(f, c, u, v) = \sum_{n, i, j}
  \mathrm{dout}(n, f, i, j)\, \tilde x(n, c, i S + u, j S + v)`;
* ``db`` is the sum of ``dout`` over the batch and every position;
* ``dx`` is the *full* convolution of ``dout``, dilated by the stride (S - 1
  zeros between entries), with the kernel, which is the same as the full
  cross-correlation with the kernel rotated by 180 degrees; it is taken with
  respect to the padded input and then cropped:
  :math:`\partial L/\partial \tilde x(n, c, p, q) = \sum_{f}
  \sum_{(i, u):\ i S + u = p} \sum_{(j, v):\ j S + v = q}
  \mathrm{dout}(n, f, i, j)\, w(f, c, u, v)`.

Two implementations sit side by side: :func:`conv2d_forward_loops` and
:func:`conv2d_backward_loops` transcribe these sums index by index (slow, for
reading); :func:`conv2d_forward` and :func:`conv2d_backward` compute the same
numbers with matrix products ("im2col"): the windows of the input become the
columns of a matrix and the filters its rows, so the forward pass is one
product, ``dw`` another (with ``dout``), and ``dx`` a third whose columns, one
per window, are added back where each window was taken from ("col2im"). The
1-D functions are the 2-D ones on an image of height 1.

The *transposed convolution* :func:`conv_transpose2d_forward` is the map
that computes ``dx`` from ``dout``, given a name and a bias: it sends
(N, F, H', W') back to (N, C, H, W) with the same ``w``, and is the adjoint
of conv2d, :math:`\langle \mathrm{conv2d}(a), x \rangle =
\langle a, \mathrm{conv\_transpose2d}(x) \rangle`. Its backward pass is
therefore a conv2d forward pass (:func:`conv_transpose2d_backward`).
Decoders and U-Nets use it to upsample.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (as_float_array, as_int, as_pair, check_dout,
                        output_length)
from ._windows import crop, gather_windows, pad, scatter_windows

Pair = tuple[int, int]


class ConvCache(NamedTuple):
    r"""What :func:`conv2d_backward` (and :func:`conv1d_backward`) needs."""

    x_shape: tuple[int, ...]   # (N, C, L) or (N, C, H, W), as given
    w_shape: tuple[int, ...]   # (F, C, K) or (F, C, HH, WW), as given
    w: np.ndarray              # (F, C, HH, WW); height 1 in 1-D
    columns: np.ndarray        # input windows as a matrix (HH*WW*C, N*H'*W')
    stride: Pair
    padding: Pair
    padded_shape: tuple[int, ...]  # (C, N, H + 2 PH, W + 2 PW): C first
    out_size: Pair             # (H', W')
    out_shape: tuple[int, ...]  # (N, F, L') or (N, F, H', W'), as returned
    has_bias: bool


class ConvLoopsCache(NamedTuple):
    r"""What :func:`conv2d_backward_loops` (and the 1-D version) needs."""

    x_padded: np.ndarray       # (N, C, H + 2 PH, W + 2 PW); height 1 in 1-D
    w: np.ndarray              # (F, C, HH, WW)
    stride: Pair
    padding: Pair
    x_shape: tuple[int, ...]   # as given
    w_shape: tuple[int, ...]   # as given
    out_shape: tuple[int, ...]  # as returned
    has_bias: bool


# ------------------------------------------------------------------ checks

def _arguments_2d(x, w, b, stride, padding):
    x = as_float_array(x, "x", ndim=4, layout="(N, C, H, W)")
    w = as_float_array(w, "w", ndim=4, layout="(F, C, HH, WW)")
    stride = as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    b = _check_channels_and_bias(x, w, b)
    out_size = (output_length(x.shape[2], w.shape[2], stride[0], padding[0],
                              "height"),
                output_length(x.shape[3], w.shape[3], stride[1], padding[1],
                              "width"))
    return x, w, b, stride, padding, out_size


def _arguments_1d(x, w, b, stride, padding):
    r"""Check 1-D arguments; return them as 2-D ones of height 1."""
    x = as_float_array(x, "x", ndim=3, layout="(N, C, L)")
    w = as_float_array(w, "w", ndim=3, layout="(F, C, K)")
    stride = as_int(stride, "stride", 1)
    padding = as_int(padding, "padding", 0)
    b = _check_channels_and_bias(x, w, b)
    out_length = output_length(x.shape[2], w.shape[2], stride, padding,
                               "length")
    return (x[:, :, np.newaxis, :], w[:, :, np.newaxis, :], b, (1, stride),
            (0, padding), (1, out_length))


def _check_channels_and_bias(x, w, b):
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has C={x.shape[1]} channels but w expects "
                         f"{w.shape[1]} (x.shape[1] must equal w.shape[1])")
    if b is None:
        return None
    b = as_float_array(b, "b", ndim=1, layout="(F,)")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b must hold one bias per filter: expected length "
                         f"F={w.shape[0]}, got {b.shape[0]}")
    return b


def _returned_shape(x_shape, num_filters, out_size):
    spatial = out_size[-1:] if len(x_shape) == 3 else out_size
    return (x_shape[0], num_filters) + spatial


# ------------------------------------------------------ vectorised (im2col)

def _conv(x, w, b, stride, padding, out_size, x_shape, w_shape):
    num_filters, channels, hh, ww = w.shape
    # Channels first, batch second, so that the windows stack into one matrix
    # whose rows are (kernel offset, channel) and whose columns are (n, i, j).
    x_padded = pad(x.transpose(1, 0, 2, 3), padding)         # (C, N, Hp, Wp)
    # (HH*WW, C, N, H', W'), then (HH*WW*C, N*H'*W')
    windows = gather_windows(x_padded, (hh, ww), stride, out_size)
    columns = windows.reshape(hh * ww * channels, -1)
    w_rows = _filters_as_rows(w)                             # (F, HH*WW*C)
    out = w_rows @ columns                       # (F, N*H'*W'): one GEMM
    if b is not None:
        out += b[:, np.newaxis]
    out = out.reshape((num_filters, x.shape[0]) + out_size)
    out = out.transpose(1, 0, 2, 3)
    out_shape = _returned_shape(x_shape, num_filters, out_size)
    cache = ConvCache(x_shape, w_shape, w, columns, stride, padding,
                      x_padded.shape, out_size, out_shape, b is not None)
    return np.ascontiguousarray(out).reshape(out_shape), cache


def _filters_as_rows(w):
    r"""w (F, C, HH, WW) as a matrix (F, HH*WW*C).

    Its columns are in the order of the rows of the window matrix.
    """
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)


def _conv_backward(dout, cache: ConvCache):
    dout = check_dout(dout, cache.out_shape)
    dout_rows = _channels_as_rows(dout)                     # (F, N*H'*W')
    db = dout_rows.sum(axis=1) if cache.has_bias else None
    dw = _weight_gradient(dout_rows, cache.columns, cache.w.shape)
    dx = _input_gradient(dout_rows, cache.w, cache.padded_shape,
                         cache.stride, cache.padding, cache.out_size)
    return (np.ascontiguousarray(dx).reshape(cache.x_shape),
            np.ascontiguousarray(dw).reshape(cache.w_shape), db)


def _channels_as_rows(a):
    r"""a (N, F, H', W') as a matrix (F, N*H'*W'), columns like (n, i, j)."""
    return a.reshape(a.shape[0], a.shape[1], -1).transpose(1, 0, 2).reshape(
        a.shape[1], -1)


def _weight_gradient(dout_rows, columns, w_shape):
    r"""dw (F, C, HH, WW) from dout as rows and the input windows."""
    num_filters, channels, hh, ww = w_shape
    # dout correlated with the input windows, summed over the batch and every
    # position
    dw_rows = dout_rows @ columns.T                          # (F, HH*WW*C)
    return dw_rows.reshape(num_filters, hh, ww, channels).transpose(0, 3, 1, 2)


def _input_gradient(dout_rows, w, padded_shape, stride, padding, out_size):
    r"""dx (N, C, H, W) from dout as rows (F, N*H'*W') and the filters."""
    _, channels, hh, ww = w.shape
    batch = padded_shape[1]
    # every window receives the filters weighted by its dout (one GEMM) and
    # is added back where it was taken from (col2im); overlapping windows
    # add up
    dwindows = _filters_as_rows(w).T @ dout_rows     # (HH*WW*C, N*H'*W')
    dwindows = dwindows.reshape((hh * ww, channels, batch) + out_size)
    dx_padded = scatter_windows(dwindows, padded_shape, (hh, ww), stride,
                                out_size)
    return crop(dx_padded, padding).transpose(1, 0, 2, 3)    # (N, C, H, W)


def conv2d_forward(x, w, b=None, stride: int | Pair = 1,
                   padding: int | Pair = 0) -> tuple[np.ndarray, ConvCache]:
    r"""2-D convolution (cross-correlation) of images with F filters.

    .. math::

        y(n, f, i, j) = \sum_{c=0}^{C-1} \sum_{u=0}^{HH-1} \sum_{v=0}^{WW-1}
        \tilde x(n, c,\ i S_H + u,\ j S_W + v)\, w(f, c, u, v) + b(f),

    .. math::

        H' = \left\lfloor \frac{H + 2P_H - HH}{S_H} \right\rfloor + 1, \qquad
        W' = \left\lfloor \frac{W + 2P_W - WW}{S_W} \right\rfloor + 1,

    where :math:`\tilde x` is ``x`` padded with zeros. ``stride`` and
    ``padding`` take an int or a pair (rows, columns). ``b=None`` means no
    bias. Computed as one matrix product of the filters, as rows, with the
    input windows, as columns (im2col).

    Shapes: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, H', W').
    """
    return _conv(*_arguments_2d(x, w, b, stride, padding),
                 x_shape=np.shape(x), w_shape=np.shape(w))


def conv2d_backward(dout, cache: ConvCache):
    r"""Gradients of :func:`conv2d_forward` with respect to x, w and b.

    .. math::

        \frac{\partial L}{\partial w(f, c, u, v)} = \sum_{n, i, j}
        \mathrm{dout}(n, f, i, j)\, \tilde x(n, c, i S_H + u, j S_W + v),
        \qquad
        \frac{\partial L}{\partial b(f)} = \sum_{n, i, j}
        \mathrm{dout}(n, f, i, j),

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, p, q)} = \sum_{f}
        \sum_{(i, u):\ i S_H + u = p}\ \sum_{(j, v):\ j S_W + v = q}
        \mathrm{dout}(n, f, i, j)\, w(f, c, u, v),

    the full convolution of the stride-dilated ``dout`` with the kernel (the
    full cross-correlation with the kernel rotated by 180 degrees), computed
    on the padded input and cropped to ``x``'s shape. ``db`` is ``None`` when
    the forward pass had ``b=None``.

    Shapes: dout (N, F, H', W') -> dx (N, C, H, W), dw (F, C, HH, WW),
    db (F,) or None.
    """
    return _conv_backward(dout, cache)


def conv1d_forward(x, w, b=None, stride: int = 1,
                   padding: int = 0) -> tuple[np.ndarray, ConvCache]:
    r"""1-D convolution (cross-correlation) of a batch of sequences.

    .. math::

        y(n, f, i) = \sum_{c=0}^{C-1} \sum_{u=0}^{K-1}
        \tilde x(n, c,\ i S + u)\, w(f, c, u) + b(f),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1,

    where :math:`\tilde x` is ``x`` padded with P zeros on both sides.
    ``b=None`` means no bias. Computed as :func:`conv2d_forward` on images of
    height 1.

    Shapes: x (N, C, L), w (F, C, K), b (F,) -> out (N, F, L').
    """
    return _conv(*_arguments_1d(x, w, b, stride, padding),
                 x_shape=np.shape(x), w_shape=np.shape(w))


def conv1d_backward(dout, cache: ConvCache):
    r"""Gradients of :func:`conv1d_forward` with respect to x, w and b.

    .. math::

        \frac{\partial L}{\partial w(f, c, u)} = \sum_{n, i}
        \mathrm{dout}(n, f, i)\, \tilde x(n, c, i S + u),
        \qquad \frac{\partial L}{\partial b(f)} = \sum_{n, i}
        \mathrm{dout}(n, f, i),

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, q)} = \sum_{f}
        \sum_{(i, u):\ i S + u = q} \mathrm{dout}(n, f, i)\, w(f, c, u),

    then cropped to ``x``'s shape. ``db`` is ``None`` when the forward pass
    had ``b=None``.

    Shapes: dout (N, F, L') -> dx (N, C, L), dw (F, C, K), db (F,) or None.
    """
    return _conv_backward(dout, cache)


# ------------------------------------------------- the transposed convolution

class ConvTransposeCache(NamedTuple):
    r"""What :func:`conv_transpose2d_backward` needs."""

    x: np.ndarray              # (N, F, H', W'), the transpose's input
    w: np.ndarray              # (F, C, HH, WW), the conv2d layout
    stride: Pair
    padding: Pair
    out_shape: tuple[int, ...]  # (N, C, H, W)
    has_bias: bool


def _arguments_transpose(x, w, b, stride, padding, output_padding):
    x = as_float_array(x, "x", ndim=4, layout="(N, F, H', W')")
    w = as_float_array(w, "w", ndim=4, layout="(F, C, HH, WW)")
    stride = as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    output_padding = as_pair(output_padding, "output_padding", 0)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x has {x.shape[1]} channels but w of shape "
                         f"{w.shape} maps F={w.shape[0]} channels back to "
                         f"C={w.shape[1]} (x.shape[1] must equal "
                         f"w.shape[0])")
    if b is not None:
        b = as_float_array(b, "b", ndim=1, layout="(C,)")
        if b.shape[0] != w.shape[1]:
            raise ValueError(f"b must hold one bias per output channel: "
                             f"expected length C={w.shape[1]}, got "
                             f"{b.shape[0]}")
    size = []
    for axis, a, k, s, p, extra in zip(
            ("height", "width"), x.shape[2:], w.shape[2:], stride, padding,
            output_padding):
        if extra >= s:
            raise ValueError(f"output_padding must be smaller than the "
                             f"stride along the {axis}: expected 0 to "
                             f"{s - 1}, got {extra}")
        length = (a - 1) * s - 2 * p + k + extra
        if length < 1:
            raise ValueError(f"the output {axis} (H' - 1)*S - 2P + HH + "
                             f"output_padding = ({a} - 1)*{s} - 2*{p} + {k} "
                             f"+ {extra} = {length} must be >= 1: padding "
                             f"{p} is too large")
        size.append(length)
    return x, w, b, stride, padding, tuple(size)


def conv_transpose2d_forward(x, w, b=None, stride: int | Pair = 1,
                             padding: int | Pair = 0,
                             output_padding: int | Pair = 0
                             ) -> tuple[np.ndarray, ConvTransposeCache]:
    r"""Transposed convolution: the input gradient of :func:`conv2d_forward`.

    For the conv2d layer with filters ``w``, stride S and padding P, which
    maps (N, C, H, W) to (N, F, H', W'), this is the adjoint map from
    (N, F, H', W') back to (N, C, H, W): ``x`` plays the part of ``dout``
    and the result is ``dx`` of :func:`conv2d_backward` (plus the bias),

    .. math::

        z(n, c, p - P_H, q - P_W) = \sum_{f}
        \sum_{(i, u):\ i S_H + u = p}\ \sum_{(j, v):\ j S_W + v = q}
        x(n, f, i, j)\, w(f, c, u, v) + b(c),

    so that, with ``b=None``,
    :math:`\langle \mathrm{conv2d}(a), x \rangle =
    \langle a, \mathrm{conv\_transpose2d}(x) \rangle` for every a.
    Each input entry spreads ``x(n, f, i, j) * w(f)`` over the window of
    output (i, j); overlapping windows add up. The output size is

    .. math::

        H = (H' - 1) S_H - 2 P_H + HH + \mathrm{output\_padding}_H

    (the same for W). Several input heights give the same H' when the
    stride does not divide :math:`H + 2P - HH`; ``output_padding``
    (0 to S - 1) picks one, adding rows at the bottom (columns on the right)
    of the grid before the crop. Those grid rows lie in no window, and the
    crop removes the last P rows, so the last max(0, output_padding - P)
    rows of the output receive only the bias.

    ``w`` is the conv2d weight (F, C, HH, WW) as it is: the transpose maps
    the F channels back to the C channels. PyTorch's ``ConvTranspose2d``
    stores its weight as (in_channels, out_channels, HH, WW), which is the
    same array. ``stride``, ``padding`` and ``output_padding`` take an int
    or a pair (rows, columns); ``b=None`` means no bias.

    Shapes: x (N, F, H', W'), w (F, C, HH, WW), b (C,) -> out (N, C, H, W).
    """
    x, w, b, stride, padding, size = _arguments_transpose(
        x, w, b, stride, padding, output_padding)
    batch, channels = x.shape[0], w.shape[1]
    padded_shape = (channels, batch, size[0] + 2 * padding[0],
                    size[1] + 2 * padding[1])
    out = _input_gradient(_channels_as_rows(x), w, padded_shape, stride,
                          padding, x.shape[2:])
    if b is not None:
        out = out + b[:, np.newaxis, np.newaxis]
    out = np.ascontiguousarray(out)
    cache = ConvTransposeCache(x, w, stride, padding, out.shape,
                               b is not None)
    return out, cache


def conv_transpose2d_backward(dout, cache: ConvTransposeCache):
    r"""Gradients of :func:`conv_transpose2d_forward` for x, w and b.

    The forward map is the adjoint of a conv2d, so its own adjoint is that
    conv2d: ``dx`` is :func:`conv2d_forward` of ``dout`` with the same
    ``w``, stride and padding (no bias),

    .. math::

        \frac{\partial L}{\partial x(n, f, i, j)} = \sum_{c, u, v}
        \widetilde{\mathrm{dout}}(n, c,\ i S_H + u,\ j S_W + v)\,
        w(f, c, u, v),

    where :math:`\widetilde{\mathrm{dout}}` is ``dout`` padded by P. The
    weight gradient is the conv2d weight gradient with the parts of input
    and upstream gradient exchanged: ``dout`` is the image and ``x`` the
    gradient,

    .. math::

        \frac{\partial L}{\partial w(f, c, u, v)} = \sum_{n, i, j}
        x(n, f, i, j)\, \widetilde{\mathrm{dout}}(n, c,\ i S_H + u,\
        j S_W + v), \qquad
        \frac{\partial L}{\partial b(c)} = \sum_{n, p, q}
        \mathrm{dout}(n, c, p, q).

    The last max(0, output_padding - P) rows (columns) of the output lie in
    no window, so they contribute to ``db`` only. ``db`` is ``None`` when
    the forward pass had ``b=None``.

    Shapes: dout (N, C, H, W) -> dx (N, F, H', W'), dw (F, C, HH, WW),
    db (C,) or None.
    """
    dout = check_dout(dout, cache.out_shape)
    dx, conv_cache = _conv(dout, cache.w, None, cache.stride, cache.padding,
                           cache.x.shape[2:], dout.shape, cache.w.shape)
    dw = _weight_gradient(_channels_as_rows(cache.x), conv_cache.columns,
                          cache.w.shape)
    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, np.ascontiguousarray(dw), db


# ---------------------------------------------------------- index by index

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
                    rows = slice(i * sh, i * sh + hh)
                    cols = slice(j * sw, j * sw + ww)
                    window = x_padded[n, :, rows, cols]   # (C, HH, WW)
                    out[n, f, i, j] = np.sum(window * w[f]) + bias[f]
    out_shape = _returned_shape(x_shape, num_filters, out_size)
    cache = ConvLoopsCache(x_padded, w, stride, padding, x_shape, w_shape,
                           out_shape, b is not None)
    return out.reshape(out_shape), cache


def _conv_backward_loops(dout, cache: ConvLoopsCache):
    dout = check_dout(dout, cache.out_shape)
    x_padded, w = cache.x_padded, cache.w
    hh, ww = w.shape[2:]
    sh, sw = cache.stride
    # (N, F, H', W'); H' = 1 in 1-D
    dout = dout.reshape(dout.shape[:2] + (-1, dout.shape[-1]))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros(w.shape[0])
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows = slice(i * sh, i * sh + hh)
                    cols = slice(j * sw, j * sw + ww)
                    db[f] += dout[n, f, i, j]
                    dw[f] += dout[n, f, i, j] * x_padded[n, :, rows, cols]
                    dx_padded[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    dx = crop(dx_padded, cache.padding).reshape(cache.x_shape)
    return dx, dw.reshape(cache.w_shape), (db if cache.has_bias else None)


def conv2d_forward_loops(x, w, b=None, stride: int | Pair = 1,
                         padding: int | Pair = 0
                         ) -> tuple[np.ndarray, ConvLoopsCache]:
    r"""The numbers of :func:`conv2d_forward`, one output entry at a time.

    For reading, not for speed:

    .. math::

        y(n, f, i, j) = \sum_{c} \sum_{u} \sum_{v}
        \tilde x(n, c,\ i S_H + u,\ j S_W + v)\, w(f, c, u, v) + b(f)

    Loops over n, f, i and j; the sum over (c, u, v) is the window times the
    filter.

    Shapes: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, H', W'),
    :math:`H' = \lfloor (H + 2P_H - HH)/S_H \rfloor + 1` (the same for W').
    """
    return _conv_loops(*_arguments_2d(x, w, b, stride, padding),
                       x_shape=np.shape(x), w_shape=np.shape(w))


def conv2d_backward_loops(dout, cache: ConvLoopsCache):
    r"""The gradients of :func:`conv2d_backward`, one output at a time.

    Each output entry :math:`y(n, f, i, j)` was computed from one window of
    the padded input and filter f, so its upstream gradient
    :math:`g = \mathrm{dout}(n, f, i, j)` adds

    .. math::

        db(f) \mathrel{+}= g, \qquad dw(f) \mathrel{+}= g \cdot \text{window},
        \qquad d\tilde x(n, \text{window}) \mathrel{+}= g \cdot w(f),

    and ``dx`` is :math:`d\tilde x` cropped. ``db`` is ``None`` when the
    forward pass had ``b=None``.

    Shapes: dout (N, F, H', W') -> dx (N, C, H, W), dw (F, C, HH, WW),
    db (F,) or None.
    """
    return _conv_backward_loops(dout, cache)


def conv1d_forward_loops(x, w, b=None, stride: int = 1,
                         padding: int = 0
                         ) -> tuple[np.ndarray, ConvLoopsCache]:
    r"""The numbers of :func:`conv1d_forward`, one output entry at a time.

    .. math::

        y(n, f, i) = \sum_{c} \sum_{u} \tilde x(n, c,\ i S + u)\, w(f, c, u)
        + b(f)

    Shapes: x (N, C, L), w (F, C, K), b (F,) -> out (N, F, L'),
    :math:`L' = \lfloor (L + 2P - K)/S \rfloor + 1`.
    """
    return _conv_loops(*_arguments_1d(x, w, b, stride, padding),
                       x_shape=np.shape(x), w_shape=np.shape(w))


def conv1d_backward_loops(dout, cache: ConvLoopsCache):
    r"""The gradients of :func:`conv1d_backward`, one output at a time.

    Shapes: dout (N, F, L') -> dx (N, C, L), dw (F, C, K), db (F,) or None.
    """
    return _conv_backward_loops(dout, cache)
