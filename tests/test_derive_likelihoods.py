"""lossbook.derive.likelihoods: each derivation, lambdified, equals the numeric package."""

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from lossbook import derive, losses

N = 6


@pytest.fixture
def rng():
    return np.random.default_rng(20)


def symbols(name, n=N, **assumptions):
    """n SymPy symbols name0, name1, ... as a list."""
    return list(sp.symbols(f"{name}0:{n}", **assumptions))


class TestBernoulliPmf:
    def test_equals_scipy_pmf(self, rng):
        """Lambdified, it equals scipy.stats.bernoulli.pmf at both outcomes."""
        y, p = sp.symbols("y p")
        f = sp.lambdify([y, p], derive.bernoulli_pmf(y, p), "numpy")
        labels, probs = rng.integers(0, 2, 20), rng.uniform(0.01, 0.99, 20)
        expected = stats.bernoulli.pmf(labels, probs)
        np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)


class TestBernoulliLogLikelihood:
    def test_is_minus_n_times_bce(self, rng):
        """Lambdified, it equals -n * losses.binary_cross_entropy(p, y) on random data."""
        y, p = symbols("y"), symbols("p")
        f = sp.lambdify([y, p], derive.bernoulli_log_likelihood(y, p), "numpy")
        for _ in range(5):
            labels = rng.integers(0, 2, N).astype(float)
            probs = rng.uniform(0.01, 0.99, N)
            expected = -N * losses.binary_cross_entropy(probs, labels)
            np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)

    def test_is_sum_of_per_sample_logs(self):
        """It is the sum of y log p + (1 - y) log(1 - p), one term per sample, symbolically."""
        y, p = symbols("y", 3), symbols("p", 3)
        by_hand = sum(yi * sp.log(pi) + (1 - yi) * sp.log(1 - pi) for yi, pi in zip(y, p))
        assert sp.expand(derive.bernoulli_log_likelihood(y, p) - by_hand) == 0

    def test_equals_minus_information_bce(self):
        """It equals -information.binary_cross_entropy, a derivation by the other road."""
        y, p = symbols("y", 4), symbols("p", 4)
        total = derive.bernoulli_log_likelihood(y, p) + derive.binary_cross_entropy(y, p)
        assert sp.expand(total) == 0

    def test_equals_sum_of_scipy_logpmf(self, rng):
        """Lambdified, it equals the sum of scipy.stats.bernoulli.logpmf."""
        y, p = symbols("y"), symbols("p")
        f = sp.lambdify([y, p], derive.bernoulli_log_likelihood(y, p), "numpy")
        labels, probs = rng.integers(0, 2, N), rng.uniform(0.01, 0.99, N)
        expected = stats.bernoulli.logpmf(labels, probs).sum()
        np.testing.assert_allclose(f(labels, probs), expected, rtol=1e-12)

    def test_rejects_mismatched_lengths(self):
        """Sequences of different lengths raise ValueError."""
        with pytest.raises(ValueError, match="different lengths"):
            derive.bernoulli_log_likelihood([1, 0], [0.5])


class TestBernoulliMle:
    def test_symbolic_is_mean(self):
        """For symbolic observations the estimate is their mean."""
        y = sp.symbols("y0:5")
        assert sp.simplify(derive.bernoulli_mle(y) - sp.Add(*y) / 5) == 0

    def test_lambdified_equals_numpy_mean(self, rng):
        """Lambdified, it equals np.mean on 0/1 samples, and maximises the log-likelihood."""
        y = sp.symbols("y0:8")
        f = sp.lambdify([y], derive.bernoulli_mle(y), "numpy")
        p = sp.Symbol("p")
        grid = np.linspace(0.01, 0.99, 99)
        for _ in range(5):
            sample = rng.integers(0, 2, 8)
            sample[0], sample[1] = 0, 1  # keep the estimate inside (0, 1)
            p_hat = f(sample)
            np.testing.assert_allclose(p_hat, sample.mean(), rtol=1e-15)
            log_l = sp.lambdify(p, derive.bernoulli_log_likelihood(list(sample), [p] * 8))
            assert log_l(p_hat) >= log_l(grid).max() - 1e-12

    def test_rejects_empty(self):
        """An empty sample raises ValueError."""
        with pytest.raises(ValueError, match="empty"):
            derive.bernoulli_mle([])


