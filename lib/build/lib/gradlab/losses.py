r"""Losses: cross-entropy on logits, negative log-likelihood on probabilities,
binary cross-entropy on logits, and the squared error.

Every loss is a mean over the batch (a float), so every gradient carries a factor
:math:`1/N`. A loss has no upstream gradient: ``*_backward(cache)`` returns
:math:`\partial L/\partial(\text{first input})` directly.

Targets for the multiclass losses, with N samples and C classes, are either

* integer class labels ``y`` of shape (N,) with values in :math:`[0, C)`, or
* a target matrix ``y`` of shape (N, C): one-hot rows, or more generally rows that are
  probability vectors (non-negative, summing to 1), as in label smoothing or distillation.

Internally both become the target matrix :math:`t` (N, C).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array
from .activations import sigmoid
from .softmax import log_softmax

ROW_SUM_TOLERANCE = 1e-6


def _batch(value, name: str, ndim: int | None, layout: str) -> np.ndarray:
    array = as_float_array(value, name, ndim=ndim, layout=layout)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample {layout}, "
                         f"got shape {array.shape}")
    return array


def _target_matrix(y, scores_name: str, shape: tuple[int, int]) -> np.ndarray:
    r"""Turn labels (N,) or targets (N, C) into a checked target matrix t of ``shape``."""
    n, c = shape
    labels = np.asarray(y)
    if labels.ndim == 1:
        if not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"y of shape (N,) must hold integer class labels, got dtype "
                            f"{labels.dtype} (use y.astype(int) if the values are whole)")
        if labels.shape[0] != n:
            raise ValueError(f"y has {labels.shape[0]} labels but {scores_name} has "
                             f"N={n} rows: expected one label per sample")
        if labels.min() < 0 or labels.max() >= c:
            raise ValueError(f"y must hold class labels in [0, {c}) for {scores_name} with "
                             f"C={c} classes, got values from {labels.min()} to {labels.max()}")
        t = np.zeros(shape)
        t[np.arange(n), labels] = 1.0
        return t
    t = as_float_array(y, "y", ndim=(1, 2), layout="(N,) of labels or (N, C) of targets")
    if t.shape != shape:
        raise ValueError(f"y of shape (N, C) must have the shape of {scores_name} {shape} "
                         f"(N={n} samples, C={c} classes), got shape {t.shape}")
    if t.min() < 0:
        raise ValueError(f"y of shape (N, C) must be non-negative (one-hot or probability "
                         f"rows), got a minimum entry of {t.min():.6g}")
    row_sums = t.sum(axis=1)
    if np.any(np.abs(row_sums - 1.0) > ROW_SUM_TOLERANCE):
        raise ValueError(f"each row of y of shape (N, C) must sum to 1 (one-hot or "
                         f"probability rows), got row sums from {row_sums.min():.6g} "
                         f"to {row_sums.max():.6g}")
    return t


def cross_entropy_forward(logits, y) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    r"""Softmax cross-entropy of a batch of logits, averaged over the batch.

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{k=1}^{C} t_{nk} \log \operatorname{softmax}(z_n)_k

    With integer labels this is the mean of :math:`-\log p_{n, y_n}`. The log-probabilities
    come from :func:`~gradlab.softmax.log_softmax`, never from ``log(softmax)``, so logits
    of magnitude :math:`10^4` give a finite, exact loss.

    Shapes: ``logits`` (N, C); ``y`` (N,) integer labels in :math:`[0, C)`, or (N, C)
    one-hot or probability rows. Returns the loss (a float) and the cache ``(p, t)``.
    """
    logits = _batch(logits, "logits", 2, "(N, C)")
    t = _target_matrix(y, "logits", logits.shape)
    log_p = log_softmax(logits, axis=1)  # finite for finite logits, so t * log_p has no nan
    loss = -np.sum(t * log_p) / logits.shape[0]
    return float(loss), (np.exp(log_p), t)


def cross_entropy_backward(cache: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    r"""Gradient of the mean cross-entropy with respect to the logits.

    .. math::

        \frac{\partial L}{\partial z_{nk}} = \frac{p_{nk} - t_{nk}}{N},
        \qquad p_n = \operatorname{softmax}(z_n)

    The true class gets a negative entry (raising its logit lowers the loss), every other
    class a positive one. Shapes: returns ``dlogits`` (N, C).
    """
    p, t = cache
    return (p - t) / p.shape[0]


def nll_forward(probs, y) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    r"""Negative log-likelihood of a batch of probabilities, averaged over the batch.

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{k=1}^{C} t_{nk} \log p_{nk}

    Only the entries with :math:`t_{nk} > 0` enter the sum (:math:`0 \cdot \log 0` counts
    as 0). A probability of exactly 0 on a true class gives :math:`L = +\infty`, which is
    the mathematics, never ``nan``. Entries of ``probs`` must lie in :math:`[0, 1]`; rows
    need not sum to 1, so that a numerical check may perturb one entry at a time.
    From logits, prefer :func:`cross_entropy_forward`, which is stable.

    Shapes: ``probs`` (N, C); ``y`` (N,) integer labels or (N, C) targets.
    Returns the loss (a float) and the cache ``(probs, t)``.
    """
    probs = _batch(probs, "probs", 2, "(N, C)")
    if probs.min() < 0 or probs.max() > 1:
        raise ValueError(f"probs must lie in [0, 1], got values from {probs.min():.6g} "
                         f"to {probs.max():.6g}")
    t = _target_matrix(y, "probs", probs.shape)
    used = t > 0
    with np.errstate(divide="ignore"):  # log(0) = -inf on a true class is intended
        log_p = np.log(probs[used])
    loss = -np.sum(t[used] * log_p) / probs.shape[0]
    return float(loss), (probs, t)


def nll_backward(cache: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    r"""Gradient of the mean negative log-likelihood with respect to the probabilities.

    .. math::

        \frac{\partial L}{\partial p_{nk}} = -\frac{t_{nk}}{N \, p_{nk}}

    Entries with :math:`t_{nk} = 0` are exactly 0, even where :math:`p_{nk} = 0`. Where
    :math:`t_{nk} > 0` and :math:`p_{nk} = 0` the derivative is :math:`-\infty` and is
    returned as ``-inf``: the loss is infinite there and falls without bound as that
    probability grows from 0. Shapes: returns ``dprobs`` (N, C).
    """
    probs, t = cache
    dprobs = np.zeros_like(probs)
    used = t > 0
    with np.errstate(divide="ignore"):  # -t/0 = -inf where the loss is infinite
        dprobs[used] = -t[used] / (probs.shape[0] * probs[used])
    return dprobs


def bce_with_logits_forward(logits, y) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    r"""Binary cross-entropy of logits against targets, averaged over every entry.

    With :math:`\sigma` the sigmoid and :math:`a` = ``logits``, each entry contributes

    .. math::

        \ell(a, y) = -\big[y \log \sigma(a) + (1 - y) \log(1 - \sigma(a))\big]
                   = \max(a, 0) - a y + \log\big(1 + e^{-|a|}\big),

    and :math:`L` is the mean of :math:`\ell` over all entries (not only over the first
    axis). The right-hand form never exponentiates a positive number, so logits of
    magnitude :math:`10^4` are fine.

    Shapes: ``logits`` of any shape with at least one entry; ``y`` of the same shape,
    with labels in {0, 1} or probabilities in :math:`[0, 1]`. Returns the loss (a float)
    and the cache ``(sigmoid(logits), y)``.
    """
    logits = as_float_array(logits, "logits")
    if logits.size == 0:
        raise ValueError(f"logits must have at least one entry, got shape {logits.shape}")
    y = as_float_array(y, "y")
    if y.shape != logits.shape:
        raise ValueError(f"y must have the shape of logits {logits.shape}, got {y.shape}")
    if y.min() < 0 or y.max() > 1:
        raise ValueError(f"y must lie in [0, 1] (labels 0/1 or probabilities), got values "
                         f"from {y.min():.6g} to {y.max():.6g}")
    losses = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    return float(np.mean(losses)), (sigmoid(logits), y)


def bce_with_logits_backward(cache: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    r"""Gradient of the mean binary cross-entropy with respect to the logits.

    .. math::

        \frac{\partial L}{\partial a} = \frac{\sigma(a) - y}{N_{\text{entries}}}

    where :math:`N_{\text{entries}}` is the number of entries of ``logits``.
    Shapes: returns ``dlogits`` of the shape of ``logits``.
    """
    sig, y = cache
    return (sig - y) / sig.size


def mse_forward(pred, target) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    r"""Half the squared error, summed within each sample and averaged over the batch.

    .. math::

        L = \frac{1}{2N} \sum_{n=1}^{N} \lVert \mathrm{pred}_n - \mathrm{target}_n \rVert^2

    The sum runs over every entry; the division is by the batch size
    :math:`N` = ``pred.shape[0]`` only, not by the number of entries. The factor 1/2
    cancels the 2 of the derivative.

    Shapes: ``pred`` (N, ...) with at least one dimension, ``target`` the same shape.
    Returns the loss (a float) and the cache ``(pred, target)``.
    """
    pred = _batch(pred, "pred", None, "(N, ...)")
    target = as_float_array(target, "target")
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, "
                         f"got {target.shape}")
    loss = 0.5 * np.sum((pred - target) ** 2) / pred.shape[0]
    return float(loss), (pred, target)


def mse_backward(cache: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    r"""Gradient of :func:`mse_forward`'s loss with respect to ``pred``.

    .. math::

        \frac{\partial L}{\partial \mathrm{pred}} = \frac{\mathrm{pred} - \mathrm{target}}{N}

    Shapes: returns ``dpred`` of the shape of ``pred``.
    """
    pred, target = cache
    return (pred - target) / pred.shape[0]
