"""lossbook.derive.margins: each derivation, lambdified, equals the numeric package."""

import numpy as np
import pytest
import sympy as sp

from lossbook import derive, gradients, losses
from lossbook.testing import assert_close

C = 4
D = 3


@pytest.fixture
def rng():
    return np.random.default_rng(28)


def _scores(rng, rows=6):
    return rng.normal(0, 1.5, size=(rows, C)), rng.integers(0, C, size=rows)


class TestMultiMarginHinge:
    @pytest.mark.parametrize("p", [1, 2])
    @pytest.mark.parametrize("margin", [1.0, 0.3])
    def test_value_equals_multi_margin_loss(self, rng, p, margin):
        """The Weston-Watkins hinge, lambdified, equals multi_margin_loss row by row."""
        z = sp.symbols(f"z0:{C}", real=True)
        scores, targets = _scores(rng)
        weight = rng.uniform(0.5, 2.0, C)
        expected = losses.multi_margin_loss(
            scores, targets, p=p, margin=margin, weight=weight, reduction="none"
        )
        for row, target, value in zip(scores, targets, expected):
            f = sp.lambdify(
                z,
                derive.multi_margin_hinge(
                    z, int(target), p=p, margin=margin, weight=weight[target]
                ),
            )
            assert_close(np.float64(f(*row)), value)

    @pytest.mark.parametrize("p", [1, 2])
    def test_subgradient_equals_gradient(self, rng, p):
        """The subgradient, lambdified, equals gradients.multi_margin_loss (reduction 'sum')."""
        z = sp.symbols(f"z0:{C}", real=True)
        scores, targets = _scores(rng)
        for row, target in zip(scores, targets):
            f = sp.lambdify(z, derive.multi_margin_subgradient(z, int(target), p=p, margin=0.7))
            expected = gradients.multi_margin_loss(
                row[None], np.array([target]), p=p, margin=0.7, reduction="sum"
            )
            assert_close(np.array(f(*row), dtype=float), expected[0])

    def test_subgradient_at_the_kink_is_pytorchs(self):
        """At h_i = 0 the default at_kink = 0 gives the package's (PyTorch's) slope 0."""
        scores = np.array([[1.0, 0.0, -2.0]])
        got = derive.multi_margin_subgradient([1, 0, -2], 0)
        assert_close(
            np.array(got, dtype=float), gradients.multi_margin_loss(scores, np.array([0]))[0]
        )
        assert derive.multi_margin_subgradient([1, 0, -2], 0, at_kink=1)[1] == sp.Rational(1, 3)

    def test_subgradient_sums_to_zero(self):
        """Only differences of scores matter, so the subgradient sums to zero, symbolically."""
        z = sp.symbols(f"z0:{C}", real=True)
        for p in (1, 2):
            assert sp.simplify(sum(derive.multi_margin_subgradient(z, 2, p=p))) == 0

    def test_bad_arguments(self):
        z = sp.symbols("z0:3")
        with pytest.raises(ValueError, match="p = 1 and p = 2"):
            derive.multi_margin_hinge(z, 0, p=3)
        with pytest.raises(IndexError, match="out of bounds"):
            derive.multi_margin_hinge(z, 3)
        with pytest.raises(ValueError, match="at least 2 scores"):
            derive.multi_margin_hinge(z[:1], 0)
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            derive.multi_margin_subgradient(z, 0, at_kink=2)


class TestCrammerSingerAndSmoothHinge:
    def test_crammer_singer_between_sum_bounds(self, rng):
        """max of the hinges <= C * multi_margin_loss <= (C - 1) * max."""
        z = sp.symbols(f"z0:{C}", real=True)
        scores, targets = _scores(rng, rows=20)
        total = C * losses.multi_margin_loss(scores, targets, reduction="none")
        for row, target, s in zip(scores, targets, total):
            cs = float(sp.lambdify(z, derive.crammer_singer_hinge(z, int(target)))(*row))
            assert cs <= s + 1e-12 and s <= (C - 1) * cs + 1e-12

    def test_smooth_hinge_at_temperature_one_is_cross_entropy(self, rng):
        """T = 1, margin 0: the smoothed hinge, lambdified, equals cross_entropy."""
        z = sp.symbols(f"z0:{C}", real=True)
        scores, targets = _scores(rng)
        expected = losses.cross_entropy(scores, targets, reduction="none")
        for row, target, value in zip(scores, targets, expected):
            f = sp.lambdify(z, derive.smooth_multiclass_hinge(z, int(target)))
            assert_close(np.float64(f(*row)), value)

    def test_smooth_hinge_is_softmax_cross_entropy_symbolically(self):
        z = sp.symbols("z0:3", real=True)
        ce = -sp.log(sp.exp(z[1]) / sum(sp.exp(v) for v in z))
        assert (
            sp.simplify(sp.expand_log(ce - derive.smooth_multiclass_hinge(z, 1), force=True)) == 0
        )

    def test_smooth_hinge_tends_to_crammer_singer(self):
        """The limit T -> 0+ is the Crammer-Singer hinge, and the gap obeys T log C."""
        T = sp.Symbol("T", positive=True)
        for scores in ([2, 1, 3], [0, -3, -2], [1, 1, 1]):
            smooth = derive.smooth_multiclass_hinge(scores, 0, margin=1, temperature=T)
            assert sp.limit(smooth, T, 0, "+") == derive.crammer_singer_hinge(scores, 0)
            for t in (sp.Rational(1, 2), 2):
                gap = smooth.subs(T, t) - derive.crammer_singer_hinge(scores, 0)
                assert 0 <= float(gap) <= float(t * sp.log(3)) + 1e-15

    def test_bad_temperature(self):
        with pytest.raises(ValueError, match="positive"):
            derive.smooth_multiclass_hinge([1, 2], 0, temperature=0)


