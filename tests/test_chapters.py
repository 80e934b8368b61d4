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
    return [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


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
                assert cell["outputs"], f"code cell {index} of {path.name} prints but has no stored output:\n{source}"

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


def test_table_of_contents_files_exist():
    """Every file named in _toc.yml exists, as a notebook or a Markdown page."""
    for name in _toc_files():
        assert any((ROOT / f"{name}{suffix}").exists() for suffix in (".ipynb", ".md")), name
