r"""Average and max pooling in 1-D and 2-D: forward passes and their gradients.

A pooling layer slides a window of ``kernel_size`` over each channel
separately, every ``stride`` positions (``stride=None`` means
``stride = kernel_size``, windows side by side), after padding the input by
``padding`` on both sides. Along each axis, with window K, stride S and
padding P, the output length is

.. math::

    L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1 .

Average pooling pads with zeros and divides by the full window size, padded
zeros included (PyTorch's ``count_include_pad=True``). Max pooling pads with
:math:`-\infty`, so padding is never the maximum; both check
``padding <= kernel_size // 2`` as PyTorch does, so no window lies entirely in
the padding. The 1-D versions are the 2-D ones on an image of height 1.

Average pooling is a linear map, so it is computed as one: a matrix that sums
the rows of each window and another that sums its columns
(:func:`avg_pool2d_forward`), and the backward pass multiplies by their
transposes.

Max pooling has two implementations side by side, as convolution has:
:func:`max_pool2d_forward_loops` and :func:`max_pool2d_backward_loops` (and
the 1-D versions) visit one window at a time and store, for each window, the
position of its maximum (the "switches"); :func:`max_pool2d_forward` and
:func:`max_pool2d_backward` compute the same numbers by looping only over the
``KH*KW`` offsets of the window and store the same positions as flat
indices into the padded input.

Global average pooling (:func:`global_avg_pool_forward`) averages each
channel's whole H x W map to one number, (N, C, H, W) -> (N, C): average
pooling with the window as large as the map.

Shapes: ``x`` is (N, C, L) in 1-D and (N, C, H, W) in 2-D; ``out`` is
(N, C, L') or (N, C, H', W'); each backward pass returns ``dx`` with the
shape of ``x``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (as_float_array, as_int, as_pair, check_dout,
                        output_length)
from ._windows import crop, pad

Pair = tuple[int, int]


class PoolCache(NamedTuple):
    r"""What a pooling backward pass needs.

    1-D pooling stores the 2-D settings of an image of height 1.
    """

    x_shape: tuple[int, ...]       # (N, C, L) or (N, C, H, W), as given
    out_shape: tuple[int, ...]     # (N, C, L') or (N, C, H', W'), returned
    padded_shape: tuple[int, ...]  # (N, C, H + 2 PH, W + 2 PW)
    kernel: Pair                   # (KH, KW)
    stride: Pair                   # (SH, SW)
    padding: Pair                  # (PH, PW)
    out_size: Pair                 # (H', W')
    # max pooling: (N, C, H', W'), the flat index into the padded input of
    # each window's maximum (the "switches"; ties: the first maximum)
    argmax: np.ndarray | None
    # average pooling: (H', H) and (W', W)
    window_matrices: tuple[np.ndarray, np.ndarray] | None = None


class MaxPoolLoopsCache(NamedTuple):
    r"""What :func:`max_pool2d_backward_loops` (and the 1-D version) needs.

    Not ``x``: the backward pass only needs to know where each window's
    maximum was.
    """

    x_shape: tuple[int, ...]       # (N, C, L) or (N, C, H, W), as given
    out_shape: tuple[int, ...]     # (N, C, L') or (N, C, H', W'), returned
    padded_shape: tuple[int, ...]  # (N, C, H + 2 PH, W + 2 PW)
    padding: Pair                  # (PH, PW)
    # (N, C, H', W', 2): row and column, in the padded input, of the
    # maximum of window (n, c, i, j); H' = 1 in 1-D
    switches: np.ndarray


class GlobalPoolCache(NamedTuple):
    r"""What :func:`global_avg_pool_backward` needs: the input's shape."""

    x_shape: tuple[int, int, int, int]   # (N, C, H, W)


# ------------------------------------------------------------------ checks

def _check_padding(kernel: Pair, padding: Pair) -> None:
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"padding must be at most kernel_size // 2 = "
                             f"{k // 2} (as in PyTorch), so that no window "
                             f"lies entirely in the padding; got padding {p} "
                             f"for kernel_size {k}")


def _arguments_2d(x, kernel_size, stride, padding):
    x = as_float_array(x, "x", ndim=4, layout="(N, C, H, W)")
    kernel = as_pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    _check_padding(kernel, padding)
    out_size = (output_length(x.shape[2], kernel[0], stride[0], padding[0],
                              "height"),
                output_length(x.shape[3], kernel[1], stride[1], padding[1],
                              "width"))
    return x, kernel, stride, padding, out_size


