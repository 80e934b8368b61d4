"""The built site as files: internal links resolve, nothing loads from the network, pages stay light, errata match.

The page-weight budget is stated in the README: a page with everything it
loads at most 4 MiB, of which its own content (the HTML and its figures) at
most 1 MiB. The shared part (the theme, MathJax) is about 3.3 MiB and is
cached after the first page.
"""

import functools
import hashlib
import json
import pathlib
import re
from urllib.parse import unquote, urlsplit

import pytest

from built_site import HTML, ROOT, built_page, page_assets, toc_documents

PAGE_BUDGET = 4 * 2**20
OWN_CONTENT_BUDGET = 2**20
SEARCH_INDEX_BUDGET = 2**19  # 165 KiB for nine chapters and the API page

HREF = re.compile(r'\shref="([^"]*)"')
REMOTE_LOAD = re.compile(
    r'<(?:script|img|link|iframe)\b[^>]*?(?:src|href)="(https?:)?//[^"]*"[^>]*>'
)


def _pages():
    return [built_page(document) for document in toc_documents()]


@functools.cache
def _ids(path):
    return set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("document", toc_documents())
def test_internal_links_resolve(document):
    """Every internal link and cross-reference points at a built file and, with a fragment, at an existing id."""
    page = built_page(document)
    broken = []
    for href in HREF.findall(page.read_text(encoding="utf-8")):
        parts = urlsplit(href)
        if parts.scheme or href.startswith(("mailto:", "//")):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not target.exists():
            broken.append(href)
        elif (
            parts.fragment
            and target.suffix == ".html"
            and unquote(parts.fragment) not in _ids(target)
        ):
            broken.append(href)
    assert not broken, f"broken links in {document}: {broken}"


@pytest.mark.parametrize("document", toc_documents())
def test_nothing_loads_from_the_network(document):
    """No script, stylesheet, image or frame comes from another host: the site works offline."""
    tags = [
        m.group(0) for m in REMOTE_LOAD.finditer(built_page(document).read_text(encoding="utf-8"))
    ]
    assert not tags, tags


def test_math_renderer_is_local():
    """MathJax is served from the site itself."""
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert re.search(
        r"<script[^>]*src=\"_static/mathjax/tex-chtml.js[?\"]",
        built_page("api").read_text(encoding="utf-8"),
    )


@pytest.mark.parametrize("document", toc_documents())
def test_page_weight(document):
    """A page with what it loads stays within 4 MiB, its own HTML and figures within 1 MiB;
    the shared search index within 512 KiB."""
    page = built_page(document)
    assets = page_assets(page)
    own = page.stat().st_size + sum(a.stat().st_size for a in assets if "_images" in a.parts)
    # The search index is one file for the whole book, growing with it, loaded once
    # and cached: it has a budget of its own rather than a share of every page's.
    index = [a for a in assets if a.name == "searchindex.js"]
    total = page.stat().st_size + sum(a.stat().st_size for a in assets if a not in index)
    assert own <= OWN_CONTENT_BUDGET, f"{document}: own content {own / 2**20:.2f} MiB"
    assert total <= PAGE_BUDGET, f"{document}: {total / 2**20:.2f} MiB with its assets"
    assert all(a.stat().st_size <= SEARCH_INDEX_BUDGET for a in index), "search index too large"


def test_no_duplicated_figures():
    """No two figure files of the site have the same content."""
    digests = {}
    for image in (HTML / "_images").glob("*"):
        digest = hashlib.sha256(image.read_bytes()).hexdigest()
        assert digest not in digests, f"{image.name} duplicates {digests[digest]}"
        digests[digest] = image.name


def _erratum_names_in_chapters():
    names = []
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                names += re.findall(
                    r"```\{admonition\} Erratum:[^\n]*\n:class: erratum\n:name: (\S+)", source
                )
                assert source.count("{admonition} Erratum") == source.count(":class: erratum"), (
                    notebook.name
                )
    return names


def test_errata_page_lists_every_erratum():
    """The errata page links each erratum admonition of the chapters, and nothing else."""
    names = _erratum_names_in_chapters()
    assert len(names) == len(set(names)), "two errata share a name"
    page = built_page("errata").read_text(encoding="utf-8")
    listed = re.findall(r'class="[^"]*erratum-entry[^"]*".*?href="[^"]*#([^"]+)"', page, re.S)
    assert sorted(listed) == sorted(names)


@pytest.mark.parametrize("document", [d for d in toc_documents() if d.startswith("chapters/")])
def test_chapter_offers_its_notebook(document):
    """Each chapter page links its .ipynb for download, and the file is in the site."""
    name = pathlib.PurePosixPath(document).name
    assert f"../_sources/chapters/{name}.ipynb" in built_page(document).read_text(encoding="utf-8")
    assert (HTML / "_sources" / "chapters" / f"{name}.ipynb").is_file()
