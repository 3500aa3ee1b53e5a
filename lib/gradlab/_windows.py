r"""Windows of a batch of images, and the adjoint that adds them back.

Shared by pooling and conv. Both look at an input of height :math:`H_p` and
width :math:`W_p` through windows of size ``KH x KW`` placed every
``(SH, SW)`` pixels. For one offset :math:`(u, v)` inside the window, the
entries

.. math::

    x_p[\ldots,\ i S_H + u,\ j S_W + v], \qquad 0 \le i < H',\ 0 \le j < W'

over every output position :math:`(i, j)` form one strided slice of the
input. Stacking the ``KH*KW`` slices gives every window at once
(:func:`gather_windows`). The backward pass is the adjoint: it adds each slice
of a gradient back where it was taken from (:func:`scatter_windows`), so an
input covered by several overlapping windows receives the sum of their
gradients. Looping over the few kernel offsets, never over pixels, keeps both
steps vectorised.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

Pair = tuple[int, int]


def pad(x: np.ndarray, padding: Pair, value: float = 0.0) -> np.ndarray:
    r"""Pad the last two axes of ``x`` by ``(PH, PW)`` with ``value``.

    The padding goes on both sides of each axis.
    """
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    height, width = x.shape[-2:]
    padded = np.full(x.shape[:-2] + (height + 2 * ph, width + 2 * pw), value)
    padded[..., ph:ph + height, pw:pw + width] = x
    return padded


def crop(padded: np.ndarray, padding: Pair) -> np.ndarray:
    r"""Undo :func:`pad`: drop ``padding = (PH, PW)`` rows and columns.

    The padding is dropped on both sides of each axis.
    """
    ph, pw = padding
    height, width = padded.shape[-2:]
    return padded[..., ph:height - ph, pw:width - pw]


def window_views(padded: np.ndarray, kernel: Pair, stride: Pair,
                 out_size: Pair) -> list[np.ndarray]:
    r"""The ``KH*KW`` strided views of ``padded``, one per kernel offset.

    The offsets come in row-major order. ``padded`` has shape
    ``(..., Hp, Wp)``; view number ``u*KW + v`` has shape ``(..., H', W')``
    and its entry ``[..., i, j]`` is ``padded[..., i*SH + u, j*SW + v]``.
    They are views (plain strided slices), not copies. Within one view no two
    entries share memory, so the views of a writeable array may be updated in
    place (``view += ...``).
    """
    (kh, kw), (sh, sw), (out_h, out_w) = kernel, stride, out_size
    # the rows u, u + SH, ..., u + (H'-1)*SH, and the same for the columns
    rows = [slice(u, u + sh * (out_h - 1) + 1, sh) for u in range(kh)]
    cols = [slice(v, v + sw * (out_w - 1) + 1, sw) for v in range(kw)]
    return [padded[..., r, c] for r in rows for c in cols]


def gather_windows(padded: np.ndarray, kernel: Pair, stride: Pair,
                   out_size: Pair) -> np.ndarray:
    r"""Every window of ``padded`` as one array ``(KH*KW, ..., H', W')``.

    A copy. Entry ``[u*KW + v, ..., i, j]`` is
    ``padded[..., i*SH + u, j*SW + v]``.
    """
    views = window_views(padded, kernel, stride, out_size)
    windows = np.empty((len(views),) + views[0].shape, dtype=padded.dtype)
    for k, view in enumerate(views):
        windows[k] = view
    return windows


def scatter_windows(dwindows: Sequence[np.ndarray],
                    padded_shape: tuple[int, ...], kernel: Pair,
                    stride: Pair, out_size: Pair) -> np.ndarray:
    r"""The adjoint of :func:`gather_windows`: add each slice back into place.

    ``dwindows`` holds ``KH*KW`` arrays of shape ``(..., H', W')``, one per
    kernel offset in row-major order (an array of shape
    ``(KH*KW, ..., H', W')`` or a list). The result has shape
    ``padded_shape`` and holds, for every input position, the sum of the
    entries gathered from it. Accumulating (``+=``), not assigning, is what
    makes overlapping windows (stride < kernel) correct.
    """
    dpadded = np.zeros(padded_shape)
    views = window_views(dpadded, kernel, stride, out_size)
    for view, dwindow in zip(views, dwindows, strict=True):
        view += dwindow
    return dpadded
