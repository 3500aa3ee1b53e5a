r"""A two-layer network: linear, tanh, linear, softmax cross-entropy.

Built from gradlab's forward/backward pairs:

.. math::

    Z_1 = X W_1 + b_1, \qquad A = \tanh(Z_1), \qquad Z_2 = A W_2 + b_2,
    \qquad L = -\frac{1}{N} \sum_n \log \operatorname{softmax}(Z_{2,n})_{y_n}

The backward pass is the forward pass read in reverse, one vector–Jacobian
product per layer; nothing here differentiates anything itself. The parameters
are a plain dict ``{"W1", "b1", "W2", "b2"}`` and training is mini-batch
gradient descent.

Shapes: ``x`` (N, D), ``y`` (N,) integer labels in :math:`[0, C)`; ``W1``
(D, M), ``b1`` (M,), ``W2`` (M, C), ``b2`` (C,), where M is the number of
hidden units.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float, as_float_array, as_int
from .activations import tanh_backward, tanh_forward
from .linear import linear_backward, linear_forward
from .losses import cross_entropy_backward, cross_entropy_forward

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def init_mlp(D: int, M: int, C: int, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Random weights scaled by fan-in, zero biases.

    .. math::

        (W_1)_{dm} \sim \mathcal{N}\!\left(0, \tfrac{1}{D}\right), \qquad
        (W_2)_{mk} \sim \mathcal{N}\!\left(0, \tfrac{1}{M}\right), \qquad
        b_1 = 0, \; b_2 = 0

    The :math:`1/\text{fan-in}` variance keeps the pre-activations of order 1
    for inputs of order 1, so tanh starts in its steep middle part and not
    saturated.

    Shapes: returns ``W1`` (D, M), ``b1`` (M,), ``W2`` (M, C), ``b2`` (C,).
    """
    D = as_int(D, "D", minimum=1)
    M = as_int(M, "M", minimum=1)
    C = as_int(C, "C", minimum=2)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    return {"W1": rng.standard_normal((D, M)) / np.sqrt(D), "b1": np.zeros(M),
            "W2": rng.standard_normal((M, C)) / np.sqrt(M), "b2": np.zeros(C)}


def _check_params(params, name: str = "params") -> None:
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict with keys {PARAMETER_NAMES}, "
                        f"got {type(params).__name__}")
    missing = [key for key in PARAMETER_NAMES if key not in params]
    if missing:
        raise ValueError(f"{name} must have the keys {PARAMETER_NAMES}, "
                         f"missing {missing}")


def mlp_logits(params: dict[str, np.ndarray], x
               ) -> tuple[np.ndarray, tuple]:
    r"""The forward pass up to the logits, returning ``(logits, cache)``.

    .. math::

        Z_2 = \tanh(X W_1 + b_1)\, W_2 + b_2

    Shapes: ``x`` (N, D) -> ``logits`` (N, C).
    """
    _check_params(params)
    Z1, cache_1 = linear_forward(x, params["W1"], params["b1"])
    A, cache_tanh = tanh_forward(Z1)
    Z2, cache_2 = linear_forward(A, params["W2"], params["b2"])
    return Z2, (cache_1, cache_tanh, cache_2)


def mlp_forward(params: dict[str, np.ndarray], x, y
                ) -> tuple[float, tuple]:
    r"""Mean cross-entropy of the network on a batch, as ``(loss, cache)``.

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N}
            \log \operatorname{softmax}(Z_{2,n})_{y_n},
        \qquad Z_2 = \tanh(X W_1 + b_1)\, W_2 + b_2

    Shapes: ``x`` (N, D), ``y`` (N,) integer labels (or (N, C) one-hot rows).
    The cache holds one cache per layer, for :func:`mlp_backward`.
    """
    Z2, caches = mlp_logits(params, x)
    loss, cache_loss = cross_entropy_forward(Z2, y)
    return loss, (*caches, cache_loss)


def mlp_backward(cache: tuple) -> dict[str, np.ndarray]:
    r"""Gradients of the mean loss for every parameter, layers in reverse.

    .. math::

        \bar Z_2 = \frac{P - T}{N}, \quad
        \bar W_2 = A^\top \bar Z_2, \quad
        \bar b_2 = \sum_n \bar Z_{2,n}, \quad
        \bar A = \bar Z_2 \, W_2^\top,

        \bar Z_1 = \bar A \odot (1 - A \odot A), \quad
        \bar W_1 = X^\top \bar Z_1, \quad
        \bar b_1 = \sum_n \bar Z_{1,n}

    where a bar means :math:`\partial L/\partial(\cdot)`, :math:`P` is the
    row-wise softmax of the logits and :math:`T` the one-hot targets. Each
    layer's backward function computes its part of this list, a
    vector–Jacobian product.

    Shapes: returns a dict with the keys and shapes of ``params``.
    """
    cache_1, cache_tanh, cache_2, cache_loss = cache
    dZ2 = cross_entropy_backward(cache_loss)
    dA, dW2, db2 = linear_backward(dZ2, cache_2)
    dZ1 = tanh_backward(dA, cache_tanh)
    _, dW1, db1 = linear_backward(dZ1, cache_1)  # no dx needed: x is data
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_jvp(params: dict[str, np.ndarray], x, y,
            tangent: dict[str, np.ndarray]) -> float:
    r"""Forward mode: the derivative of the loss along ``tangent``.

    Each quantity :math:`V` of the forward pass carries its tangent
    :math:`\dot V`, its rate of change when the parameters move along
    ``tangent``, computed alongside it (a Jacobian-vector product per layer):

    .. math::

        \dot Z_1 = X \dot W_1 + \dot b_1, \quad
        \dot A = (1 - A \odot A) \odot \dot Z_1, \quad
        \dot Z_2 = \dot A\, W_2 + A\, \dot W_2 + \dot b_2, \quad
        \dot L = \frac{1}{N} \sum_{n, k} (P - T)_{nk}\, (\dot Z_2)_{nk}

    One call gives one number, the gradient dotted with ``tangent``; the
    whole gradient takes one call per parameter (chapter 5, "Why reverse
    mode"), where :func:`mlp_backward` takes one pass.

    Shapes: ``tangent`` has the keys and shapes of ``params``.
    """
    _check_params(params)
    _check_params(tangent, "tangent")
    for key in PARAMETER_NAMES:
        if np.shape(tangent[key]) != np.shape(params[key]):
            raise ValueError(f"tangent[{key!r}] must have the shape of "
                             f"params[{key!r}], {np.shape(params[key])}, "
                             f"got {np.shape(tangent[key])}")
    _, (cache_1, _, cache_2, cache_loss) = mlp_forward(params, x, y)
    X, A = cache_1[0], cache_2[0]
    W1_dot, b1_dot, W2_dot, b2_dot = (
        as_float_array(tangent[key], f"tangent[{key!r}]")
        for key in PARAMETER_NAMES)
    Z1_dot = X @ W1_dot + b1_dot
    A_dot = (1 - A * A) * Z1_dot
    Z2_dot = A_dot @ params["W2"] + A @ W2_dot + b2_dot
    # cross_entropy_backward gives (P - T) / N, the loss's gradient in Z2.
    return float(np.sum(cross_entropy_backward(cache_loss) * Z2_dot))


