r"""Nothing in the book's column is clipped at 1280 px, on any page.

Each page is opened at 1280 × 900 in headless Chromium (through the same page report as
``test_site.py``). A code block fails when one of its lines is wider than the block, so
that the reader must scroll it sideways (``scrollWidth > clientWidth`` on its ``pre``); a
display equation fails when the typeset formula is wider than its column or runs under its
equation number. The failure lists every clipped block with its width and its first
characters. ``python -m tests.site.clipping`` prints the counts for every page.
"""

from __future__ import annotations

import pytest

from tests.site.browser import SITE, built_pages, open_page

PAGES = [p.relative_to(SITE).as_posix() for p in built_pages()
         if p.name not in {"genindex.html", "index.html"}]


def _listing(items: list[str]) -> str:
    return "\n  ".join(items)


@pytest.mark.parametrize("page_name", PAGES)
def test_no_code_block_is_clipped(browser, server, page_name):
    clipped = open_page(browser, server, page_name).clipped_code
    assert clipped == [], (f"{len(clipped)} code block(s) wider than the column at "
                           f"1280 px:\n  {_listing(clipped)}")


@pytest.mark.parametrize("page_name", PAGES)
def test_no_display_equation_is_clipped(browser, server, page_name):
    clipped = open_page(browser, server, page_name).clipped_math
    assert clipped == [], (f"{len(clipped)} display equation(s) wider than the column "
                           f"or under their number at 1280 px:\n  {_listing(clipped)}")
