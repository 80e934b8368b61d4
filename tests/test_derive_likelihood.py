"""lossbook.derive.likelihood: each derived expression, lambdified, equals the package's numeric function."""

import numpy as np
import pytest
import sympy as sp

from lossbook import activations, derive, gradients, information, losses


@pytest.fixture
def rng():
    return np.random.default_rng(20)


N = 6


def _symbols(name, n=N, **assumptions):
    return list(sp.symbols(f"{name}0:{n}", **assumptions))


class TestBernoulliLogLikelihood:
    def test_is_minus_n_times_bce(self, rng):
        """Lambdified, it equals -n * binary_cross_entropy(p, y) on random labels and probabilities."""
        y, p = _symbols("y"), _symbols("p")
        f = sp.lambdify([y, p], derive.bernoulli_log_likelihood(y, p), "numpy")
        for _ in range(5):
            labels = rng.integers(0, 2, N).astype(float)
            probs = rng.uniform(0.01, 0.99, N)
            expected = -N * losses.binary_cross_entropy(probs, labels)
            np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)

    def test_is_log_of_product(self):
        """It is the logarithm of prod p^y (1 - p)^(1 - y)."""
        y, p = _symbols("y", 3), _symbols("p", 3, positive=True)
        product = sp.Mul(*[pi**yi * (1 - pi) ** (1 - yi) for yi, pi in zip(y, p)])
        assert sp.simplify(sp.expand_log(sp.log(product), force=True) - derive.bernoulli_log_likelihood(y, p)) == 0

    def test_rejects_mismatched_lengths(self):
        """Sequences of different lengths raise ValueError."""
        with pytest.raises(ValueError, match="different lengths"):
            derive.bernoulli_log_likelihood([1, 0], [0.5])


class TestBinaryCrossEntropySum:
    def test_matches_torch_semantics_sum(self, rng):
        """Lambdified, it equals binary_cross_entropy(p, y, reduction='sum')."""
        y, p = _symbols("y"), _symbols("p")
        f = sp.lambdify([y, p], derive.binary_cross_entropy_sum(y, p), "numpy")
        labels = rng.uniform(size=N)  # soft labels too
        probs = rng.uniform(0.01, 0.99, N)
        np.testing.assert_allclose(f(labels, probs), losses.binary_cross_entropy(probs, labels, reduction="sum"), rtol=1e-12)


class TestBinomialLikelihood:
    def test_coefficient_gives_scipy_pmf(self, rng):
        """With the coefficient it is the binomial pmf."""
        from scipy import stats

        p = sp.Symbol("p")
        for k, n in [(7, 10), (0, 5), (3, 3)]:
            f = sp.lambdify(p, derive.binomial_likelihood(k, n, p, coefficient=True), "numpy")
            grid = rng.uniform(size=5)
            np.testing.assert_allclose(f(grid), stats.binom.pmf(k, n, grid), rtol=1e-12)

    def test_log_is_bernoulli_log_likelihood(self):
        """Its log is the Bernoulli log-likelihood of 7 ones and 3 zeros under a constant p."""
        p = sp.Symbol("p", positive=True)
        log_l = sp.expand_log(sp.log(derive.binomial_likelihood(7, 10, p)), force=True)
        assert sp.simplify(log_l - derive.bernoulli_log_likelihood([1] * 7 + [0] * 3, [p] * 10)) == 0


class TestBinomialMle:
    def test_symbolic(self):
        """The maximiser is k/n."""
        k, n = sp.symbols("k n", positive=True)
        assert sp.simplify(derive.binomial_mle(k, n) - k / n) == 0

    @pytest.mark.parametrize("k, n", [(7, 10), (0, 4), (4, 4), (1, 3)])
    def test_numeric_argmax(self, k, n):
        """It is the argmax of the likelihood on a fine grid."""
        grid = np.linspace(0, 1, 10001)
        f = sp.lambdify(sp.Symbol("p"), derive.binomial_likelihood(k, n, sp.Symbol("p")), "numpy")
        assert abs(grid[np.argmax(f(grid))] - float(derive.binomial_mle(k, n))) < 1e-4


