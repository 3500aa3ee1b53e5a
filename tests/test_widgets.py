r"""The kernel-free frame slider, the live slider, the book style and the quiz builders.

Properties checked:

- ``frame_slider`` returns a VBox of a slider and a Stack with one PNG Image per value,
  distinct frames give distinct PNG bytes, and a browser-side ``jslink`` joins the
  slider's ``index`` to the Stack's ``selected_index``;
- no matplotlib figure stays open afterwards, even when ``draw`` misbehaves;
- bad input (no values, ``draw`` not returning a Figure, clashing labels) raises with a
  message saying what to fix;
- the quiz builders produce jupyterquiz's question dicts, the quiz output is the same on
  every run and loads nothing from another host.
"""

from __future__ import annotations

import base64
import html
import json
import re

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from ipywidgets.widgets.widget import _instances  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402

from gradlab.quiz import (many_choice, multiple_choice, numeric,  # noqa: E402
                          quiz_html_and_script, show_quiz)
from gradlab.widgets import frame_slider, live_slider, use_book_style  # noqa: E402


def draw_line(slope: float):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, slope])
    ax.set_title(f"slope {slope}")
    return fig


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a test left matplotlib figures open"


def links_of(widget) -> list[Link]:
    # Every live widget model, links included (the public Widget.widgets is deprecated).
    return [model for model in _instances.values()
            if isinstance(model, Link) and widget in (model.source[0], model.target[0])]


def png_of(frame) -> bytes:
    return base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', frame.value)[1])


def alt_of(frame) -> str:
    return html.unescape(re.search(r'alt="([^"]*)"', frame.value)[1])


def test_frame_slider_has_one_distinct_png_frame_per_value():
    values = [0.5, 1.0, 2.0, 3.0]
    box = frame_slider(draw_line, values, description="slope")
    assert isinstance(box, widgets.VBox)
    slider, stack = box.children
    assert isinstance(stack, widgets.Stack)
    assert stack.selected_index == 0
    assert len(stack.children) == len(values)
    frames = [png_of(frame) for frame in stack.children]
    assert all(isinstance(frame, widgets.HTML) for frame in stack.children)
    assert all(png.startswith(b"\x89PNG") for png in frames)
    assert len(set(frames)) == len(values)
    assert [alt_of(frame) for frame in stack.children] == [f"slope = {v}" for v in values]
    assert list(slider.options) == ["0.5", "1.0", "2.0", "3.0"]
    assert slider.description == "slope"
    assert plt.get_fignums() == []


def test_frame_slider_links_slider_index_to_stack_in_the_browser():
    box = frame_slider(draw_line, [1, 2, 3], description="k", label=lambda k: f"k = {k}")
    slider, stack = box.children
    links = links_of(stack)
    assert len(links) == 1
    link = links[0]
    assert type(link) is Link  # a jslink, not a kernel-side traitlets link
    assert link.source == (slider, "index")
    assert link.target == (stack, "selected_index")
    assert slider.options == ("k = 1", "k = 2", "k = 3")


def test_frame_slider_is_deterministic():
    first = frame_slider(draw_line, [1, 2], description="k").children[1]
    second = frame_slider(draw_line, [1, 2], description="k").children[1]
    assert [i.value for i in first.children] == [i.value for i in second.children]


def test_frame_slider_dpi_sets_the_frame_size():
    small = frame_slider(draw_line, [1], description="k", dpi=36).children[1].children[0]
    large = frame_slider(draw_line, [1], description="k", dpi=72).children[1].children[0]
    assert len(png_of(small)) < len(png_of(large))


def test_frame_slider_alt_text_is_escaped_and_may_depend_on_the_value():
    box = frame_slider(draw_line, [1, 2], description="k",
                       alt=lambda k: f'line of slope {k} & "intercept" 0')
    frames = box.children[1].children
    assert [alt_of(frame) for frame in frames] == [
        'line of slope 1 & "intercept" 0', 'line of slope 2 & "intercept" 0']
    assert "&amp;" in frames[0].value and "&quot;" in frames[0].value


def test_frame_slider_rejects_empty_values():
    with pytest.raises(ValueError, match="values must contain at least one value"):
        frame_slider(draw_line, [], description="k")


def test_frame_slider_rejects_draw_without_return_and_closes_its_figure():
    def forgot_return(k):
        fig, ax = plt.subplots()
        ax.plot([0, k])

    with pytest.raises(TypeError, match=r"draw\(1\) must return a matplotlib Figure, "
                                        r"got NoneType; end draw with `return fig`"):
        frame_slider(forgot_return, [1, 2], description="k")
    assert plt.get_fignums() == []


