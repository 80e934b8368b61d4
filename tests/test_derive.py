"""lossbook.derive: each derived expression, lambdified, equals the package's numeric function."""

import numpy as np
import pytest
import sympy as sp
import torch

from lossbook import activations, derive, gradients, information, losses


@pytest.fixture
def rng():
    return np.random.default_rng(20)


N = 6


# --- lossbook.derive.likelihood -----------------------------------------------


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


# --- lossbook.derive.from_gradient --------------------------------------------


class TestLossFromGradient:
    @pytest.mark.parametrize("factor", [1, 2])
    def test_loss_is_factor_times_bce(self, rng, factor):
        """Lambdified, the recovered loss equals factor * binary_cross_entropy elementwise."""
        y_hat, y = sp.symbols("y_hat y", real=True)
        f = sp.lambdify([y_hat, y], derive.loss_from_gradient(y_hat, y, factor=factor)["loss"], "numpy")
        p, t = rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)
        np.testing.assert_allclose(f(p, t), factor * losses.binary_cross_entropy(p, t, reduction="none"), rtol=1e-12)

    @pytest.mark.parametrize("factor", [1, 2])
    def test_logit_gradient_is_wished_for(self, factor):
        """d loss / d a through the sigmoid is factor * (sigmoid(a) - y)."""
        a, y, y_hat = sp.symbols("a y y_hat", real=True)
        loss = derive.loss_from_gradient(y_hat, y, factor=factor)["loss"].subs(y_hat, 1 / (1 + sp.exp(-a)))
        assert sp.simplify(sp.diff(loss, a) - factor * (1 / (1 + sp.exp(-a)) - y)) == 0

    def test_raw_differs_by_constant_i_pi(self, rng):
        """SymPy's raw antiderivative minus the real loss is (y - 1) * factor * i*pi on 0 < y_hat < 1."""
        y_hat, y = sp.symbols("y_hat y", real=True)
        r = derive.loss_from_gradient(y_hat, y, factor=2)
        assert sp.simplify(sp.diff(r["raw"] - r["loss"], y_hat)) == 0
        for p, t in zip(rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)):
            np.testing.assert_allclose(complex(r["constant"].subs({y_hat: p, y: t})), 2j * np.pi * (t - 1), atol=1e-12)


class TestLogitsForm:
    def test_equals_bce_with_logits(self, rng):
        """Lambdified, it equals binary_cross_entropy_with_logits(reduction='none')."""
        a, y = sp.symbols("a y", real=True)
        f = sp.lambdify([a, y], derive.logits_form(a, y), "numpy")
        z, t = rng.normal(0, 3, N), rng.uniform(0, 1, N)
        np.testing.assert_allclose(f(z, t), losses.binary_cross_entropy_with_logits(z, t, reduction="none"), rtol=1e-12)

    def test_equals_sigmoid_cross_entropy(self):
        """It is the binary cross-entropy of sigmoid(a), symbolically."""
        a, y = sp.symbols("a y", real=True)
        assert sp.simplify(sp.expand_log(derive.sigmoid_cross_entropy(a, y) - derive.logits_form(a, y), force=True)) == 0


class TestStableLogitsForm:
    def test_equals_logits_form_on_each_side(self):
        """It equals logits_form for a > 0 and for a < 0."""
        y = sp.Symbol("y", real=True)
        for a in (sp.Symbol("a", positive=True), sp.Symbol("a", negative=True)):
            assert sp.simplify(sp.expand_log(derive.stable_logits_form(a, y) - derive.logits_form(a, y), force=True)) == 0

    def test_equals_package_and_torch_at_extremes(self, rng):
        """Lambdified, it matches the package and torch even at |a| = 1000."""
        a, y = sp.symbols("a y", real=True)
        f = sp.lambdify([a, y], derive.stable_logits_form(a, y), "numpy")
        z, t = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]), rng.uniform(0, 1, 5)
        np.testing.assert_allclose(f(z, t), losses.binary_cross_entropy_with_logits(z, t, reduction="none"), rtol=1e-12)
        ref = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(t), reduction="none")
        np.testing.assert_allclose(f(z, t), ref.numpy(), rtol=1e-12)


