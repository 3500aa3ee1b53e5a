r"""Windows of a batch of images, and the adjoint that adds them back (shared by pooling and conv).

Pooling and convolution look at an input of height :math:`H_p` and width :math:`W_p` through
windows of size ``KH x KW`` placed every ``(SH, SW)`` pixels. For one offset :math:`(m, n)`
inside the window, the entries

.. math::

    x_p[\ldots,\ i S_H + m,\ j S_W + n], \qquad 0 \le i < H',\ 0 \le j < W'

over every output position :math:`(i, j)` form one strided slice of the input. Stacking the
``KH*KW`` slices gives every window at once (:func:`gather_windows`). The backward pass is
the adjoint: it adds each slice of a gradient back where it was taken from
(:func:`scatter_windows`), so an input covered by several overlapping windows receives the
sum of their gradients. Looping over the few kernel offsets, never over pixels, keeps both
steps vectorised.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Pair = tuple[int, int]


def pad(x: np.ndarray, padding: Pair, value: float = 0.0) -> np.ndarray:
    r"""Pad the last two axes of ``x`` by ``padding = (PH, PW)`` on both sides with ``value``."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    height, width = x.shape[-2:]
    padded = np.full(x.shape[:-2] + (height + 2 * ph, width + 2 * pw), value)
    padded[..., ph:ph + height, pw:pw + width] = x
    return padded


def crop(padded: np.ndarray, padding: Pair) -> np.ndarray:
    r"""Undo :func:`pad`: drop ``padding = (PH, PW)`` rows and columns on both sides."""
    ph, pw = padding
    height, width = padded.shape[-2:]
    return padded[..., ph:height - ph, pw:width - pw]


def gather_windows(padded: np.ndarray, kernel: Pair, stride: Pair, out_size: Pair) -> np.ndarray:
    r"""Every window of ``padded`` as a stack of slices, one per kernel offset.

    ``padded`` has shape ``(..., Hp, Wp)``; the result has shape ``(KH*KW, ..., H', W')``
    and its entry ``[m*KW + n, ..., i, j]`` is ``padded[..., i*SH + m, j*SW + n]``.
    The offsets come in row-major order, so a search along axis 0 meets them in the
    order "first row of the window first".
    """
    (kh, kw), (sh, sw), (out_h, out_w) = kernel, stride, out_size
    windows = sliding_window_view(padded, (kh, kw), axis=(-2, -1))   # (..., Hp-KH+1, Wp-KW+1, KH, KW)
    windows = windows[..., :sh * out_h:sh, :sw * out_w:sw, :, :]     # keep every stride-th window
    offsets_first = np.moveaxis(windows, (-2, -1), (0, 1))           # (KH, KW, ..., H', W')
    return offsets_first.reshape((kh * kw,) + offsets_first.shape[2:])


def scatter_windows(dwindows: Iterable[np.ndarray], padded_shape: tuple[int, ...], kernel: Pair,
                    stride: Pair) -> np.ndarray:
    r"""The adjoint of :func:`gather_windows`: add each offset's slice back into place.

    ``dwindows`` yields ``KH*KW`` arrays of shape ``(..., H', W')``, one per kernel offset
    in row-major order: an array of shape ``(KH*KW, ..., H', W')`` or a generator that
    computes them one at a time (so the whole stack never sits in memory). The result
    has shape ``padded_shape`` and holds, for every input position, the sum of the entries
    gathered from it. Accumulating (``+=``), not assigning, is what makes overlapping
    windows (stride < kernel) correct.
    """
    (kh, kw), (sh, sw) = kernel, stride
    offsets = [(m, n) for m in range(kh) for n in range(kw)]
    dpadded = np.zeros(padded_shape)
    for (m, n), dwindow in zip(offsets, dwindows, strict=True):
        out_h, out_w = dwindow.shape[-2:]
        dpadded[..., m:m + sh * out_h:sh, n:n + sw * out_w:sw] += dwindow
    return dpadded