def test_frame_slider_rejects_draw_returning_axes():
    def returns_axes(k):
        fig, ax = plt.subplots()
        return ax

    with pytest.raises(TypeError, match="must return a matplotlib Figure, got Axes"):
        frame_slider(returns_axes, [1], description="k")


def test_frame_slider_rejects_labels_that_clash():
    with pytest.raises(ValueError, match="slider labels must be distinct"):
        frame_slider(draw_line, [0.10, 0.104], description="k", label=lambda v: f"{v:.1f}")


def test_live_slider_draws_the_first_value_and_closes_figures():
    calls = []

    def draw(k):
        calls.append(k)
        return draw_line(k)

    live = live_slider(draw, [3, 4], description="k")
    assert isinstance(live, widgets.interactive)
    assert calls == [3]
    live.children[0].index = 1
    assert calls == [3, 4]


def test_use_book_style_sets_white_backgrounds():
    with matplotlib.rc_context():
        use_book_style()
        assert matplotlib.rcParams["figure.facecolor"] == "white"
        assert matplotlib.rcParams["axes.facecolor"] == "white"
        assert matplotlib.rcParams["savefig.facecolor"] == "white"
        assert matplotlib.rcParams["figure.dpi"] == 80
        assert matplotlib.rcParams["figure.constrained_layout.use"] is True


def test_multiple_choice_is_in_jupyterquiz_format():
    question = multiple_choice("Sign of $J_{12}$?", {"negative": "Yes.", "positive": "No."},
                               correct="negative")
    assert question == {
        "question": "Sign of $J_{12}$?", "type": "multiple_choice",
        "answers": [{"answer": "negative", "correct": True, "feedback": "Yes."},
                    {"answer": "positive", "correct": False, "feedback": "No."}]}


def test_many_choice_marks_every_correct_answer():
    question = many_choice("Which hold?", {"a": "", "b": "", "c": ""}, correct=["a", "c"])
    assert question["type"] == "many_choice"
    assert [answer["correct"] for answer in question["answers"]] == [True, False, True]


def test_numeric_accepts_a_tolerance_band():
    question = numeric("Largest entry?", 0.25, tolerance=1e-3, feedback_correct="Yes.",
                       feedback_wrong="Maximise s(1 - s).")
    assert question["type"] == "numeric"
    band, default = question["answers"]
    assert band["type"] == "range" and band["correct"] is True
    assert band["range"] == pytest.approx([0.249, 0.251])
    assert default == {"type": "default", "feedback": "Maximise s(1 - s)."}


@pytest.mark.parametrize("build, message", [
    (lambda: multiple_choice("q", {"a": "", "b": ""}, correct="c"),
     "correct answer 'c' is not one of the answers"),
    (lambda: multiple_choice("q", {"a": ""}, correct="a"), "at least two answers"),
    (lambda: many_choice("q", {"a": "", "b": ""}, correct=["a"]), "at least two correct"),
    (lambda: numeric("q", 1.0, tolerance=0, feedback_correct="", feedback_wrong=""),
     "tolerance must be a positive number"),
    (lambda: quiz_html_and_script([]), "questions must be a non-empty list"),
    (lambda: quiz_html_and_script([{"question": "q"}]), "question 1 must be a dict with"),
])
def test_quiz_builders_reject_bad_questions(build, message):
    with pytest.raises(ValueError, match=message):
        build()


QUESTIONS = [
    multiple_choice("Sign of $J_{12}$?", {"negative": "Yes.", "positive": "No."},
                    correct="negative"),
    numeric("Largest entry?", 0.25, 1e-3, "Yes.", "No."),
]


def test_quiz_output_embeds_the_questions_and_is_stable():
    from gradlab.quiz import latex_to_mathml

    html, script = quiz_html_and_script(QUESTIONS)
    assert html.startswith("<div id=\"quiz") and html.endswith("</div>")
    # The math is MathML, written in Python: the page needs no MathJax for it.
    assert json.dumps(latex_to_mathml("Sign of $J_{12}$?")) in script
    assert "$J_{12}$" not in script and '"range": [0.249, 0.251]' in script
    assert "Question.register('numeric'" in script
    assert quiz_html_and_script(QUESTIONS) == (html, script)
    other_html, _ = quiz_html_and_script(QUESTIONS[:1])
    assert other_html[:30] != html[:30]  # another quiz, another container id


def test_quiz_loads_nothing_from_another_host():
    html, script = quiz_html_and_script(QUESTIONS)
    assert "://" not in html
    assert "://" not in script  # jupyterquiz's MathJax CDN fallback is removed
    assert "gradlab: no CDN fallback" in script


def test_show_quiz_displays_html_then_javascript(capsys):
    show_quiz(QUESTIONS)  # outside a kernel, IPython's display prints the reprs
    printed = capsys.readouterr().out
    assert printed.index("HTML object") < printed.index("Javascript object")
