"""lossbook.derive.from_gradient: each derived expression, lambdified, equals the package's numeric function."""

import numpy as np
import pytest
import sympy as sp
import torch

from lossbook import activations, derive, gradients, information, losses


@pytest.fixture
def rng():
    return np.random.default_rng(30)


N = 5


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
