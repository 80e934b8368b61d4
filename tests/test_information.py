"""lossbook.information against scipy, with its identities and its checks of input."""

import numpy as np
import pytest
from scipy import special, stats

from lossbook import information


def _distributions(rng, shape, zeros=True):
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        p[..., 0] = 0  # impossible outcomes: 0 log 0 = 0
        p /= p.sum(axis=-1, keepdims=True)
    return p


BASES = [2, np.e, 10]


class TestSelfInformation:
    @pytest.mark.parametrize("base", BASES)
    def test_is_minus_log(self, base, rng):
        """I(p) = -log_b p, with I(0) = inf and I(1) = 0."""
        p = np.concatenate([rng.uniform(size=20), [0.0, 1.0]])
        with np.errstate(divide="ignore"):
            expected = -np.log(p) / np.log(base)
        np.testing.assert_allclose(
            information.self_information(p, base=base), expected, rtol=1e-14
        )

    def test_adds_over_independent_events(self):
        """I(1/8) = I(1/4) + I(1/2) = 3 bits."""
        assert information.self_information(1 / 8, base=2) == 3.0
        assert (
            information.self_information(1 / 4, base=2)
            + information.self_information(1 / 2, base=2)
            == 3.0
        )


class TestEntropy:
    @pytest.mark.parametrize("base", BASES)
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_matches_scipy(self, base, dtype, rng):
        """Equals scipy.stats.entropy and the sum of scipy.special.entr."""
        p = _distributions(rng, (6, 5)).astype(dtype)
        actual = information.entropy(p, base=base)
        assert actual.dtype == dtype
        rtol = 1e-13 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(actual, stats.entropy(p, base=base, axis=-1), rtol=rtol)
        np.testing.assert_allclose(actual, special.entr(p).sum(-1) / np.log(base), rtol=rtol)

    def test_axis(self, rng):
        """The outcomes may lie along any axis."""
        p = _distributions(rng, (3, 4))
        np.testing.assert_allclose(
            information.entropy(p.T, axis=0), information.entropy(p), rtol=1e-15
        )

    def test_at_most_log_of_outcome_count(self, rng):
        """0 <= H(P) <= log C, the maximum at the uniform distribution."""
        p = _distributions(rng, (100, 6))
        h = information.entropy(p)
        assert np.all(h >= 0) and np.all(h <= np.log(6))
        assert information.entropy(np.full(6, 1 / 6)) == pytest.approx(np.log(6), rel=1e-15)


class TestCrossEntropy:
    def test_matches_scipy(self, rng):
        """H(P, Q) = -sum xlogy(p, q)."""
        p, q = _distributions(rng, (5, 4)), _distributions(rng, (5, 4), zeros=False)
        np.testing.assert_allclose(
            information.cross_entropy(p, q, base=2),
            -special.xlogy(p, q).sum(-1) / np.log(2),
            rtol=1e-14,
        )

    def test_is_entropy_plus_kl(self, rng):
        """H(P, Q) = H(P) + D_KL(P || Q)."""
        p, q = _distributions(rng, (50, 7)), _distributions(rng, (50, 7), zeros=False)
        np.testing.assert_allclose(
            information.cross_entropy(p, q),
            information.entropy(p) + information.kl_divergence(p, q),
            rtol=1e-13,
        )

    def test_infinite_where_q_rules_out_what_p_allows(self):
        """q_i = 0 < p_i gives inf; q_i = 0 = p_i costs nothing."""
        assert information.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert information.cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0


