r"""Scaled dot-product self-attention: one head, a sequence of L positions.

Row :math:`i` of ``x`` (L, D) is position :math:`i` of the sequence. The head
projects it to a query, a key and a value, scores every query against every
key, turns each row of scores into weights with a softmax and averages the
values with them:

.. math::

    Q = X W_Q, \quad K = X W_K, \quad V = X W_V, \qquad
    S = \frac{Q K^\top}{\sqrt{M}}, \qquad A = \operatorname{softmax}(S)
    \text{ row by row}, \qquad Y = A V .

The letter L (not T, which this book keeps for one-hot targets) counts
positions; M is the width of the queries and keys. An optional boolean ``mask``
(L, L) says which key each query may attend to (``True`` = allowed); a
forbidden score counts as :math:`-\infty`, so its weight is exactly 0.
:func:`causal_mask` lets position :math:`i` see positions :math:`j \le i` only.

The backward pass is a chain of pieces from earlier chapters: the linear-layer
rule for :math:`Y = AV` and the three projections, and the softmax
vector-Jacobian product row by row (:func:`gradlab.softmax.softmax_backward`),
so no (L, L, L, L) Jacobian is ever built.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, check_dout
from .softmax import softmax_backward


class AttentionCache(NamedTuple):
    r"""What the backward pass needs: the inputs and the intermediates."""

    x: np.ndarray    # (L, D)
    w_q: np.ndarray  # (D, M)
    w_k: np.ndarray  # (D, M)
    w_v: np.ndarray  # (D, M_V)
    q: np.ndarray    # (L, M)
    k: np.ndarray    # (L, M)
    v: np.ndarray    # (L, M_V)
    a: np.ndarray    # the attention weights (L, L); each row sums to 1


def causal_mask(length: int) -> np.ndarray:
    r"""The (L, L) boolean mask with ``True`` on and below the diagonal.

    Position :math:`i` may attend to positions :math:`j \le i`, never to later
    ones.
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) \
            or length < 1:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    return np.tril(np.ones((length, length), dtype=bool))


def _checked_mask(mask, length: int) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a boolean array (True where a query "
                        f"may attend to a key), got dtype {mask.dtype}")
    if mask.shape != (length, length):
        raise ValueError(f"mask must have shape (L, L) = {(length, length)}, "
                         f"got {mask.shape}")
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(f"mask row {empty[0]} is all False: every query "
                         f"must be allowed to attend to at least one key")
    return mask


def masked_softmax(s: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    r"""Row-wise softmax of ``s`` (L, L), 0 wherever ``mask`` is False.

    Equivalent to setting those scores to :math:`-\infty`. The row maximum is
    taken over the allowed entries only, so every exponent is at most 0 and
    nothing overflows.
    """
    if mask is None:
        mask = np.ones(s.shape, dtype=bool)
    top = np.max(np.where(mask, s, -np.inf), axis=1, keepdims=True)
    exps = np.where(mask, np.exp(np.where(mask, s - top, 0.0)), 0.0)
    return exps / exps.sum(axis=1, keepdims=True)


def attention_forward(x, w_q, w_k, w_v, mask=None
                      ) -> tuple[np.ndarray, AttentionCache]:
    r"""One head of scaled dot-product self-attention: ``(out, cache)``.

    .. math::

        S_{ij} = \frac{1}{\sqrt{M}} \sum_m Q_{im} K_{jm}, \qquad
        A_{ij} = \frac{e^{S_{ij}}}{\sum_{j'} e^{S_{ij'}}}, \qquad
        \mathrm{out}_{im} = \sum_j A_{ij} V_{jm}

    with :math:`Q = x W_Q`, :math:`K = x W_K`, :math:`V = x W_V`; where
    ``mask`` is False the weight :math:`A_{ij}` is 0 and the sum over
    :math:`j'` skips it.

    Shapes: ``x`` (L, D), ``w_q`` (D, M), ``w_k`` (D, M), ``w_v`` (D, M_V),
    ``mask`` None or boolean (L, L) -> ``out`` (L, M_V).
    """
    x = as_float_array(x, "x", ndim=2, layout="(L, D)")
    w_q = as_float_array(w_q, "w_q", ndim=2, layout="(D, M)")
    w_k = as_float_array(w_k, "w_k", ndim=2, layout="(D, M)")
    w_v = as_float_array(w_v, "w_v", ndim=2, layout="(D, M_V)")
    length, d = x.shape
    for name, w in (("w_q", w_q), ("w_k", w_k), ("w_v", w_v)):
        if w.shape[0] != d:
            raise ValueError(f"{name} must have D={d} rows to match x of "
                             f"shape {x.shape}, got shape {w.shape}")
    if w_k.shape != w_q.shape:
        raise ValueError(f"w_k must have the shape of w_q {w_q.shape} "
                         f"(queries and keys are compared entry by entry), "
                         f"got {w_k.shape}")
    if mask is not None:
        mask = _checked_mask(mask, length)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    s = q @ k.T / np.sqrt(q.shape[1])
    a = masked_softmax(s, mask)
    return a @ v, AttentionCache(x, w_q, w_k, w_v, q, k, v, a)


def attention_backward(dout, cache: AttentionCache
                       ) -> tuple[np.ndarray, ...]:
    r"""Gradients of one head with respect to ``x``, ``w_q``, ``w_k``, ``w_v``.

    .. math::

        \bar V = A^\top \bar Y, \quad \bar A = \bar Y V^\top, \quad
        \bar S_{i:} = A_{i:} \odot (\bar A_{i:} - \bar A_{i:} \cdot A_{i:}),
        \quad \bar Q = \frac{\bar S K}{\sqrt{M}},
        \quad \bar K = \frac{\bar S^\top Q}{\sqrt{M}},

    then :math:`\bar W_Q = x^\top \bar Q` (likewise for K and V) and
    :math:`\bar x = \bar Q W_Q^\top + \bar K W_K^\top + \bar V W_V^\top`: x
    reaches the output along three paths, and its gradient is their sum. A
    masked weight is 0, so its score gets gradient 0.

    Shapes: ``dout`` (L, M_V) -> ``dx`` (L, D), ``dw_q`` (D, M), ``dw_k``
    (D, M), ``dw_v`` (D, M_V).
    """
    x, w_q, w_k, w_v, q, k, v, a = cache
    dout = check_dout(dout, (a.shape[0], v.shape[1]))
    dv = a.T @ dout
    da = dout @ v.T
    ds = softmax_backward(da, a)          # the VJP of each row's softmax
    scale = 1.0 / np.sqrt(q.shape[1])
    dq = ds @ k * scale
    dk = ds.T @ q * scale
    dx = dq @ w_q.T + dk @ w_k.T + dv @ w_v.T
    return dx, x.T @ dq, x.T @ dk, x.T @ dv
