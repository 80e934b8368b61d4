"""The built site as files: where it is, which pages the table of contents makes, what each loads.

Shared by tests/test_site.py (links, page weight, errata) and
tests/test_browser.py (what a reader sees in a real browser).
"""

import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# LOSSBOOK_HTML points the tests at another build (for example a private one).
HTML = pathlib.Path(os.environ.get("LOSSBOOK_HTML", ROOT / "_build" / "html"))


def toc_documents():
    """Every document of _toc.yml, root first, as paths relative to the source without suffix."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    root = re.search(r"^root:\s*(\S+)", toc, re.MULTILINE).group(1)
    return [root] + re.findall(r"file:\s*(\S+)", toc)


def built_page(document):
    """The built HTML file of a document; the test fails, not skips, if the site is missing."""
    path = HTML / f"{document}.html"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the site first (make book), or set LOSSBOOK_HTML")
    return path


LOCAL_ASSET = re.compile(r'<(?:script|img|link)\b[^>]*?(?:src|href)="([^"#?]+)(?:\?[^"]*)?"[^>]*>')


def page_assets(path):
    """The local files a page loads: scripts, stylesheets, icons and images, each once."""
    html = path.read_text(encoding="utf-8")
    assets = set()
    for match in LOCAL_ASSET.finditer(html):
        tag, target = match.group(0), match.group(1)
        if target.startswith(("http:", "https:", "data:", "mailto:")):
            continue
        if tag.startswith("<link") and not re.search(
            r'rel="(stylesheet|icon|shortcut icon|preload)"', tag
        ):
            continue
        asset = (path.parent / target).resolve()
        if asset.is_file():
            assets.add(asset)
    return assets
