"""Sphinx fixes the built site needs, each one a defect a reader would otherwise meet.

- sphinx-thebe adds its inline configuration script once per reading of the
  sources, and Jupyter Book reads them twice: the second ``const THEBE_JS_URL``
  is a SyntaxError in every page's console. Identical inline scripts are kept once.
"""


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # An inline script is known by its body (its filename may be '' or None).
        key = getattr(script, "attributes", {}).get("body") or getattr(script, "filename", str(script))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
