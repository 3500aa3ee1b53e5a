r"""Figure style and slider widgets for the chapters.

Two sliders share one drawing function ``draw(value) -> matplotlib.figure.Figure``:

- :func:`frame_slider` draws every frame in advance and links the slider to the frames
  in the browser (``jslink``), so it keeps working in the static HTML book, where no
  Python kernel runs.
- :func:`live_slider` calls ``draw`` on every move; it needs a kernel (a notebook in
  Jupyter, Binder or Colab) but can take any number of values.

This module needs matplotlib and ipywidgets, so ``import gradlab`` does not import it:
write ``from gradlab.widgets import frame_slider``.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Callable, Iterable, Sequence

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

BOOK_STYLE = {
    # White backgrounds keep figures legible in the book's dark theme too.
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 80,
    "figure.figsize": (6.4, 4.0),
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def use_book_style() -> None:
    r"""Set matplotlib's defaults for every figure of the book.

    White figure and axes backgrounds (legible in light and dark themes), a modest
    resolution so that notebooks stay small, readable font sizes and constrained layout
    (labels never overlap). Chapters call it once, in their first code cell.
    """
    matplotlib.rcParams.update(BOOK_STYLE)


def figure_to_png(fig: Figure, dpi: int = 72) -> bytes:
    r"""Render ``fig`` to PNG bytes and close it, so it is neither leaked nor shown inline.

    The PNG carries no software-version metadata, so the same figure gives the same
    bytes on every machine with the same fonts.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _checked_values(values: Iterable, label: Callable[[object], str]) -> tuple[list, list[str]]:
    values = list(values)
    if not values:
        raise ValueError("values must contain at least one value to show, got none")
    labels = [str(label(value)) for value in values]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the slider labels must be distinct (one per frame), got {labels}; "
                         f"pass label= a function that tells the values apart")
    return values, labels


def _draw(draw: Callable[[object], Figure], value) -> Figure:
    before = set(plt.get_fignums())
    fig = draw(value)
    if not isinstance(fig, Figure):
        for number in set(plt.get_fignums()) - before:  # whatever draw opened
            plt.close(number)
        raise TypeError(f"draw({value!r}) must return a matplotlib Figure, "
                        f"got {type(fig).__name__}; end draw with `return fig`")
    return fig


def frame_html(png: bytes, alt: str) -> str:
    r"""An ``<img>`` tag showing ``png`` inline, with ``alt`` as its text alternative."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def frame_slider(draw: Callable[[object], Figure], values: Sequence, *, description: str,
                 label: Callable[[object], str] = str,
                 alt: str | Callable[[object], str] | None = None,
                 dpi: int = 72) -> widgets.VBox:
    r"""A slider over precomputed figures that works without a kernel.

    ``draw(value)`` must return a matplotlib ``Figure``; it is called once per value,
    rendered to a PNG at ``dpi`` and closed. The frames go into a ``Stack`` whose
    ``selected_index`` is ``jslink``-ed to the slider's ``index``: the link runs in the
    browser, so the saved notebook and the static HTML book switch frames with no Python
    behind them. Keep it to about 10 to 30 frames; each one is stored in the notebook.

    Each frame is an ``<img>`` with a text alternative for readers who cannot see it:
    ``alt`` is a string or a function of the value (say what the figure shows at that
    value); by default it is "``description`` = ``label(value)``".

    Returns a ``VBox`` holding the slider (labelled ``label(value)``) and the frames.
    """
    values, labels = _checked_values(values, label)
    if alt is None:
        alts = [f"{description} = {text}" for text in labels]
    else:
        alts = [str(alt(value)) if callable(alt) else str(alt) for value in values]
    frames = [widgets.HTML(frame_html(figure_to_png(_draw(draw, value), dpi=dpi), text))
              for value, text in zip(values, alts)]
    stack = widgets.Stack(frames, selected_index=0)
    slider = widgets.SelectionSlider(options=labels, index=0, description=description,
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="95%", max_width="640px"))
    # The link lives in the browser: no kernel is needed to switch frames.
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])


def live_slider(draw: Callable[[object], Figure], values: Sequence, *, description: str,
                label: Callable[[object], str] = str) -> widgets.interactive:
    r"""The same slider, redrawn by the kernel on every move (``ipywidgets.interactive``).

    Use it in a running notebook when the frames should not be precomputed; in the
    static book it only shows the first value. Returns the ``interactive`` widget: make
    it the last line of the cell to display it.
    """
    from IPython.display import display

    values, labels = _checked_values(values, label)
    slider = widgets.SelectionSlider(options=list(zip(labels, values)), index=0,
                                     description=description, continuous_update=False,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="95%", max_width="640px"))

    def show(value) -> None:
        fig = _draw(draw, value)
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, value=slider)
