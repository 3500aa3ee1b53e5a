r"""Self-checking quizzes that run in the page, with no kernel (jupyterquiz).

A chapter builds its questions with :func:`multiple_choice`,
:func:`many_choice` and :func:`numeric`, then calls :func:`show_quiz` in a
cell tagged ``remove-input`` (the book shows the quiz, not the code; in
JupyterLab the cell's source is collapsed) and ``nbval-ignore-output``::

    show_quiz([
        multiple_choice("Which entries of the Jacobian are negative?",
                        {"the off-diagonal ones": "Right: $-s_i s_j < 0$.",
                         "the diagonal ones": "No: $s_i(1 - s_i) > 0$."},
                        correct="the off-diagonal ones"),
        numeric("What is the largest possible entry?", 0.25,
                tolerance=1e-3,
                feedback_correct="Yes: $s(1 - s)$ peaks at $s = 1/2$.",
                feedback_wrong="Maximise $s(1 - s)$ over $s$ in [0, 1]."),
    ])

The questions are plain dicts in jupyterquiz's format, so a chapter may also
write one by hand. jupyterquiz is imported only when a quiz is shown:
``import gradlab`` never needs it (the extra ``backprop-by-hand[quiz]``
installs it).

Math: the ``$...$`` in questions, answers and feedback is converted to MathML
here, in Python (latex2mathml), and the browser draws it. No MathJax is
involved: JupyterLab 4 has no global MathJax for jupyterquiz to call (calling
it raised a page error on every render and every answer), and the static
book's MathJax is left alone. jupyterquiz's own calls to MathJax are switched
off, and so is its fallback that loads MathJax from a CDN.
"""

from __future__ import annotations

import hashlib
import json
import math
import re

# jupyterquiz falls back to loading MathJax from a CDN when the page's MathJax
# has not finished starting. The math is MathML already, so that fallback is
# removed: the quiz must not make requests to any other host.
_CDN_FALLBACK = re.compile(
    r"\(function \(\) \{\s*var script = document\.createElement\('script'\);"
    r".*?document\.head\.appendChild\(script\);\s*\}\)\(\);", re.DOTALL)

# $$...$$ (display) or $...$ (inline) math, not preceded by a backslash.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<!\\)\$(.+?)\$", re.DOTALL)


def multiple_choice(question: str, answers: dict[str, str],
                    correct: str) -> dict:
    r"""A question with one right answer among ``answers``.

    ``answers`` maps each answer's text to the feedback shown when it is
    clicked. Text may contain ``$...$`` math.
    """
    return _choice(question, answers, [correct], "multiple_choice")


def many_choice(question: str, answers: dict[str, str],
                correct: list[str]) -> dict:
    r"""A question with several right answers; the reader finds them all."""
    if len(correct) < 2:
        raise ValueError(f"many_choice needs at least two correct answers, "
                         f"got {correct!r}; use multiple_choice for one")
    return _choice(question, answers, list(correct), "many_choice")


def _choice(question: str, answers: dict[str, str], correct: list[str],
            kind: str) -> dict:
    if len(answers) < 2:
        raise ValueError(f"a choice question needs at least two answers, "
                         f"got {len(answers)}")
    unknown = [answer for answer in correct if answer not in answers]
    if unknown:
        raise ValueError(f"correct answer {unknown[0]!r} is not one of the "
                         f"answers {list(answers)}")
    return {"question": question, "type": kind,
            "answers": [{"answer": answer, "correct": answer in correct,
                         "feedback": feedback}
                        for answer, feedback in answers.items()]}


def numeric(question: str, value: float, tolerance: float,
            feedback_correct: str, feedback_wrong: str) -> dict:
    r"""A question whose answer is a number, within ``value ± tolerance``.

    The reader may type a decimal, a power of ten (``2.5e-3``) or a fraction
    (``1/4``).
    """
    value, tolerance = float(value), float(tolerance)
    if not math.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value}")
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a positive number, got "
                         f"{tolerance}; a typed decimal is rarely exactly "
                         f"equal to the answer")
    return {"question": question, "type": "numeric",
            "answers": [{"type": "range",
                         "range": [value - tolerance, value + tolerance],
                         "correct": True, "feedback": feedback_correct},
                        {"type": "default", "feedback": feedback_wrong}]}


