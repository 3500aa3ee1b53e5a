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

Shapes: ``x`` is (N, C, L) in 1-D and (N, C, H, W) in 2-D; ``out`` is (N, C, L') or
(N, C, H', W'); each backward pass returns ``dx`` with the shape of ``x``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_int, as_pair, check_dout, output_length
from ._windows import crop, gather_windows, pad, scatter_windows

Pair = tuple[int, int]


class PoolCache(NamedTuple):
    r"""What a pooling backward pass needs. 1-D pooling stores the 2-D settings of height 1."""

    x_shape: tuple[int, ...]       # (N, C, L) or (N, C, H, W), as given
    out_shape: tuple[int, ...]     # (N, C, L') or (N, C, H', W'), as returned
    padded_shape: tuple[int, ...]  # (N, C, H + 2 PH, W + 2 PW)
    kernel: Pair                   # (KH, KW)
    stride: Pair                   # (SH, SW)
    padding: Pair                  # (PH, PW)
    is_argmax: np.ndarray | None   # max pooling: (KH*KW, N, C, H', W'), True at each window's maximum


# ----------------------------------------------------------------------------- checks

def _check_padding(kernel: Pair, padding: Pair) -> None:
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"padding must be at most kernel_size // 2 = {k // 2} (as in PyTorch), "
                             f"so that no window lies entirely in the padding; got padding {p} "
                             f"for kernel_size {k}")


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

def _avg_pool(x, kernel, stride, padding, out_size, x_shape):
    padded = pad(x, padding, 0.0)
    out = gather_windows(padded, kernel, stride, out_size).mean(axis=0)
    out_shape = x_shape[:-1] + out.shape[-1:] if len(x_shape) == 3 else out.shape
    cache = PoolCache(x_shape, out_shape, padded.shape, kernel, stride, padding, None)
    return out.reshape(out_shape), cache


def _avg_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    window_size = cache.kernel[0] * cache.kernel[1]
    dout = dout.reshape(cache.padded_shape[:2] + (-1, dout.shape[-1]))
    # every entry of a window receives dout / (KH*KW); broadcast_to stacks it without copies
    dwindows = np.broadcast_to(dout / window_size, (window_size,) + dout.shape)
    dpadded = scatter_windows(dwindows, cache.padded_shape, cache.kernel, cache.stride)
    return crop(dpadded, cache.padding).reshape(cache.x_shape)


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

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """
    return _avg_pool(*_arguments_2d(x, kernel_size, stride, padding), x_shape=np.shape(x))


def avg_pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    r"""Gradient of 2-D average pooling: dout / (KH*KW) spread over each window, summed where windows overlap.

    .. math::

        \frac{\partial L}{\partial x_p(n, c, p, q)} = \frac{1}{K_H K_W}
        \sum_{i:\ 0 \le p - iS_H < K_H}\ \sum_{j:\ 0 \le q - jS_W < K_W} \mathrm{dout}(n, c, i, j)

    Shapes: dout (N, C, H', W') -> dx (N, C, H, W).
    """
    return _avg_pool_backward(dout, cache)


# ----------------------------------------------------------------------------- max pooling

def _first_true(mask: np.ndarray) -> np.ndarray:
    r"""Keep only the first True along axis 0 (the first maximum in row-major window order)."""
    first = np.empty_like(mask)
    seen = np.zeros(mask.shape[1:], dtype=bool)
    for k in range(len(mask)):
        first[k] = mask[k] & ~seen
        seen |= mask[k]
    return first


def _max_pool(x, kernel, stride, padding, out_size, x_shape):
    padded = pad(x, padding, -np.inf)
    windows = gather_windows(padded, kernel, stride, out_size)          # (KH*KW, N, C, H', W')
    out = windows.max(axis=0)
    is_argmax = _first_true(windows == out)                              # ties: the first one wins
    out_shape = x_shape[:-1] + out.shape[-1:] if len(x_shape) == 3 else out.shape
    cache = PoolCache(x_shape, out_shape, padded.shape, kernel, stride, padding, is_argmax)
    return out.reshape(out_shape), cache


def _max_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    dout = check_dout(dout, cache.out_shape)
    dout = dout.reshape(cache.padded_shape[:2] + (-1, dout.shape[-1]))
    # each window's whole dout goes to its maximum (computed one kernel offset at a time)
    dwindows = (is_argmax * dout for is_argmax in cache.is_argmax)
    dpadded = scatter_windows(dwindows, cache.padded_shape, cache.kernel, cache.stride)
    return crop(dpadded, cache.padding).reshape(cache.x_shape)


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
