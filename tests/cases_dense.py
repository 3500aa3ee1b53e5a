r"""Registry cases for the dense ops: softmax, the losses, the activations, the linear layer.

Shapes are chosen to expose bugs: N, C, D and M all differ, odd sizes, batches of 1 and
of more than 1. Smooth ops are held to a relative error of 1e-9; ReLU's inputs are kept
at least 0.1 away from its kink at 0 (it keeps the default 1e-7).

Why the loss cases are small: a mean loss L is O(1) while its gradient shrinks like
1/(number of entries), and central differences with h = 1e-6 carry a rounding error of
about eps * |L| / h per entry. For a mean over about 20 or more entries that floor
alone reaches 1e-9 (bce_with_logits on (2, 3, 5): 1.6e-9 at h = 1e-6, 1.8e-10 at
h = 1e-5, 1.4e-8 at h = 1e-7, so rounding, not the formula). Batches of a handful of
entries keep the check well clear of that floor.
"""

from __future__ import annotations

import numpy as np

from gradlab.activations import (relu_backward, relu_forward, sigmoid_backward,
                                 sigmoid_forward, tanh_backward, tanh_forward)
from gradlab.linear import linear_backward, linear_forward
from gradlab.losses import (bce_with_logits_backward, bce_with_logits_forward,
                            cross_entropy_backward, cross_entropy_forward, mse_backward,
                            mse_forward, nll_backward, nll_forward)
from gradlab.softmax import softmax, softmax_backward, softmax_forward
from tests.registry import OpCase

SMOOTH = 1e-9


def normal(*shape):
    return lambda rng: (rng.standard_normal(shape),)


def away_from_zero(*shape):
    def inputs(rng):
        signs = rng.choice([-1.0, 1.0], size=shape)
        return (signs * rng.uniform(0.1, 2.0, size=shape),)
    return inputs


def labels(n, c):
    return lambda rng: rng.integers(0, c, size=n)


def one_hot(n, c):
    return lambda rng: np.eye(c)[rng.integers(0, c, size=n)]


def smoothed_labels(n, c, smoothing=0.1):
    # Label smoothing: probability rows that are not one-hot, as in real training.
    return lambda rng: (1 - smoothing) * one_hot(n, c)(rng) + smoothing / c


def logits_and(targets, n, c):
    return lambda rng: (rng.standard_normal((n, c)), targets(n, c)(rng))


def probs_and(targets, n, c):
    # Logits in [-1, 1] keep every probability above e^-2 / C. Near p = 0 the central
    # difference of -log p has relative truncation error h^2 / (3 p^2), which alone
    # exceeds 1e-9 once p < 0.02 (h = 1e-6); p also stays far from the edges of [0, 1].
    return lambda rng: (softmax(rng.uniform(-1, 1, size=(n, c))), targets(n, c)(rng))


def linear_inputs(n, d, m):
    return lambda rng: (rng.standard_normal((n, d)), rng.standard_normal((d, m)),
                        rng.standard_normal(m))


def loss_case(id, forward, backward, inputs):
    return OpCase(id, forward, backward, inputs, wrt=(0,), is_loss=True, tolerance=SMOOTH)