class TestKlDivergence:
    def test_matches_scipy(self, rng):
        """Equals scipy.stats.entropy(p, q) and the sum of scipy.special.rel_entr."""
        p, q = _distributions(rng, (5, 4)), _distributions(rng, (5, 4), zeros=False)
        np.testing.assert_allclose(
            information.kl_divergence(p, q), stats.entropy(p, q, axis=-1), rtol=1e-13
        )
        np.testing.assert_allclose(
            information.kl_divergence(p, q), special.rel_entr(p, q).sum(-1), rtol=1e-13
        )

    def test_gibbs_inequality(self, rng):
        """KL >= 0 on many random pairs, and KL(p, p) = 0."""
        p, q = (
            _distributions(rng, (1000, 5), zeros=False),
            _distributions(rng, (1000, 5), zeros=False),
        )
        assert np.all(information.kl_divergence(p, q) >= 0)
        np.testing.assert_array_equal(information.kl_divergence(p, p), 0.0)

    def test_not_symmetric(self):
        """KL(P || Q) differs from KL(Q || P)."""
        p, q = [0.5, 0.5], [0.9, 0.1]
        assert information.kl_divergence(p, q) != pytest.approx(information.kl_divergence(q, p))


class TestBinaryEntropy:
    @pytest.mark.parametrize("base", BASES)
    def test_is_entropy_of_two_outcomes(self, base, rng):
        """H_b(p) = H([p, 1 - p]), with H_b(0) = H_b(1) = 0."""
        p = np.concatenate([rng.uniform(size=20), [0.0, 1.0]])
        np.testing.assert_allclose(
            information.binary_entropy(p, base=base),
            information.entropy(np.stack([p, 1 - p], axis=-1), base=base),
            rtol=1e-14,
        )

    def test_one_bit_at_one_half(self):
        """A fair coin carries exactly one bit."""
        assert information.binary_entropy(0.5, base=2) == 1.0


BAD_DISTRIBUTIONS = [
    pytest.param(
        lambda: information.entropy([0.5, 0.4]),
        r"'p' must sum to 1 along axis -1 within 1.5e-08 \(got 0.9",
        id="entropy-sum",
    ),
    pytest.param(
        lambda: information.entropy([1.5, -0.5]),
        r"all elements of 'p' must be between 0 and 1 \(got 1.5",
        id="entropy-range",
    ),
    pytest.param(
        lambda: information.entropy([np.nan, 1.0]),
        r"'p' must be between 0 and 1 \(got nan",
        id="entropy-nan",
    ),
    pytest.param(
        lambda: information.kl_divergence([0.5, 0.5], [0.7, 0.7]),
        r"'q' must sum to 1",
        id="kl-sum",
    ),
    pytest.param(
        lambda: information.cross_entropy([0.5, 0.5], [1.0, 0.0, 0.0]),
        r"'q' must have the same shape as 'p' \(2,\) \(got \(3,\)\)",
        id="ce-shape",
    ),
    pytest.param(
        lambda: information.self_information(1.2),
        r"'p' must be between 0 and 1 \(got 1.2",
        id="self-information-range",
    ),
    pytest.param(
        lambda: information.binary_entropy(-0.1),
        r"'p' must be between 0 and 1 \(got -0.1",
        id="binary-entropy-range",
    ),
    pytest.param(
        lambda: information.entropy([0.5, 0.5], base=1),
        r"'base' must be a positive number other than 1 \(got 1\)",
        id="base-one",
    ),
    pytest.param(
        lambda: information.entropy(0.5), r"'p' must have at least one dimension", id="scalar"
    ),
]


class TestBadDistributions:
    @pytest.mark.parametrize("call, message", BAD_DISTRIBUTIONS)
    def test_raises_naming_the_value(self, call, message):
        """A non-distribution raises ValueError naming the offending value."""
        with pytest.raises(ValueError, match=message):
            call()

    def test_float32_tolerance_is_looser(self):
        """A sum 1e-6 off one passes in float32 (tolerance 3.5e-4) and raises in float64 (1.5e-8)."""
        p = [0.25, 0.75 + 1e-6]
        assert np.isfinite(information.entropy(np.array(p, np.float32)))
        with pytest.raises(ValueError, match=r"'p' must sum to 1 along axis -1 within 1.5e-08"):
            information.entropy(np.array(p, np.float64))