class TestBinomialLikelihood:
    def test_coefficient_gives_scipy_pmf(self, rng):
        """With the coefficient it is the binomial pmf."""
        p = sp.Symbol("p")
        for k, n in [(7, 10), (0, 5), (3, 3)]:
            expr = derive.binomial_likelihood(k, n, p, coefficient=True)
            f = sp.lambdify(p, expr, "numpy")
            grid = rng.uniform(size=5)
            np.testing.assert_allclose(f(grid), stats.binom.pmf(k, n, grid), rtol=1e-12)

    def test_log_is_bernoulli_log_likelihood(self):
        """Its log is the Bernoulli log-likelihood of 7 ones and 3 zeros under a constant p."""
        p = sp.Symbol("p", positive=True)
        log_l = sp.expand_log(sp.log(derive.binomial_likelihood(7, 10, p)), force=True)
        bernoulli = derive.bernoulli_log_likelihood([1] * 7 + [0] * 3, [p] * 10)
        assert sp.simplify(log_l - bernoulli) == 0


class TestBinomialMle:
    def test_symbolic(self):
        """The maximiser is k/n."""
        k, n = sp.symbols("k n", positive=True)
        assert sp.simplify(derive.binomial_mle(k, n) - k / n) == 0

    @pytest.mark.parametrize("k, n", [(7, 10), (0, 4), (4, 4), (1, 3)])
    def test_numeric_argmax(self, k, n):
        """It is the argmax of the likelihood on a fine grid."""
        p = sp.Symbol("p")
        grid = np.linspace(0, 1, 10001)
        f = sp.lambdify(p, derive.binomial_likelihood(k, n, p), "numpy")
        assert abs(grid[np.argmax(f(grid))] - float(derive.binomial_mle(k, n))) < 1e-4


class TestGaussianNegativeLogLikelihood:
    def test_reduces_to_sum_of_squares(self):
        """It is n/2 log(2 pi sigma^2) plus the sum of squares over 2 sigma^2."""
        y, mu = symbols("y", 4, real=True), symbols("m", 4, real=True)
        sigma = sp.Symbol("sigma", positive=True)
        squares = sum((a - m) ** 2 for a, m in zip(y, mu))
        expected = 2 * sp.log(2 * sp.pi * sigma**2) + squares / (2 * sigma**2)
        nll = derive.gaussian_negative_log_likelihood(y, mu, sigma)
        assert sp.simplify(sp.expand_log(nll - expected, force=True)) == 0

    def test_equals_mse_plus_constant(self, rng):
        """Lambdified, (nll - n/2 log(2 pi sigma^2)) * 2 sigma^2 / n equals mse_loss."""
        y, mu = symbols("y"), symbols("m")
        sigma = sp.Symbol("sigma", positive=True)
        nll = derive.gaussian_negative_log_likelihood(y, mu, sigma)
        f = sp.lambdify([y, mu, sigma], nll, "numpy")
        obs, pred, s = rng.normal(size=N), rng.normal(size=N), 0.7
        reduced = (f(obs, pred, s) - N / 2 * np.log(2 * np.pi * s**2)) * 2 * s**2 / N
        np.testing.assert_allclose(reduced, losses.mse_loss(pred, obs), rtol=1e-12)


