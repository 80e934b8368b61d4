"""lossbook.derive.vocabulary: each derivation checked symbolically, and lambdified against
the numeric package."""

import numpy as np
import pytest
import sympy as sp

from lossbook import derive, gradients, losses
from lossbook.testing import assert_close
from parity import adaptive_tails


@pytest.fixture
def rng():
    return np.random.default_rng(21)


def _layer(rows, classes, features, *, bias):
    x = sp.Matrix(rows, features, sp.symbols(f"x0:{rows * features}", real=True))
    W = sp.Matrix(classes, features, sp.symbols(f"w0:{classes * features}", real=True))
    b = sp.Matrix(sp.symbols(f"b0:{classes}", real=True)) if bias else None
    return x, W, b


class TestLinearCrossEntropyGradient:
    @pytest.mark.parametrize("bias", [False, True])
    def test_row_outer_products_equal_direct_differentiation(self, bias):
        """The sum of (s_n - e_y) x_n^T equals d loss / d W entry by entry (and db likewise)."""
        x, W, b = _layer(3, 3, 2, bias=bias)
        r = derive.linear_cross_entropy_gradient(x, W, [0, 2, 1], b=b, chunk_size=2)
        assert sp.simplify(r["dW"] - r["dW_direct"]) == sp.zeros(3, 2)
        if bias:
            assert sp.simplify(r["db"] - r["db_direct"]) == sp.zeros(3, 1)

    def test_chunks_add_up_to_the_gradient(self):
        """The partial sums over chunks of 2 rows add to the sum over all rows."""
        x, W, _ = _layer(5, 2, 2, bias=False)
        r = derive.linear_cross_entropy_gradient(x, W, [0, 1, 1, 0, 1], chunk_size=2)
        assert len(r["chunks"]) == 3
        total = r["chunks"][0] + r["chunks"][1] + r["chunks"][2]
        assert sp.simplify(total - r["dW_direct"]) == sp.zeros(2, 2)

    def test_lambdified_equals_the_package(self, rng):
        """The loss, dW and db lambdified equal losses/gradients.linear_cross_entropy ('sum')."""
        x, W, b = _layer(4, 3, 2, bias=True)
        y = [2, 0, 1, 2]
        r = derive.linear_cross_entropy_gradient(x, W, y, b=b)
        arguments = [list(x), list(W), list(b)]
        loss = sp.lambdify(arguments, r["loss"], "numpy")
        dW = sp.lambdify(arguments, r["dW"], "numpy")
        db = sp.lambdify(arguments, r["db"], "numpy")
        xv, Wv, bv = rng.normal(size=(4, 2)), rng.normal(size=(3, 2)), rng.normal(size=3)
        values = (xv.ravel(), Wv.ravel(), bv)
        options = {"linear_bias": bv, "reduction": "sum", "chunk_size": 3}
        assert_close(loss(*values), losses.linear_cross_entropy(xv, Wv, np.array(y), **options))
        _, d_W, d_b = gradients.linear_cross_entropy(xv, Wv, np.array(y), **options)
        assert_close(np.asarray(dW(*values), float), d_W)
        assert_close(np.asarray(db(*values), float).ravel(), d_b)

    @pytest.mark.parametrize(
        "y, chunk_size, message",
        [([0, 3], 1, r"y must hold 2 classes in \[0, 3\)"), ([0, 1], 0, "chunk_size")],
    )
    def test_bad_arguments_are_named(self, y, chunk_size, message):
        """A class out of range or a bad chunk size raises ValueError naming it."""
        x, W, _ = _layer(2, 3, 1, bias=False)
        with pytest.raises(ValueError, match=message):
            derive.linear_cross_entropy_gradient(x, W, y, chunk_size=chunk_size)


class TestAdaptiveSoftmaxFactorisation:
    @pytest.mark.parametrize("sizes", [(2, [3]), (1, [2, 2]), (3, [1, 4, 2])])
    def test_probabilities_sum_to_one_symbolically(self, sizes):
        """Shortlist and clusters of any sizes: the class probabilities sum to exactly 1."""
        shortlist, clusters = sizes
        head = sp.symbols(f"h0:{shortlist + len(clusters)}", real=True)
        tails = [sp.symbols(f"t{i}_0:{size}", real=True) for i, size in enumerate(clusters)]
        r = derive.adaptive_softmax_factorisation(head, tails)
        assert r["total"] == 1
        assert len(r["probabilities"]) == shortlist + sum(clusters)
        # The log-probabilities are the logarithms of the probabilities.
        for p, log_p in zip(r["probabilities"], r["log_probabilities"], strict=True):
            assert sp.simplify(sp.exp(log_p) - p) == 0

    def test_lambdified_equals_adaptive_log_prob(self, rng):
        """Fed the package's layer outputs, the log-probabilities equal adaptive_log_prob."""
        cutoffs, n_classes, features = [2, 5], 9, 8
        head_weight = rng.normal(size=(cutoffs[0] + 2, features))
        tails = adaptive_tails(rng, features, [*cutoffs, n_classes], 2.0, np.float64)
        x = rng.normal(size=(5, features))
        head = sp.symbols("h0:4", real=True)
        cluster = [sp.symbols("a0:3", real=True), sp.symbols("c0:4", real=True)]
        r = derive.adaptive_softmax_factorisation(head, cluster)
        f = sp.lambdify([head, *cluster], r["log_probabilities"], "numpy")
        outputs = [x @ head_weight.T] + [(x @ p.T) @ o.T for p, o in tails]
        expected = losses.adaptive_log_prob(x, head_weight, tails, cutoffs, div_value=2.0)
        for n in range(5):
            assert_close(np.array(f(*(out[n] for out in outputs))), expected[n])

    def test_empty_cluster_is_refused(self):
        """A cluster without classes raises ValueError naming the argument."""
        with pytest.raises(ValueError, match="cluster_logits"):
            derive.adaptive_softmax_factorisation([0, 0], [[]])


class TestAdaptiveSoftmaxCost:
    @pytest.mark.parametrize("div_value", [1.0, 2.0, 4.0])
    def test_equals_the_weights_sizes(self, rng, div_value):
        """Head weight size plus each tail's weight sizes times its share of the targets
        (a matrix-vector product costs one multiply-add per weight)."""
        cutoffs, n_classes, features = [3, 6], 10, 16
        tails = adaptive_tails(rng, features, [*cutoffs, n_classes], div_value, np.float64)
        shares = [sp.Rational(1, 4), sp.Rational(1, 10)]
        cost = derive.adaptive_softmax_cost(cutoffs, n_classes, features, div_value, shares)
        expected = features * (cutoffs[0] + 2) + sum(
            share * (p.size + o.size) for share, (p, o) in zip(shares, tails, strict=True)
        )
        assert sp.simplify(cost["adaptive"] - expected) == 0
        assert cost["full"] == features * n_classes

    def test_symbolic_in_the_shares(self):
        """With symbolic shares the cost is linear in them, each with its tail's size."""
        p = sp.symbols("p0:2", nonnegative=True)
        cost = derive.adaptive_softmax_cost([4, 8], 20, 8, 2, p)
        assert sp.expand(cost["adaptive"]) == 8 * 6 + p[0] * 4 * (8 + 4) + p[1] * 2 * (8 + 12)

    def test_one_share_per_cutoff(self):
        """Fewer shares than cutoffs raises ValueError naming the argument."""
        with pytest.raises(ValueError, match="probabilities must hold one value per cutoff"):
            derive.adaptive_softmax_cost([2, 4], 10, 8, 2, [0.5])
