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

from typing import Sequence

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


def window_views(padded: np.ndarray, kernel: Pair, stride: Pair, out_size: Pair,
                 writeable: bool = False) -> list[np.ndarray]:
    r"""The ``KH*KW`` strided views of ``padded``, one per kernel offset, in row-major order.

    ``padded`` has shape ``(..., Hp, Wp)``; view number ``m*KW + n`` has shape
    ``(..., H', W')`` and its entry ``[..., i, j]`` is ``padded[..., i*SH + m, j*SW + n]``.
    They are views, not copies. Within one view no two entries share memory, so
    ``writeable=True`` views may be updated in place (``view += ...``).
    """
    (kh, kw), (sh, sw), (out_h, out_w) = kernel, stride, out_size
    windows = sliding_window_view(padded, (kh, kw), axis=(-2, -1),
                                  writeable=writeable)      # (..., Hp-KH+1, Wp-KW+1, KH, KW)
    windows = windows[..., :sh * out_h:sh, :sw * out_w:sw, :, :]  # every stride-th window
    return [windows[..., m, n] for m in range(kh) for n in range(kw)]


def gather_windows(padded: np.ndarray, kernel: Pair, stride: Pair, out_size: Pair) -> np.ndarray:
    r"""Every window of ``padded`` as one array of shape ``(KH*KW, ..., H', W')`` (a copy).

    Entry ``[m*KW + n, ..., i, j]`` is ``padded[..., i*SH + m, j*SW + n]``.
    """
    return np.stack(window_views(padded, kernel, stride, out_size))


def scatter_windows(dwindows: Sequence[np.ndarray], padded_shape: tuple[int, ...], kernel: Pair,
                    stride: Pair, out_size: Pair) -> np.ndarray:
    r"""The adjoint of :func:`gather_windows`: add each offset's slice back into place.

    ``dwindows`` holds ``KH*KW`` arrays of shape ``(..., H', W')``, one per kernel offset in
    row-major order (an array of shape ``(KH*KW, ..., H', W')`` or a list). The result has
    shape ``padded_shape`` and holds, for every input position, the sum of the entries
    gathered from it. Accumulating (``+=``), not assigning, is what makes overlapping
    windows (stride < kernel) correct.
    """
    dpadded = np.zeros(padded_shape)
    views = window_views(dpadded, kernel, stride, out_size, writeable=True)
    for view, dwindow in zip(views, dwindows, strict=True):
        view += dwindow
    return dpadded
