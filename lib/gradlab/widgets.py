r"""Figure style and slider widgets for the chapters.

Two sliders share one drawing function ``draw(value) -> Figure`` (a
matplotlib figure):

- :func:`frame_slider` draws every frame in advance and links the slider to
  the frames in the browser (``jslink``), so it keeps working in the static
  HTML book, where no Python kernel runs.
- :func:`live_slider` calls ``draw`` on every move; it needs a kernel (a
  notebook in Jupyter, Binder or Colab) but can take any number of values.

This module needs matplotlib and ipywidgets, so ``import gradlab`` does not
import it: write ``from gradlab.widgets import frame_slider``.
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


def use_book_style(retina: bool = False) -> None:
    r"""Set matplotlib's defaults for every figure of the book.

    White figure and axes backgrounds (legible in light and dark themes), a
    modest resolution so that notebooks stay small, readable font sizes and
    constrained layout (labels never overlap). Chapters call it once, in their
    first code cell.

    ``retina=True`` also makes a notebook's inline figures PNGs of twice the
    pixels, shown at the same size (IPython's "retina" format), so that small
    text stays sharp. Only their display width is recorded, not their
    height, so that a narrow screen scales them down without distorting
    them. It does nothing outside IPython.
    """
    matplotlib.rcParams.update(BOOK_STYLE)
    if retina:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("retina")
            png = shell.display_formatter.formatters["image/png"]
            png.for_type(Figure, _width_only(png.lookup_by_type(Figure)))


def _width_only(retina_png: Callable) -> Callable:
    r"""Wrap IPython's retina PNG formatter to keep only the display width."""
    def formatter(fig: Figure):
        result = retina_png(fig)
        if result is None:          # an empty figure: nothing to show
            return None
        data, metadata = result
        return data, {"width": metadata["width"]}
    return formatter


def figure_to_png(fig: Figure, dpi: int = 72) -> bytes:
    r"""Render ``fig`` to PNG bytes and close it (so it is not shown inline).

    The PNG carries no software-version metadata, so the same figure gives the
    same bytes on every machine with the same fonts.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"expected a matplotlib Figure, "
                        f"got {type(fig).__name__}")
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _checked_values(values: Iterable, label: Callable[[object], str]
                    ) -> tuple[list, list[str]]:
    values = list(values)
    if not values:
        raise ValueError("values must contain at least one value to show, "
                         "got none")
    labels = [str(label(value)) for value in values]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the slider labels must be distinct (one per "
                         f"frame), got {labels}; pass label= a function "
                         f"that tells the values apart")
    return values, labels


def _draw(draw: Callable[[object], Figure], value) -> Figure:
    before = set(plt.get_fignums())
    fig = draw(value)
    if not isinstance(fig, Figure):
        for number in set(plt.get_fignums()) - before:  # what draw opened
            plt.close(number)
        raise TypeError(f"draw({value!r}) must return a matplotlib Figure, "
                        f"got {type(fig).__name__}; end draw with "
                        f"`return fig`")
    return fig


def frame_html(png: bytes, alt: str, width: int | None = None) -> str:
    r"""An ``<img>`` tag showing ``png`` inline, with ``alt`` as its text.

    ``width`` (in CSS pixels) is the size to show it at; a PNG rendered with
    more pixels than that is shown sharper, not larger. ``None`` shows it at
    one CSS pixel per PNG pixel.
    """
    data = base64.b64encode(png).decode("ascii")
    size = "" if width is None else f' width="{int(width)}"'
    return (f'<img src="data:image/png;base64,{data}"{size} '
            f'alt="{html.escape(alt)}">')


def frame_slider(draw: Callable[[object], Figure], values: Sequence, *,
                 description: str,
                 label: Callable[[object], str] = str,
                 alt: str | Callable[[object], str] | None = None,
                 dpi: int = 72, scale: int = 1) -> widgets.VBox:
    r"""A slider over precomputed figures that works without a kernel.

    ``draw(value)`` must return a matplotlib ``Figure``; it is called once
    per value, rendered to a PNG and closed. A figure of width ``w`` inches
    is shown ``w * dpi`` CSS pixels wide; ``scale=2`` renders it with twice
    as many pixels along each axis (at ``dpi * scale``), so that its text is
    sharp on high-resolution screens, at the cost of larger frames.
    The frames go into a ``Stack`` whose ``selected_index`` is ``jslink``-ed
    to the slider's ``index``: the link runs in the browser, so the saved
    notebook and the static HTML book switch frames with no Python behind
    them. Keep it to about 10 to 30 frames; each one is stored in the
    notebook.

    Each frame is an ``<img>`` with a text alternative for readers who cannot
    see it: ``alt`` is a string or a function of the value (say what the
    figure shows at that value); by default it is
    "``description`` = ``label(value)``".

    Returns a ``VBox`` holding the slider (labelled ``label(value)``) and the
    frames.
    """
    values, labels = _checked_values(values, label)
    if alt is None:
        alts = [f"{description} = {text}" for text in labels]
    else:
        alts = [str(alt(value)) if callable(alt) else str(alt)
                for value in values]
    frames = []
    for value, text in zip(values, alts):
        fig = _draw(draw, value)
        width = fig.get_figwidth() * dpi if scale != 1 else None
        png = figure_to_png(fig, dpi=dpi * scale)
        frames.append(widgets.HTML(frame_html(png, text, width)))
    stack = widgets.Stack(frames, selected_index=0)
    slider = widgets.SelectionSlider(
        options=labels, index=0, description=description,
        continuous_update=True, style={"description_width": "initial"},
        layout=widgets.Layout(width="95%", max_width="640px"))
    # The link lives in the browser: no kernel is needed to switch frames.
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])


def live_slider(draw: Callable[[object], Figure], values: Sequence, *,
                description: str, label: Callable[[object], str] = str
                ) -> widgets.interactive:
    r"""The same slider, redrawn by the kernel on every move.

    Built on ``ipywidgets.interactive``. Use it in a running notebook when
    the frames should not be precomputed; in the static book it only shows
    the first value. Returns the ``interactive`` widget: make it the last
    line of the cell to display it.
    """
    from IPython.display import display

    values, labels = _checked_values(values, label)
    slider = widgets.SelectionSlider(
        options=list(zip(labels, values)), index=0, description=description,
        continuous_update=False, style={"description_width": "initial"},
        layout=widgets.Layout(width="95%", max_width="640px"))

    def show(value) -> None:
        fig = _draw(draw, value)
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, value=slider)