def mlp_predict(params: dict[str, np.ndarray], x) -> np.ndarray:
    r"""Predicted class of each sample: the index of its largest logit.

    Shapes: ``x`` (N, D) -> labels (N,) of integers in :math:`[0, C)`.
    """
    Z2, _ = mlp_logits(params, x)
    return np.argmax(Z2, axis=1)


def _evaluate(params, x, y) -> tuple[float, float]:
    loss, _ = mlp_forward(params, x, y)
    return loss, float(np.mean(mlp_predict(params, x) == y))


def train_mlp(params: dict[str, np.ndarray], x, y, *, epochs: int,
              learning_rate: float, batch_size: int | None = None,
              seed: int = 0, momentum: float = 0.0, x_test=None, y_test=None,
              snapshot_epochs=()) -> dict[str, list]:
    r"""Train by mini-batch gradient descent with momentum, in place.

    The dict ``params`` is updated in place; its arrays are replaced, never
    written into, so copies taken earlier stay valid. Each epoch visits the
    samples in a fresh random order (from ``seed``) in batches of
    ``batch_size`` (``None``: the whole set, plain gradient descent). Each step
    is

    .. math::

        v \leftarrow \mu v
            - \eta \, \frac{\partial L_{\text{batch}}}{\partial \theta},
        \qquad \theta \leftarrow \theta + v

    with learning rate :math:`\eta` and momentum :math:`\mu` (:math:`\mu = 0`,
    the default, is plain SGD).

    Returns a history dict of lists indexed by epoch, entry 0 being before
    training: ``"epoch"``, ``"train_loss"`` and ``"train_accuracy"`` (on the
    whole training set), ``"test_loss"`` and ``"test_accuracy"`` (only when
    ``x_test``, ``y_test`` are given), and ``"snapshots"``, a dict mapping each
    epoch in ``snapshot_epochs`` to a copy of the parameters at the end of that
    epoch (0: the initial parameters).

    Shapes: ``x`` (N, D), ``y`` (N,) integer labels; ``x_test``, ``y_test``
    likewise.
    """
    epochs = as_int(epochs, "epochs", minimum=1)
    learning_rate = as_float(learning_rate, "learning_rate", 0, low_open=True)
    momentum = as_float(momentum, "momentum", 0, 1, high_open=True)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    x, y = as_float_array(x, "x", ndim=2, layout="(N, D)"), np.asarray(y)
    n = len(x)
    if batch_size is None:
        batch_size = n
    else:
        batch_size = as_int(batch_size, "batch_size", minimum=1)
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test and y_test must be given together, got only "
                         f"{'x_test' if y_test is None else 'y_test'}")
    snapshot_epochs = {as_int(e, "snapshot_epochs entry", minimum=0)
                       for e in snapshot_epochs}
    if snapshot_epochs and max(snapshot_epochs) > epochs:
        raise ValueError(f"snapshot_epochs must lie in [0, epochs={epochs}], "
                         f"got {max(snapshot_epochs)}")

    history: dict[str, list] = {"epoch": [], "train_loss": [],
                                "train_accuracy": []}
    if x_test is not None:
        history.update(test_loss=[], test_accuracy=[])
    snapshots = {}

    def record(epoch: int) -> None:
        history["epoch"].append(epoch)
        splits = {"train": (x, y), "test": (x_test, y_test)}
        for split, (xs, ys) in splits.items():
            if xs is not None:
                loss, accuracy = _evaluate(params, xs, ys)
                history[f"{split}_loss"].append(loss)
                history[f"{split}_accuracy"].append(accuracy)
        if epoch in snapshot_epochs:
            snapshots[epoch] = {key: value.copy()
                                for key, value in params.items()}

    record(0)  # also validates x, y and params before the first step
    velocity = {key: np.zeros_like(params[key]) for key in PARAMETER_NAMES}
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, cache = mlp_forward(params, x[batch], y[batch])
            grads = mlp_backward(cache)
            for key in PARAMETER_NAMES:
                velocity[key] = (momentum * velocity[key]
                                 - learning_rate * grads[key])
                params[key] = params[key] + velocity[key]
        record(epoch)
    history["snapshots"] = snapshots
    return history
