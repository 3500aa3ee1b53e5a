r"""Numerical gradient checks: the one checker used by chapters, exercises and tests.

For a function :math:`f` and an upstream gradient :math:`g` (``dout``), the quantity
checked is the gradient of the scalar :math:`L(x) = \sum g \odot f(x)`:

.. math::

    \frac{\partial L}{\partial x_i} \approx
    \frac{L(x + h e_i) - L(x - h e_i)}{2h}

Central differences have error :math:`O(h^2)` from truncation plus about
:math:`\varepsilon |L| / h` from rounding, so :math:`h = 10^{-6}` in float64 gives
about ten correct digits on well-scaled problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validate import as_float_array

DEFAULT_TOLERANCE = 1e-7


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       dout: np.ndarray | None = None, h: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of :math:`\sum \mathrm{dout} \odot f(x)` with respect to x.

    ``x`` must be a float64 array. It is perturbed in place, one entry at a time, and
    restored, so ``f`` may also read ``x`` through a closure (handy for checking the
    gradient of a weight while the input stays fixed). ``dout=None`` means ``f`` returns
    a scalar (or an array whose entries are all weighted by 1).

    Returns an array of the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        received = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a float64 numpy array (it is perturbed in place), "
                        f"got {received}")
    if not h > 0:
        raise ValueError(f"h must be a positive step, got {h}")
    weights = None if dout is None else as_float_array(dout, "dout")

    def scalar(value) -> float:
        value = np.asarray(value, dtype=np.float64)
        if weights is None:
            return float(np.sum(value))
        if value.shape != weights.shape:
            raise ValueError(f"dout must have the shape of f(x) {value.shape}, "
                             f"got {weights.shape}")
        return float(np.sum(weights * value))

    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = scalar(f(x))
        x[index] = original - h
        minus = scalar(f(x))
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    r"""Relative error :math:`\|a - b\| / (\|a\| + \|b\|)` in the Euclidean norm.

    It is 0 for equal arrays, about :math:`10^{-10}` for a correct analytic gradient
    checked against central differences, and of order 0.1 to 1 for a wrong one. The norm
    form, unlike an entry-by-entry ratio, is not thrown off by entries that are exactly 0
    analytically and :math:`10^{-11}` numerically. Two zero arrays have error 0.
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


@dataclass(frozen=True)
class GradientCheck:
    r"""The outcome of :func:`check_gradient`; prints as a one-line verdict.

    It is truthy when the check passed, so ``assert check_gradient(...)`` works, and
    :meth:`raise_if_failed` raises with the analytic and numerical values side by side.
    """

    name: str
    error: float
    tolerance: float
    analytic: np.ndarray
    numeric: np.ndarray

    @property
    def passed(self) -> bool:
        return self.error <= self.tolerance

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (f"{verdict}  {self.name}: relative error {self.error:.1e} "
                f"(tolerance {self.tolerance:.0e})")

    __repr__ = __str__

    def raise_if_failed(self) -> "GradientCheck":
        if not self.passed:
            with np.printoptions(precision=6, suppress=False, threshold=60):
                raise AssertionError(f"{self}\nanalytic:\n{self.analytic}\n"
                                     f"numerical:\n{self.numeric}")
        return self


def check_gradient(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, analytic,
                   dout: np.ndarray | None = None, *, name: str = "gradient",
                   tolerance: float = DEFAULT_TOLERANCE, h: float = 1e-6) -> GradientCheck:
    r"""Compare an analytic gradient with central differences of ``f`` at ``x``.

    ``analytic`` is the claimed :math:`\partial L/\partial x` for
    :math:`L = \sum \mathrm{dout} \odot f(x)`; it must have the shape of ``x``.
    Returns a :class:`GradientCheck` that prints as, for example,
    ``PASS  dL/dx: relative error 3.1e-11 (tolerance 1e-07)``.
    """
    numeric = numerical_gradient(f, x, dout=dout, h=h)
    analytic = as_float_array(analytic, f"analytic gradient {name}")
    if analytic.shape != x.shape:
        raise ValueError(f"analytic gradient {name} must have the shape of x {x.shape}, "
                         f"got {analytic.shape}")
    return GradientCheck(name=name, error=rel_error(analytic, numeric), tolerance=tolerance,
                         analytic=analytic, numeric=numeric)
