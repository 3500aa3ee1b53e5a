r"""Case generators shared by the checker modules, one per kind of input.

- :func:`batches`: random (N, ...) arrays, described with the book's letters;
- :func:`spatial`: an op's input, a ``dout`` drawn for its output and the
  central-difference gradient of ``sum(dout * op(x))``;
- :func:`numerical`: that central-difference gradient for any forward;
- :func:`jacobian_rows`: a full Jacobian by central differences.

Plus the inputs that separate right from nearly right: logits of magnitude
1000 (:data:`LARGE`) and rows at very different scales (:data:`SCALES`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..gradcheck import numerical_gradient
from ._framework import Case, described

LARGE = np.array([[1000.0, 999.0, 998.5], [1001.0, 1000.0, 1003.0]])
# One maximum for the whole batch underflows the last two rows to 0/0.
SCALES = np.array([[1000.0, 999.0, 998.0, 1000.5],
                   [1.5, -0.5, 0.0, 1.0],
                   [-999.0, -998.0, -1000.0, -998.5]])


def batch_name(shape, letters: str = "NC") -> str:
    r"""``(1, 4)`` -> ``"a batch of 1 (N=1, C=4)"``."""
    sizes = described(shape, letters)
    return f"a batch of 1 ({sizes})" if shape[0] == 1 \
        else f"a batch of {sizes}"


def batches(seed: int, shapes, letters: str = "NC", scale: float = 1.0,
            extra: Callable | None = None) -> tuple[Case, ...]:
    r"""One case per shape: normal inputs, plus ``extra(x, rng)`` if given."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in shapes:
        x = rng.normal(scale=scale, size=shape)
        inputs = (x,) if extra is None else (x, *extra(x, rng))
        cases.append(Case(batch_name(shape, letters), inputs))
    return tuple(cases)


def numerical(forward: Callable, x: np.ndarray, dout=None) -> Callable:
    r"""A function that returns the central-difference gradient of
    ``sum(dout * forward(x))`` with respect to x."""
    return lambda: numerical_gradient(forward, x.copy(), dout=dout)


def jacobian_rows(forward: Callable, x: np.ndarray) -> np.ndarray:
    r"""Row i is the central-difference gradient of output i."""
    size = np.asarray(forward(x)).size
    return np.array([numerical_gradient(forward, x.copy(), dout=pick)
                     for pick in np.eye(size).reshape(
                         (size,) + np.shape(forward(x)))])


def spatial(description: str, rng, forward: Callable, x: np.ndarray,
            *settings, inputs: Callable | None = None,
            check_numerically: bool = True) -> Case:
    r"""A case for a pooling-like op ``forward(x, *settings)``: a drawn
    ``dout``; the checked function receives ``inputs(dout, x)`` followed by
    ``settings`` (default: ``dout, x``)."""
    def op(v):
        return forward(v, *settings)[0]

    dout = rng.normal(size=op(x).shape)
    first = (dout, x) if inputs is None else inputs(dout, x)
    return Case(description, (*first, *settings), numerical=(
        numerical(op, x, dout) if check_numerically else None))
