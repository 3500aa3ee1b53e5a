r"""Time for one full gradient: reverse mode vs forward mode vs differences.

Chapter 5 ("Why reverse mode") quotes this table. The network is the
chapter's: linear (D = 2 -> M), tanh, linear (M -> C = 3), softmax
cross-entropy, on the 300 points of the spiral training set, with
Q = D M + M + M C + C = 6 M + 3 parameters. For each hidden width M it
times, best of a few repeats after a warm-up (``gradlab.display.best_time``):

- reverse mode: ``mlp_forward`` then ``mlp_backward``, one backward pass;
- forward mode: Q Jacobian-vector products, one per unit direction
  (``gradlab.mlp.mlp_jvp``, the library's form of the chapter's by-hand
  ``mlp_jvp``; tests/test_ch5_reverse_vs_forward.py checks that the three
  methods agree);
- central differences: ``gradlab.gradcheck.numerical_gradient`` on each
  parameter array, 2 Q forward passes.

Usage: python benchmarks/reverse_vs_forward.py
"""

from __future__ import annotations

import numpy as np

from gradlab.data import make_spirals
from gradlab.display import best_time
from gradlab.gradcheck import numerical_gradient
from gradlab.mlp import (PARAMETER_NAMES, init_mlp, mlp_backward, mlp_forward,
                         mlp_jvp)

WIDTHS = (2, 4, 8, 16, 32, 64, 128)


def gradient_by_jvps(params, x, y):
    r"""Forward mode: one JVP per parameter entry, along a unit direction."""
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    for key, value in params.items():
        for index in np.ndindex(value.shape):
            tangent = {k: np.zeros_like(v) for k, v in params.items()}
            tangent[key][index] = 1.0
            grads[key][index] = mlp_jvp(params, x, y, tangent)
    return grads


def gradient_by_differences(params, x, y):
    r"""Central differences: two forward passes per parameter entry."""
    def loss(_):
        return mlp_forward(params, x, y)[0]
    return {key: numerical_gradient(loss, params[key]) for key in PARAMETER_NAMES}


def gradient_by_reverse(params, x, y):
    r"""Reverse mode: one forward pass, one backward pass."""
    return mlp_backward(mlp_forward(params, x, y)[1])


METHODS = {"reverse": gradient_by_reverse, "forward": gradient_by_jvps,
           "differences": gradient_by_differences}


def table(widths=WIDTHS, repeat: int = 3) -> list[dict]:
    r"""One row per width: M, Q and the seconds of each method."""
    x, y = make_spirals(100, n_classes=3, noise=0.2, seed=0)
    rows = []
    for M in widths:
        params = init_mlp(2, M, 3, seed=0)
        row = {"M": M, "Q": sum(value.size for value in params.values())}
        for name, method in METHODS.items():
            method(params, x, y)  # warm-up
            row[name] = best_time(lambda: method(params, x, y),
                                  repeat=repeat)
        rows.append(row)
    return rows


def main() -> None:
    print(f"{'M':>4} {'Q':>5} {'reverse s':>10} {'forward s':>10} "
          f"{'differences s':>14} {'fwd/rev':>8} {'diff/rev':>9}")
    for row in table():
        print(f"{row['M']:4d} {row['Q']:5d} {row['reverse']:10.2e} "
              f"{row['forward']:10.2e} {row['differences']:14.2e} "
              f"{row['forward'] / row['reverse']:8.0f} "
              f"{row['differences'] / row['reverse']:9.0f}")


if __name__ == "__main__":
    main()
