"""lossbook._docs: shared docstring sections are filled, indented where they land, and checked."""

import importlib
import inspect
import pkgutil

import pytest

import lossbook
from lossbook import _docs
from lossbook._docs import SECTIONS, UNFILLED, fill, fill_doc


def _public_functions():
    """Every public function and class of every lossbook module, by qualified name."""
    found = {}
    for info in pkgutil.walk_packages(lossbook.__path__, "lossbook."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if callable(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


PUBLIC = _public_functions()


def test_the_package_has_public_functions():
    assert len(PUBLIC) > 50


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_no_placeholder_is_left_unfilled(name):
    """What help(), doctest and the API page read has no <<name>> left in it."""
    doc = inspect.getdoc(PUBLIC[name]) or ""
    assert not UNFILLED.search(doc), f"{name}: unfilled {UNFILLED.search(doc).group()}"


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_sections_are_dedented_without_placeholders(name):
    """A section starts at column 0 (it takes the placeholder's indentation) and is final."""
    text = SECTIONS[name]
    assert text == text.strip("\n") and not text[0].isspace()
    assert not UNFILLED.search(text)


def test_fill_indents_every_line_as_the_placeholder():
    doc = (
        "Summary.\n\n    Parameters\n    ----------\n    <<reduction>>\n\n        <<chapter_8>>\n"
    )
    lines = fill(doc).splitlines()
    reduction = SECTIONS["reduction"].splitlines()
    assert lines[4 : 4 + len(reduction)] == ["    " + line for line in reduction]
    assert lines[-1] == "        " + SECTIONS["chapter_8"]


def test_fill_keeps_blank_lines_of_a_section_empty():
    doc = "Summary.\n\n    <<sum_returns>>\n"
    filled = fill(doc).splitlines()
    assert "" in filled[2:]
    assert all(line == "" or line.startswith("    ") for line in filled[2:])


def test_fill_leaves_latex_percent_and_doctest_text_alone():
    doc = (
        "Summary.\n\n"
        "    .. math::\n\n"
        "        \\frac{{a}}{b} = 50\\%, \\quad x \\ll y\n\n"
        "    >>> print('{reduction} %(base)s <<not a placeholder>>')\n"
        "    {reduction} %(base)s <<not a placeholder>>\n"
    )
    assert fill(doc) == doc


def test_a_placeholder_must_stand_alone_on_its_line():
    doc = "Summary.\n\n    See <<reduction>> above.\n"
    assert fill(doc) == doc


def test_unknown_name_raises_key_error_naming_it():
    with pytest.raises(KeyError, match="no_such_section"):

        @fill_doc
        def f():
            """Summary.

            <<no_such_section>>
            """


def test_fill_doc_returns_the_object_and_fills_in_place():
    def f():
        """Summary.

        <<sample_raises>>
        """

    assert fill_doc(f) is f
    assert "If the sequences are empty or differ in length." in f.__doc__
    assert "<<" not in f.__doc__


def test_stripped_docstrings_pass_through():
    """Under python -OO every __doc__ is None; filling must not fail."""

    def f():
        pass

    assert fill_doc(f).__doc__ is None
    assert fill(None) is None


def test_custom_sections_can_be_given():
    assert fill("x\n  <<a>>\n", {"a": "one\n  two"}) == "x\n  one\n    two\n"


def test_module_lists_its_names():
    assert set(_docs.__all__) == {"SECTIONS", "fill", "fill_doc"}
