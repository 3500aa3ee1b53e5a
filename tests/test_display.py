r"""The shared presentation helpers print and draw what they say."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from gradlab.display import best_time, heatmap, outline, show

matplotlib.use("Agg")


def test_show_prints_fixed_decimals_and_no_negative_zero(capsys):
    show("a =", [1.23456789, -1e-9, 2.0], precision=3)
    assert capsys.readouterr().out == "a = [1.235 0.    2.   ]\n"


def test_show_lines_up_rows_under_the_first_value(capsys):
    show("J =", np.eye(2), precision=1)
    show("J =\n", np.eye(2), precision=1)
    assert capsys.readouterr().out == ("J = [[1. 0.]\n     [0. 1.]]\n"
                                       "J =\n [[1. 0.]\n [0. 1.]]\n")


def test_show_prints_an_overflow_as_it_is(capsys):
    show("s =", [np.nan, np.inf, -np.inf], precision=2)
    assert capsys.readouterr().out == "s = [ nan  inf -inf]\n"


def test_show_rejects_non_numbers():
    with pytest.raises(TypeError, match="array must be numbers, got list"):
        show("a", ["x"])


def test_best_time_is_seconds_per_call():
    calls = []
    seconds = best_time(lambda: calls.append(1), number=4, repeat=2)
    assert len(calls) == 8
    assert 0 <= seconds < 1


def test_best_time_names_a_bad_argument():
    with pytest.raises(TypeError, match="call must be a function"):
        best_time(3)
    with pytest.raises(ValueError, match="number must be >= 1, got 0"):
        best_time(lambda: None, number=0)


def test_heatmap_writes_values_and_picks_readable_text():
    fig, ax = plt.subplots()
    image = heatmap(ax, [[1.0, -0.001], [0.25, -1.0]], decimals=2)
    texts = [(t.get_text(), t.get_color()) for t in ax.texts]
    assert texts == [("1.00", "white"), ("0.00", "black"),
                     ("0.25", "black"), ("-1.00", "white")]
    assert image.get_clim() == (-1.0, 1.0)
    plt.close(fig)


def test_heatmap_uses_labels_and_a_fixed_limit():
    fig, ax = plt.subplots()
    image = heatmap(ax, np.eye(2), labels=[["a", ""], ["", "b"]], limit=4)
    assert [t.get_text() for t in ax.texts] == ["a", "", "", "b"]
    assert image.get_clim() == (-4.0, 4.0)
    with pytest.raises(ValueError, match="labels must have the shape"):
        heatmap(ax, np.eye(2), labels=[["a", "b"]])
    with pytest.raises(ValueError, match="values must be a 2-D array"):
        heatmap(ax, np.ones(3))
    plt.close(fig)


def test_outline_adds_one_box_around_the_cells():
    fig, ax = plt.subplots()
    outline(ax, 1, 2, height=2, width=3)
    (box,) = ax.patches
    assert box.get_xy() == (1.5, 0.5)
    assert (box.get_width(), box.get_height()) == (3, 2)
    plt.close(fig)
