"""The errata page, generated from the chapters' erratum admonitions so that the two cannot drift.

A chapter marks each error of its source article with an admonition of class
``erratum`` and a ``:name:``. The ``errata-list`` directive is replaced, once
every document has been read, by a list of all of them: the chapter, the
admonition's title linked to it, and its first paragraph (what the article
says and what is correct). It works like ``sphinx.ext.todo``'s todolist.
"""

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class errata_list(nodes.General, nodes.Element):
    """Placeholder for the list, filled in when every document has been read."""


class ErrataListDirective(SphinxDirective):
    def run(self):
        if not hasattr(self.env, "lossbook_errata_pages"):
            self.env.lossbook_errata_pages = set()
        self.env.lossbook_errata_pages.add(self.env.docname)
        return [errata_list("")]


def mark_math(app, doctree):
    """The list brings the chapters' math: load MathJax on its page too (after the math domain's own pass)."""
    if app.env.docname in getattr(app.env, "lossbook_errata_pages", set()):
        app.env.get_domain("math").data["has_equations"][app.env.docname] = True


def reread_errata_pages(app, env, added, changed, removed):
    """A page with the list is rebuilt whenever anything is, since any chapter may have changed it."""
    return sorted(getattr(env, "lossbook_errata_pages", set()))


def _is_erratum(node):
    return isinstance(node, nodes.admonition) and "erratum" in node["classes"]


def collect_errata(app, doctree):
    env = app.env
    if not hasattr(env, "lossbook_errata"):
        env.lossbook_errata = []
    for node in doctree.findall(_is_erratum):
        title = node.next_node(nodes.title)
        summary = node.next_node(nodes.paragraph)
        env.lossbook_errata.append({
            "docname": env.docname,
            "id": node["ids"][0] if node["ids"] else "",
            "title": title.astext().removeprefix("Erratum:").strip() if title else "",
            "summary": summary.deepcopy() if summary else nodes.paragraph(),
        })


def purge_errata(app, env, docname):
    env.lossbook_errata = [e for e in getattr(env, "lossbook_errata", []) if e["docname"] != docname]


def merge_errata(app, env, docnames, other):
    env.lossbook_errata = getattr(env, "lossbook_errata", []) + getattr(other, "lossbook_errata", [])


def fill_errata_lists(app, doctree, fromdocname):
    errata = sorted(getattr(app.env, "lossbook_errata", []), key=lambda e: e["docname"])
    for placeholder in list(doctree.findall(errata_list)):
        listing = nodes.bullet_list(classes=["errata-list"])
        for erratum in errata:
            uri = app.builder.get_relative_uri(fromdocname, erratum["docname"]) + "#" + erratum["id"]
            chapter = app.env.titles[erratum["docname"]].astext()
            heading = nodes.paragraph()
            heading += nodes.strong(text=f"{chapter}: ")
            heading += nodes.reference("", erratum["title"], refuri=uri, internal=True)
            item = nodes.list_item(classes=["erratum-entry"])
            item += heading
            item += erratum["summary"].deepcopy()
            listing += item
        placeholder.replace_self(listing)


def setup(app):
    app.add_node(errata_list)
    app.add_directive("errata-list", ErrataListDirective)
    app.connect("doctree-read", collect_errata)
    app.connect("doctree-read", mark_math, priority=900)
    app.connect("env-purge-doc", purge_errata)
    app.connect("env-merge-info", merge_errata)
    app.connect("doctree-resolved", fill_errata_lists)
    app.connect("env-get-outdated", reread_errata_pages)
    return {"version": "1", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
