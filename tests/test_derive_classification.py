"""lossbook.derive.classification: each derived expression, lambdified, equals the package's numeric function."""

import numpy as np
import pytest
import sympy as sp

from lossbook import activations, derive


@pytest.fixture
def rng():
    return np.random.default_rng(50)


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
