r"""Average and max pooling in 1-D and 2-D: forward passes and their gradients.

A pooling layer slides a window of ``kernel_size`` over each channel separately, every
``stride`` positions (``stride=None`` means ``stride = kernel_size``, windows side by side),
after padding the input by ``padding`` on both sides. Along each axis the output length is

.. math::

    L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1 .

Average pooling pads with zeros and divides by the full window size, padded zeros
included (PyTorch's ``count_include_pad=True``). Max pooling pads with :math:`-\infty`,
so padding is never the maximum; both check ``padding <= kernel_size // 2`` as PyTorch
does, so no window lies entirely in the padding. The 1-D versions are the 2-D ones on an
image of height 1.

Average pooling is a linear map, so it is computed as one: a matrix that sums the rows of
each window and another that sums its columns (:func:`avg_pool2d_forward`), and the
backward pass multiplies by their transposes.

Shapes: ``x`` is (N, C, L) in 1-D and (N, C, H, W) in 2-D; ``out`` is (N, C, L') or
(N, C, H', W'); each backward pass returns ``dx`` with the shape of ``x``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_int, as_pair, check_dout, output_length
from ._windows import crop, gather_windows, pad

Pair = tuple[int, int]


class PoolCache(NamedTuple):
    r"""What a pooling backward pass needs. 1-D pooling stores the 2-D settings of height 1."""

    x_shape: tuple[int, ...]       # (N, C, L) or (N, C, H, W), as given
    out_shape: tuple[int, ...]     # (N, C, L') or (N, C, H', W'), as returned
    padded_shape: tuple[int, ...]  # (N, C, H + 2 PH, W + 2 PW)
    kernel: Pair                   # (KH, KW)
    stride: Pair                   # (SH, SW)
    padding: Pair                  # (PH, PW)
    out_size: Pair                 # (H', W')
    argmax: np.ndarray | None      # max pooling: (N, C, H', W'), flat index into the padded input
    window_matrices: tuple[np.ndarray, np.ndarray] | None = None  # average: (H', H), (W', W)


# ----------------------------------------------------------------------------- checks

def _check_padding(kernel: Pair, padding: Pair) -> None:
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"padding must be at most kernel_size // 2 = {k // 2} (as in "
                             f"PyTorch), so that no window lies entirely in the padding; got "
                             f"padding {p} for kernel_size {k}")


def _arguments_2d(x, kernel_size, stride, padding):
    x = as_float_array(x, "x", ndim=4, layout="(N, C, H, W)")
    kernel = as_pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else as_pair(stride, "stride", 1)
    padding = as_pair(padding, "padding", 0)
    _check_padding(kernel, padding)
    out_size = (output_length(x.shape[2], kernel[0], stride[0], padding[0], "height"),
                output_length(x.shape[3], kernel[1], stride[1], padding[1], "width"))
    return x, kernel, stride, padding, out_size


def _arguments_1d(x, kernel_size, stride, padding):
    r"""Check 1-D arguments and return them as the 2-D ones of an image of height 1."""
    x = as_float_array(x, "x", ndim=3, layout="(N, C, L)")
    kernel = as_int(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else as_int(stride, "stride", 1)
    padding = as_int(padding, "padding", 0)
    _check_padding((kernel,), (padding,))
    out_length = output_length(x.shape[2], kernel, stride, padding, "length")
    return x[:, :, np.newaxis, :], (1, kernel), (1, stride), (0, padding), (1, out_length)


# ----------------------------------------------------------------------------- average pooling

def _window_matrix(length: int, kernel: int, stride: int, padding: int,
                   out_length: int) -> np.ndarray:
    r"""The (L', L) matrix of zeros and ones whose entry (i, r) is 1 when window i covers input r.

    Window i covers the padded positions iS, ..., iS + K - 1, that is the inputs iS - P, ...,
    iS - P + K - 1. Those that fall in the padding have no column: they are zeros and add
    nothing to the window's sum.
    """
    first = stride * np.arange(out_length)[:, np.newaxis] - padding  # (L', 1): window i's first input
    inputs = np.arange(length)                                       # (L,)
    covers = (inputs >= first) & (inputs < first + kernel)           # (L', L)
    return covers.astype(np.float64)


def _avg_pool(x, kernel, stride, padding, out_size, x_shape):
    # Average pooling is linear and separable: one matrix sums each window's rows, another
    # its columns, window_sums[n, c] = A_H @ x[n, c] @ A_W.T; padded zeros count in K_H*K_W.
    rows, cols = (_window_matrix(x.shape[axis + 2], kernel[axis], stride[axis], padding[axis],
                                 out_size[axis]) for axis in (0, 1))   # (H', H), (W', W)
    out = rows @ x @ cols.T / (kernel[0] * kernel[1])                   # (N, C, H', W')
    padded_shape = x.shape[:2] + tuple(n + 2 * p for n, p in zip(x.shape[2:], padding))
    cache = PoolCache(x_shape, _returned_shape(x_shape, out.shape), padded_shape, kernel, stride,
                      padding, out_size, None, (rows, cols))
    return out.reshape(cache.out_shape), cache


def _avg_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape).reshape(cache.padded_shape[:2] + cache.out_size)
    # The backward pass of a linear map multiplies by its transpose: each input receives
    # dout / (K_H*K_W) from every window that covers it, so overlapping windows add up
    # inside the matrix products.
    rows, cols = cache.window_matrices
    return (rows.T @ dout @ cols / (cache.kernel[0] * cache.kernel[1])).reshape(cache.x_shape)


def _returned_shape(x_shape, out_shape):
    r"""(N, C, L') in 1-D, where the 2-D computation produced (N, C, 1, L')."""
    return x_shape[:2] + out_shape[-1:] if len(x_shape) == 3 else out_shape


def avg_pool1d_forward(x, kernel_size: int, stride: int | None = None,
                       padding: int = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Average pooling over windows of length K along the last axis.

    .. math::

        y(n, c, i) = \frac{1}{K} \sum_{k=0}^{K-1} x_p(n, c,\ iS + k),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1,

    where :math:`x_p` is ``x`` padded with P zeros on both sides; padded zeros count in the
    divisor K. ``stride=None`` means S = K.

    Shapes: x (N, C, L) -> out (N, C, L').
    """
    return _avg_pool(*_arguments_1d(x, kernel_size, stride, padding), x_shape=np.shape(x))


def avg_pool1d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 1-D average pooling: each input receives dout / K from every window holding it.

    .. math::

        \frac{\partial L}{\partial x_p(n, c, q)} = \frac{1}{K}
        \sum_{i:\ 0 \le q - iS < K} \mathrm{dout}(n, c, i)

    Shapes: dout (N, C, L') -> dx (N, C, L).
    """
    return _avg_pool_backward(dout, cache)


def avg_pool2d_forward(x, kernel_size: int | Pair, stride: int | Pair | None = None,
                       padding: int | Pair = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Average pooling over KH x KW windows of each channel.

    .. math::

        y(n, c, i, j) = \frac{1}{K_H K_W} \sum_{m=0}^{K_H-1} \sum_{k=0}^{K_W-1}
        x_p(n, c,\ i S_H + m,\ j S_W + k),
        \qquad H' = \left\lfloor \frac{H + 2P_H - K_H}{S_H} \right\rfloor + 1

    (and the same for W'), where :math:`x_p` is ``x`` padded with zeros; padded zeros count
    in the divisor. ``kernel_size``, ``stride`` and ``padding`` take an int or a pair
    (rows, columns); ``stride=None`` means ``stride = kernel_size``.

    The double sum splits into a sum over the window's rows and one over its columns, so
    each channel is pooled by two matrix products,
    :math:`y(n, c) = A_H\, x(n, c)\, A_W^T / (K_H K_W)`, where row i of :math:`A_H`
    (H' x H) holds ones at the rows window i covers (rows in the padding have no column)
    and :math:`A_W` (W' x W) is built the same way.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _avg_pool(*_arguments_2d(x, kernel_size, stride, padding), x_shape=np.shape(x))


def avg_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 2-D average pooling: dout / (KH*KW) to every entry of each window.

    .. math::

        \frac{\partial L}{\partial x_p(n, c, p, q)} = \frac{1}{K_H K_W}
        \sum_{i:\ 0 \le p - iS_H < K_H}\ \sum_{j:\ 0 \le q - jS_W < K_W} \mathrm{dout}(n, c, i, j),

    a sum over every window that holds the entry, so overlapping windows add up; ``dx`` is
    this gradient with the padding cropped. With the matrices of :func:`avg_pool2d_forward`
    this is :math:`dx(n, c) = A_H^T\, \mathrm{dout}(n, c)\, A_W / (K_H K_W)`: the gradient
    of a linear map is its transpose applied to dout.

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _avg_pool_backward(dout, cache)


# ----------------------------------------------------------------------------- max pooling

def _first_true(masks) -> np.ndarray:
    r"""Stack the masks, keeping at each position only the first True (in order along axis 0)."""
    first = np.empty((len(masks),) + masks[0].shape, dtype=bool)
    seen = np.zeros(masks[0].shape, dtype=bool)
    for k, mask in enumerate(masks):
        first[k] = mask & ~seen
        seen |= mask
    return first


def _flat_position(chosen, padded_shape, kernel, stride, out_size) -> np.ndarray:
    r"""Where, in the flattened padded input, lies the entry each window chose.

    ``chosen`` is (KH*KW, N, C, H', W'), True at one kernel offset per window (offsets in
    row-major order). Window (n, c, i, j) starts at ``padded[n, c, i*SH, j*SW]``; its entry
    at kernel offset (m, k) lies ``m*Wp + k`` further on in the flattened array.
    """
    batch, channels, height, width = padded_shape
    image = np.arange(batch * channels).reshape(batch, channels, 1, 1)      # n*C + c
    row = stride[0] * np.arange(out_size[0]).reshape(-1, 1)                 # i*SH
    col = stride[1] * np.arange(out_size[1])                                # j*SW
    corner = (image * height + row) * width + col        # flat index of padded[n, c, i*SH, j*SW]
    steps = [m * width + k for m in range(kernel[0]) for k in range(kernel[1])]
    # int32 steps keep the products small and fast: bool * int32 -> int32
    return corner + sum(np.int32(step) * is_chosen for step, is_chosen in zip(steps, chosen))


def _max_pool(x, kernel, stride, padding, out_size, x_shape):
    padded = pad(x, padding, -np.inf)
    windows = gather_windows(padded, kernel, stride, out_size)      # (KH*KW, N, C, H', W')
    out = windows.max(axis=0)
    is_argmax = _first_true(windows == out)                          # ties: the first one wins
    argmax = _flat_position(is_argmax, padded.shape, kernel, stride, out_size)
    cache = PoolCache(x_shape, _returned_shape(x_shape, out.shape), padded.shape, kernel, stride,
                      padding, out_size, argmax)
    return out.reshape(cache.out_shape), cache


def _max_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    # Each window sends its whole dout to its maximum. bincount adds up everything sent to
    # the same input, so an input that is the maximum of several overlapping windows
    # receives the sum of their gradients.
    dpadded = np.bincount(cache.argmax.ravel(), weights=dout.ravel(),
                          minlength=int(np.prod(cache.padded_shape)))
    return crop(dpadded.reshape(cache.padded_shape), cache.padding).reshape(cache.x_shape)


def max_pool1d_forward(x, kernel_size: int, stride: int | None = None,
                       padding: int = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Max pooling over windows of length K along the last axis.

    .. math::

        y(n, c, i) = \max_{0 \le k < K} x_p(n, c,\ iS + k),
        \qquad L' = \left\lfloor \frac{L + 2P - K}{S} \right\rfloor + 1,

    where :math:`x_p` is ``x`` padded with :math:`-\infty`, so padding is never the maximum
    (``padding <= kernel_size // 2`` is required). ``stride=None`` means S = K.

    Shapes: x (N, C, L) -> out (N, C, L').
    """
    return _max_pool(*_arguments_1d(x, kernel_size, stride, padding), x_shape=np.shape(x))


def max_pool1d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 1-D max pooling: each window sends its whole dout to its maximum.

    .. math::

        \frac{\partial L}{\partial x_p(n, c, q)} =
        \sum_{i:\ q = \arg\max_{iS \le r < iS + K} x_p(n, c, r)} \mathrm{dout}(n, c, i)

    Overlapping windows that share their maximum add their gradients. Ties go to the first
    maximum in the window (PyTorch's rule; max is not differentiable there).

    Shapes: dout (N, C, L') -> dx (N, C, L).
    """
    return _max_pool_backward(dout, cache)


def max_pool2d_forward(x, kernel_size: int | Pair, stride: int | Pair | None = None,
                       padding: int | Pair = 0) -> tuple[np.ndarray, PoolCache]:
    r"""Max pooling over KH x KW windows of each channel.

    .. math::

        y(n, c, i, j) = \max_{0 \le m < K_H,\ 0 \le k < K_W} x_p(n, c,\ i S_H + m,\ j S_W + k),
        \qquad H' = \left\lfloor \frac{H + 2P_H - K_H}{S_H} \right\rfloor + 1

    (and the same for W'), where :math:`x_p` is ``x`` padded with :math:`-\infty`, so
    padding is never the maximum (``padding <= kernel_size // 2`` on each axis is
    required). ``kernel_size``, ``stride`` and ``padding`` take an int or a pair (rows,
    columns); ``stride=None`` means ``stride = kernel_size``.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _max_pool(*_arguments_2d(x, kernel_size, stride, padding), x_shape=np.shape(x))


def max_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 2-D max pooling: each window sends its whole dout to its maximum.

    .. math::

        \frac{\partial L}{\partial x_p(n, c, p, q)} =
        \sum_{(i, j):\ (p, q) = \arg\max \text{ of window } (i, j)} \mathrm{dout}(n, c, i, j)

    Overlapping windows that share their maximum add their gradients. Ties go to the first
    maximum in row-major window order (PyTorch's rule; max is not differentiable there).

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _max_pool_backward(dout, cache)
