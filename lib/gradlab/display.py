r"""Presentation helpers the chapters share.

- :func:`show` prints an array with a fixed number of decimals, so a page
  prints the same text on every machine.
- :func:`best_time` times a call (best of a few repeats), for the timing
  tables the chapters print.
- :func:`heatmap` draws a matrix on a red-blue scale centred at 0, with
  its values (or given labels) written in the cells, readable on every
  colour; :func:`outline` draws a box around cells of such a picture.

Nothing here computes a gradient: the "by hand" code stays in the chapters.
``show`` and ``best_time`` need numpy only; ``heatmap`` and ``outline`` draw
on a matplotlib ``Axes`` that the caller made.
"""

from __future__ import annotations

import timeit
from typing import Callable

import numpy as np

from ._validate import as_float_array, as_int

# Text is white on the darkest part of the colour map, black elsewhere.
_DARK = 0.55


def show(label: str, array, precision: int = 4) -> None:
    r"""Print ``label`` and ``array`` rounded to ``precision`` decimals.

    Adding 0.0 after rounding turns -0.0 into 0.0, so a tiny negative
    number prints as ``0.``, not ``-0.``. NaN and infinity print as they
    are: a page may show an overflow on purpose.
    """
    precision = as_int(precision, "precision", 0)
    try:
        array = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"array must be numbers, got "
                        f"{type(array).__name__} {array!r:.60}") from None
    array = np.round(array, precision) + 0.0
    # Continuation lines start under the first value, unless the label
    # ends its own line.
    prefix = "" if label.endswith("\n") else label + " "
    print(label, np.array2string(array, precision=precision,
                                 suppress_small=True, prefix=prefix))


def best_time(call: Callable[[], object], number: int = 1,
              repeat: int = 3) -> float:
    r"""Seconds per call of ``call()``: the best of ``repeat`` runs.

    Each run calls it ``number`` times. The minimum is the least disturbed
    by other programs on the machine, so it is the fairest to compare.
    """
    if not callable(call):
        raise TypeError(f"call must be a function of no arguments, "
                        f"got {type(call).__name__}")
    number = as_int(number, "number", 1)
    repeat = as_int(repeat, "repeat", 1)
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number


def text_colour(value: float, limit: float) -> str:
    r"""The colour of text on a cell of value ``value`` (scale +-limit)."""
    return "white" if abs(value) > _DARK * limit else "black"


def heatmap(ax, values, labels=None, *, limit: float | None = None,
            decimals: int = 2, fontsize: int = 10, cmap: str = "RdBu_r"):
    r"""Draw ``values`` (2-D) on ``ax``, with each cell's text written in it.

    ``limit`` fixes the colour scale to [-limit, limit] (default: the
    largest absolute value), so that 0 is white and two pictures drawn with
    the same limit compare by colour. ``labels`` (same shape, strings; ""
    leaves a cell blank) replaces the numbers, which are otherwise written
    with ``decimals`` decimals. Returns the image, for a colour bar.
    """
    values = as_float_array(values, "values", ndim=2)
    if labels is None:
        labels = np.vectorize(lambda v: f"{v:.{decimals}f}")(
            np.round(values, decimals) + 0.0)
    labels = np.asarray(labels, dtype=object)
    if labels.shape != values.shape:
        raise ValueError(f"labels must have the shape of values, "
                         f"{values.shape}, got {labels.shape}")
    if limit is None:
        limit = float(np.abs(values).max()) or 1.0
    if not limit > 0:
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    image = ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
    for (i, j), text in np.ndenumerate(labels):
        ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                color=text_colour(values[i, j], limit))
    ax.grid(False)
    return image


def outline(ax, row: int, col: int, height: int = 1, width: int = 1,
            colour: str = "black", linewidth: float = 2.5) -> None:
    r"""Draw a box around the cells rows row.., columns col.. of an image."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height,
                           fill=False, edgecolor=colour,
                           linewidth=linewidth))
