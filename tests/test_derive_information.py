"""lossbook.derive.information: each derivation, lambdified, equals the numeric package."""

import numpy as np
import pytest
import sympy as sp

from lossbook import activations, derive, information, losses

N = 6


@pytest.fixture
def rng():
    return np.random.default_rng(20)


class TestSelfInformationFromAxioms:
    def test_equals_package(self, rng):
        """Lambdified, -log_b p equals information.self_information for bases 2, e and 10."""
        steps = derive.self_information_from_axioms()
        p, b = sp.symbols("p b", positive=True)
        f = sp.lambdify([p, b], steps["information"], "numpy")
        probs = rng.uniform(0.001, 1, 20)
        for base in (2, np.e, 10):
            expected = information.self_information(probs, base=base)
            np.testing.assert_allclose(f(probs, base), expected, rtol=1e-12)

    def test_satisfies_axioms(self):
        """The result adds over products and decreases when b > 1."""
        steps = derive.self_information_from_axioms()
        info = steps["information"]
        p, b = sp.Symbol("p", positive=True), sp.Symbol("b", positive=True)
        x, y = sp.symbols("x y", positive=True)
        additivity = info.subs(p, x * y) - info.subs(p, x) - info.subs(p, y)
        assert sp.simplify(sp.expand_log(additivity, force=True)) == 0
        assert sp.simplify(sp.diff(info, p) + 1 / (p * sp.log(b))) == 0
        assert steps["general"].subs(p, 1) == 0

    def test_football_example_in_bits(self):
        """An event of probability 1/8 carries 3 bits, the sum of 2 and 1 bits."""
        info = derive.self_information_from_axioms()["information"]
        p, b = sp.symbols("p b", positive=True)
        bits = [sp.simplify(info.subs({p: q, b: 2})) for q in (sp.Rational(1, 8), 0.25, 0.5)]
        assert bits[0] == 3
        assert abs(float(bits[1] + bits[2]) - 3) < 1e-12


class TestBinaryCrossEntropy:
    def test_equals_package_sum(self, rng):
        """Lambdified, it equals losses.binary_cross_entropy(p, y, reduction='sum')."""
        y, p = list(sp.symbols(f"y0:{N}")), list(sp.symbols(f"p0:{N}"))
        f = sp.lambdify([y, p], derive.binary_cross_entropy(y, p), "numpy")
        labels = rng.uniform(size=N)  # soft labels too
        probs = rng.uniform(0.01, 0.99, N)
        expected = losses.binary_cross_entropy(probs, labels, reduction="sum")
        np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)

    def test_is_sum_of_information_cross_entropies(self, rng):
        """Lambdified, it is the sum of information.cross_entropy of [1-y, y] and [1-p, p]."""
        y, p = list(sp.symbols(f"y0:{N}")), list(sp.symbols(f"p0:{N}"))
        f = sp.lambdify([y, p], derive.binary_cross_entropy(y, p), "numpy")
        labels, probs = rng.uniform(size=N), rng.uniform(0.01, 0.99, N)
        expected = sum(
            information.cross_entropy([1 - t, t], [1 - q, q]) for t, q in zip(labels, probs)
        )
        np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)

    def test_equals_minus_bernoulli_log_likelihood(self):
        """Symbolically, it is minus the log-likelihood derived from the Bernoulli pmf."""
        y, p = list(sp.symbols("y0:3")), list(sp.symbols("p0:3"))
        total = derive.binary_cross_entropy(y, p) + derive.bernoulli_log_likelihood(y, p)
        assert sp.expand(total) == 0

    def test_rejects_empty(self):
        """An empty sample raises ValueError."""
        with pytest.raises(ValueError, match="empty"):
            derive.binary_cross_entropy([], [])


class TestCrossEntropyDecomposition:
    def test_equals_information_functions(self, rng):
        """Lambdified, the three sums equal lossbook.information, and CE = H + KL."""
        p, q = sp.symbols("p0:4", positive=True), sp.symbols("q0:4", positive=True)
        r = derive.cross_entropy_decomposition(list(p), list(q))
        P, Q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
        val = {k: sp.lambdify([list(p), list(q)], v)(P, Q) for k, v in r.items()}
        expected = information.cross_entropy(P, Q)
        np.testing.assert_allclose(val["cross_entropy"], expected, rtol=1e-12)
        np.testing.assert_allclose(val["entropy"], information.entropy(P), rtol=1e-12)
        np.testing.assert_allclose(val["kl"], information.kl_divergence(P, Q), rtol=1e-12)
        total = r["entropy"] + r["kl"] - r["cross_entropy"]
        assert sp.simplify(sp.expand_log(total, force=True)) == 0


class TestSmoothedTarget:
    def test_is_distribution(self):
        """The smoothed target still sums to one."""
        eps = sp.Symbol("epsilon")
        assert sp.simplify(sum(derive.smoothed_target([0, 0, 1], eps)) - 1) == 0

    @pytest.mark.parametrize("epsilon", [0.1, 0.25])
    def test_probability_target_equals_label_smoothing(self, epsilon, rng):
        """cross_entropy against the smoothed target (as probabilities) equals label_smoothing."""
        C = 4
        logits = rng.normal(size=(3, C))
        target = rng.integers(0, C, 3)
        one_hot = np.eye(C, dtype=int)[target]
        soft = np.array(
            [[float(v) for v in derive.smoothed_target(list(t), epsilon)] for t in one_hot]
        )
        expected = losses.cross_entropy(logits, target, label_smoothing=epsilon)
        np.testing.assert_allclose(losses.cross_entropy(logits, soft), expected, rtol=1e-12)


class TestSmoothedCrossEntropy:
    @pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.3])
    def test_equals_cross_entropy_label_smoothing(self, epsilon, rng):
        """Lambdified on softmax(logits), its batch mean equals cross_entropy(label_smoothing)."""
        C = 5
        q = list(sp.symbols(f"q0:{C}"))
        logits = rng.normal(size=(4, C))
        target = rng.integers(0, C, 4)
        probs = activations.softmax(logits)
        values = []
        for i in range(4):
            expr = derive.smoothed_cross_entropy(list(np.eye(C, dtype=int)[target[i]]), q, epsilon)
            values.append(sp.lambdify([q], expr, "numpy")(probs[i]))
        expected = losses.cross_entropy(logits, target, label_smoothing=epsilon)
        np.testing.assert_allclose(np.mean(values), expected, rtol=1e-12)

    def test_rejects_mismatched_classes(self):
        """A target and probabilities over different numbers of classes raise ValueError."""
        with pytest.raises(ValueError, match="3 classes but q has 2"):
            derive.smoothed_cross_entropy([0, 1, 0], sp.symbols("q0:2"), 0.1)
