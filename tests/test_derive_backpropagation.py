"""lossbook.derive.backpropagation: each derivation, lambdified, equals the numeric package."""

import numpy as np
import pytest
import sympy as sp

from lossbook import activations, derive, gradients, losses

N = 6
LOSSES = ["mse", "cross_entropy"]


@pytest.fixture
def rng():
    return np.random.default_rng(20)


class TestTopLayerBackward:
    @pytest.mark.parametrize("loss", LOSSES)
    def test_formula_equals_direct(self, loss):
        """delta x^T and delta equal the entry-by-entry derivatives."""
        W = sp.Matrix(2, 3, sp.symbols("w0:6", real=True))
        b, y = sp.Matrix(sp.symbols("b0:2", real=True)), sp.Matrix(sp.symbols("y0:2", real=True))
        x = sp.Matrix(sp.symbols("x0:3", real=True))
        r = derive.top_layer_backward(W, b, x, y, loss=loss)
        assert sp.simplify(r["dW"] - r["dW_direct"]) == sp.zeros(2, 3)
        assert sp.simplify(r["db"] - r["db_direct"]) == sp.zeros(2, 1)

    def test_cross_entropy_delta_equals_package_gradient(self, rng):
        """For cross-entropy, delta lambdified equals m * gradients.bce_with_logits (mean)."""
        W = sp.Matrix(2, 1, sp.symbols("w0:2", real=True))
        b, y = sp.Matrix(sp.symbols("b0:2", real=True)), sp.Matrix(sp.symbols("y0:2", real=True))
        x = sp.Matrix([sp.Symbol("x", real=True)])
        r = derive.top_layer_backward(W, b, x, y, loss="cross_entropy")
        f = sp.lambdify([list(W), list(b), x[0], list(y)], list(r["delta"]), "numpy")
        w, c, t = rng.normal(size=2), rng.normal(size=2), rng.uniform(0, 1, 2)
        expected = 2 * gradients.binary_cross_entropy_with_logits(w * 0.7 + c, t)
        np.testing.assert_allclose(f(w, c, 0.7, t), expected, rtol=1e-12)

    def test_mse_loss_and_delta_equal_package(self, rng):
        """For mse, loss and delta lambdified equal m/2 * mse_loss and its gradient chained."""
        W = sp.Matrix(3, 1, sp.symbols("w0:3", real=True))
        b, y = sp.Matrix(sp.symbols("b0:3", real=True)), sp.Matrix(sp.symbols("y0:3", real=True))
        x = sp.Matrix([sp.Symbol("x", real=True)])
        r = derive.top_layer_backward(W, b, x, y, loss="mse")
        args = [list(W), list(b), x[0], list(y)]
        w, c, t = rng.normal(size=3), rng.normal(size=3), rng.uniform(0, 1, 3)
        p = activations.sigmoid(w * 0.7 + c)
        loss = sp.lambdify(args, r["loss"], "numpy")(w, c, 0.7, t)
        np.testing.assert_allclose(loss, 3 / 2 * losses.mse_loss(p, t), rtol=1e-12)
        delta = sp.lambdify(args, list(r["delta"]), "numpy")(w, c, 0.7, t)
        expected = 3 / 2 * gradients.mse_loss(p, t) * p * (1 - p)
        np.testing.assert_allclose(delta, expected, rtol=1e-12)

    @pytest.mark.parametrize("bad", ["l2", "ce", "l1"])
    def test_rejects_unknown_loss(self, bad):
        """A loss name outside {'mse', 'cross_entropy'} raises ValueError naming it."""
        with pytest.raises(ValueError, match=f"not '{bad}'"):
            derive.top_layer_backward(
                sp.Matrix([[1]]), sp.Matrix([0]), sp.Matrix([1]), sp.Matrix([0]), loss=bad
            )