class TestLaplaceNegativeLogLikelihood:
    def test_equals_l1_plus_constant(self, rng):
        """Lambdified, (nll - n log 2b) * b / n equals l1_loss."""
        y, mu = symbols("y"), symbols("m")
        b = sp.Symbol("b", positive=True)
        f = sp.lambdify([y, mu, b], derive.laplace_negative_log_likelihood(y, mu, b), "numpy")
        obs, pred, scale = rng.normal(size=N), rng.normal(size=N), 0.4
        reduced = (f(obs, pred, scale) - N * np.log(2 * scale)) * scale / N
        np.testing.assert_allclose(reduced, losses.l1_loss(pred, obs), rtol=1e-12)


class TestNoiseModels:
    """Gaussian and Laplace noise: the negative log-likelihood and its scale estimate."""

    @pytest.mark.parametrize(
        "nll, distribution, scale",
        [
            (derive.gaussian_negative_log_likelihood, stats.norm, 1.3),
            (derive.laplace_negative_log_likelihood, stats.laplace, 0.8),
        ],
    )
    def test_nll_is_minus_scipy_logpdf(self, rng, nll, distribution, scale):
        """It is minus the sum of scipy.stats' logpdf."""
        y, mu, s = symbols("y"), symbols("m"), sp.Symbol("s", positive=True)
        f = sp.lambdify([y, mu, s], nll(y, mu, s), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        expected = -distribution.logpdf(obs, pred, scale).sum()
        np.testing.assert_allclose(f(obs, pred, scale), expected, rtol=1e-12)

    @pytest.mark.parametrize(
        "estimate, loss",
        [
            (derive.gaussian_variance_mle, losses.mse_loss),
            (derive.laplace_scale_mle, losses.l1_loss),
        ],
    )
    def test_scale_estimate_equals_loss(self, rng, estimate, loss):
        """Lambdified, the variance (Gaussian) or scale (Laplace) estimate equals loss(mu, y)."""
        y, mu = symbols("y"), symbols("m")
        f = sp.lambdify([y, mu], estimate(y, mu), "numpy")
        obs, pred = rng.normal(size=N), rng.normal(size=N)
        np.testing.assert_allclose(f(obs, pred), loss(pred, obs), rtol=1e-12)


class TestCategoricalLogLikelihood:
    def test_minus_is_nll_loss(self, rng):
        """Lambdified on one-hot targets, minus its batch mean equals nll_loss(log q, t)."""
        C = 4
        y, q = symbols("y", C), symbols("q", C)
        f = sp.lambdify([y, q], derive.categorical_log_likelihood(y, q), "numpy")
        probs = rng.dirichlet(np.ones(C), size=5)
        target = rng.integers(0, C, 5)
        one_hot = np.eye(C)[target]
        values = [f(one_hot[i], probs[i]) for i in range(5)]
        expected = losses.nll_loss(np.log(probs), target)
        np.testing.assert_allclose(-np.mean(values), expected, rtol=1e-12)

    def test_two_classes_is_bernoulli(self):
        """With two classes it is the Bernoulli log-likelihood."""
        y, p = sp.symbols("y p")
        categorical = derive.categorical_log_likelihood([y, 1 - y], [p, 1 - p])
        assert sp.simplify(categorical - derive.bernoulli_log_likelihood(y, p)) == 0


class TestPoissonNegativeLogLikelihood:
    def test_equals_scipy_logpmf(self, rng):
        """Lambdified, it is minus the sum of scipy.stats.poisson.logpmf."""
        y, lam = symbols("y"), symbols("lam")
        f = sp.lambdify([y, lam], derive.poisson_negative_log_likelihood(y, lam), "scipy")
        counts, rates = rng.integers(0, 30, N), rng.uniform(0.1, 20, N)
        expected = -stats.poisson.logpmf(counts, rates).sum()
        np.testing.assert_allclose(f(counts, rates), expected, rtol=1e-12)

    @pytest.mark.parametrize("log_input", [True, False])
    def test_equals_poisson_nll_loss(self, rng, log_input):
        """Without log y!, summed, it equals losses.poisson_nll_loss(full=False)."""
        y, r = symbols("y"), symbols("r")
        nll = derive.poisson_negative_log_likelihood(y, r, log_input=log_input, factorial=False)
        f = sp.lambdify([y, r], nll, "numpy")
        counts = rng.integers(0, 30, N).astype(float)
        rates = rng.uniform(0.1, 20, N)
        x = np.log(rates) if log_input else rates
        # eps=0: the derivation has no eps; the package adds it inside the log.
        expected = losses.poisson_nll_loss(
            x, counts, log_input=log_input, eps=0.0, reduction="sum"
        )
        np.testing.assert_allclose(f(counts, x), expected, rtol=1e-12)

    def test_log_input_is_rate_form_at_exp(self):
        """The log-input form is the rate form with rate = exp(eta)."""
        y, eta = sp.symbols("y eta", real=True)
        by_log = derive.poisson_negative_log_likelihood(y, eta, log_input=True)
        by_rate = derive.poisson_negative_log_likelihood(y, sp.exp(eta))
        assert sp.simplify(sp.expand_log(by_log - by_rate, force=True)) == 0

    def test_minimiser_is_the_count(self):
        """Its derivative in the rate vanishes at rate = y: the count is the MLE."""
        y = sp.Symbol("y", positive=True)
        lam = sp.Symbol("lambda", positive=True)
        nll = derive.poisson_negative_log_likelihood(y, lam)
        assert sp.solve(sp.diff(nll, lam), lam) == [y]


class TestStirlingLogFactorial:
    @pytest.mark.parametrize("terms", [0, 1, 2, 3])
    def test_error_shrinks_with_terms(self, terms):
        """Against scipy's gammaln, the error at y = 10 is below the first omitted term."""
        from scipy.special import gammaln

        bounds = [1 / 120, 1 / 360 / 1e3, 1 / 1260 / 1e5, 1 / 1680 / 1e7]
        value = float(derive.stirling_log_factorial(10, terms=terms))
        assert abs(value - gammaln(11.0)) < bounds[terms]

    def test_is_full_term_of_poisson_nll_loss(self, rng):
        """Lambdified (terms=0), it is what full=True adds where the target exceeds 1."""
        t = sp.Symbol("t", positive=True)
        f = sp.lambdify(t, derive.stirling_log_factorial(t), "numpy")
        counts = np.array([0.0, 1.0, 2.0, 3.0, 7.0, 40.0])
        x = rng.normal(size=counts.size)
        added = losses.poisson_nll_loss(
            x, counts, full=True, reduction="none"
        ) - losses.poisson_nll_loss(x, counts, reduction="none")
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.where(counts > 1, f(counts), 0.0)
        np.testing.assert_allclose(added, expected, rtol=1e-12, atol=1e-14)

    def test_rejects_bad_terms(self):
        """terms outside 0..3 raise ValueError naming the value."""
        with pytest.raises(ValueError, match="got 4"):
            derive.stirling_log_factorial(5, terms=4)


class TestGaussianHeteroscedasticNll:
    def test_equals_scipy_logpdf(self, rng):
        """Lambdified, it is minus the sum of scipy.stats.norm.logpdf with scale sqrt(var)."""
        y, mu, v = symbols("y"), symbols("m"), symbols("v", positive=True)
        f = sp.lambdify([y, mu, v], derive.gaussian_heteroscedastic_nll(y, mu, v), "numpy")
        obs, pred, var = rng.normal(size=N), rng.normal(size=N), rng.uniform(0.1, 3, N)
        expected = -stats.norm.logpdf(obs, pred, np.sqrt(var)).sum()
        np.testing.assert_allclose(f(obs, pred, var), expected, rtol=1e-12)

    @pytest.mark.parametrize("full", [False, True])
    def test_equals_gaussian_nll_loss(self, rng, full):
        """Summed, it equals losses.gaussian_nll_loss; the constant is full=True's."""
        y, mu, v = symbols("y"), symbols("m"), symbols("v", positive=True)
        nll = derive.gaussian_heteroscedastic_nll(y, mu, v, constant=full)
        f = sp.lambdify([y, mu, v], nll, "numpy")
        obs, pred, var = rng.normal(size=N), rng.normal(size=N), rng.uniform(0.1, 3, N)
        expected = losses.gaussian_nll_loss(pred, obs, var, full=full, reduction="sum")
        np.testing.assert_allclose(f(obs, pred, var), expected, rtol=1e-12)

    def test_gradients_equal_package(self, rng):
        """Its derivatives in mu and var, lambdified, equal gradients.gaussian_nll_loss."""
        from lossbook import gradients

        y, mu = sp.symbols("y mu", real=True)
        v = sp.Symbol("v", positive=True)
        nll = derive.gaussian_heteroscedastic_nll(y, mu, v, constant=False)
        d_mu = sp.lambdify([y, mu, v], sp.diff(nll, mu), "numpy")
        d_v = sp.lambdify([y, mu, v], sp.diff(nll, v), "numpy")
        obs, pred, var = rng.normal(size=N), rng.normal(size=N), rng.uniform(0.1, 3, N)
        g_mu, g_v = gradients.gaussian_nll_loss(pred, obs, var, reduction="sum")
        np.testing.assert_allclose(g_mu, d_mu(obs, pred, var), rtol=1e-12)
        np.testing.assert_allclose(g_v, d_v(obs, pred, var), rtol=1e-12)

    def test_fixed_variance_is_chapter_two_form(self):
        """With one variance sigma**2 for all, it equals gaussian_negative_log_likelihood."""
        y, mu = symbols("y", 3, real=True), symbols("m", 3, real=True)
        sigma = sp.Symbol("sigma", positive=True)
        hetero = derive.gaussian_heteroscedastic_nll(y, mu, [sigma**2] * 3)
        fixed = derive.gaussian_negative_log_likelihood(y, mu, sigma)
        assert sp.simplify(sp.expand_log(hetero - fixed, force=True)) == 0


class TestGaussianNllMaximisers:
    def test_single_observation(self):
        """For one observation: mu_hat = y and var_hat = (y - mu)**2."""
        y, mu = sp.symbols("y mu", real=True)
        mu_hat, var_hat = derive.gaussian_nll_maximisers(y, mu)
        assert mu_hat == y
        assert sp.expand(var_hat - (y - mu) ** 2) == 0

    def test_sample_is_mean_and_mse(self, rng):
        """Lambdified: the sample mean, and the mean squared residual (mse_loss)."""
        y = symbols("y")
        mu = sp.Symbol("mu", real=True)
        mu_hat, var_hat = derive.gaussian_nll_maximisers(y, mu)
        obs = rng.normal(size=N)
        np.testing.assert_allclose(float(mu_hat.subs(dict(zip(y, obs)))), obs.mean(), rtol=1e-12)
        at = float(var_hat.subs({**dict(zip(y, obs)), mu: 0.3}))
        np.testing.assert_allclose(at, losses.mse_loss(np.full(N, 0.3), obs), rtol=1e-12)

    def test_var_hat_minimises_the_package_loss(self, rng):
        """gaussian_nll_loss over a grid of shared variances is least at var_hat."""
        y = symbols("y")
        mu = sp.Symbol("mu", real=True)
        _, var_hat = derive.gaussian_nll_maximisers(y, mu)
        obs = rng.normal(size=N)
        best = float(var_hat.subs({**dict(zip(y, obs)), mu: 0.0}))
        grid = best * np.linspace(0.5, 1.5, 1001)
        values = [losses.gaussian_nll_loss(np.zeros(N), obs, np.full(N, g)) for g in grid]
        assert abs(grid[int(np.argmin(values))] - best) <= best * 1e-3
