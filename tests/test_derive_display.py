"""lossbook.derive.display: the LaTeX reads as SymPy prints the expressions, broken into lines."""

import pytest
import sympy as sp

from lossbook import derive


class TestLatexEquation:
    @staticmethod
    def one_line(latex, lhs):
        """Undo the line breaks of latex_equation's output."""
        body = latex.removeprefix(rf"\begin{{aligned}} {lhs} &= ").removesuffix(r" \end{aligned}")
        return body.replace(r" \\ &\quad ", " ")

    @pytest.mark.parametrize("terms_per_line", [1, 2, 3, 7])
    def test_lines_read_as_sympy_prints_the_sum(self, terms_per_line):
        """Joined into one line, the lines are SymPy's LaTeX of the sum, in ceil(terms/k) lines."""
        ys, ps = sp.symbols("y1:7"), sp.symbols("p1:7", positive=True)
        rhs = derive.binary_cross_entropy(ys, ps) + sp.Symbol("c")  # a positive term too
        latex = derive.latex_equation("L", rhs, terms_per_line=terms_per_line)
        assert self.one_line(latex, "L") == sp.latex(rhs)
        assert latex.count(r"\\") == -(-len(rhs.args) // terms_per_line) - 1

    def test_single_term_is_one_line(self):
        """An expression that is not a sum stays on one line; a SymPy left-hand side is printed."""
        x = sp.Symbol("x")
        latex = derive.latex_equation(sp.Function("f")(x), sp.exp(x))
        assert latex == r"\begin{aligned} f{\left(x \right)} &= e^{x} \end{aligned}"

    def test_rejects_zero_terms_per_line(self):
        """terms_per_line below 1 raises ValueError naming the value."""
        with pytest.raises(ValueError, match="got 0"):
            derive.latex_equation("L", sp.Symbol("x"), terms_per_line=0)


class TestLatexSteps:
    def test_layout_by_hand(self):
        """Two steps give the aligned block written out by hand."""
        x = sp.Symbol("x")
        latex = derive.latex_steps("f", [(sp.exp(2 * x), "start"), ("e^{x} e^{x}", "split")])
        assert latex == (
            r"\begin{aligned} f &= e^{2 x} && \text{start} \\"
            r" &= e^{x} e^{x} && \text{split} \end{aligned}"
        )

    def test_expressions_printed_by_sympy_and_strings_kept(self):
        """Each line holds sp.latex of its expression, or the string as given, in order."""
        y, p = sp.symbols("y p", positive=True)
        exprs = [sp.log(p**y), sp.expand_log(sp.log(p**y), force=True), r"\log p^{y}"]
        latex = derive.latex_steps(sp.Symbol("L"), [(e, f"step {i}") for i, e in enumerate(exprs)])
        body = latex.removeprefix(r"\begin{aligned} L ").removesuffix(r" \end{aligned}")
        lines = body.split(r" \\ ")
        expected = [sp.latex(exprs[0]), sp.latex(exprs[1]), exprs[2]]
        assert lines == [rf"&= {e} && \text{{step {i}}}" for i, e in enumerate(expected)]

    def test_empty_reason_leaves_no_text(self):
        """A step with an empty reason has no \\text{} on its line."""
        latex = derive.latex_steps("a", [(sp.Integer(1), "")])
        assert latex == r"\begin{aligned} a &= 1 \end{aligned}"

    def test_rejects_no_steps(self):
        """An empty list of steps raises ValueError."""
        with pytest.raises(ValueError, match="empty"):
            derive.latex_steps("L", [])

    def test_rejects_a_step_that_is_not_a_pair(self):
        """A step without its reason raises ValueError naming the step."""
        with pytest.raises(ValueError, match="step 1"):
            derive.latex_steps("L", [(sp.Integer(1), "one"), sp.Integer(2)])
