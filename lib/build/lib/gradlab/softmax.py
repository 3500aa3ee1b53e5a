r"""Softmax, log-softmax, the softmax Jacobian and its vector-Jacobian product.

For logits :math:`z \in \mathbb{R}^n` the softmax is

.. math::

    s_i = \frac{e^{z_i}}{\sum_k e^{z_k}}.

Its Jacobian (numerator layout, row :math:`i` holds the derivatives of :math:`s_i`) is

.. math::

    J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i (\delta_{ij} - s_j),
    \qquad J = \operatorname{diag}(s) - s s^\top .

The backward pass never builds :math:`J`: for an upstream gradient
:math:`v = \partial L / \partial s` it returns :math:`v^\top J`, whose entries are
:math:`s_j (v_j - v \cdot s)`, in :math:`O(n)` time and memory instead of :math:`O(n^2)`.
:func:`softmax_jacobian` keeps the explicit matrix for teaching; the tests pin that both
agree.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_dout


def _logits(z, name: str = "z") -> np.ndarray:
    z = as_float_array(z, name)
    if z.ndim == 0 or z.size == 0:
        raise ValueError(f"{name} must be an array with at least one entry along each "
                         f"axis, got shape {z.shape}")
    return z


def _shifted(z: np.ndarray, axis: int) -> np.ndarray:
    # Softmax is unchanged by adding a constant to every logit. Subtracting the maximum
    # makes every exponent <= 0, so exp never overflows (it would at z ~ 710), and the
    # largest term is exp(0) = 1, so the sum is never 0.
    return z - np.max(z, axis=axis, keepdims=True)


def softmax(z, axis: int = -1) -> np.ndarray:
    r"""Softmax of ``z`` along ``axis``, computed stably.

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_k e^{z_k - m}},
        \qquad m = \max_k z_k .

    Subtracting :math:`m` changes nothing mathematically and keeps every exponent
    :math:`\le 0`, so logits of magnitude :math:`10^4` are fine. Tiny probabilities
    underflow to exactly 0 (for example ``softmax([1000, 0])`` is ``[1, 0]``).

    Shapes: ``z`` of any shape with at least one dimension; the result has the shape
    of ``z``, and sums to 1 along ``axis``.
    """
    z = _logits(z)
    exps = np.exp(_shifted(z, axis))
    # keepdims so the (..., 1) sums broadcast back over the axis they were taken along.
    return exps / np.sum(exps, axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1) -> np.ndarray:
    r"""Logarithm of the softmax of ``z`` along ``axis``, by the log-sum-exp trick.

    .. math::

        \log \operatorname{softmax}(z)_i = (z_i - m) - \log \sum_k e^{z_k - m},
        \qquad m = \max_k z_k .

    Unlike ``np.log(softmax(z))``, this is finite for every finite ``z``: a probability
    that underflows to 0 has a log-probability that is simply a large negative number
    (``log_softmax([1e4, 0])`` is ``[0, -1e4]``).

    Shapes: ``z`` of any shape with at least one dimension; the result has the shape of ``z``.
    """
    z = _logits(z)
    shifted = _shifted(z, axis)
    # The sum is >= 1 (it contains exp(0)), so its log is finite and >= 0.
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(z) -> np.ndarray:
    r"""The explicit Jacobian of the softmax of a single vector of logits (teaching form).

    .. math::

        J_{ij} = \frac{\partial s_i}{\partial z_j} =
        \begin{cases} s_i (1 - s_i) & i = j \\ -s_i s_j & i \neq j \end{cases},
        \qquad J = \operatorname{diag}(s) - s s^\top .

    :math:`J` is symmetric, its rows and columns sum to 0, it is positive semi-definite
    with rank :math:`n - 1`, and its entries lie in :math:`[-1/4, 1/4]`.

    Shapes: ``z`` (n,) -> ``J`` (n, n). A backward pass should use
    :func:`softmax_backward`, which never forms this matrix.
    """
    z = _logits(z)
    if z.ndim != 1:
        raise ValueError(f"z must be a 1-D array of n logits, got shape {z.shape}; "
                         f"for a batch use softmax_backward")
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


def softmax_forward(z) -> tuple[np.ndarray, np.ndarray]:
    r"""Softmax over the last axis, returning ``(s, cache)`` for :func:`softmax_backward`.

    .. math::

        s_{\dots, i} = \frac{e^{z_{\dots, i}}}{\sum_k e^{z_{\dots, k}}}

    Shapes: ``z`` (..., n), for example (N, C) for a batch of N rows of C logits;
    ``s`` has the shape of ``z``. The cache is ``s`` itself: the backward pass needs
    nothing else.
    """
    s = softmax(z, axis=-1)
    return s, s


def softmax_backward(dout, cache: np.ndarray) -> np.ndarray:
    r"""Gradient of the loss with respect to the logits: the vector-Jacobian product.

    With :math:`v` = ``dout`` = :math:`\partial L / \partial s` for one row,

    .. math::

        \frac{\partial L}{\partial z_j} = \sum_i v_i \frac{\partial s_i}{\partial z_j}
        = (v^\top J)_j = s_j \Big(v_j - \sum_i v_i s_i\Big),

    computed for every row at once in :math:`O(n)` per row.

    Shapes: ``dout`` (..., n), the shape of ``s``; returns ``dz`` of the same shape.
    """
    s = cache
    dout = check_dout(dout, s.shape)
    # keepdims: one dot product v . s per row, broadcast back across that row.
    return s * (dout - np.sum(dout * s, axis=-1, keepdims=True))
