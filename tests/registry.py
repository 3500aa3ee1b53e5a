r"""One registry of differentiable ops, shared by the gradient, shape and dtype tests.

Each :class:`OpCase` says how to build inputs, call the forward pass and call the
backward pass. The cases themselves live next to their topic (``cases_dense.py``,
``cases_spatial.py``, ``cases_modern.py``) and are gathered in :data:`CASES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class OpCase:
    r"""One op on one set of shapes.

    ``inputs(rng)`` returns the positional arrays of ``forward``; ``wrt`` lists the
    positions of those that are differentiated (labels are not). ``backward`` is called
    as ``backward(dout, cache)``, or as ``backward(cache)`` when ``is_loss`` (a scalar
    loss has no upstream gradient), and returns one gradient per position in ``wrt``.
    """

    id: str
    forward: Callable
    backward: Callable
    inputs: Callable[[np.random.Generator], tuple]
    wrt: tuple[int, ...] = (0,)
    params: dict = field(default_factory=dict)
    is_loss: bool = False
    tolerance: float = 1e-7

    def run(self, arrays: tuple):
        return self.forward(*arrays, **self.params)

    def gradients(self, arrays: tuple, dout):
        _, cache = self.run(arrays)
        grads = self.backward(cache) if self.is_loss else self.backward(dout, cache)
        return grads if isinstance(grads, tuple) else (grads,)


def gather() -> list[OpCase]:
    from tests import cases_dense, cases_modern, cases_spatial

    return [*cases_dense.CASES, *cases_spatial.CASES, *cases_modern.CASES]