class TestTopLayerBackward:
    @pytest.mark.parametrize("loss", ["l2", "ce"])
    def test_formula_equals_direct(self, loss):
        """delta x^T and delta equal the entry-by-entry derivatives."""
        W = sp.Matrix(2, 3, sp.symbols("w0:6", real=True))
        b, y = sp.Matrix(sp.symbols("b0:2", real=True)), sp.Matrix(sp.symbols("y0:2", real=True))
        x = sp.Matrix(sp.symbols("x0:3", real=True))
        r = derive.top_layer_backward(W, b, x, y, loss=loss)
        assert sp.simplify(r["dW"] - r["dW_direct"]) == sp.zeros(2, 3)
        assert sp.simplify(r["db"] - r["db_direct"]) == sp.zeros(2, 1)

    def test_ce_delta_equals_package_gradient(self, rng):
        """For CE, delta lambdified equals N * gradients.binary_cross_entropy_with_logits."""
        W = sp.Matrix(2, 1, sp.symbols("w0:2", real=True))
        b, y = sp.Matrix(sp.symbols("b0:2", real=True)), sp.Matrix(sp.symbols("y0:2", real=True))
        x = sp.Matrix([sp.Symbol("x", real=True)])
        r = derive.top_layer_backward(W, b, x, y, loss="ce")
        f = sp.lambdify([list(W), list(b), x[0], list(y)], list(r["delta"]), "numpy")
        w, c, t = rng.normal(size=2), rng.normal(size=2), rng.uniform(0, 1, 2)
        expected = 2 * gradients.binary_cross_entropy_with_logits(w * 0.7 + c, t)
        np.testing.assert_allclose(f(w, c, 0.7, t), expected, rtol=1e-12)

    def test_rejects_unknown_loss(self):
        """An unknown loss name raises ValueError."""
        with pytest.raises(ValueError):
            derive.top_layer_backward(sp.Matrix([[1]]), sp.Matrix([0]), sp.Matrix([1]), sp.Matrix([0]), loss="l1")


class TestNeuronBatchGradients:
    @pytest.mark.parametrize("loss", ["mse", "ce"])
    def test_closed_form_equals_diff(self, loss):
        """The closed-form batch gradients equal sympy.diff of the mean loss."""
        w, b = sp.symbols("w b", real=True)
        x, y = sp.symbols(f"x0:{N}", real=True), sp.symbols(f"y0:{N}", real=True)
        r = derive.neuron_batch_gradients(w, b, list(x), list(y), loss=loss)
        assert sp.simplify(r["dw"] - r["dw_direct"]) == 0
        assert sp.simplify(r["db"] - r["db_direct"]) == 0

    @pytest.mark.parametrize("loss", ["mse", "ce"])
    def test_equals_package_chain_rule(self, rng, loss):
        """Lambdified, loss and db equal lossbook.losses / gradients chained through the sigmoid."""
        w, b = sp.symbols("w b", real=True)
        x, y = sp.symbols(f"x0:{N}", real=True), sp.symbols(f"y0:{N}", real=True)
        r = derive.neuron_batch_gradients(w, b, list(x), list(y), loss=loss)
        xs, ys, wv, bv = rng.normal(size=N), rng.integers(0, 2, N).astype(float), 0.8, -0.3
        p = activations.sigmoid(wv * xs + bv)
        fn = {"mse": (losses.mse_loss, gradients.mse_loss), "ce": (losses.binary_cross_entropy, gradients.binary_cross_entropy)}
        L, G = fn[loss]
        g_a = G(p, ys) * p * (1 - p)
        args = [wv, bv, list(xs), list(ys)]
        np.testing.assert_allclose(sp.lambdify([w, b, list(x), list(y)], r["loss"])(*args), L(p, ys), rtol=1e-12)
        np.testing.assert_allclose(sp.lambdify([w, b, list(x), list(y)], r["dw"])(*args), np.sum(g_a * xs), rtol=1e-10)
        np.testing.assert_allclose(sp.lambdify([w, b, list(x), list(y)], r["db"])(*args), np.sum(g_a), rtol=1e-10)


class TestCrossEntropyDecomposition:
    def test_equals_information_functions(self, rng):
        """Lambdified, the three sums equal lossbook.information, and CE = H + KL."""
        p, q = sp.symbols("p0:4", positive=True), sp.symbols("q0:4", positive=True)
        r = derive.cross_entropy_decomposition(list(p), list(q))
        P, Q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
        val = {k: sp.lambdify([list(p), list(q)], v)(P, Q) for k, v in r.items()}
        np.testing.assert_allclose(val["cross_entropy"], information.cross_entropy(P, Q), rtol=1e-12)
        np.testing.assert_allclose(val["entropy"], information.entropy(P), rtol=1e-12)
        np.testing.assert_allclose(val["kl"], information.kl_divergence(P, Q), rtol=1e-12)
        assert sp.simplify(sp.expand_log(r["entropy"] + r["kl"] - r["cross_entropy"], force=True)) == 0


