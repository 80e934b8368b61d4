"""LaTeX for long derived expressions and step-by-step derivations that fit a page column.

Both functions return a string for ``IPython.display.Math``; MathJax does not
break a displayed formula, so the line breaks are made here.
"""

import sympy as sp

__all__ = ["latex_equation", "latex_steps"]


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

    See Also
    --------
    latex_steps : a derivation, one step a line. Used from chapter 1 on, wherever a long sum is
        displayed.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import latex_equation
    >>> y, p = sp.symbols("y p")
    >>> print(latex_equation("L", -y * sp.log(p) - (1 - y) * sp.log(1 - p), terms_per_line=1))
    \begin{aligned} L &= - y \log{\left(p \right)}
    \\ &\quad - \left(1 - y\right) \log{\left(1 - p \right)} \end{aligned}
    """
    if terms_per_line < 1:
        raise ValueError(f"'terms_per_line' must be at least 1 (got {terms_per_line!r})")
    lhs = lhs if isinstance(lhs, str) else sp.latex(lhs)
    # The order SymPy's printer gives the terms, so the lines read as the one-line form would.
    terms = [sp.latex(term) for term in (rhs.as_ordered_terms() if rhs.is_Add else [rhs])]
    signed = [term if term.startswith("-") else "+ " + term for term in terms]
    lines = [
        " ".join(signed[i : i + terms_per_line]) for i in range(0, len(signed), terms_per_line)
    ]
    lines[0] = lines[0].removeprefix("+ ")
    return r"\begin{aligned} " + lhs + " &= " + r" \\ &\quad ".join(lines) + r" \end{aligned}"


def latex_steps(lhs, steps):
    r"""LaTeX of a derivation shown step by step, one step a line, each with its reason.

    .. math::

        \begin{aligned} \mathrm{lhs} &= e_1 && \text{reason}_1 \\
        &= e_2 && \text{reason}_2 \\ &\;\;\vdots \end{aligned}

    Each expression is printed by ``sympy.latex`` unless it is already a
    string of LaTeX (then it is used as it is, for a step SymPy would print
    in another form); each reason goes inside ``\text{}``, so write it as
    plain text (no ``$``). Nothing else is escaped. The block must fit a
    page column (about 730 pixels): keep every reason short, a few words such
    as "log of a product", and break a long expression into two steps or
    pass it through :func:`latex_equation` first.

    Parameters
    ----------
    lhs : str or sympy.Expr
        The left-hand side, LaTeX or an expression.
    steps : sequence of (sympy.Expr or str, str)
        The pairs ``(expression, reason)``, in order; a reason may be ``""``
        (then the line has none). At least one step.

    Returns
    -------
    str
        LaTeX of an ``aligned`` block, for ``IPython.display.Math``.

    Raises
    ------
    ValueError
        If ``steps`` is empty or a step is not a pair.

    See Also
    --------
    latex_equation : one long equation broken after every few terms. Used from chapter 1 on,
        wherever a derivation is shown step by step.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import latex_steps
    >>> y, p = sp.symbols("y p", positive=True)
    >>> likelihood = p**y * (1 - p) ** (1 - y)
    >>> print(latex_steps(r"\log L", [
    ...     (sp.log(likelihood), "definition"),
    ...     (sp.expand_log(sp.log(likelihood), force=True), "log of a product"),
    ... ]))
    \begin{aligned} \log L &= \log{\left(p^{y} \left(1 - p\right)^{1 - y} \right)}
    && \text{definition} \\ &= y \log{\left(p \right)} + \left(1 - y\right)
    \log{\left(1 - p \right)} && \text{log of a product} \end{aligned}
    """
    steps = list(steps)
    if not steps:
        raise ValueError("steps is empty: give at least one (expression, reason) pair")
    lines = []
    for i, step in enumerate(steps):
        if not (isinstance(step, (tuple, list)) and len(step) == 2):
            raise ValueError(f"step {i} must be an (expression, reason) pair, not {step!r}")
        expression, reason = step
        latex = expression if isinstance(expression, str) else sp.latex(expression)
        line = "&= " + latex
        if reason:
            line += r" && \text{" + reason + "}"
        lines.append(line)
    lhs = lhs if isinstance(lhs, str) else sp.latex(lhs)
    return r"\begin{aligned} " + lhs + " " + r" \\ ".join(lines) + r" \end{aligned}"