def _arguments_1d(x, kernel_size, stride, padding):
    r"""Check 1-D arguments; return them as 2-D ones of height 1."""
    x = as_float_array(x, "x", ndim=3, layout="(N, C, L)")
    kernel = as_int(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else as_int(stride, "stride", 1)
    padding = as_int(padding, "padding", 0)
    _check_padding((kernel,), (padding,))
    out_length = output_length(x.shape[2], kernel, stride, padding, "length")
    return (x[:, :, np.newaxis, :], (1, kernel), (1, stride), (0, padding),
            (1, out_length))


# --------------------------------------------------------- average pooling

def _window_matrix(length: int, kernel: int, stride: int, padding: int,
                   out_length: int) -> np.ndarray:
    r"""The (L', L) matrix A of zeros and ones for one axis.

    A[i, r] is 1 when window i covers input r. Window i covers the padded
    positions iS, ..., iS + K - 1, that is the inputs iS - P, ...,
    iS - P + K - 1. Those that fall in the padding have no column: they are
    zeros and add nothing to the window's sum.
    """
    # (L', 1): the first input of window i
    first = stride * np.arange(out_length)[:, np.newaxis] - padding
    inputs = np.arange(length)                                   # (L,)
    covers = (inputs >= first) & (inputs < first + kernel)       # (L', L)
    return covers.astype(np.float64)


def _avg_pool(x, kernel, stride, padding, out_size, x_shape):
    # Average pooling is linear and separable: one matrix sums each window's
    # rows, another its columns, window_sums[n, c] = A_H @ x[n, c] @ A_W.T;
    # padded zeros count in K_H*K_W.
    rows, cols = (_window_matrix(x.shape[axis + 2], kernel[axis],
                                 stride[axis], padding[axis], out_size[axis])
                  for axis in (0, 1))                     # (H', H), (W', W)
    out = rows @ x @ cols.T / (kernel[0] * kernel[1])     # (N, C, H', W')
    padded_shape = x.shape[:2] + tuple(n + 2 * p for n, p
                                       in zip(x.shape[2:], padding))
    cache = PoolCache(x_shape, _returned_shape(x_shape, out.shape),
                      padded_shape, kernel, stride, padding, out_size, None,
                      (rows, cols))
    return out.reshape(cache.out_shape), cache


def _avg_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    dout = dout.reshape(cache.padded_shape[:2] + cache.out_size)
    # The backward pass of a linear map multiplies by its transpose: each
    # input receives dout / (K_H*K_W) from every window that covers it, so
    # overlapping windows add up inside the matrix products.
    rows, cols = cache.window_matrices
    dx = rows.T @ dout @ cols / (cache.kernel[0] * cache.kernel[1])
    return dx.reshape(cache.x_shape)


def _returned_shape(x_shape, out_shape):
    r"""(N, C, L') in 1-D, where the 2-D computation gave (N, C, 1, L')."""
    return x_shape[:2] + out_shape[-1:] if len(x_shape) == 3 else out_shape


def avg_pool1d_forward(x, kernel_size: int, stride: int | None = None,
                       padding: int = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Average pooling over windows of length K along the last axis.

    .. math::

        y(n, c, i) = \frac{1}{K} \sum_{u=0}^{K-1} \tilde x(n, c,\ iS + u),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1,

    where :math:`\tilde x` is ``x`` padded with P zeros on both sides; padded
    zeros count in the divisor K. ``stride=None`` means S = K.

    Shapes: x (N, C, L) -> out (N, C, L').
    """
    return _avg_pool(*_arguments_1d(x, kernel_size, stride, padding),
                     x_shape=np.shape(x))


def avg_pool1d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 1-D average pooling.

    Each input receives dout / K from every window that holds it:

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, q)} = \frac{1}{K}
        \sum_{i:\ 0 \le q - iS < K} \mathrm{dout}(n, c, i)

    Shapes: dout (N, C, L') -> dx (N, C, L).
    """
    return _avg_pool_backward(dout, cache)


def avg_pool2d_forward(x, kernel_size: int | Pair,
                       stride: int | Pair | None = None,
                       padding: int | Pair = 0
                       ) -> tuple[np.ndarray, PoolCache]:
    r"""Average pooling over K_H x K_W windows of each channel.

    .. math::

        y(n, c, i, j) = \frac{1}{K_H K_W} \sum_{u=0}^{K_H-1}
        \sum_{v=0}^{K_W-1} \tilde x(n, c,\ i S_H + u,\ j S_W + v),
        \qquad H' = \left\lfloor \frac{H + 2P_H - K_H}{S_H} \right\rfloor + 1

    (and the same for W'), where :math:`\tilde x` is ``x`` padded with
    zeros; padded zeros count in the divisor. ``kernel_size``, ``stride`` and
    ``padding`` take an int or a pair (rows, columns); ``stride=None`` means
    ``stride = kernel_size``.

    The double sum splits into a sum over the window's rows and one over its
    columns, so each channel is pooled by two matrix products,
    :math:`y(n, c) = A_H\, x(n, c)\, A_W^T / (K_H K_W)`, where row i of
    :math:`A_H` (H' x H) holds ones at the rows window i covers (rows in the
    padding have no column) and :math:`A_W` (W' x W) is built the same way.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _avg_pool(*_arguments_2d(x, kernel_size, stride, padding),
                     x_shape=np.shape(x))


def avg_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 2-D average pooling.

    Every entry of each window receives dout / (K_H K_W):

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, p, q)} =
        \frac{1}{K_H K_W} \sum_{i:\ 0 \le p - iS_H < K_H}\
        \sum_{j:\ 0 \le q - jS_W < K_W} \mathrm{dout}(n, c, i, j),

    a sum over every window that holds the entry, so overlapping windows add
    up; ``dx`` is this gradient with the padding cropped. With the matrices
    of :func:`avg_pool2d_forward` this is
    :math:`dx(n, c) = A_H^T\, \mathrm{dout}(n, c)\, A_W / (K_H K_W)`: the
    gradient of a linear map is its transpose applied to dout.

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _avg_pool_backward(dout, cache)


# ------------------------------------------------------------- max pooling

def _corners(padded_shape, stride, out_size) -> np.ndarray:
    r"""The flat index of each window's first entry in the padded input.

    Window (n, c, i, j) starts at ``padded[n, c, i*SH, j*SW]``, whose index
    in the flattened array is ``((n*C + c)*Hp + i*SH)*Wp + j*SW``. Its entry
    at kernel offset (u, v) lies ``u*Wp + v`` further on. Shape
    (N, C, H', W').
    """
    batch, channels, height, width = padded_shape
    row = stride[0] * np.arange(out_size[0]).reshape(-1, 1)      # i*SH
    col = stride[1] * np.arange(out_size[1])                     # j*SW
    image = np.arange(batch * channels).reshape(batch, channels, 1, 1)
    return image * (height * width) + (row * width + col)


def _max_pool(x, kernel, stride, padding, out_size, x_shape):
    padded = pad(x, padding, -np.inf)
    flat = padded.ravel()
    corner = _corners(padded.shape, stride, out_size)
    width = padded.shape[-1]
    steps = [u * width + v for u in range(kernel[0]) for v in range(kernel[1])]
    # KH*KW arrays (N, C, H', W'), one per kernel offset, each gathered by
    # its flat indices corner + step (contiguous, so what follows is fast)
    windows = [flat[step:].take(corner) for step in steps]
    out = windows[0].copy()
    for window in windows[1:]:
        np.maximum(out, window, out=out)
    # The step of the first maximum (ties: the first one wins); int32 keeps
    # the products small and fast.
    first_step = np.zeros(out.shape, dtype=np.int32)
    seen = np.zeros(out.shape, dtype=bool)
    for step, window in zip(steps, windows):
        is_max = window == out
        first_step += np.int32(step) * (is_max & ~seen)
        seen |= is_max
    argmax = corner + first_step
    cache = PoolCache(x_shape, _returned_shape(x_shape, out.shape),
                      padded.shape, kernel, stride, padding, out_size, argmax)
    return out.reshape(cache.out_shape), cache


def _max_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    # Each window sends its whole dout to its maximum. bincount adds up
    # everything sent to the same input, so an input that is the maximum of
    # several overlapping windows receives the sum of their gradients.
    dpadded = np.bincount(cache.argmax.ravel(), weights=dout.ravel(),
                          minlength=int(np.prod(cache.padded_shape)))
    dx = crop(dpadded.reshape(cache.padded_shape), cache.padding)
    return dx.reshape(cache.x_shape)


def max_pool1d_forward(x, kernel_size: int, stride: int | None = None,
                       padding: int = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Max pooling over windows of length K along the last axis.

    .. math::

        y(n, c, i) = \max_{0 \le u < K} \tilde x(n, c,\ iS + u),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1,

    where :math:`\tilde x` is ``x`` padded with :math:`-\infty`, so padding
    is never the maximum (``padding <= kernel_size // 2`` is required).
    ``stride=None`` means S = K.

    Shapes: x (N, C, L) -> out (N, C, L').
    """
    return _max_pool(*_arguments_1d(x, kernel_size, stride, padding),
                     x_shape=np.shape(x))


def max_pool1d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 1-D max pooling: each window sends dout to its maximum.

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, q)} =
        \sum_{i:\ q = \arg\max_{iS \le r < iS + K} \tilde x(n, c, r)}
        \mathrm{dout}(n, c, i)

    Overlapping windows that share their maximum add their gradients. Ties
    go to the first maximum in the window (PyTorch's rule; max is not
    differentiable there).

    Shapes: dout (N, C, L') -> dx (N, C, L).
    """
    return _max_pool_backward(dout, cache)


def max_pool2d_forward(x, kernel_size: int | Pair,
                       stride: int | Pair | None = None,
                       padding: int | Pair = 0
                       ) -> tuple[np.ndarray, PoolCache]:
    r"""Max pooling over K_H x K_W windows of each channel.

    .. math::

        y(n, c, i, j) = \max_{0 \le u < K_H,\ 0 \le v < K_W}
        \tilde x(n, c,\ i S_H + u,\ j S_W + v),
        \qquad H' = \left\lfloor \frac{H + 2P_H - K_H}{S_H} \right\rfloor + 1

    (and the same for W'), where :math:`\tilde x` is ``x`` padded with
    :math:`-\infty`, so padding is never the maximum
    (``padding <= kernel_size // 2`` on each axis is required).
    ``kernel_size``, ``stride`` and ``padding`` take an int or a pair (rows,
    columns); ``stride=None`` means ``stride = kernel_size``.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _max_pool(*_arguments_2d(x, kernel_size, stride, padding),
                     x_shape=np.shape(x))


def max_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 2-D max pooling: each window sends dout to its maximum.

    .. math::

        \frac{\partial L}{\partial \tilde x(n, c, p, q)} =
        \sum_{(i, j):\ (p, q) = \arg\max \text{ of window } (i, j)}
        \mathrm{dout}(n, c, i, j)

    Overlapping windows that share their maximum add their gradients. Ties
    go to the first maximum in row-major window order (PyTorch's rule; max
    is not differentiable there).

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _max_pool_backward(dout, cache)


# ------------------------------------------------ max pooling, by hand

def _max_pool_loops(x, kernel, stride, padding, out_size, x_shape):
    (kh, kw), (sh, sw) = kernel, stride
    x_padded = pad(x, padding, -np.inf)
    out = np.empty(x.shape[:2] + out_size)
    switches = np.empty(out.shape + (2,), dtype=np.intp)
    for n, c, i, j in np.ndindex(out.shape):
        window = x_padded[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        # np.argmax scans row by row and returns the first maximum
        u, v = np.unravel_index(np.argmax(window), window.shape)
        out[n, c, i, j] = window[u, v]
        switches[n, c, i, j] = (i * sh + u, j * sw + v)
    cache = MaxPoolLoopsCache(x_shape, _returned_shape(x_shape, out.shape),
                              x_padded.shape, padding, switches)
    return out.reshape(cache.out_shape), cache


def _max_pool_backward_loops(dout, cache: MaxPoolLoopsCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    dout = dout.reshape(cache.switches.shape[:-1])   # (N, C, H', W')
    dx_padded = np.zeros(cache.padded_shape)
    for n, c, i, j in np.ndindex(dout.shape):
        p, q = cache.switches[n, c, i, j]
        dx_padded[n, c, p, q] += dout[n, c, i, j]    # +=: windows overlap
    return crop(dx_padded, cache.padding).reshape(cache.x_shape)


def max_pool2d_forward_loops(x, kernel_size: int | Pair,
                             stride: int | Pair | None = None,
                             padding: int | Pair = 0
                             ) -> tuple[np.ndarray, MaxPoolLoopsCache]:
    r"""The numbers of :func:`max_pool2d_forward`, one window at a time.

    For reading, not for speed. For each (n, c, i, j) it takes the window
    of the padded input, finds its first maximum in row-major order, offset
    (u, v), and stores

    .. math::

        y(n, c, i, j) = \tilde x(n, c,\ i S_H + u,\ j S_W + v)

    together with the switch :math:`(i S_H + u,\ j S_W + v)`, the position
    of the maximum in the padded input. Arguments, padding with
    :math:`-\infty` and the tie rule are those of :func:`max_pool2d_forward`.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _max_pool_loops(*_arguments_2d(x, kernel_size, stride, padding),
                           x_shape=np.shape(x))


def max_pool2d_backward_loops(dout, cache: MaxPoolLoopsCache) -> np.ndarray:
    r"""The gradient of :func:`max_pool2d_backward`, one window at a time.

    Window (n, c, i, j) adds its upstream gradient to the input its switch
    points at,

    .. math::

        d\tilde x(n, c, p, q) \mathrel{+}= \mathrm{dout}(n, c, i, j),
        \qquad (p, q) = \text{switch}(n, c, i, j),

    and ``dx`` is :math:`d\tilde x` cropped. Only the switches and ``dout``
    are used, never ``x``.

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _max_pool_backward_loops(dout, cache)


def max_pool1d_forward_loops(x, kernel_size: int, stride: int | None = None,
                             padding: int = 0
                             ) -> tuple[np.ndarray, MaxPoolLoopsCache]:
    r"""The numbers of :func:`max_pool1d_forward`, one window at a time.

    Computed as :func:`max_pool2d_forward_loops` on an image of height 1;
    the switches are (0, position in the padded signal).

    Shapes: x (N, C, L) -> out (N, C, L').
    """
    return _max_pool_loops(*_arguments_1d(x, kernel_size, stride, padding),
                           x_shape=np.shape(x))


def max_pool1d_backward_loops(dout, cache: MaxPoolLoopsCache) -> np.ndarray:
    r"""The gradient of :func:`max_pool1d_backward`, one window at a time.

    Shapes: dout (N, C, L') -> dx (N, C, L).
    """
    return _max_pool_backward_loops(dout, cache)


# ------------------------------------------------- global average pooling

def global_avg_pool_forward(x) -> tuple[np.ndarray, GlobalPoolCache]:
    r"""Average each channel's whole H x W map to one number.

    .. math::

        y(n, c) = \frac{1}{H W} \sum_{p=0}^{H-1} \sum_{q=0}^{W-1}
        x(n, c, p, q)

    This is :func:`avg_pool2d_forward` with ``kernel_size=(H, W)`` (one
    window, the whole map), with the (N, C, 1, 1) result flattened to
    (N, C): a network's head can use it instead of flattening the maps.

    Shapes: x (N, C, H, W) -> out (N, C).
    """
    x = as_float_array(x, "x", ndim=4, layout="(N, C, H, W)")
    if x.shape[2] * x.shape[3] == 0:
        raise ValueError(f"x must have at least one pixel per map (H and W "
                         f">= 1) to average, got shape {x.shape}")
    return x.mean(axis=(2, 3)), GlobalPoolCache(x.shape)


def global_avg_pool_backward(dout, cache: GlobalPoolCache) -> np.ndarray:
    r"""Gradient of :func:`global_avg_pool_forward`.

    Every pixel of map (n, c) entered its average with weight 1/(HW), so

    .. math::

        \frac{\partial L}{\partial x(n, c, p, q)} =
        \frac{\mathrm{dout}(n, c)}{H W}
        \quad \text{for every } (p, q).

    Shapes: dout (N, C) -> dx (N, C, H, W).
    """
    batch, channels, height, width = cache.x_shape
    dout = check_dout(dout, (batch, channels))
    share = dout[:, :, np.newaxis, np.newaxis] / (height * width)
    return np.broadcast_to(share, cache.x_shape).copy()
