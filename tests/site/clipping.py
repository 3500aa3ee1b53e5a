r"""Find what the book's column clips: code blocks and display equations too wide for it.

A reader at 1280 px must see every line of code and every equation in full, without a
scroll bar inside the text and without an equation running under its number. Two things
are measured in a page whose MathJax has finished:

* every visible ``pre`` (code cells, their printed output, code in the prose and in the
  solutions): clipped when ``scrollWidth > clientWidth``, that is when a line is wider
  than the block and can only be read by scrolling it sideways;
* every display equation (``mjx-container[display="true"]``): clipped when the typeset
  formula (its ``mjx-math``) reaches outside the column it stands in (the ``div.math``
  of a labelled or unlabelled equation, otherwise the container itself), or when its
  box meets the box of its equation number.

Folded blocks (exercise solutions, ``details``) are unfolded first, so what a reader can
unfold is measured too. Run ``python -m tests.site.clipping`` after ``make book`` to
print the counts for every page of the built book.
"""

from __future__ import annotations

# One pixel of slack: sub-pixel rounding must not count as clipping.
CLIPPING_JS = r"""async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden .toggle-button, button.toggle-button')
    .forEach(b => { if (b.closest('.toggle-hidden')) b.click(); });
  await new Promise(r => setTimeout(r, 200));
  const shown = el => el.offsetParent !== null && el.getClientRects().length > 0;
  const longest = text => text.split('\n').reduce((a, b) => b.length > a.length ? b : a, '');
  const code = [...document.querySelectorAll('main pre, article pre')]
    .filter((pre, i, all) => all.indexOf(pre) === i && shown(pre))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => `${pre.scrollWidth}px in ${pre.clientWidth}px: ` +
                longest(pre.textContent).trim().slice(0, 100));
  const tex = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      tex.set(item.typesetRoot, item.math);
    }
  }
  const math = [];
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    if (!shown(box)) continue;
    const formula = box.querySelector('mjx-math');
    if (!formula) continue;
    const column = box.closest('div.math') || box;
    const f = formula.getBoundingClientRect();
    const c = column.getBoundingClientRect();
    const label = column.querySelector('.eqno');
    const e = label ? label.getBoundingClientRect() : null;
    const source = (tex.get(box) || box.textContent).replace(/\s+/g, ' ').trim().slice(0, 100);
    if (f.right > c.right + 1 || f.left < c.left - 1 || box.scrollWidth > box.clientWidth + 1) {
      math.push(`${Math.round(f.width)}px in ${Math.round(c.width)}px: ${source}`);
    } else if (e && e.width > 0 && f.right > e.left + 1 && f.left < e.right - 1
               && f.bottom > e.top + 1 && f.top < e.bottom - 1) {
      math.push(`under its number ${label.textContent.trim()}: ${source}`);
    }
  }
  return {code, math};
}"""


def measure(page) -> dict[str, list[str]]:
    r"""Return ``{"code": [...], "math": [...]}``: one line per clipped block of ``page``.

    ``page`` is a Playwright page whose MathJax has finished typesetting. Folded blocks
    are unfolded, so call this after everything else that looks at the page.
    """
    return page.evaluate(CLIPPING_JS)


def main() -> None:
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from tests.site.browser import CHROMIUM_FLAGS, SITE, built_pages
    from tests.site.conftest import CHROMIUM, QuietHandler

    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    total = {"code": 0, "math": 0}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for path in built_pages():
            name = path.relative_to(SITE).as_posix()
            if name in {"genindex.html", "index.html", "search.html"}:
                continue
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/{name}", wait_until="load")
            page.wait_for_function("() => !window.MathJax || (MathJax.startup "
                                   "&& MathJax.startup.promise)", timeout=20_000)
            page.evaluate("() => window.MathJax ? MathJax.startup.promise : null")
            found = measure(page)
            context.close()
            total["code"] += len(found["code"])
            total["math"] += len(found["math"])
            print(f"{name:45s} code {len(found['code']):4d}   math {len(found['math']):3d}")
        browser.close()
    httpd.shutdown()
    print(f"{'total':45s} code {total['code']:4d}   math {total['math']:3d}")


if __name__ == "__main__":
    main()