class TestTriplet:
    @pytest.mark.parametrize("eps", [0.0, 1e-6])
    def test_value_equals_triplet_margin_loss(self, rng, eps):
        """The triplet loss (p = 2), lambdified, equals triplet_margin_loss row by row."""
        a, p, n = (sp.symbols(f"{c}0:{D}", real=True) for c in "apn")
        f = sp.lambdify([a, p, n], derive.triplet_margin(a, p, n, margin=1.5, eps=sp.Float(eps)))
        A, P, N = (rng.normal(0, 1, (8, D)) for _ in range(3))
        expected = losses.triplet_margin_loss(A, P, N, margin=1.5, eps=eps, reduction="none")
        for row in range(8):
            assert_close(np.float64(f(A[row], P[row], N[row])), expected[row])

    def test_gradients_equal_package_where_active(self, rng):
        """The three gradients, lambdified, equal gradients.triplet_margin_loss on active rows."""
        a, p, n = (sp.symbols(f"{c}0:{D}", real=True) for c in "apn")
        grads = sp.lambdify(
            [a, p, n], derive.triplet_margin_gradients(a, p, n, margin=2.0, eps=sp.Float(1e-6))
        )
        A, P, N = (rng.normal(0, 1, (8, D)) for _ in range(3))
        ours = gradients.triplet_margin_loss(A, P, N, margin=2.0, reduction="sum")
        active = losses.triplet_margin_loss(A, P, N, margin=2.0, reduction="none") > 0
        assert active.sum() >= 4
        for row in np.flatnonzero(active):
            for got, expected in zip(ours, grads(A[row], P[row], N[row])):
                assert_close(got[row], np.array(expected, dtype=float))

    def test_gradients_are_unit_vectors_summing_to_zero(self):
        a, p, n = (sp.symbols(f"{c}0:2", real=True) for c in "apn")
        g_a, g_p, g_n = derive.triplet_margin_gradients(a, p, n)
        assert sp.simplify(sum(v**2 for v in g_p)) == 1
        assert sp.simplify(sum(v**2 for v in g_n)) == 1
        assert all(sp.simplify(x + y + w) == 0 for x, y, w in zip(g_a, g_p, g_n))

    def test_bad_lengths(self):
        with pytest.raises(ValueError, match="lengths"):
            derive.triplet_margin([0, 0], [1, 1], [1])


class TestCosine:
    def test_similarity_gives_cosine_embedding_loss(self, rng):
        """1 - cos (target 1) and max(0, cos - margin) (target -1), lambdified, equal the package."""
        u, v = sp.symbols(f"u0:{D}", real=True), sp.symbols(f"v0:{D}", real=True)
        cos = sp.lambdify(
            [u, v], derive.cosine_similarity(u, v, eps=sp.Float(float(np.float32(1e-12))))
        )
        x1, x2 = rng.normal(0, 1, (6, D)), rng.normal(0, 1, (6, D))
        target = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
        expected = losses.cosine_embedding_loss(x1, x2, target, margin=0.2, reduction="none")
        for row in range(6):
            c = cos(x1[row], x2[row])
            assert_close(
                np.float64(1 - c if target[row] == 1 else max(0.0, c - 0.2)), expected[row]
            )

    def test_gradient_equals_package(self, rng):
        """-grad cos, lambdified, equals gradients.cosine_embedding_loss for target 1."""
        u, v = sp.symbols(f"u0:{D}", real=True), sp.symbols(f"v0:{D}", real=True)
        g1 = sp.lambdify([u, v], derive.cosine_similarity_gradient(u, v, eps=sp.Float(1e-12)))
        g2 = sp.lambdify([u, v], derive.cosine_similarity_gradient(v, u, eps=sp.Float(1e-12)))
        x1, x2 = rng.normal(0, 1, (5, D)), rng.normal(0, 1, (5, D))
        ours = gradients.cosine_embedding_loss(x1, x2, np.ones(5), reduction="sum")
        for row in range(5):
            assert_close(ours[0][row], -np.array(g1(x1[row], x2[row]), dtype=float))
            assert_close(ours[1][row], -np.array(g2(x1[row], x2[row]), dtype=float))

    def test_scale_invariance_and_orthogonal_gradient(self):
        u, v = sp.symbols("u0:3", real=True), sp.symbols("v0:3", real=True)
        k = sp.Symbol("k", positive=True)
        cos = derive.cosine_similarity(u, v)
        assert sp.simplify(derive.cosine_similarity([k * x for x in u], v) - cos) == 0
        grad = derive.cosine_similarity_gradient(u, v)
        assert sp.simplify(sum(x * g for x, g in zip(u, grad))) == 0