class TestNeuronBatchGradients:
    @pytest.mark.parametrize("loss", LOSSES)
    def test_closed_form_equals_diff(self, loss):
        """The closed-form batch gradients equal sympy.diff of the mean loss."""
        w, b = sp.symbols("w b", real=True)
        x, y = sp.symbols(f"x0:{N}", real=True), sp.symbols(f"y0:{N}", real=True)
        r = derive.neuron_batch_gradients(w, b, list(x), list(y), loss=loss)
        assert sp.simplify(r["dw"] - r["dw_direct"]) == 0
        assert sp.simplify(r["db"] - r["db_direct"]) == 0

    @pytest.mark.parametrize("loss", LOSSES)
    def test_equals_package_chain_rule(self, rng, loss):
        """Lambdified, loss, dw and db equal lossbook.losses / gradients through the sigmoid."""
        w, b = sp.symbols("w b", real=True)
        x, y = list(sp.symbols(f"x0:{N}", real=True)), list(sp.symbols(f"y0:{N}", real=True))
        r = derive.neuron_batch_gradients(w, b, x, y, loss=loss)
        xs, ys, wv, bv = rng.normal(size=N), rng.integers(0, 2, N).astype(float), 0.8, -0.3
        p = activations.sigmoid(wv * xs + bv)
        package = {
            "mse": (losses.mse_loss, gradients.mse_loss),
            "cross_entropy": (losses.binary_cross_entropy, gradients.binary_cross_entropy),
        }
        L, G = package[loss]
        g_a = G(p, ys) * p * (1 - p)
        args = [wv, bv, list(xs), list(ys)]

        def value(key):
            return sp.lambdify([w, b, x, y], r[key])(*args)

        np.testing.assert_allclose(value("loss"), L(p, ys), rtol=1e-12)
        np.testing.assert_allclose(value("dw"), np.sum(g_a * xs), rtol=1e-10)
        np.testing.assert_allclose(value("db"), np.sum(g_a), rtol=1e-10)

    @pytest.mark.parametrize("bad", ["ce", "l2", "bce"])
    def test_rejects_unknown_loss(self, bad):
        """A loss name outside {'mse', 'cross_entropy'} raises ValueError naming it."""
        w, b = sp.symbols("w b", real=True)
        with pytest.raises(ValueError, match=f"not '{bad}'"):
            derive.neuron_batch_gradients(w, b, [1], [0], loss=bad)


