"""Every page of the built site, opened from disk in headless Chromium with the network cut off.

For each page of the table of contents: MathJax has typeset every formula
(no raw TeX delimiters left in the text, no MathJax error, none wider than
its column), no code or printed line needs a sideways scroll, every image has
loaded with a non-zero size, no cell output is a traceback, the console shows
no error, the page has a title and an entry in the navigation, and a chapter
typesets at least one formula. With LOSSBOOK_SCREENSHOTS=1 (`make screenshots`)
a whole-page screenshot of each page, in the light and the dark theme, lands in
_build/screenshots/ for a person to look at; encoding them takes two thirds of
this module's time, so the test run leaves them out.
"""

import base64
import os
import shutil

import pytest

from built_site import ROOT, built_page, toc_documents

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = ROOT / "_build" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("LOSSBOOK_SCREENSHOTS") == "1"

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail(
            "CI must run the browser test: .ci/run installs chromium and chromium-driver",
            pytrace=False,
        )
    pytest.skip(
        "no Chromium and ChromeDriver on this machine (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

webdriver = pytest.importorskip("selenium.webdriver")

# Text the browser shows outside code and outputs, with math still raw: any of these means MathJax
# failed.
RAW_TEX = ("$$", "\\(", "\\)", "\\[", "\\]", "\\frac", "\\begin{")

PAGE_STATE = r"""
const done = arguments[arguments.length - 1];
const typeset = window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve();
typeset.then(() => {
  const prose = document.querySelector("main").cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, .highlight, mjx-container, .cell_output")
       .forEach(node => node.remove());
  const here = location.href.split("#")[0];
  done({
    title: document.title,
    mathjax: Boolean(window.MathJax && MathJax.startup),
    formulas: document.querySelectorAll("mjx-container").length,
    math_sources: document.querySelectorAll("main .math, main span.math, main div.math").length,
    errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    prose: prose.innerText,
    images: Array.from(document.images).map(i => [i.currentSrc, i.complete, i.naturalWidth, i.naturalHeight]),
    tracebacks: Array.from(document.querySelectorAll(".cell_output, .output"))
                     .filter(o => /Traceback \(most recent call last\)|\bError\b.*Traceback/.test(o.innerText)).length,
    in_navigation: Array.from(document.querySelectorAll(".bd-sidebar-primary a[href]"))
                        .some(a => a.href.split("#")[0] === here),
    // MathJax 3 never breaks a line: a formula wider than its column is cut off,
    // or hidden behind a scroll bar. A few pixels of glyph overhang are not.
    too_wide: Array.from(document.querySelectorAll("mjx-container")).filter(m => {
      if (getComputedStyle(m).overflowX !== "visible" && m.scrollWidth > m.clientWidth + 4) return true;
      const right = m.getBoundingClientRect().right;
      for (let box = m.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible") return right > box.getBoundingClientRect().right + 4;
      }
      return false;
    }).map(m => MathJax.startup.document.getMathItemsWithin(m)[0].math.slice(0, 80)),
    // Code and printed text a reader can only see by scrolling sideways.
    scrolling_code: Array.from(document.querySelectorAll("main div.cell pre"))
                         .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
                         .map(pre => pre.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a))),
  });
});
"""


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        "--allow-file-access-from-files",
        # The network is unreachable: every host resolves to nothing, so a page that
        # tried to load anything remote would log a console error.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
        "--proxy-server=127.0.0.1:9",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    if TAKE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _save_whole_page(driver, path):
    """Screenshot the whole page, not only the window, so figures and outputs far down show too."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.parametrize("document", toc_documents())
def test_page_as_a_reader_sees_it(browser, document):
    """Math typeset, math and code within the column, images loaded, no traceback or console error,
    title, navigation; a chapter has formulas.
    """
    path = built_page(document)
    browser.get(path.as_uri())
    state = browser.execute_async_script(PAGE_STATE)
    console = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    if TAKE_SCREENSHOTS:
        name = document.replace("/", "_")
        _save_whole_page(browser, SCREENSHOTS / f"{name}.png")
        browser.execute_script("document.documentElement.dataset.theme = 'dark';")
        _save_whole_page(browser, SCREENSHOTS / f"{name}-dark.png")
        browser.execute_script("document.documentElement.dataset.theme = 'light';")

    assert state["title"].strip(), "page has no title"
    assert state["in_navigation"], "page has no entry in the navigation"
    assert not console, f"console errors: {console}"
    assert state["errors"] == 0, "MathJax reported an error"
    raw = [marker for marker in RAW_TEX if marker in state["prose"]]
    assert not raw, f"untypeset TeX in the page text: {raw}"
    if state["math_sources"]:
        assert state["mathjax"] and state["formulas"] >= state["math_sources"], state
    if document.startswith("chapters/"):
        assert state["formulas"] > 0, "a chapter without a typeset formula"
    for source, complete, width, height in state["images"]:
        assert complete and width > 0 and height > 0, f"image not loaded: {source}"
    assert state["tracebacks"] == 0, "a cell output shows a traceback"
    assert not state["too_wide"], f"formulas wider than the column: {state['too_wide']}"
    assert not state["scrolling_code"], f"code wider than the column: {state['scrolling_code']}"