class TestSelfInformationFromAxioms:
    def test_equals_package(self, rng):
        """Lambdified, -log_b p equals information.self_information for bases 2, e and 10."""
        steps = derive.self_information_from_axioms()
        p, b = sorted(steps["information"].free_symbols, key=str)[::-1]
        f = sp.lambdify([p, b], steps["information"], "numpy")
        probs = rng.uniform(0.001, 1, 20)
        for base in (2, np.e, 10):
            np.testing.assert_allclose(f(probs, base), information.self_information(probs, base=base), rtol=1e-12)

    def test_satisfies_axioms(self):
        """The result adds over products and decreases when b > 1."""
        steps = derive.self_information_from_axioms()
        info = steps["information"]
        p, b = sp.Symbol("p", positive=True), sp.Symbol("b", positive=True)
        x, y = sp.symbols("x y", positive=True)
        assert sp.simplify(sp.expand_log(info.subs(p, x * y) - info.subs(p, x) - info.subs(p, y), force=True)) == 0
        assert sp.simplify(sp.diff(info, p) + 1 / (p * sp.log(b))) == 0
        assert steps["general"].subs(p, 1) == 0


class TestGaussianNegativeLogLikelihood:
    def test_reduces_to_sum_of_squares(self):
        """It is n/2 log(2 pi sigma^2) plus the sum of squares over 2 sigma^2."""
        y, mu = _symbols("y", 4, real=True), _symbols("m", 4, real=True)
        sigma = sp.Symbol("sigma", positive=True)
        squares = sum((a - m) ** 2 for a, m in zip(y, mu))
        expected = sp.Rational(4, 2) * sp.log(2 * sp.pi * sigma**2) + squares / (2 * sigma**2)
        nll = derive.gaussian_negative_log_likelihood(y, mu, sigma)
        assert sp.simplify(sp.expand_log(nll - expected, force=True)) == 0

    def test_equals_mse_plus_constant(self, rng):
        """Lambdified, (nll - n/2 log(2 pi sigma^2)) * 2 sigma^2 / n equals mse_loss."""
        y, mu = _symbols("y"), _symbols("m")
        sigma = sp.Symbol("sigma", positive=True)
        nll = derive.gaussian_negative_log_likelihood(y, mu, sigma)
        f = sp.lambdify([y, mu, sigma], nll, "numpy")
        obs, pred, s = rng.normal(size=N), rng.normal(size=N), 0.7
        reduced = (f(obs, pred, s) - N / 2 * np.log(2 * np.pi * s**2)) * 2 * s**2 / N
        np.testing.assert_allclose(reduced, losses.mse_loss(pred, obs), rtol=1e-12)

    def test_equals_scipy_logpdf(self, rng):
        """It is minus the sum of scipy.stats.norm.logpdf."""
        from scipy import stats

        y, mu = _symbols("y"), _symbols("m")
        f = sp.lambdify([y, mu, sp.Symbol("s")], derive.gaussian_negative_log_likelihood(y, mu, sp.Symbol("s")), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        np.testing.assert_allclose(f(obs, pred, 1.3), -stats.norm.logpdf(obs, pred, 1.3).sum(), rtol=1e-12)


class TestGaussianVarianceMle:
    def test_equals_mse_loss(self, rng):
        """Lambdified, the variance estimate equals mse_loss(mu, y)."""
        y, mu = _symbols("y"), _symbols("m")
        f = sp.lambdify([y, mu], derive.gaussian_variance_mle(y, mu), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        np.testing.assert_allclose(f(obs, pred), losses.mse_loss(pred, obs), rtol=1e-12)


class TestLaplaceNegativeLogLikelihood:
    def test_equals_l1_plus_constant(self, rng):
        """Lambdified, (nll - n log 2b) * b / n equals l1_loss."""
        y, mu = _symbols("y"), _symbols("m")
        b = sp.Symbol("b", positive=True)
        f = sp.lambdify([y, mu, b], derive.laplace_negative_log_likelihood(y, mu, b), "numpy")
        obs, pred, scale = rng.normal(size=N), rng.normal(size=N), 0.4
        reduced = (f(obs, pred, scale) - N * np.log(2 * scale)) * scale / N
        np.testing.assert_allclose(reduced, losses.l1_loss(pred, obs), rtol=1e-12)

    def test_equals_scipy_logpdf(self, rng):
        """It is minus the sum of scipy.stats.laplace.logpdf."""
        from scipy import stats

        y, mu = _symbols("y"), _symbols("m")
        b = sp.Symbol("b", positive=True)
        f = sp.lambdify([y, mu, b], derive.laplace_negative_log_likelihood(y, mu, b), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        np.testing.assert_allclose(f(obs, pred, 0.8), -stats.laplace.logpdf(obs, pred, 0.8).sum(), rtol=1e-12)


class TestLaplaceScaleMle:
    def test_equals_l1_loss(self, rng):
        """Lambdified, the scale estimate equals l1_loss(mu, y)."""
        y, mu = _symbols("y"), _symbols("m")
        f = sp.lambdify([y, mu], derive.laplace_scale_mle(y, mu), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        np.testing.assert_allclose(f(obs, pred), losses.l1_loss(pred, obs), rtol=1e-12)


class TestMultinomialLogLikelihood:
    def test_minus_is_nll_loss(self, rng):
        """Lambdified on one-hot targets, minus its batch mean equals nll_loss(log q, t)."""
        C = 4
        y, q = _symbols("y", C), _symbols("q", C)
        f = sp.lambdify([y, q], derive.multinomial_log_likelihood(y, q), "numpy")
        probs = rng.dirichlet(np.ones(C), size=5)
        target = rng.integers(0, C, 5)
        one_hot = np.eye(C)[target]
        values = [f(one_hot[i], probs[i]) for i in range(5)]
        np.testing.assert_allclose(-np.mean(values), losses.nll_loss(np.log(probs), target), rtol=1e-12)

    def test_two_classes_is_bernoulli(self):
        """With two classes it is the Bernoulli log-likelihood."""
        y, p = sp.symbols("y p")
        assert sp.simplify(derive.multinomial_log_likelihood([y, 1 - y], [p, 1 - p]) - derive.bernoulli_log_likelihood(y, p)) == 0


class TestSmoothedTarget:
    def test_is_distribution(self):
        """The smoothed target still sums to one."""
        eps = sp.Symbol("epsilon")
        assert sp.simplify(sum(derive.smoothed_target([0, 0, 1], eps)) - 1) == 0


class TestSmoothedCrossEntropy:
    @pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.3])
    def test_equals_cross_entropy_label_smoothing(self, epsilon, rng):
        """Lambdified on softmax(logits), its batch mean equals cross_entropy(..., label_smoothing)."""
        C = 5
        q = _symbols("q", C)
        logits = rng.normal(size=(4, C))
        target = rng.integers(0, C, 4)
        probs = activations.softmax(logits)
        values = []
        for i in range(4):
            expr = derive.smoothed_cross_entropy(list(np.eye(C, dtype=int)[target[i]]), q, epsilon)
            values.append(sp.lambdify([q], expr, "numpy")(probs[i]))
        np.testing.assert_allclose(np.mean(values), losses.cross_entropy(logits, target, label_smoothing=epsilon), rtol=1e-12)


class TestSigmoidMse:
    def test_equals_mse_loss(self, rng):
        """Lambdified, it equals mse_loss(sigmoid(z), y, reduction='none')."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_mse(z, y), "numpy")
        logits, labels = rng.normal(size=10), rng.integers(0, 2, 10).astype(float)
        np.testing.assert_allclose(f(logits, labels), losses.mse_loss(activations.sigmoid(logits), labels, reduction="none"), rtol=1e-12)


class TestSigmoidCrossEntropy:
    def test_equals_bce_with_logits(self, rng):
        """Lambdified, it equals binary_cross_entropy_with_logits(z, y, reduction='none')."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_cross_entropy(z, y), "numpy")
        logits, labels = rng.normal(size=10), rng.uniform(size=10)
        expected = losses.binary_cross_entropy_with_logits(logits, labels, reduction="none")
        np.testing.assert_allclose(f(logits, labels), expected, rtol=1e-12)


class TestLogitDerivatives:
    def test_first_derivatives_match_gradients(self, rng):
        """The first derivatives, lambdified, equal the package's gradients (MSE through the chain rule)."""
        z, y = sp.symbols("z y", real=True)
        d = derive.logit_derivatives(z, y)
        logits, labels = rng.normal(size=10), rng.integers(0, 2, 10).astype(float)
        ce = sp.lambdify([z, y], d["cross_entropy"][1], "numpy")(logits, labels)
        np.testing.assert_allclose(ce, gradients.binary_cross_entropy_with_logits(logits, labels, reduction="none"), rtol=1e-10)
        s = activations.sigmoid(logits)
        mse = sp.lambdify([z, y], d["mse"][1], "numpy")(logits, labels)
        expected = gradients.mse_loss(s, labels, reduction="none") * s * (1 - s)
        np.testing.assert_allclose(mse, expected, rtol=1e-10)

    def test_second_derivative_signs(self):
        """The CE curvature sigma(1 - sigma) is positive everywhere; the MSE curvature changes sign."""
        z, y = sp.symbols("z y", real=True)
        s = sp.Symbol("sigma", positive=True)
        d = derive.logit_derivatives(z, y)
        assert sp.simplify(derive.in_terms_of_sigmoid(d["cross_entropy"][2], z, s) - s * (1 - s)) == 0
        grid = np.linspace(-8, 8, 401)
        mse2 = sp.lambdify(z, d["mse"][2].subs(y, 1), "numpy")(grid)
        ce2 = sp.lambdify(z, d["cross_entropy"][2].subs(y, 1), "numpy")(grid)
        assert ce2.min() > 0
        assert mse2.min() < 0 < mse2.max()


class TestSmoothedTargetAgainstPackage:
    @pytest.mark.parametrize("epsilon", [0.1, 0.25])
    def test_probability_target_equals_label_smoothing(self, epsilon, rng):
        """cross_entropy against the smoothed target (as probabilities) equals label_smoothing=epsilon."""
        C = 4
        logits = rng.normal(size=(3, C))
        target = rng.integers(0, C, 3)
        soft = np.array([[float(v) for v in derive.smoothed_target(list(np.eye(C)[t]), epsilon)] for t in target])
        np.testing.assert_allclose(
            losses.cross_entropy(logits, soft), losses.cross_entropy(logits, target, label_smoothing=epsilon), rtol=1e-12
        )


class TestSecondDerivativesAgainstPackage:
    def test_match_finite_differences_of_gradients(self, rng):
        """The second derivatives equal central differences of the package's first derivatives."""
        z, y = sp.symbols("z y", real=True)
        d = derive.logit_derivatives(z, y)
        logits, labels, h = rng.normal(0, 2, 10), rng.integers(0, 2, 10).astype(float), 1e-5

        def ce_grad(v):
            return gradients.binary_cross_entropy_with_logits(v, labels, reduction="none")

        def mse_grad(v):
            s = activations.sigmoid(v)
            return gradients.mse_loss(s, labels, reduction="none") * s * (1 - s)

        for name, grad in (("cross_entropy", ce_grad), ("mse", mse_grad)):
            second = sp.lambdify([z, y], d[name][2], "numpy")(logits, labels)
            np.testing.assert_allclose(second, (grad(logits + h) - grad(logits - h)) / (2 * h), rtol=1e-6, atol=1e-9)


class TestInTermsOfSigmoid:
    def test_round_trip(self, rng):
        """The rewritten expression, evaluated at sigmoid(z), equals the original at z."""
        z = sp.Symbol("z", real=True)
        s = sp.Symbol("sigma", positive=True)
        expr = derive.logit_derivatives(z, 1)["mse"][2]
        rewritten = sp.lambdify(s, derive.in_terms_of_sigmoid(expr, z, s), "numpy")
        logits = rng.normal(0, 2, 10)
        np.testing.assert_allclose(rewritten(activations.sigmoid(logits)), sp.lambdify(z, expr, "numpy")(logits), rtol=1e-10)
