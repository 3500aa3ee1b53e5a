r"""The fully connected (affine) layer :math:`y = xW + b` on a batch of row vectors.

Row :math:`n` of ``x`` is one sample. Every output :math:`y_{nm} = \sum_d x_{nd} W_{dm} + b_m`
depends on weight :math:`W_{dm}` through every sample, so the weight and bias gradients
are sums over the batch. Non-square shapes (N, D, M all different) are the only way a
numerical check catches a missing transpose.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_dout


def linear_forward(x, w, b) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    r"""Affine map of a batch, returning ``(out, cache)``.

    .. math::

        \mathrm{out} = x W + b, \qquad
        \mathrm{out}_{nm} = \sum_{d} x_{nd} W_{dm} + b_m

    Shapes: ``x`` (N, D), ``w`` (D, M), ``b`` (M,) -> ``out`` (N, M); the bias is
    broadcast over the N rows. The cache is ``(x, w, b)``.
    """
    x = as_float_array(x, "x", ndim=2, layout="(N, D)")
    w = as_float_array(w, "w", ndim=2, layout="(D, M)")
    b = as_float_array(b, "b", ndim=1, layout="(M,)")
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x has D={x.shape[1]} features but w expects {w.shape[0]} "
                         f"(w has shape {w.shape}, x has shape {x.shape})")
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b must have length M={w.shape[1]} to match w of shape "
                         f"{w.shape}, got length {b.shape[0]}")
    out = x @ w + b
    return out, (x, w, b)


def linear_backward(dout, cache: tuple[np.ndarray, np.ndarray, np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of the loss with respect to ``x``, ``w`` and ``b``.

    .. math::

        \frac{\partial L}{\partial x} = \mathrm{dout}\, W^\top, \qquad
        \frac{\partial L}{\partial W} = x^\top \mathrm{dout}, \qquad
        \frac{\partial L}{\partial b_m} = \sum_{n} \mathrm{dout}_{nm}

    Shapes: ``dout`` (N, M) -> ``dx`` (N, D), ``dw`` (D, M), ``db`` (M,). Each gradient
    has the shape of its input, which fixes where the transposes go.
    """
    x, w, b = cache
    dout = check_dout(dout, (x.shape[0], w.shape[1]))
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)  # the bias was broadcast over the batch axis, so sum over it
    return dx, dw, db
