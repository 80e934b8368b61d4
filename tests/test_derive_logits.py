"""lossbook.derive.logits: each derivation, lambdified, equals the numeric package."""

import numpy as np
import pytest
import sympy as sp
import torch

from lossbook import activations, derive, gradients, losses

N = 6
FORMS = ["probability", "logit", "stable"]


@pytest.fixture
def rng():
    return np.random.default_rng(20)


class TestSigmoidCrossEntropy:
    @pytest.mark.parametrize("form", FORMS)
    def test_equals_bce_with_logits(self, rng, form):
        """Each form, lambdified, equals binary_cross_entropy_with_logits(reduction='none')."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_cross_entropy(z, y, form=form), "numpy")
        logits, labels = rng.normal(0, 3, N), rng.uniform(size=N)
        expected = losses.binary_cross_entropy_with_logits(logits, labels, reduction="none")
        np.testing.assert_allclose(f(logits, labels), expected, rtol=1e-12)

    def test_probability_form_is_bce_of_sigmoid(self, rng):
        """The probability form, lambdified, equals binary_cross_entropy(sigmoid(z), y)."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_cross_entropy(z, y), "numpy")
        logits, labels = rng.normal(0, 3, N), rng.uniform(size=N)
        probs = activations.sigmoid(logits)
        expected = losses.binary_cross_entropy(probs, labels, reduction="none")
        np.testing.assert_allclose(f(logits, labels), expected, rtol=1e-12)

    def test_logit_form_equals_probability_form(self):
        """The logit form is the probability form, symbolically."""
        z, y = sp.symbols("z y", real=True)
        diff = derive.sigmoid_cross_entropy(z, y) - derive.sigmoid_cross_entropy(
            z, y, form="logit"
        )
        assert sp.simplify(sp.expand_log(diff, force=True)) == 0

    def test_stable_form_equals_logit_form_on_each_side(self):
        """The stable form equals the logit form for z > 0 and for z < 0."""
        y = sp.Symbol("y", real=True)
        for z in (sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)):
            stable = derive.sigmoid_cross_entropy(z, y, form="stable")
            logit = derive.sigmoid_cross_entropy(z, y, form="logit")
            assert sp.simplify(sp.expand_log(stable - logit, force=True)) == 0

    def test_stable_form_at_extremes(self, rng):
        """The stable form, lambdified, matches the package and torch even at |z| = 1000."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_cross_entropy(z, y, form="stable"), "numpy")
        logits, labels = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]), rng.uniform(0, 1, 5)
        expected = losses.binary_cross_entropy_with_logits(logits, labels, reduction="none")
        np.testing.assert_allclose(f(logits, labels), expected, rtol=1e-12)
        ref = torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(logits), torch.tensor(labels), reduction="none"
        )
        np.testing.assert_allclose(f(logits, labels), ref.numpy(), rtol=1e-12)

    def test_rejects_unknown_form(self):
        """An unknown form raises ValueError naming it."""
        with pytest.raises(ValueError, match="'logits'"):
            derive.sigmoid_cross_entropy(0, 1, form="logits")


class TestSigmoidMse:
    def test_equals_mse_loss(self, rng):
        """Lambdified, it equals mse_loss(sigmoid(z), y, reduction='none')."""
        z, y = sp.symbols("z y", real=True)
        f = sp.lambdify([z, y], derive.sigmoid_mse(z, y), "numpy")
        logits, labels = rng.normal(size=10), rng.integers(0, 2, 10).astype(float)
        expected = losses.mse_loss(activations.sigmoid(logits), labels, reduction="none")
        np.testing.assert_allclose(f(logits, labels), expected, rtol=1e-12)


class TestLogitDerivatives:
    def test_first_derivatives_match_gradients(self, rng):
        """The first derivatives, lambdified, equal the package's gradients (MSE by chain rule)."""
        z, y = sp.symbols("z y", real=True)
        d = derive.logit_derivatives(z, y)
        logits, labels = rng.normal(size=10), rng.integers(0, 2, 10).astype(float)
        ce = sp.lambdify([z, y], d["cross_entropy"][1], "numpy")(logits, labels)
        expected = gradients.binary_cross_entropy_with_logits(logits, labels, reduction="none")
        np.testing.assert_allclose(ce, expected, rtol=1e-10)
        s = activations.sigmoid(logits)
        mse = sp.lambdify([z, y], d["mse"][1], "numpy")(logits, labels)
        expected = gradients.mse_loss(s, labels, reduction="none") * s * (1 - s)
        np.testing.assert_allclose(mse, expected, rtol=1e-10)

    def test_second_derivative_signs(self):
        """The CE curvature sigma(1 - sigma) is positive everywhere; the MSE one changes sign."""
        z, y = sp.symbols("z y", real=True)
        s = sp.Symbol("sigma", positive=True)
        d = derive.logit_derivatives(z, y)
        ce2_in_s = derive.in_terms_of_sigmoid(d["cross_entropy"][2], z, s)
        assert sp.simplify(ce2_in_s - s * (1 - s)) == 0
        grid = np.linspace(-8, 8, 401)
        mse2 = sp.lambdify(z, d["mse"][2].subs(y, 1), "numpy")(grid)
        ce2 = sp.lambdify(z, d["cross_entropy"][2].subs(y, 1), "numpy")(grid)
        assert ce2.min() > 0
        assert mse2.min() < 0 < mse2.max()

    def test_second_derivatives_match_finite_differences(self, rng):
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
            central = (grad(logits + h) - grad(logits - h)) / (2 * h)
            np.testing.assert_allclose(second, central, rtol=1e-6, atol=1e-9)


class TestInTermsOfSigmoid:
    def test_round_trip(self, rng):
        """The rewritten expression, evaluated at sigmoid(z), equals the original at z."""
        z = sp.Symbol("z", real=True)
        s = sp.Symbol("sigma", positive=True)
        expr = derive.logit_derivatives(z, 1)["mse"][2]
        rewritten = sp.lambdify(s, derive.in_terms_of_sigmoid(expr, z, s), "numpy")
        original = sp.lambdify(z, expr, "numpy")
        logits = rng.normal(0, 2, 10)
        np.testing.assert_allclose(
            rewritten(activations.sigmoid(logits)), original(logits), rtol=1e-10
        )


class TestTwoClassSoftmaxAsSigmoid:
    def test_difference_simplifies_to_zero(self):
        """The softmax form minus the sigmoid form simplifies to 0."""
        z1, z2 = sp.symbols("z1 z2", real=True)
        a, b = derive.two_class_softmax_as_sigmoid(z1, z2)
        assert sp.simplify(a - b) == 0

    def test_lambdified_equals_package(self, rng):
        """Lambdified, both forms equal the package's softmax(...)[:, 0] and sigmoid(z1 - z2)."""
        z1, z2 = sp.symbols("z1 z2", real=True)
        a, b = derive.two_class_softmax_as_sigmoid(z1, z2)
        fa, fb = sp.lambdify([z1, z2], a, "numpy"), sp.lambdify([z1, z2], b, "numpy")
        logits = rng.normal(scale=3, size=(20, 2))
        expected = activations.softmax(logits)[:, 0]
        np.testing.assert_allclose(fa(logits[:, 0], logits[:, 1]), expected, rtol=1e-12)
        np.testing.assert_allclose(fb(logits[:, 0], logits[:, 1]), expected, rtol=1e-12)
        difference = activations.sigmoid(logits[:, 0] - logits[:, 1])
        np.testing.assert_allclose(difference, expected, rtol=1e-12)
