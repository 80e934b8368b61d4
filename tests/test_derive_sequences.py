"""lossbook.derive.sequences: the CTC recursions against brute force, and against the package."""

import math

import numpy as np
import pytest
import sympy as sp

from lossbook import derive, gradients, losses
from lossbook.testing import assert_close

LATTICES = [("cat", 4), ("cat", 5), ("aa", 3), ("aa", 4), ("aba", 5), ("abb", 6), ("a", 3)]


@pytest.fixture
def rng():
    return np.random.default_rng(19)


def test_collapse_merges_repeats_then_drops_blanks():
    """B merges runs first: "a-a" keeps both a's, "aa" keeps one."""
    assert derive.ctc_collapse("-cc-aa-t") == "cat"
    assert derive.ctc_collapse("a-a") == "aa"
    assert derive.ctc_collapse("aa") == "a"
    assert derive.ctc_collapse("----") == ""
    assert derive.ctc_collapse((1, 1, 0, 2), blank=0) == (1, 2)


def test_alignments_of_cat_by_hand():
    """The seven alignments of "cat" over four steps, listed by hand."""
    expected = {"-cat", "c-at", "ccat", "ca-t", "caat", "cat-", "catt"}
    assert set(derive.ctc_alignments("cat", 4)) == expected
    assert derive.ctc_alignments("aa", 3) == ["a-a"]
    assert derive.ctc_alignments("aa", 2) == []  # the blank between equal labels is compulsory


@pytest.mark.parametrize("steps", [3, 4, 5, 6])
@pytest.mark.parametrize("label", ["a", "ab", "abc"])
def test_alignment_count_without_repeats(label, steps):
    """A label of S distinct classes has C(T + S, 2S) alignments over T steps (stars and bars)."""
    size = len(label)
    count = math.comb(steps + size, 2 * size) if steps >= size else 0
    assert len(derive.ctc_alignments(label, steps)) == count


@pytest.mark.parametrize("label, steps", LATTICES)
def test_lattice_paths_follow_the_transitions(label, steps):
    """Each lattice path starts at position 0 or 1, ends at 2S or 2S - 1, moves by 0, 1 or an
    allowed skip of 2, and emits the alignment's class at every step."""
    extended = derive.ctc_extended_labels(label)
    alignments = derive.ctc_alignments(label, steps)
    paths = derive.ctc_lattice_paths(label, steps)
    assert len(paths) == len(alignments) > 0
    last = len(extended) - 1
    for alignment, path in zip(alignments, paths, strict=True):
        assert path[0] in (0, 1) and path[-1] in (last, last - 1)
        assert "".join(extended[s] for s in path) == alignment
        for s, n in zip(path, path[1:], strict=False):
            assert n - s in (0, 1) or (
                n - s == 2 and extended[n] != "-" and extended[n] != extended[s]
            )


@pytest.mark.parametrize("label, steps", LATTICES)
def test_alpha_equals_the_sum_over_alignments(label, steps):
    """alpha_{T-1}(2S) + alpha_{T-1}(2S - 1) expands to the brute-force polynomial exactly."""
    brute = derive.ctc_brute_force(label, steps)
    assert len(sp.Add.make_args(sp.expand(brute))) == len(derive.ctc_alignments(label, steps))
    assert sp.expand(derive.ctc_likelihood(label, steps) - brute) == 0


def test_impossible_label_has_probability_zero():
    """The label "aa" in two steps: no alignment, and the recursion gives 0 as well."""
    assert derive.ctc_brute_force("aa", 2) == 0
    assert sp.expand(derive.ctc_likelihood("aa", 2)) == 0


@pytest.mark.parametrize("label, steps", LATTICES)
def test_alpha_beta_give_p_at_every_step(label, steps):
    """sum_s alpha_t(s) beta_t(s) is the same p at every step t."""
    alpha, beta = derive.ctc_alpha(label, steps), derive.ctc_beta(label, steps)
    brute = derive.ctc_brute_force(label, steps)
    for t in range(steps):
        total = sum(alpha[t, s] * beta[t, s] for s in range(alpha.cols))
        assert sp.expand(total - brute) == 0


@pytest.mark.parametrize("label, steps", [("cat", 4), ("aa", 4), ("aba", 5)])
def test_gradient_identity(label, steps):
    """dp/dy_t(k) of the brute-force sum equals sum over l'_s = k of alpha beta / y_t(k)."""
    sides = derive.ctc_gradient_identity(label, steps)
    assert len(sides) == steps * len(derive.ctc_classes(label))
    assert any(derivative != 0 for derivative, _ in sides.values())
    for derivative, forward_backward in sides.values():
        assert sp.expand(sp.cancel(derivative - forward_backward)) == 0


def _random_probabilities(rng, label, steps):
    classes = derive.ctc_classes(label)
    probs = rng.dirichlet(np.ones(len(classes)), size=steps)
    targets = np.array([classes.index(item) for item in label])
    return classes, probs, targets


@pytest.mark.parametrize("label, steps", [("cat", 6), ("aa", 5), ("abba", 7)])
def test_lambdified_alpha_equals_ctc_loss(rng, label, steps):
    """-log of the symbolic alpha recursion, lambdified, equals losses.ctc_loss at random
    probabilities."""
    classes, probs, targets = _random_probabilities(rng, label, steps)
    y = derive.ctc_probability_symbols(label, steps)
    symbols = list(y.values())
    likelihood = sp.lambdify(symbols, derive.ctc_likelihood(label, steps, y))
    values = [probs[t, classes.index(k)] for t, k in y]
    expected = -np.log(likelihood(*values))
    actual = losses.ctc_loss(np.log(probs), targets, steps, len(label), reduction="sum")
    assert_close(actual, expected)


@pytest.mark.parametrize("label, steps", [("cat", 5), ("aa", 4)])
def test_symbolic_gradient_equals_gradients_ctc_loss(rng, label, steps):
    """-y dp/dy / p from SymPy's derivative of the brute-force sum equals
    gradients.ctc_loss, the gradient with respect to log y."""
    classes, probs, targets = _random_probabilities(rng, label, steps)
    y = derive.ctc_probability_symbols(label, steps)
    symbols = list(y.values())
    brute = derive.ctc_brute_force(label, steps, y)
    values = [probs[t, classes.index(k)] for t, k in y]
    p = sp.lambdify(symbols, brute)(*values)
    expected = np.zeros_like(probs)
    for (t, k), symbol in y.items():
        slope = sp.lambdify(symbols, sp.diff(brute, symbol))(*values)
        expected[t, classes.index(k)] = -probs[t, classes.index(k)] * slope / p
    actual = gradients.ctc_loss(np.log(probs), targets, steps, len(label), reduction="sum")
    assert_close(actual, expected, scale=np.abs(expected).max())


def test_bad_input():
    """A blank inside the label, a non-positive step count and too many paths are refused."""
    with pytest.raises(ValueError, match=r"contains the blank '-'"):
        derive.ctc_alignments("c-t", 4)
    with pytest.raises(ValueError, match=r"'steps' must be a positive integer \(got 0\)"):
        derive.ctc_alpha("cat", 0)
    with pytest.raises(ValueError, match=r"the label is empty"):
        derive.ctc_extended_labels("")
    with pytest.raises(ValueError, match=r"more than 1000000 to enumerate"):
        derive.ctc_brute_force("abcd", 12)
