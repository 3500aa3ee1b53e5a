r"""The fully connected (affine) layer :math:`Z = XW + b` on a batch of rows.

Row :math:`n` of ``x`` (the matrix :math:`X`) is one sample. Every output
:math:`Z_{nm} = \sum_d X_{nd} W_{dm} + b_m` depends on weight :math:`W_{dm}`
through every sample, so the weight and bias gradients are sums over the
batch. With N, D and M all different, a missing transpose gives a product of
the wrong shape or none at all; with square matrices the shapes fit, and a
numerical check still catches it unless the weight matrix is symmetric
(chapter 5, "Mistake 2").
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_dout

_Cache = tuple[np.ndarray, np.ndarray, np.ndarray]


def linear_forward(x, w, b) -> tuple[np.ndarray, _Cache]:
    r"""Affine map of a batch, returning ``(out, cache)``.

    .. math::

        Z = X W + b, \qquad Z_{nm} = \sum_{d} X_{nd} W_{dm} + b_m

    with :math:`X` = ``x``, :math:`W` = ``w`` and :math:`Z` = ``out``.

    Shapes: ``x`` (N, D), ``w`` (D, M), ``b`` (M,) -> ``out`` (N, M); the bias
    is broadcast over the N rows. The cache is ``(x, w, b)``.
    """
    x = as_float_array(x, "x", ndim=2, layout="(N, D)")
    w = as_float_array(w, "w", ndim=2, layout="(D, M)")
    b = as_float_array(b, "b", ndim=1, layout="(M,)")
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x has D={x.shape[1]} features but w expects "
                         f"{w.shape[0]} (w has shape {w.shape}, x has "
                         f"shape {x.shape})")
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b must have length M={w.shape[1]} to match w of "
                         f"shape {w.shape}, got length {b.shape[0]}")
    out = x @ w + b
    return out, (x, w, b)


def linear_backward(dout, cache: _Cache
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of the loss with respect to ``x``, ``w`` and ``b``.

    .. math::

        \frac{\partial L}{\partial X} = \bar Z\, W^\top, \qquad
        \frac{\partial L}{\partial W} = X^\top \bar Z, \qquad
        \frac{\partial L}{\partial b_m} = \sum_{n} \bar Z_{nm}

    where :math:`\bar Z = \partial L/\partial Z` is ``dout``.

    Shapes: ``dout`` (N, M) -> ``dx`` (N, D), ``dw`` (D, M), ``db`` (M,).
    Each gradient has the shape of its input, which fixes where the
    transposes go.
    """
    x, w, b = cache
    dout = check_dout(dout, (x.shape[0], w.shape[1]))
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)  # b was broadcast over the batch axis: sum over it
    return dx, dw, db
