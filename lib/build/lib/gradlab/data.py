r"""Small data sets: two toy 2-D classification problems and the 8×8 digits.

Every generator is deterministic under its ``seed`` (one ``numpy.random.default_rng``
per call), returns float64 inputs and integer labels, and fetches nothing from the
network. The 2-D sets are not linearly separable, so a linear classifier fails on them
and a network with a hidden layer succeeds.

Shapes: ``X`` (N, 2), ``y`` (N,) with class labels in :math:`[0, C)`; the digits come
as images (N, 1, 8, 8) ready for the convolution layers, or flattened with
``x.reshape(len(x), -1)`` for a linear layer.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float, as_int


def make_spirals(n_per_class: int, n_classes: int = 3, noise: float = 0.2,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Interleaved spiral arms, one per class (the CS231n toy problem).

    Point :math:`i` of arm :math:`k` lies at radius :math:`r_i = i/(n - 1)` and angle
    :math:`\theta_i = 4k + 4 r_i + \varepsilon_i` with :math:`\varepsilon_i \sim
    \mathcal{N}(0, \text{noise}^2)`:

    .. math::

        X_i = r_i \,(\sin\theta_i, \cos\theta_i)

    Shapes: returns ``X`` (N, 2) with N = ``n_per_class * n_classes``, inside the unit
    disc, and ``y`` (N,) with labels :math:`0, \dots, C-1`, the arms one after another.
    """
    n_per_class = as_int(n_per_class, "n_per_class", minimum=2)
    n_classes = as_int(n_classes, "n_classes", minimum=2)
    noise = as_float(noise, "noise", 0)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    radius = np.linspace(0.0, 1.0, n_per_class)
    points, labels = [], []
    for k in range(n_classes):
        theta = 4.0 * k + 4.0 * radius + noise * rng.standard_normal(n_per_class)
        points.append(radius[:, None] * np.column_stack([np.sin(theta), np.cos(theta)]))
        labels.append(np.full(n_per_class, k))
    return np.concatenate(points), np.concatenate(labels)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaving half circles with Gaussian noise (two classes).

    Class 0 is the upper arc :math:`(\cos\phi, \sin\phi)`, class 1 the lower arc
    :math:`(1 - \cos\phi,\; 0.5 - \sin\phi)`, for :math:`\phi` evenly spaced in
    :math:`[0, \pi]`; then every coordinate gets :math:`\mathcal{N}(0, \text{noise}^2)`.

    Shapes: returns ``X`` (N, 2) with N = ``n`` and ``y`` (N,) with labels 0 and 1
    (``ceil(n/2)`` points in class 0, ``floor(n/2)`` in class 1).
    """
    n = as_int(n, "n", minimum=2)
    noise = as_float(noise, "noise", 0)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    n_upper = n - n // 2
    phi_upper = np.linspace(0.0, np.pi, n_upper)
    phi_lower = np.linspace(0.0, np.pi, n // 2)
    upper = np.column_stack([np.cos(phi_upper), np.sin(phi_upper)])
    lower = np.column_stack([1.0 - np.cos(phi_lower), 0.5 - np.sin(phi_lower)])
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=int), np.ones(n // 2, dtype=int)])
    return X, y


def load_digits_split(test_fraction: float = 0.2, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""scikit-learn's bundled 8×8 digits, split into a training and a test set.

    The 1,797 images ship inside scikit-learn (nothing is downloaded). Pixel values
    0 to 16 are divided by 16, so :math:`x \in [0, 1]`. The split is stratified: from
    each digit, ``round(test_fraction * count)`` images chosen by the seed go to the
    test set, so both sets keep the class proportions. Both sets are then shuffled.

    Shapes: returns ``x_train`` (N, 1, 8, 8), ``y_train`` (N,), ``x_test``
    (N_test, 1, 8, 8), ``y_test`` (N_test,); labels are integers 0 to 9.
    """
    from sklearn.datasets import load_digits

    test_fraction = as_float(test_fraction, "test_fraction", 0, 1, low_open=True,
                             high_open=True)
    rng = np.random.default_rng(as_int(seed, "seed", minimum=0))
    digits = load_digits()
    images = digits.images.astype(np.float64)[:, None, :, :] / 16.0
    labels = digits.target.astype(int)
    test_parts, train_parts = [], []
    for k in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == k))
        n_test = int(round(test_fraction * len(members)))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    test = rng.permutation(np.concatenate(test_parts))
    train = rng.permutation(np.concatenate(train_parts))
    if len(test) == 0 or len(train) == 0:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty "
                         f"{'test' if len(test) == 0 else 'training'} set; use a fraction "
                         f"between about 0.01 and 0.99")
    return images[train], labels[train], images[test], labels[test]
