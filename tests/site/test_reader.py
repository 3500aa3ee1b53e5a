r"""What a reader does beyond reading: search, dark mode, a phone, and following links.

- The site search finds each chapter by a word from its text.
- In the theme's dark mode every chapter's figures keep their white background (a
  screenshot of each chapter in dark mode is saved under ``_build/screenshots/dark/``).
- On a narrow (phone) viewport a chapter's main text does not overflow sideways.
- Every internal link of every page points at a page that exists, and at an anchor that
  exists in it.
"""

from __future__ import annotations

import html.parser
import json
import io
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from PIL import Image

from tests.site.browser import SCREENSHOTS, SITE, built_pages

CHAPTERS = sorted(p.relative_to(SITE).as_posix() for p in (SITE / "chapters").glob("*.html"))
SEARCH_WORDS = {  # a word that stands in the chapter's text, and the page it must find
    "chapters/01_softmax_jacobian.html": "Kronecker",
    "chapters/02_cross_entropy.html": "likelihood",
    "chapters/03_pooling.html": "argmax",
    "chapters/04_convolution.html": "Toeplitz",
    "chapters/05_mlp_backprop.html": "tanh",
    "chapters/06_capstone_digits.html": "confusion",
    "chapters/07_batchnorm_attention.html": "transformer",
}


def test_every_chapter_has_a_search_word():
    assert CHAPTERS, "no chapters were built"
    assert set(CHAPTERS) <= set(SEARCH_WORDS), "add a search word for each new chapter"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_search_finds_the_chapter(browser, server, chapter):
    page = browser.new_page()
    page.goto(f"{server}/search.html?q={SEARCH_WORDS[chapter]}")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    links = page.eval_on_selector_all("#search-results ul.search li a",
                                      "links => links.map(a => a.getAttribute('href'))")
    page.close()
    assert any(chapter in (href or "") for href in links), (
        f"searching {SEARCH_WORDS[chapter]!r} did not list {chapter}: {links[:8]}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_stay_white_in_dark_mode(browser, server, chapter):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
    page = context.new_page()
    page.goto(f"{server}/{chapter}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    figure = page.locator(".cell_output img").first
    figure.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot = figure.screenshot()
    (SCREENSHOTS / "dark").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dark" / chapter.replace("/", "__").replace(".html", ".png")))
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    context.close()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    corners = [image.getpixel((x, y)) for x in (2, image.width - 3) for y in (2, image.height - 3)]
    assert all(min(pixel) >= 240 for pixel in corners), (
        f"the first figure of {chapter} is not on white in dark mode: corners {corners}")
    assert page_background != "rgb(255, 255, 255)", "the page itself was not dark"


def test_a_chapter_fits_a_phone_screen(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/{CHAPTERS[0]}", wait_until="load")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "phone.png"))
    overflow = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth - window.innerWidth,
        main: [...document.querySelectorAll('article p, article li, article h1, article h2, article .math')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.textContent.slice(0, 60)),
    })""")
    context.close()
    assert overflow["page"] <= 0, f"the page scrolls sideways by {overflow['page']} px"
    assert overflow["main"] == [], f"text wider than the screen: {overflow['main'][:5]}"


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_resolve():
    pages = built_pages()
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, links in parsed.items():
        for href in links.hrefs:
            url = urlparse(href)
            if url.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(SITE)} -> {href} (no such file)")
            elif url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(SITE)} -> {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:20])


EXERCISE_PAGES = sorted(p for p in (SITE / "exercises").glob("*.html"))


@pytest.mark.parametrize("page", EXERCISE_PAGES, ids=lambda p: p.name)
def test_exercise_pages_offer_their_notebook_for_download(page):
    downloads = [href for href in _parse(page).hrefs if href.endswith(".ipynb") and "_sources" in href]
    assert downloads, f"{page.name} has no .ipynb download link"
    notebook = (page.parent / downloads[0]).resolve()
    assert notebook.name == page.with_suffix(".ipynb").name
    cells = json.loads(notebook.read_text())["cells"]
    assert any("NotImplementedError" in "".join(cell["source"]) for cell in cells), \
        "the downloaded notebook should hold the exercise stubs"


NOTEBOOK_PAGES = sorted(SITE.glob("chapters/*.html")) + EXERCISE_PAGES
LAUNCHERS = {"Binder": "mybinder.org/v2/gh/", "JupyterHub": "/hub/user-redirect/git-pull?repo=",
             "Colab": "colab.research.google.com/github/"}


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=lambda p: p.relative_to(SITE).as_posix())
def test_notebook_pages_have_the_three_launch_buttons(page):
    notebook = page.relative_to(SITE).with_suffix(".ipynb").as_posix()
    hrefs = [unquote(href) for href in _parse(page).hrefs]
    for launcher, marker in LAUNCHERS.items():
        assert any(marker in href and href.rstrip("/").endswith(notebook) or
                   marker in href and f"{notebook}&" in href for href in hrefs), \
            f"{page.name}: no {launcher} button opening {notebook}"
