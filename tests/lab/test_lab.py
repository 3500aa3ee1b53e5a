r"""Every notebook as a student runs it: JupyterLab 4 from the Binder environment.

For each notebook of chapters/ and exercises/, in headless Chromium, with every request
to another host aborted: open it, check it is not marked modified once the kernel is up,
run all cells (*Run All*), then check

- no error output, every code cell ran, no page error, no request to another host;
- no raw MyST (roles, directive fences and options, equation labels) and no raw LaTeX
  (``$``, ``\(``, backslash commands) in the rendered markdown and the rich outputs, the
  solutions' text included, no math error (KaTeX, which jupyterlab-myst uses, or
  MathJax), and no unresolved reference except to an equation of another page;
- every solution is folded (a closed block), every quiz's source collapsed, and no quiz
  answer (``correct=``) visible on the page; each quiz question rejects a wrong answer and
  accepts the right one;
- every slider changes its figure when moved one step (the live ones ask the kernel).

Screenshots of each notebook (top, first solution, first quiz) go to
_build/lab-screenshots/.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [path.relative_to(ROOT).as_posix() for path in
             sorted((ROOT / "chapters").glob("*.ipynb"))
             + sorted((ROOT / "exercises").glob("*.ipynb"))]
SHOTS = ROOT / "_build" / "lab-screenshots"

RAW_MYST = re.compile(r"\{(eq|ref|numref|doc|math|exercise|solution)\}|^\s*:::|^\s*```\{"
                      r"|:(label|class|nonumber):|\$\$\s*\([\w-]+\)", re.MULTILINE)
RAW_LATEX = re.compile(r"\$|\\[()\[\]]|\\[A-Za-z]+")

PANEL = "window.jupyterapp.shell.currentWidget"

READY_JS = f"""() => {{
  const panel = window.jupyterapp && {PANEL};
  if (!panel || !panel.sessionContext || !panel.context.isReady) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && !!kernel.info;
}}"""

STATE_JS = f"""async () => {{
  const panel = {PANEL};
  await panel.sessionContext.session.kernel.info;
  return {{dirty: panel.context.model.dirty,
           kernel: panel.sessionContext.kernelDisplayName}};
}}"""

RUN_ALL_JS = f"""async () => {{
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  const panel = {PANEL};
  const cells = panel.content.widgets;
  const code = cells.filter(c => c.model.type === 'code');
  return {{
    notRun: code.filter(c => c.model.executionCount === null).length,
    errors: code.flatMap(c => c.model.outputs.toJSON())
                .filter(o => o.output_type === 'error')
                .map(o => o.ename + ': ' + o.evalue),
  }};
}}"""

# Text a reader sees in rendered markdown and rich outputs (math, code and editors
# removed), closed blocks included.
INSPECT_JS = f"""() => {{
  const panel = {PANEL};
  const cells = panel.content.widgets;
  const prose = (node) => {{
    const copy = node.cloneNode(true);
    copy.querySelectorAll('mjx-container, math, pre, code, .cm-editor, style, script, '
                          + '.jp-InputArea-editor').forEach(e => e.remove());
    return copy.textContent;
  }};
  const markdown = cells.filter(c => c.model.type === 'markdown').map(c => {{
    const out = c.node.querySelector('.jp-MarkdownOutput, .myst');
    return {{rendered: c.rendered, text: out ? prose(out) : null}};
  }});
  const outputs = cells.filter(c => c.model.type === 'code').flatMap(c =>
    [...c.node.querySelectorAll('.jp-OutputArea-output.jp-RenderedHTMLCommon, '
                                + '.jp-OutputArea-output .jp-RenderedHTMLCommon')]
      .map(prose));
  const solutions = [...panel.node.querySelectorAll('details')].filter(d => {{
    const summary = d.querySelector('summary');
    return summary && /^\\s*Solution/.test(summary.textContent);
  }});
  const quizzes = cells.filter(c => c.model.type === 'code'
                               && /^show_quiz\\(/m.test(c.model.sharedModel.getSource()));
  return {{
    markdown, outputs,
    mathErrors: [...panel.node.querySelectorAll('mjx-merror, .katex-error')]
                  .map(e => e.textContent),
    unresolved: [...panel.node.querySelectorAll('[title="Cross Reference Not Found"]')]
                  .map(e => e.textContent.trim()),
    solutions: solutions.length,
    openSolutions: solutions.filter(d => d.open).length,
    quizCells: quizzes.length,
    quizInputsShown: quizzes.filter(c => !c.inputHidden).length,
    quizzesRendered: quizzes.filter(c => c.node.querySelector('.Quiz')).length,
    answersVisible: panel.node.innerText.includes('correct='),
  }};
}}"""

OPEN_DETAILS_JS = f"() => {PANEL}.node.querySelectorAll('details').forEach(d => d.open = true)"

FRAME_JS = r"""(handle) => {
  const cell = handle.closest('.jp-Cell');
  return [...cell.querySelectorAll('.jp-OutputArea img')]
    .filter(i => i.offsetParent !== null)
    .map(i => i.src.length + ':' + i.src.slice(-64)).join('|');
}"""


@dataclass
class LabReport:
    state: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    seen: dict = field(default_factory=dict)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    sliders: list[tuple[str, bool]] = field(default_factory=list)
    quizzes: list[tuple[str, bool, bool]] = field(default_factory=list)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _move_sliders(page) -> list[tuple[str, bool]]:
    r"""One step right on every slider; did the images of its cell change?"""
    results = []
    for handle in page.query_selector_all(".jp-OutputArea .noUi-handle"):
        handle.scroll_into_view_if_needed()
        label = handle.evaluate("h => (h.closest('.widget-slider, .jupyter-widgets')"
                                ".querySelector('label') || {}).textContent || ''")
        before = hashlib.sha1(handle.evaluate(FRAME_JS).encode()).hexdigest()
        handle.focus()
        page.keyboard.press("ArrowRight")
        changed = False
        for _ in range(50):  # a live slider waits for the kernel to draw the figure
            page.wait_for_timeout(200)
            now = hashlib.sha1(handle.evaluate(FRAME_JS).encode()).hexdigest()
            if now != before:
                changed = True
                break
        results.append((label.strip(), changed))
    return results


def _answer_quizzes(page) -> list[tuple[str, bool, bool]]:
    r"""Each question: a wrong answer, then the right one; as tests/site/browser.py."""
    results = []
    for wrapper in page.query_selector_all(".jp-OutputArea div[data-numquestions] .Quiz"):
        wrapper.scroll_into_view_if_needed()
        kind = wrapper.evaluate("w => w.firstElementChild.className")
        question = wrapper.evaluate("w => w.firstElementChild.textContent.slice(0, 60)")
        outcomes = []
        if kind == "NumericQn":
            box = wrapper.query_selector(".Input-text")
            answers = json.loads(box.get_attribute("data-answers"))
            right = next(a for a in answers if a.get("correct"))
            value = (right["value"] if right["type"] == "value"
                     else sum(right["range"]) / 2)
            for number in (1e6 + abs(value), value):
                box.fill(repr(number))
                box.press("Enter")
                page.wait_for_timeout(100)
                outcomes.append(wrapper.eval_on_selector(".Feedback", "f => f.className"))
        else:
            for correct in ("false", "true"):
                wrapper.query_selector(f'.MCButton[data-correct="{correct}"]').click()
                page.wait_for_timeout(100)
                outcomes.append(wrapper.eval_on_selector(".Feedback", "f => f.className"))
        results.append((question, "incorrect" in outcomes[0].split(),
                        "correct" in outcomes[1].split()
                        and "incorrect" not in outcomes[1].split()))
    return results


def open_and_run(chromium, lab, notebook: str) -> LabReport:
    report = LabReport()
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    local = urlparse(lab["base"]).netloc

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).scheme in ("http", "https", "ws", "wss") \
                and urlparse(url).netloc != local:
            report.external_requests.append(url)
            request_route.abort()
        else:
            request_route.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda error: report.page_errors.append(str(error)))
    try:
        page.goto(f"{lab['base']}/lab/tree/{notebook}?reset&token={lab['token']}")
        page.wait_for_function(READY_JS, timeout=120_000)
        page.wait_for_timeout(1000)  # what JupyterLab does once the kernel is up
        report.state = page.evaluate(STATE_JS)
        name = notebook.replace("/", "__").removesuffix(".ipynb")
        _shot(page, f"{name}-opened")
        report.run = page.evaluate(RUN_ALL_JS)
        page.wait_for_function(READY_JS, timeout=120_000)
        page.wait_for_timeout(1500)  # widgets and quizzes render after their output
        report.seen = page.evaluate(INSPECT_JS)
        for selector, suffix in (("details", "solution"), (".Quiz", "quiz")):
            first = page.query_selector(f".jp-Notebook {selector}")
            if first:
                first.scroll_into_view_if_needed()
                _shot(page, f"{name}-{suffix}")
        report.sliders = _move_sliders(page)
        report.quizzes = _answer_quizzes(page)
        page.evaluate(OPEN_DETAILS_JS)
        page.wait_for_timeout(300)
        opened = page.evaluate(INSPECT_JS)
        texts = ([m["text"] or "" for m in opened["markdown"]] + opened["outputs"])
        for text in texts:
            for pattern in (RAW_MYST, RAW_LATEX):
                for match in pattern.finditer(text):
                    start = max(0, match.start() - 40)
                    report.raw.append(text[start:match.end() + 40].replace("\n", " "))
        page.evaluate(f"() => {PANEL}.sessionContext.shutdown()")
    finally:
        context.close()
    return report


def expected_solutions(notebook: str) -> int:
    cells = nbformat.read(ROOT / notebook, as_version=4).cells
    return sum(cell.source.count("{solution}") for cell in cells
               if cell.cell_type == "markdown")


def labels(path: Path) -> set[str]:
    r"""Equation and exercise labels that a document of the book defines."""
    if path.suffix == ".ipynb":
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                         if cell.cell_type == "markdown")
    else:
        text = path.read_text()
    return (set(re.findall(r"\$\$\s*\(([\w-]+)\)", text))
            | set(re.findall(r":label:\s*([\w-]+)", text))
            | set(re.findall(r"^\(([\w-]+)\)=", text, re.MULTILINE)))


def other_documents_labels(notebook: str) -> set[str]:
    documents = [path for path in [*ROOT.glob("*.md"), *ROOT.glob("chapters/*.ipynb"),
                                   *ROOT.glob("exercises/*.ipynb")]
                 if path != ROOT / notebook and path.name != "README.md"]
    return set().union(*(labels(path) for path in documents))


def expected_sliders(notebook: str) -> int:
    r"""The sliders in the notebook's saved widget state (what make notebooks ran)."""
    metadata = nbformat.read(ROOT / notebook, as_version=4).metadata
    state = metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return sum(model["model_name"].endswith("SliderModel") for model in state.values())


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_in_jupyterlab(chromium, lab, notebook):
    report = open_and_run(chromium, lab, notebook)
    assert report.state["kernel"] == "Python 3 (ipykernel)", report.state
    assert not report.state["dirty"], (
        f"{notebook} opens modified (kernelspec or language_info differ from what the "
        f"kernel reports): run make notebooks")
    assert not report.external_requests, report.external_requests
    assert not report.page_errors, report.page_errors
    assert not report.run["errors"], report.run["errors"]
    assert report.run["notRun"] == 0, f"Run All left {report.run['notRun']} cells unrun"
    seen = report.seen
    assert all(cell["rendered"] and cell["text"] is not None for cell in seen["markdown"])
    assert not report.raw, f"raw MyST or LaTeX on the page: {report.raw[:10]}"
    assert not seen["mathErrors"], seen["mathErrors"]
    # A notebook is rendered on its own in JupyterLab: a reference to an equation of
    # another page of the book (notation.md, a chapter from its exercises) cannot
    # resolve there and shows as the label with a warning sign. Any other unresolved
    # reference is a broken one.
    broken = set(seen["unresolved"]) - other_documents_labels(notebook)
    assert not broken, f"references that resolve nowhere: {sorted(broken)}"
    assert seen["solutions"] == expected_solutions(notebook), (
        f"{seen['solutions']} solution blocks rendered, "
        f"{expected_solutions(notebook)} in the notebook")
    assert seen["openSolutions"] == 0, f"{seen['openSolutions']} solutions unfolded"
    assert seen["quizInputsShown"] == 0, "a quiz cell shows its source (the answers)"
    assert not seen["answersVisible"], "quiz answers (correct=...) are visible"
    assert seen["quizzesRendered"] == seen["quizCells"]
    if notebook.startswith("chapters/"):
        assert seen["quizCells"] >= 1 and len(report.quizzes) >= 3, report.quizzes
    for question, rejects_wrong, accepts_right in report.quizzes:
        assert rejects_wrong and accepts_right, question
    assert len(report.sliders) == expected_sliders(notebook), (
        f"{len(report.sliders)} sliders found, {expected_sliders(notebook)} saved")
    for label, changed in report.sliders:
        assert changed, f"slider {label!r}: one step did not change its figure"
