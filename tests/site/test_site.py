r"""The built book as a reader meets it, in headless Chromium.

Every page of ``_build/html`` is opened with every request to another host aborted and
counted. A page passes when it has no console error, no page error, no failed or external
request, no broken image, every image in the text has alt text, and every math element was
typeset by MathJax without an error. Each kernel-free slider is moved and the frame it
shows must change; each quiz question is answered wrongly, then rightly, and its feedback
must say so. A screenshot of each page lands in ``_build/screenshots/`` for a
person to look at.
"""

from __future__ import annotations

import pytest

from tests.site.browser import SITE, SCREENSHOTS, PageReport, built_pages, open_page

PAGES = [p.relative_to(SITE).as_posix() for p in built_pages()
         if p.name not in {"genindex.html", "index.html"}]


def test_the_book_was_built():
    assert (SITE / "index.html").exists(), "run `make book` first"
    assert PAGES, "no pages found in _build/html"


@pytest.mark.parametrize("page_name", PAGES)
def test_page_loads_cleanly(browser, server, page_name):
    report: PageReport = open_page(browser, server, page_name)
    assert report.external_requests == [], f"requests to other hosts: {report.external_requests}"
    assert report.failed_requests == [], f"failed requests: {report.failed_requests}"
    assert report.console_errors == [], f"console errors: {report.console_errors}"
    assert report.page_errors == [], f"page errors: {report.page_errors}"
    assert report.broken_images == [], f"images that did not load: {report.broken_images}"
    assert report.images_without_alt == [], f"images without alt text: {report.images_without_alt}"
    assert report.untypeset_math == [], f"math MathJax did not typeset: {report.untypeset_math}"
    assert report.math_errors == [], f"MathJax errors: {report.math_errors}"
    assert report.widget_placeholders == report.widgets_rendered, (
        f"{report.widget_placeholders} widget views in the page, "
        f"{report.widgets_rendered} rendered")
    assert (SCREENSHOTS / page_name.replace("/", "__").replace(".html", ".png")).exists()


@pytest.mark.parametrize("page_name", PAGES)
def test_every_slider_changes_its_frame(browser, server, page_name):
    report = open_page(browser, server, page_name)
    for slider in report.sliders:
        assert slider.frames_seen > 1, (
            f"slider {slider.label!r}: moving it through {slider.steps} steps showed "
            f"{slider.frames_seen} distinct frame(s)")


@pytest.mark.parametrize("page_name", PAGES)
def test_every_quiz_rejects_a_wrong_answer_and_accepts_the_right_one(browser, server, page_name):
    report = open_page(browser, server, page_name)
    if page_name.startswith("chapters/"):
        assert len(report.quizzes) >= 3, f"a chapter has a quiz of 3-5 questions, found {len(report.quizzes)}"
    for quiz in report.quizzes:
        assert quiz.rejects_wrong, f"{quiz.kind} {quiz.question!r} accepted a wrong answer"
        assert quiz.accepts_right, f"{quiz.kind} {quiz.question!r} rejected the right answer"