def quiz_html_and_script(questions: list[dict]) -> tuple[str, str]:
    r"""The HTML container and the JavaScript that display ``questions``.

    The output of ``jupyterquiz.display_quiz(questions,
    shuffle_answers=False)``, with three changes: the container id is derived
    from the questions (re-running a notebook does not change its output),
    the math is MathML (:func:`latex_to_mathml`), and the script neither
    calls MathJax nor loads it from a CDN.
    """
    from jupyterquiz.dynamic.loader import load_questions_script
    from jupyterquiz.dynamic.renderer import (build_script, build_styles,
                                              render_div)

    if not isinstance(questions, list) or not questions:
        raise ValueError(f"questions must be a non-empty list of question "
                         f"dicts, got {questions!r}")
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, dict) or "type" not in question:
            raise ValueError(f"question {number} must be a dict with a "
                             f"'type' (build it with multiple_choice or "
                             f"numeric), got {question!r}")
    questions = [_with_mathml(question) for question in questions]
    text = json.dumps(questions, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    # Letters only: jupyterquiz uses the id as a JavaScript variable name.
    letters = str.maketrans("0123456789", "ghijklmnop")
    div_id = "quiz" + digest[:12].translate(letters)
    prefix, static, url = load_questions_script(questions, div_id)
    html = render_div(div_id, shuffle_questions=False, shuffle_answers=False,
                      preserve_responses=False, num=1_000_000, max_width=600,
                      border_radius=10, question_alignment="left")
    html += build_styles(div_id, _COLORS) + "</div>"
    script = build_script(prefix, static, url, div_id, load_js=True)
    script = _CDN_FALLBACK.sub("/* gradlab: no CDN fallback */", script)
    # Inside this function ``MathJax`` is undefined whatever the page has, so
    # jupyterquiz skips typesetting: the math is MathML already.
    script = ("(function () {\n"
              "var MathJax;  // gradlab: the math is MathML\n"
              f"{script}\n}})();\n")
    return html, script


def latex_to_mathml(text: str) -> str:
    r"""``text`` with each ``$...$`` and ``$$...$$`` replaced by MathML.

    >>> latex_to_mathml(r"row $k$")
    'row <math display="inline"><mrow><mi>k</mi></mrow></math>'
    """
    from latex2mathml.converter import convert

    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")

    def replace(match: re.Match) -> str:
        display, inline = match.group(1), match.group(2)
        latex = display if display is not None else inline
        mode = "block" if display is not None else "inline"
        mathml = convert(latex.strip(), display=mode)
        # In HTML a <math> element needs no namespace (and the quiz names no
        # other host); MathML Core, what browsers draw, ignores
        # mathvariant="bold".
        mathml = mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"',
                                "")
        return mathml.replace('mathvariant="bold"',
                              'style="font-weight: bold"')

    converted = _MATH.sub(replace, text)
    if re.search(r"(?<!\\)\$", converted):
        raise ValueError(f"unbalanced $ in quiz text {text!r}: write \\$ "
                         f"for a dollar sign")
    return converted


def _with_mathml(question: dict) -> dict:
    converted = dict(question)
    converted["question"] = latex_to_mathml(question["question"])
    converted["answers"] = [
        {key: (latex_to_mathml(value) if key in ("answer", "feedback")
               else value)
         for key, value in answer.items()}
        for answer in question.get("answers", [])]
    return converted


def show_quiz(questions: list[dict]) -> None:
    r"""Display ``questions`` as a quiz that checks answers in the page."""
    from IPython.display import HTML, Javascript, display

    html, script = quiz_html_and_script(questions)
    display(HTML(html))
    display(Javascript(script))


# jupyterquiz's default palette (light text on dark panels), kept here so the
# output is stable.
_COLORS = {
    "--jq-multiple-choice-bg": "#392061",
    "--jq-mc-button-bg": "#fafafa",
    "--jq-mc-button-border": "#e0e0e0e0",
    "--jq-mc-button-inset-shadow": "#555555",
    "--jq-many-choice-bg": "#f75c03ff",
    "--jq-numeric-bg": "#392061ff",
    "--jq-numeric-input-bg": "#c0c0c0",
    "--jq-numeric-input-label": "#101010",
    "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#4c1a57",
    "--jq-incorrect-color": "#c80202",
    "--jq-correct-color": "#009113",
    "--jq-text-color": "#fafafa",
    "--jq-link-color": "#9abafa",
}
