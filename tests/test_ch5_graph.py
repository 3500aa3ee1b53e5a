r"""gradlab.graph_figure draws what it is given, and names bad input.

Properties checked: one box per node, at its position, with its text and the
fill colour of its state; one arrow per edge, starting and ending on the
borders of the two boxes; unknown node names, malformed edges and a
non-positive box size raise with a message saying what was expected.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from gradlab.graph_figure import HIGHLIGHT, RECEIVED, WAITING, draw_graph
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch

POSITIONS = {"x": (0.0, 0.0), "w": (2.0, 1.0), "z": (2.0, 0.0)}
EDGES = [("x", "z"), ("w", "z")]


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_one_box_per_node_with_its_text_and_state(ax):
    boxes = draw_graph(ax, POSITIONS, EDGES, {"x": "input x", "z": "z = xw"},
                       highlight=["z"], received=["z", "w"],
                       box=(1.0, 0.5))
    assert set(boxes) == set(POSITIONS)
    for name, (x, y) in POSITIONS.items():
        corner = (boxes[name].get_x(), boxes[name].get_y())
        assert corner == pytest.approx((x - 0.5, y - 0.25))
    assert boxes["z"].get_facecolor() == to_rgba(HIGHLIGHT)
    assert boxes["w"].get_facecolor() == to_rgba(RECEIVED)
    assert boxes["x"].get_facecolor() == to_rgba(WAITING)
    texts = sorted(text.get_text() for text in ax.texts)
    assert texts == ["input x", "w", "z = xw"]  # w falls back to its name


def test_arrows_run_from_border_to_border(ax):
    draw_graph(ax, POSITIONS, EDGES, {}, box=(1.0, 0.5))
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(EDGES)
    ends = sorted(tuple(np.round(np.ravel(a._posA_posB), 6))
                  for a in arrows)
    # x -> z: right side of x to left side of z; w -> z: bottom to top.
    assert ends == [(0.5, 0.0, 1.5, 0.0), (2.0, 0.75, 2.0, 0.25)]


@pytest.mark.parametrize("kwargs, message", [
    ({"edges": [("x", "q")]}, r"edges must name nodes .* unknown \['q'\]"),
    ({"edges": [("x", "z", "w")]}, "edges must be pairs"),
    ({"texts": {"p": "?"}}, r"texts must name nodes .* unknown \['p'\]"),
    ({"highlight": ["a"]}, r"highlight must name nodes .* \['a'\]"),
    ({"received": ["b"]}, r"received must name nodes .* \['b'\]"),
    ({"box": (0.0, 1.0)}, r"box must be a positive \(width, height\)"),
])
def test_bad_input_is_named(ax, kwargs, message):
    arguments = {"positions": POSITIONS, "edges": EDGES, "texts": {}}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        draw_graph(ax, **arguments)
