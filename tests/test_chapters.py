"""The chapters as committed: listed in the book, executed, with every printed output stored.

nbval (run on chapters/ by the same pytest call) re-executes each notebook
and compares its outputs with the stored ones; a notebook committed without
outputs would make it compare nothing, so these checks come first.
"""

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p for p in (ROOT / "chapters").glob("*.ipynb"))
# Characters of code the site's article column shows without a scroll bar in a
# 1280-pixel window (measured on the built site; PEP 8's limit too).
COLUMN = 79
DISPLAYING_CALL = re.compile(r"^\s*(print|display|plt\.show)\(", re.MULTILINE)


def _code_cells(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]


def _ends_in_displayed_expression(source):
    """True if IPython would display the cell's last statement: a bare expression without ';'."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: judged by the explicit calls alone
        return False
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return False
    return not source.rstrip().endswith(";")


def _toc_files():
    return set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8")))


def test_there_are_chapters():
    """The book has at least one chapter notebook."""
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
class TestChapter:
    def test_listed_in_table_of_contents(self, path):
        """Every notebook in chapters/ appears in _toc.yml."""
        assert f"chapters/{path.stem}" in _toc_files()

    def test_every_code_cell_executed_in_order(self, path):
        """Each code cell carries its execution count, 1, 2, 3, ... from one top-to-bottom run."""
        counts = [cell["execution_count"] for cell in _code_cells(path)]
        assert counts == list(range(1, len(counts) + 1)), counts

    def test_cells_that_print_have_stored_output(self, path):
        """A cell that prints, displays or ends in an expression has its output stored."""
        for index, cell in enumerate(_code_cells(path)):
            source = "".join(cell["source"])
            if DISPLAYING_CALL.search(source) or _ends_in_displayed_expression(source):
                assert cell["outputs"], (
                    f"code cell {index} of {path.name} prints but has no stored output:\n{source}"
                )

    def test_no_stored_errors(self, path):
        """No stored output is a traceback."""
        for cell in _code_cells(path):
            assert all(output["output_type"] != "error" for output in cell["outputs"])

    def test_code_and_printed_text_fit_the_column(self, path):
        """No code line and no printed line is wider than the site shows without scrolling."""
        wide = []
        for index, cell in enumerate(_code_cells(path)):
            lines = "".join(cell["source"]).splitlines()
            for output in cell["outputs"]:
                text = output.get("text") or output.get("data", {}).get("text/plain", "")
                lines += "".join(text).splitlines()
            wide += [f"cell {index}: {line}" for line in lines if len(line) > COLUMN]
        assert not wide, f"{len(wide)} lines over {COLUMN} characters:\n" + "\n".join(wide)

    def test_first_code_cell_imports_the_package(self, path):
        """The first code cell imports from lossbook and seeds the random generators."""
        source = "".join(_code_cells(path)[0]["source"])
        assert re.search(r"^(from lossbook|import lossbook)", source, re.MULTILINE), source
        assert "default_rng(" in source and "manual_seed(" in source, source


def _markdown(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )


def _cites_an_article(path):
    """Chapters 1-5 mirror a source article, which their opening cites as {cite}`seed-...`."""
    return "{cite}`seed-" in _markdown(path)


ARTICLE_CHAPTERS = [path for path in CHAPTERS if _cites_an_article(path)]
CLAIM_HEADING = "## The article, claim by claim"
CLAIM_HEADER = "| # | The article says | Verdict | Evidence |"
VERDICTS = {"holds", "holds with a caveat", "wrong"}
ERRATUM_NAME = re.compile(r":class: erratum\n:name: (\S+)")
ERRATUM_LINK = re.compile(r"\{ref\}`(?:[^`<]*<)?(erratum-[^`>]+)>?`")
EVIDENCE_LINK = re.compile(r"\{(ref|numref|doc|prf:ref)\}`[^`]+`|\]\([^)]+\)")


def _claim_rows(path):
    """The rows of the claim-by-claim table as (number, claim, verdict, evidence)."""
    text = _markdown(path)
    assert CLAIM_HEADING in text, f"{path.name} has no section '{CLAIM_HEADING}'"
    section = text.split(CLAIM_HEADING, 1)[1]
    assert "\n## " not in section, f"'{CLAIM_HEADING}' must be the last section of {path.name}"
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    assert lines and lines[0] == CLAIM_HEADER, f"the table must open with {CLAIM_HEADER!r}"
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        assert len(cells) == 4, f"a row of four cells expected: {line}"
        rows.append(tuple(cells))
    return rows


@pytest.mark.parametrize("path", ARTICLE_CHAPTERS, ids=lambda p: p.stem)
class TestClaimByClaim:
    def test_rows_are_numbered_with_a_verdict_and_evidence(self, path):
        """Rows count 1, 2, 3, ...; each has one of the three verdicts and a link to its evidence."""
        rows = _claim_rows(path)
        assert [row[0] for row in rows] == [str(i) for i in range(1, len(rows) + 1)]
        for number, claim, verdict, evidence in rows:
            assert claim, f"row {number}: no claim"
            assert verdict in VERDICTS, (
                f"row {number}: verdict {verdict!r} not in {sorted(VERDICTS)}"
            )
            assert EVIDENCE_LINK.search(evidence), (
                f"row {number}: evidence {evidence!r} links nowhere"
            )

    def test_wrong_rows_and_errata_agree(self, path):
        """Every 'wrong' row links an erratum of this chapter; every erratum is linked by a 'wrong' row."""
        errata = set(ERRATUM_NAME.findall(_markdown(path)))
        linked = set()
        for number, _, verdict, evidence in _claim_rows(path):
            names = set(ERRATUM_LINK.findall(evidence))
            if verdict == "wrong":
                assert names, f"row {number} is 'wrong' but links no erratum"
            else:
                assert not names, (
                    f"row {number} is {verdict!r} but links the erratum {sorted(names)}"
                )
            assert names <= errata, (
                f"row {number} links {sorted(names - errata)}, not errata of this chapter"
            )
            linked |= names
        assert errata <= linked, f"errata no 'wrong' row links: {sorted(errata - linked)}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
class TestTeachingConventions:
    def test_first_code_cell_is_folded(self, path):
        """The imports and seeds are folded: the reader starts with prose, not set-up."""
        assert "hide-input" in _code_cells(path)[0].get("metadata", {}).get("tags", [])

    def test_every_figure_is_numbered_captioned_and_cited(self, path):
        """A cell that draws has a caption and a name in its figure metadata, cited by {numref}."""
        text = _markdown(path)
        for index, cell in enumerate(_code_cells(path)):
            if not any("image/png" in output.get("data", {}) for output in cell["outputs"]):
                continue
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            assert figure.get("caption") and figure.get("name"), (
                f"code cell {index} draws without caption"
            )
            assert f"{{numref}}`{figure['name']}`" in text or f"<{figure['name']}>`" in text, (
                f"figure {figure['name']} is never cited with {{numref}}"
            )

    def test_has_exercises_with_solutions(self, path):
        """At least three exercises, each with a solution."""
        text = _markdown(path)
        exercises = re.findall(r"\{exercise(?:-start)?\}[^\n]*\n:label: (\S+)", text)
        assert len(exercises) >= 3, f"{len(exercises)} exercises"
        solved = set(re.findall(r"\{solution(?:-start)?\} (\S+)", text))
        assert set(exercises) <= solved, (
            f"exercises without a solution: {sorted(set(exercises) - solved)}"
        )


def test_table_of_contents_files_exist():
    """Every file named in _toc.yml exists, as a notebook or a Markdown page."""
    for name in _toc_files():
        assert any((ROOT / f"{name}{suffix}").exists() for suffix in (".ipynb", ".md")), name
