r"""Docstring sections written once and filled into every docstring that shares them.

A docstring line that holds nothing but a placeholder, ``<<name>>``, is
replaced when the function is defined (by the :func:`fill_doc` decorator) with
the lines of ``SECTIONS[name]``, each indented as the placeholder was. What
``help()``, doctest and the API page read is the filled docstring, a complete
NumPy-style docstring; an unknown name raises ``KeyError`` at import.

This is PyTorch's ``torch/_torch_docs.py`` (docstrings formatted from a dict of
common arguments) and matplotlib's ``_docstring.interpd`` with another
marker: ``{name}`` and ``%(name)s`` would clash with LaTeX braces and percent
signs in the formulas, and a line of only ``<<name>>`` is neither LaTeX nor
doctest text.

A section is either one entry of a docstring section (``reduction``, a
parameter, placed under a ``Parameters`` header) or a whole section with its
header (names ending in ``_parameters``, ``_returns`` or ``_raises``).

>>> from lossbook._docs import fill_doc
>>> @fill_doc
... def loss(input, target, *, reduction="mean"):
...     '''A loss.
...
...     Parameters
...     ----------
...     <<reduction>>
...     '''
>>> print("\n".join(loss.__doc__.splitlines()[4:6]))
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How to combine the element-wise losses: ``'none'`` returns them,
"""

import re
import textwrap

__all__ = ["SECTIONS", "fill", "fill_doc"]

PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)<<(?P<name>[A-Za-z_]\w*)>>[ \t]*$", re.MULTILINE)
"""A line of only ``<<name>>``; the indentation is kept for the section's lines."""

UNFILLED = re.compile(r"<<[A-Za-z_]\w*>>")
"""A placeholder anywhere in a text (what tests look for in filled docstrings)."""


def _section(text):
    """A section's text: dedented, without its first and last newlines."""
    return textwrap.dedent(text).strip("\n")


# --- lossbook.derive: SymPy derivations over samples and vectors -------------

_RAISES_SAMPLE = _section(
    """
    Raises
    ------
    ValueError
        If the sequences are empty or differ in length.
    """
)

_RAISES_VECTORS = _section(
    """
    Raises
    ------
    ValueError
        If a vector is empty or the vectors differ in length.
    """
)

# --- lossbook.information ----------------------------------------------------

_BASE = _section(
    """
    base : float, optional
        The logarithm's base: 2 for bits, ``e`` for nats (default).
    """
)

# --- lossbook.losses and lossbook.gradients ----------------------------------
# Written for the losses that take (input, target, *, ..., reduction); applied
# there by whoever edits those modules.

_LOSS_RETURNS = _section(
    """
    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.
    """
)

SECTIONS = {
    # derive: whole sections
    "sample_raises": _RAISES_SAMPLE,
    "sum_returns": _section(
        """
        Returns
        -------
        sympy.Expr
            The explicit sum over the observations, its logarithms expanded.
        """
    )
    + "\n\n"
    + _RAISES_SAMPLE,
    "y_mu_parameters": _section(
        """
        Parameters
        ----------
        y, mu : sequence of sympy.Expr, or sympy.Expr
            Observations and predictions, one entry per observation, of one
            length; a single expression is a sample of one.
        """
    ),
    "vectors_raises": _RAISES_VECTORS,
    # derive: the chapter that derives a function, ending its See Also
    "chapter_8": 'Derived in chapter 8, "Margins: from the hinge to metric learning".',
    # derive: entries
    "logit_label": _section(
        """
        z, y : sympy.Expr or number
            The logit and the label (0 or 1, or a soft label in [0, 1]).
        """
    ),
    # information: entries, and the Parameters of the element-wise functions
    "base": _BASE,
    "probabilities_parameters": _section(
        """
        Parameters
        ----------
        p : array_like
            Probabilities in [0, 1]; the function applies element by element.
        """
    )
    + "\n"
    + _BASE,
    "outcome_axis": _section(
        """
        axis : int, optional
            The axis holding the outcomes (default: the last).
        """
    ),
    "distributions_raises": _section(
        """
        Raises
        ------
        ValueError
            If ``p`` or ``q`` is not a distribution along ``axis``, their shapes
            differ, or ``base`` is not positive or is 1.
        """
    ),
    # activations: whole sections
    "elementwise_parameters": _section(
        """
        Parameters
        ----------
        x : array_like
            Logits, of any shape; the function applies element by element.
        """
    ),
    "class_axis_parameters": _section(
        """
        Parameters
        ----------
        x : array_like
            Logits; a 0-d input is one logit.
        axis : int, optional
            The class axis (default: the last).
        """
    ),
    # losses and gradients: entries and the Returns block
    "input_target": _section(
        """
        input, target : array_like
            Predictions and targets of one shape.
        """
    ),
    "elementwise_weight": _section(
        """
        weight : array_like, optional
            Element-wise weights of the input's exact shape; 'mean' then divides
            by their sum, as PyTorch does.
        """
    ),
    "reduction": _section(
        """
        reduction : {'mean', 'sum', 'none'}, default 'mean'
            How to combine the element-wise losses: ``'none'`` returns them,
            ``'sum'`` adds them and ``'mean'`` averages them.
        """
    ),
    "grad_output": _section(
        """
        grad_output : array_like, optional
            The gradient arriving from above, as in ``loss.backward(grad_output)``:
            a scalar (default 1) for a reduced loss, or an array of the
            element-wise losses' shape for ``reduction='none'`` (default all
            ones, the gradient of their sum).
        """
    ),
    "loss_returns": _LOSS_RETURNS,
    "weighted_error_parameters": _section(
        """
        Parameters
        ----------
        input, target : array_like
            Predictions and targets of one shape.
        reduction : {'mean', 'sum', 'none'}, default 'mean'
            How to combine the element-wise losses: ``'none'`` returns them,
            ``'sum'`` adds them and ``'mean'`` averages them.
        weight : array_like, optional
            Element-wise weights of the input's exact shape; 'mean' then divides
            by their sum, as PyTorch does.
        """
    ),
    "gradient_returns": _section(
        """
        Returns
        -------
        ndarray
            :math:`\\partial L / \\partial\\, \\text{input}`, of the input's shape
            and dtype.
        """
    ),
}
"""The shared sections by name; each a dedented text, indented where it lands."""


def fill(doc, sections=SECTIONS):
    """Return ``doc`` with every placeholder line replaced by its section.

    Each line of the section is indented as the placeholder was (blank lines
    stay empty). A name missing from ``sections`` raises ``KeyError`` naming
    it. ``None`` (docstrings stripped by ``python -OO``) is returned as is.
    """
    if doc is None:
        return None

    def replace(match):
        name, indent = match["name"], match["indent"]
        if name not in sections:
            raise KeyError(f"no docstring section named {name!r} (placeholder <<{name}>>)")
        return textwrap.indent(sections[name], indent)

    return PLACEHOLDER.sub(replace, doc)


def fill_doc(obj):
    """Decorator: fill the placeholders of ``obj.__doc__`` from :data:`SECTIONS`, once."""
    obj.__doc__ = fill(obj.__doc__)
    return obj
