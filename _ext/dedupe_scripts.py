r"""Drop duplicate inline scripts from every page.

Sphinx 7.4 keeps an inline script twice when an extension registers it after the builder
started (its file name is stored once as ``None`` and once as ``''``). sphinx-thebe's
``const THEBE_JS_URL = ...`` then runs twice and the browser reports "Identifier
'THEBE_JS_URL' has already been declared" on every page. This keeps the first copy.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
