r"""Drawing a computational graph: one box per value, one arrow per input.

Drawing only. The chapter computes every number a box shows and passes it
in as text; nothing here runs a forward or a backward pass.

A graph is given as ``positions`` (node name -> centre ``(x, y)`` in data
units), ``edges`` (pairs ``(input, output)``: the value ``input`` flows into
the op that makes ``output``) and ``texts`` (node name -> the text written
in its box). During a backward pass a node is in one of three states, shown
by its fill colour: being processed (``highlight``), holding its gradient
already (``received``), or still waiting.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

HIGHLIGHT = "#ffd54f"  # amber: the node whose gradient is being passed on
RECEIVED = "#c8e6c9"  # light green: its gradient has arrived
WAITING = "white"


def _names(given: Iterable[str], known: Mapping, what: str) -> set[str]:
    given = set(given)
    unknown = sorted(given - set(known))
    if unknown:
        raise ValueError(f"{what} must name nodes of positions "
                         f"{sorted(known)}, got unknown {unknown}")
    return given


def _border_point(centre, towards, half_width, half_height):
    # Where the segment from centre to towards leaves the box around centre.
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    scales = [half_width / abs(dx) if dx else float("inf"),
              half_height / abs(dy) if dy else float("inf")]
    t = min(scales)
    return centre[0] + t * dx, centre[1] + t * dy


def draw_graph(ax, positions: Mapping[str, Sequence[float]],
               edges: Sequence[tuple[str, str]], texts: Mapping[str, str],
               *, highlight: Iterable[str] = (),
               received: Iterable[str] = (),
               box: tuple[float, float] = (1.1, 0.8),
               fontsize: int = 10) -> dict[str, FancyBboxPatch]:
    r"""Draw boxes at ``positions`` with ``texts`` and arrows along ``edges``.

    ``box`` is the (width, height) of every box in data units. The axes get
    equal scales, limits that fit every box, and no frame. Returns the box
    of each node, by name.
    """
    edges = [tuple(edge) for edge in edges]
    for edge in edges:
        if len(edge) != 2:
            raise ValueError(f"edges must be pairs (input, output), got "
                             f"{edge!r}")
    _names([name for edge in edges for name in edge], positions, "edges")
    _names(texts, positions, "texts")
    highlight = _names(highlight, positions, "highlight")
    received = _names(received, positions, "received")
    width, height = box
    if not (width > 0 and height > 0):
        raise ValueError(f"box must be a positive (width, height), got {box}")

    for start, end in edges:
        tail = _border_point(positions[start], positions[end],
                             width / 2, height / 2)
        head = _border_point(positions[end], positions[start],
                             width / 2, height / 2)
        ax.add_patch(FancyArrowPatch(tail, head, arrowstyle="-|>",
                                     mutation_scale=14, color="0.3",
                                     linewidth=1.2, shrinkA=0, shrinkB=1))
    boxes = {}
    for name, (x, y) in positions.items():
        if name in highlight:
            fill = HIGHLIGHT
        else:
            fill = RECEIVED if name in received else WAITING
        boxes[name] = FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height,
            boxstyle="round,pad=0,rounding_size=0.08", facecolor=fill,
            edgecolor="black", linewidth=2.0 if name in highlight else 1.0)
        ax.add_patch(boxes[name])
        ax.text(x, y, texts.get(name, name), ha="center", va="center",
                fontsize=fontsize, linespacing=1.35)
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    ax.set_xlim(min(xs) - width / 2 - 0.05, max(xs) + width / 2 + 0.05)
    ax.set_ylim(min(ys) - height / 2 - 0.05, max(ys) + height / 2 + 0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    return boxes