# --- lossbook.derive.classification -------------------------------------------


class TestTwoClassSoftmaxAsSigmoid:
    def test_difference_simplifies_to_zero(self):
        """The softmax form minus the sigmoid form simplifies to 0."""
        z1, z2 = sp.symbols("z1 z2", real=True)
        a, b = derive.two_class_softmax_as_sigmoid(z1, z2)
        assert sp.simplify(a - b) == 0

    def test_lambdified_equals_package(self, rng):
        """Lambdified, both forms equal softmax(...)[..., 0] and sigmoid(z1 - z2) of the package."""
        z1, z2 = sp.symbols("z1 z2", real=True)
        a, b = derive.two_class_softmax_as_sigmoid(z1, z2)
        fa, fb = sp.lambdify([z1, z2], a, "numpy"), sp.lambdify([z1, z2], b, "numpy")
        logits = rng.normal(scale=3, size=(20, 2))
        expected = activations.softmax(logits)[:, 0]
        np.testing.assert_allclose(fa(logits[:, 0], logits[:, 1]), expected, rtol=1e-12)
        np.testing.assert_allclose(fb(logits[:, 0], logits[:, 1]), expected, rtol=1e-12)
        np.testing.assert_allclose(activations.sigmoid(logits[:, 0] - logits[:, 1]), expected, rtol=1e-12)


class TestBernoulliMle:
    def test_symbolic_is_mean(self):
        """For symbolic observations the estimate is their mean."""
        y = sp.symbols("y0:5")
        assert sp.simplify(derive.bernoulli_mle(y) - sp.Add(*y) / 5) == 0

    def test_lambdified_equals_numpy_mean(self, rng):
        """Lambdified, it equals np.mean on random 0/1 samples, and maximises the log-likelihood."""
        y = sp.symbols("y0:8")
        f = sp.lambdify([y], derive.bernoulli_mle(y), "numpy")
        for _ in range(5):
            sample = rng.integers(0, 2, 8)
            sample[0], sample[1] = 0, 1  # keep the estimate inside (0, 1)
            p_hat = f(sample)
            np.testing.assert_allclose(p_hat, sample.mean(), rtol=1e-15)
            log_l = sp.lambdify(sp.Symbol("p"), derive.bernoulli_log_likelihood(list(sample), [sp.Symbol("p")] * 8))
            grid = np.linspace(0.01, 0.99, 99)
            assert log_l(p_hat) >= log_l(grid).max() - 1e-12

    def test_rejects_empty(self):
        """An empty sample raises ValueError."""
        with pytest.raises(ValueError, match="empty"):
            derive.bernoulli_mle([])


# --- lossbook.derive.display --------------------------------------------------


class TestLatexEquation:
    def _one_line(self, latex, lhs):
        body = latex.removeprefix(rf"\begin{{aligned}} {lhs} &= ").removesuffix(r" \end{aligned}")
        return body.replace(r" \\ &\quad ", " ")

    @pytest.mark.parametrize("terms_per_line", [1, 2, 3, 7])
    def test_lines_read_as_sympy_prints_the_sum(self, terms_per_line):
        """Joined back into one line, the lines are SymPy's own LaTeX of the sum, and there are ceil(terms / k)."""
        ys, ps = sp.symbols(f"y1:{N + 1}"), sp.symbols(f"p1:{N + 1}", positive=True)
        rhs = derive.binary_cross_entropy_sum(ys, ps) + sp.Symbol("c")  # a positive term among negative ones
        latex = derive.latex_equation("L", rhs, terms_per_line=terms_per_line)
        assert self._one_line(latex, "L") == sp.latex(rhs)
        assert latex.count(r"\\") == -(-len(rhs.args) // terms_per_line) - 1

    def test_single_term_is_one_line(self):
        """An expression that is not a sum stays on one line, and a SymPy left-hand side is printed."""
        x = sp.Symbol("x")
        assert derive.latex_equation(sp.Function("f")(x), sp.exp(x)) == r"\begin{aligned} f{\left(x \right)} &= e^{x} \end{aligned}"

    def test_rejects_zero_terms_per_line(self):
        """terms_per_line below 1 raises ValueError naming the value."""
        with pytest.raises(ValueError, match="got 0"):
            derive.latex_equation("L", sp.Symbol("x"), terms_per_line=0)
