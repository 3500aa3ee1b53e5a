r"""Input checks shared by every public function.

Each check raises a ``TypeError`` or ``ValueError`` whose message names the argument,
what was expected and what was received, so that a mistake is reported where it was
made instead of surfacing as a broadcasting error deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, ndim: int | tuple[int, ...] | None = None,
                   layout: str | None = None) -> np.ndarray:
    r"""Return ``value`` as a float64 array after checking its type, ndim and values.

    Integer and boolean-free numeric input is promoted to float64. ``layout`` (for
    example ``"(N, C, H, W)"``) only makes the ndim message easier to read.
    """
    if value is None:
        raise TypeError(f"{name} must be a numeric array, got None")
    array = np.asarray(value)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric array of integers or floats, "
                        f"got dtype {array.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in allowed:
            wanted = " or ".join(f"{d}-D" for d in allowed)
            shape_hint = f" of shape {layout}" if layout else ""
            raise ValueError(f"{name} must be a {wanted} array{shape_hint}, "
                             f"got shape {array.shape}")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers, got NaN or infinity")
    return array


def as_int(value, name: str, minimum: int) -> int:
    r"""Return ``value`` as a Python int, checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def as_pair(value, name: str, minimum: int) -> tuple[int, int]:
    r"""Return an int or a pair of ints as a pair ``(for rows, for columns)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return as_int(value[0], name, minimum), as_int(value[1], name, minimum)
    number = as_int(value, name, minimum)
    return number, number


def output_length(size: int, kernel_size: int, stride: int, padding: int,
                  axis: str = "input") -> int:
    r"""Output length :math:`\lfloor (L + 2P - K)/S \rfloor + 1`, checking that K fits."""
    padded = size + 2 * padding
    if kernel_size > padded:
        raise ValueError(f"kernel_size {kernel_size} is larger than the padded {axis} "
                         f"({size} + 2*{padding} = {padded})")
    return (padded - kernel_size) // stride + 1


def check_same(expected: int, received: int, what: str) -> None:
    r"""Raise if two sizes that must agree (channels, features, ...) differ."""
    if expected != received:
        raise ValueError(f"{what}: expected {expected}, got {received}")


def check_dout(dout, out_shape: tuple[int, ...]) -> np.ndarray:
    r"""Check an upstream gradient has the shape of the forward output."""
    dout = as_float_array(dout, "dout")
    if dout.shape != tuple(out_shape):
        raise ValueError(f"dout must have the shape of the forward output {tuple(out_shape)}, "
                         f"got {dout.shape}")
    return dout


def as_float(value, name: str, low: float = -np.inf, high: float = np.inf, *,
             low_open: bool = False, high_open: bool = False) -> float:
    r"""Return ``value`` as a Python float, checking it is a finite real in the interval.

    ``low_open``/``high_open`` exclude the end points, so a learning rate is checked with
    ``as_float(lr, "learning_rate", 0, low_open=True)`` (that is, :math:`(0, \infty)`).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    number = float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not np.isfinite(number) or too_low or too_high:
        interval = (f"{'(' if low_open or low == -np.inf else '['}{low:g}, "
                    f"{high:g}{')' if high_open or high == np.inf else ']'}")
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return number
