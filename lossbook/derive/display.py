"""LaTeX for long derived expressions, broken into lines that fit a page column."""

import sympy as sp

__all__ = ["latex_equation"]


def latex_equation(lhs, rhs, *, terms_per_line=3):
    r"""LaTeX of ``lhs = rhs`` with a long sum broken after every few terms.

    MathJax does not break a displayed formula, so a sum of a dozen logarithms
    runs off the page. Here the terms of ``rhs`` (a SymPy expression; a sum is
    split into its terms in SymPy's printing order) are laid out in an
    ``aligned`` block, ``terms_per_line`` to a line, each continuation line
    indented under the first and opened by its term's sign.

    Parameters
    ----------
    lhs : str or sympy.Expr
        The left-hand side, LaTeX or an expression.
    rhs : sympy.Expr
        The right-hand side.
    terms_per_line : int
        How many terms of the sum share a line; at least 1.

    Returns
    -------
    str
        LaTeX for ``IPython.display.Math``.

    Raises
    ------
    ValueError
        If ``terms_per_line`` is below 1.

    Examples
    --------
    >>> y, p = sp.symbols("y p")
    >>> print(latex_equation("L", -y * sp.log(p) - (1 - y) * sp.log(1 - p), terms_per_line=1))
    \begin{aligned} L &= - y \log{\left(p \right)} \\ &\quad - \left(1 - y\right) \log{\left(1 - p \right)} \end{aligned}
    """
    if terms_per_line < 1:
        raise ValueError(f"'terms_per_line' must be at least 1 (got {terms_per_line!r})")
    lhs = lhs if isinstance(lhs, str) else sp.latex(lhs)
    # The order SymPy's printer gives the terms, so the lines read as the one-line form would.
    terms = [sp.latex(term) for term in (rhs.as_ordered_terms() if rhs.is_Add else [rhs])]
    signed = [term if term.startswith("-") else "+ " + term for term in terms]
    lines = [" ".join(signed[i : i + terms_per_line]) for i in range(0, len(signed), terms_per_line)]
    lines[0] = lines[0].removeprefix("+ ")
    return r"\begin{aligned} " + lhs + " &= " + r" \\ &\quad ".join(lines) + r" \end{aligned}"