class TestLossFromGradient:
    @pytest.mark.parametrize("factor", [1, 2])
    def test_loss_is_factor_times_bce(self, rng, factor):
        """Lambdified, the recovered loss equals factor * binary_cross_entropy elementwise."""
        y_hat, y = sp.symbols("y_hat y", real=True)
        loss = derive.loss_from_gradient(y_hat, y, factor=factor)["loss"]
        f = sp.lambdify([y_hat, y], loss, "numpy")
        p, t = rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)
        expected = factor * losses.binary_cross_entropy(p, t, reduction="none")
        np.testing.assert_allclose(f(p, t), expected, rtol=1e-12)

    @pytest.mark.parametrize("factor", [1, 2])
    def test_logit_gradient_is_wished_for(self, factor):
        """d loss / d a through the sigmoid is factor * (sigmoid(a) - y)."""
        a, y, y_hat = sp.symbols("a y y_hat", real=True)
        sigmoid = 1 / (1 + sp.exp(-a))
        loss = derive.loss_from_gradient(y_hat, y, factor=factor)["loss"].subs(y_hat, sigmoid)
        assert sp.simplify(sp.diff(loss, a) - factor * (sigmoid - y)) == 0

    def test_raw_differs_by_constant_i_pi(self, rng):
        """SymPy's raw antiderivative minus the loss is (y - 1) * factor * i*pi."""
        y_hat, y = sp.symbols("y_hat y", real=True)
        r = derive.loss_from_gradient(y_hat, y, factor=2)
        assert sp.simplify(sp.diff(r["raw"] - r["loss"], y_hat)) == 0
        for p, t in zip(rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)):
            constant = complex(r["constant"].subs({y_hat: p, y: t}))
            np.testing.assert_allclose(constant, 2j * np.pi * (t - 1), atol=1e-12)

    def test_loss_is_computed_not_typed_in(self, rng, monkeypatch):
        """The loss comes from integration: breaking every closed form of BCE the
        module could reach leaves it unchanged, and it still equals the package's BCE."""
        from lossbook.derive import backpropagation, information

        y_hat, y = sp.symbols("y_hat y", real=True)
        before = derive.loss_from_gradient(y_hat, y, factor=2)["loss"]

        def broken(t, p):
            return sp.Integer(0) * t * p

        monkeypatch.setattr(information, "binary_cross_entropy", broken)
        monkeypatch.setattr(backpropagation, "binary_cross_entropy", broken)
        monkeypatch.setattr(derive, "binary_cross_entropy", broken)
        after = derive.loss_from_gradient(y_hat, y, factor=2)["loss"]
        assert sp.simplify(after - before) == 0
        f = sp.lambdify([y_hat, y], after, "numpy")
        p, t = rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)
        expected = 2 * losses.binary_cross_entropy(p, t, reduction="none")
        np.testing.assert_allclose(f(p, t), expected, rtol=1e-12)

    def test_steps_have_the_article_structure(self):
        """The partial fractions, the log-differentials and SymPy's raw branch are as chapter 3 shows them."""
        y_hat, y = sp.symbols("y_hat y", real=True)
        r = derive.loss_from_gradient(y_hat, y, factor=2)
        assert sp.simplify(r["slope"] - y_hat * (1 - y_hat)) == 0
        assert sp.simplify(r["fractions"] - (y / y_hat + (y - 1) / (1 - y_hat))) == 0
        assert sp.simplify(r["integrand"] - (y - y_hat) / (y_hat * (1 - y_hat))) == 0
        pairs = {(sp.expand(k), sp.expand(v)) for k, v in r["differentials"]}
        assert pairs == {(y, y_hat), (1 - y, 1 - y_hat)}
        # SymPy's raw antiderivative takes the log(y_hat - 1) branch ...
        assert y_hat - 1 in {log.args[0] for log in r["raw"].atoms(sp.log)}
        # ... the loss has only real logarithms on (0, 1), and both roads agree.
        assert {log.args[0] for log in r["loss"].atoms(sp.log)} == {y_hat, 1 - y_hat}
        assert sp.simplify(r["loss"] - r["loss_by_substitution"]) == 0
        assert sp.expand(r["loss"] - 2 * r["cross_entropy"]) == 0

    def test_kl_choice_vanishes_at_the_label_and_equals_package_kl(self, rng):
        """'kl' is zero at y_hat = y and equals the Bernoulli KL divergence of lossbook.information."""
        from lossbook import information

        y_hat, y = sp.symbols("y_hat y", real=True)
        kl = derive.loss_from_gradient(y_hat, y)["kl"]
        assert sp.simplify(kl.subs(y_hat, y)) == 0
        f = sp.lambdify([y_hat, y], kl, "numpy")
        p, t = rng.uniform(0.01, 0.99, N), rng.uniform(0.01, 0.99, N)
        expected = information.kl_divergence(np.stack([t, 1 - t], -1), np.stack([p, 1 - p], -1))
        np.testing.assert_allclose(f(p, t), expected, rtol=1e-10)


class TestNeuronLogitGradient:
    @pytest.mark.parametrize("loss", LOSSES)
    def test_logit_gradient_derived(self, loss):
        """'dz' is y_hat - y for cross-entropy and 2(y_hat - y)y_hat(1 - y_hat) for MSE."""
        w, b = sp.symbols("w b", real=True)
        x, y = sp.symbols("x0:2", real=True), sp.symbols("y0:2", real=True)
        r = derive.neuron_batch_gradients(w, b, list(x), list(y), loss=loss)
        for xi, yi, dz in zip(x, y, r["dz"]):
            s = 1 / (1 + sp.exp(-(w * xi + b)))
            want = s - yi if loss == "cross_entropy" else 2 * (s - yi) * s * (1 - s)
            assert sp.simplify(dz - want) == 0
