r"""Open a page of the built book in Chromium and record what a reader would run into."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tests.site.clipping import measure as measure_clipping

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]

# Read in the page once MathJax and the widget manager have finished.
INSPECT_JS = r"""() => {
  const text = (el) => el.outerHTML.slice(0, 120);
  const inText = [...document.querySelectorAll('main img, article img')];
  return {
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    imagesWithoutAlt: inText.filter(i => !(i.getAttribute('alt') || '').trim()).map(text),
    untypesetMath: [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container')).map(text),
    mathErrors: [...document.querySelectorAll('mjx-merror')].map(m => m.getAttribute('data-mjx-error') || m.textContent),
    widgetPlaceholders: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
    widgetsRendered: document.querySelectorAll('.widget-subarea > .jupyter-widgets').length,
  };
}"""

# The frame a slider shows: the images of the visible child of the widget's stack.
VISIBLE_FRAME_JS = r"""(handle) => {
  const box = handle.closest('.widget-subarea');
  const shown = [...box.querySelectorAll('img')].filter(i => i.offsetParent !== null);
  return shown.map(i => i.src.length + ':' + i.src.slice(-64)).join('|');
}"""


@dataclass
class SliderReport:
    label: str
    steps: int
    frames_seen: int


@dataclass
class QuizReport:
    question: str
    kind: str
    rejects_wrong: bool
    accepts_right: bool


@dataclass
class PageReport:
    external_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    untypeset_math: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    widget_placeholders: int = 0
    widgets_rendered: int = 0
    sliders: list[SliderReport] = field(default_factory=list)
    quizzes: list[QuizReport] = field(default_factory=list)
    clipped_code: list[str] = field(default_factory=list)
    clipped_math: list[str] = field(default_factory=list)


_reports: dict[str, PageReport] = {}


def built_pages() -> list[Path]:
    r"""Every HTML page of the built book a reader can reach (not ``_static``, ``_sources``,
    nor stale output of hidden folders such as ``.pytest_cache``)."""
    return sorted(p for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).parts[0].startswith(("_", ".")))


def open_page(browser, base_url: str, page_name: str) -> PageReport:
    r"""Load one page (once per test session) and return what went wrong on it."""
    if page_name not in _reports:
        _reports[page_name] = _inspect(browser, base_url, page_name)
    return _reports[page_name]


def _inspect(browser, base_url: str, page_name: str) -> PageReport:
    report = PageReport()
    local_host = urlparse(base_url).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).scheme in {"http", "https"} and urlparse(url).netloc != local_host:
            report.external_requests.append(url)
            request_route.abort()
        else:
            request_route.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
    page.on("pageerror", lambda e: report.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: urlparse(r.url).netloc == local_host
            and report.failed_requests.append(f"{r.url} ({r.failure})"))

    page.goto(f"{base_url}/{page_name}", wait_until="load")
    page.wait_for_function("() => !window.MathJax || (window.MathJax.startup && "
                           "window.MathJax.startup.promise)", timeout=20_000)
    page.evaluate("() => window.MathJax ? window.MathJax.startup.promise : null")
    _wait_for_widgets(page)
    found = page.evaluate(INSPECT_JS)
    report.broken_images = found["brokenImages"]
    report.images_without_alt = found["imagesWithoutAlt"]
    report.untypeset_math = found["untypesetMath"]
    report.math_errors = found["mathErrors"]
    report.widget_placeholders = found["widgetPlaceholders"]
    report.widgets_rendered = found["widgetsRendered"]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / (page_name.replace("/", "__").replace(".html", ".png"))
    page.screenshot(path=str(shot), full_page=True)
    report.sliders = [_move_slider(page, handle) for handle in page.query_selector_all(
        ".widget-subarea .noUi-handle")]
    report.quizzes = [_answer_question(page, wrapper)
                      for wrapper in page.query_selector_all("div[data-numquestions] .Quiz")]
    # Last: it unfolds the solutions, which changes the page.
    clipped = measure_clipping(page)
    report.clipped_code, report.clipped_math = clipped["code"], clipped["math"]
    context.close()
    return report


def _wait_for_widgets(page) -> None:
    expected = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if expected:
        page.wait_for_function(
            f"() => document.querySelectorAll('.widget-subarea > .jupyter-widgets').length >= {expected}",
            timeout=20_000)
        page.wait_for_timeout(300)


def _move_slider(page, handle) -> SliderReport:
    r"""Press the right arrow on a slider's handle until its end; count distinct frames."""
    handle.scroll_into_view_if_needed()
    label = handle.evaluate("h => (h.closest('.widget-slider, .jupyter-widgets')"
                            ".querySelector('label') || {}).textContent || ''")
    steps = int(float(handle.get_attribute("aria-valuemax") or 0)
                - float(handle.get_attribute("aria-valuemin") or 0))
    frames = {hashlib.sha1(handle.evaluate(VISIBLE_FRAME_JS).encode()).hexdigest()}
    handle.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
        frames.add(hashlib.sha1(handle.evaluate(VISIBLE_FRAME_JS).encode()).hexdigest())
    return SliderReport(label=label.strip(), steps=steps, frames_seen=len(frames))


def _feedback(wrapper) -> str:
    return wrapper.eval_on_selector(".Feedback", "f => f.className")


def _answer_question(page, wrapper) -> QuizReport:
    r"""Give one quiz question a wrong answer, then the right one; read the feedback."""
    wrapper.scroll_into_view_if_needed()
    kind = wrapper.evaluate("w => w.firstElementChild.className")
    question = wrapper.evaluate("w => w.firstElementChild.textContent.slice(0, 80)")
    if kind == "NumericQn":
        field = wrapper.query_selector(".Input-text")
        answers = json.loads(field.get_attribute("data-answers"))
        right = next(a for a in answers if a.get("correct"))
        value = (right["value"] if right["type"] == "value" else sum(right["range"]) / 2)
        outcomes = []
        for number in (1e6 + abs(value), value):  # wrong, then right
            field.fill(repr(number))
            field.press("Enter")
            page.wait_for_timeout(100)
            outcomes.append(_feedback(wrapper).split())
    else:
        wrong = wrapper.query_selector('.MCButton[data-correct="false"]')
        right = wrapper.query_selector('.MCButton[data-correct="true"]')
        outcomes = []
        for button in (wrong, right):
            button.click()
            page.wait_for_timeout(100)
            outcomes.append(_feedback(wrapper).split())
    return QuizReport(question=question, kind=kind,
                      rejects_wrong="incorrect" in outcomes[0],
                      accepts_right="correct" in outcomes[1] and "incorrect" not in outcomes[1])