CASES: list[OpCase] = [
    OpCase("softmax (3,5)", softmax_forward, softmax_backward, normal(3, 5), tolerance=SMOOTH),
    OpCase("softmax (1,7)", softmax_forward, softmax_backward, normal(1, 7), tolerance=SMOOTH),
    OpCase("softmax (2,3,4)", softmax_forward, softmax_backward, normal(2, 3, 4),
           tolerance=SMOOTH),
    OpCase("softmax (6,)", softmax_forward, softmax_backward, normal(6), tolerance=SMOOTH),

    loss_case("cross_entropy labels N=4 C=3", cross_entropy_forward, cross_entropy_backward,
              logits_and(labels, 4, 3)),
    loss_case("cross_entropy labels N=1 C=5", cross_entropy_forward, cross_entropy_backward,
              logits_and(labels, 1, 5)),
    loss_case("cross_entropy one-hot N=5 C=3", cross_entropy_forward, cross_entropy_backward,
              logits_and(one_hot, 5, 3)),
    loss_case("cross_entropy one-hot N=1 C=4", cross_entropy_forward, cross_entropy_backward,
              logits_and(one_hot, 1, 4)),
    loss_case("cross_entropy smoothed labels N=2 C=5", cross_entropy_forward,
              cross_entropy_backward, logits_and(smoothed_labels, 2, 5)),

    loss_case("nll labels N=4 C=3", nll_forward, nll_backward, probs_and(labels, 4, 3)),
    loss_case("nll labels N=1 C=5", nll_forward, nll_backward, probs_and(labels, 1, 5)),
    loss_case("nll one-hot N=5 C=3", nll_forward, nll_backward, probs_and(one_hot, 5, 3)),
    loss_case("nll smoothed labels N=3 C=4", nll_forward, nll_backward,
              probs_and(smoothed_labels, 3, 4)),

    loss_case("bce_with_logits labels (4,3)", bce_with_logits_forward,
              bce_with_logits_backward,
              lambda rng: (rng.standard_normal((4, 3)),
                           rng.integers(0, 2, size=(4, 3)).astype(float))),
    loss_case("bce_with_logits probabilities (5,)", bce_with_logits_forward,
              bce_with_logits_backward,
              lambda rng: (rng.standard_normal(5), rng.uniform(0, 1, size=5))),
    loss_case("bce_with_logits (1,1)", bce_with_logits_forward, bce_with_logits_backward,
              lambda rng: (rng.standard_normal((1, 1)), np.ones((1, 1)))),
    loss_case("bce_with_logits (2,1,3)", bce_with_logits_forward, bce_with_logits_backward,
              lambda rng: (rng.standard_normal((2, 1, 3)),
                           rng.integers(0, 2, size=(2, 1, 3)).astype(float))),

    loss_case("mse (4,3)", mse_forward, mse_backward,
              lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))),
    loss_case("mse (1,5)", mse_forward, mse_backward,
              lambda rng: (rng.standard_normal((1, 5)), rng.standard_normal((1, 5)))),
    loss_case("mse (7,)", mse_forward, mse_backward,
              lambda rng: (rng.standard_normal(7), rng.standard_normal(7))),
    loss_case("mse (3,2,5)", mse_forward, mse_backward,
              lambda rng: (rng.standard_normal((3, 2, 5)), rng.standard_normal((3, 2, 5)))),

    OpCase("sigmoid (3,5)", sigmoid_forward, sigmoid_backward, normal(3, 5), tolerance=SMOOTH),
    OpCase("sigmoid (7,)", sigmoid_forward, sigmoid_backward, normal(7), tolerance=SMOOTH),
    OpCase("sigmoid (2,3,1)", sigmoid_forward, sigmoid_backward, normal(2, 3, 1),
           tolerance=SMOOTH),
    OpCase("tanh (3,5)", tanh_forward, tanh_backward, normal(3, 5), tolerance=SMOOTH),
    OpCase("tanh (1,7)", tanh_forward, tanh_backward, normal(1, 7), tolerance=SMOOTH),
    OpCase("tanh (2,3,1)", tanh_forward, tanh_backward, normal(2, 3, 1), tolerance=SMOOTH),
    OpCase("relu (4,5)", relu_forward, relu_backward, away_from_zero(4, 5)),
    OpCase("relu (9,)", relu_forward, relu_backward, away_from_zero(9)),
    OpCase("relu (3,1,5)", relu_forward, relu_backward, away_from_zero(3, 1, 5)),

    OpCase("linear N=3 D=5 M=4", linear_forward, linear_backward, linear_inputs(3, 5, 4),
           wrt=(0, 1, 2), tolerance=SMOOTH),
    OpCase("linear N=1 D=5 M=4", linear_forward, linear_backward, linear_inputs(1, 5, 4),
           wrt=(0, 1, 2), tolerance=SMOOTH),
    OpCase("linear N=6 D=1 M=3", linear_forward, linear_backward, linear_inputs(6, 1, 3),
           wrt=(0, 1, 2), tolerance=SMOOTH),
]
