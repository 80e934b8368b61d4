"""lossbook.activations against torch: values, stability at +-1e4, and identities."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import activations
from lossbook.testing import assert_close
from parity import DTYPES

EXTREMES = np.array([-1e4, -800.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 800.0, 1e4])


def _assert_matches(actual, expected, dtype):
    """Same dtype as the input; float32 within ulps of torch's float64 on the upcast input."""
    assert actual.dtype == dtype
    assert_close(actual, expected.numpy())


def _upcast(x):
    """The input as a float64 tensor: torch's float64 result on it is the reference."""
    return torch.from_numpy(x.astype(np.float64))


class TestSigmoid:
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_matches_torch(self, dtype, rng):
        """Equals torch.sigmoid on random and extreme logits, without a warning."""
        x = np.concatenate([rng.normal(0, 5, 100), EXTREMES]).astype(dtype)
        _assert_matches(activations.sigmoid(x), torch.sigmoid(_upcast(x)), dtype)

    def test_limits(self):
        """sigmoid(+-inf) is exactly 1 and 0, and sigmoid(0) is 1/2."""
        np.testing.assert_array_equal(activations.sigmoid([-np.inf, 0.0, np.inf]), [0.0, 0.5, 1.0])


class TestLogSigmoid:
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_matches_torch(self, dtype, rng):
        """Equals F.logsigmoid, finite at -1e4 where log(sigmoid(x)) is -inf."""
        x = np.concatenate([rng.normal(0, 5, 100), EXTREMES]).astype(dtype)
        actual = activations.log_sigmoid(x)
        _assert_matches(actual, F.logsigmoid(_upcast(x)), dtype)
        assert np.all(np.isfinite(actual))


class TestLogsumexp:
    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("axis", [0, 1, -1])
    @pytest.mark.parametrize("keepdims", [False, True])
    def test_matches_torch(self, dtype, axis, keepdims, rng):
        """Equals torch.logsumexp along every axis, with logits up to 1e4."""
        x = rng.normal(0, 1e3, (4, 5, 3)).astype(dtype)
        x[0, 0, 0] = 1e4
        expected = torch.logsumexp(_upcast(x), dim=axis, keepdim=keepdims)
        _assert_matches(activations.logsumexp(x, axis=axis, keepdims=keepdims), expected, dtype)

    def test_all_minus_infinity(self):
        """A slice of all -inf gives -inf, as torch does, not NaN."""
        assert activations.logsumexp([-np.inf, -np.inf]) == -np.inf


class TestSoftmax:
    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("axis", [0, 1, -1])
    def test_matches_torch(self, dtype, axis, rng):
        """Equals torch.softmax along every axis."""
        x = rng.normal(0, 3, (4, 5, 3)).astype(dtype)
        _assert_matches(
            activations.softmax(x, axis=axis), torch.softmax(_upcast(x), dim=axis), dtype
        )

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_extreme_logits(self, dtype):
        """Logits of +-1e4 give a finite distribution equal to torch's."""
        x = np.array([[1e4, -1e4, 1e4 - 1], [-1e4, -1e4, -1e4]], dtype)
        _assert_matches(activations.softmax(x), torch.softmax(_upcast(x), dim=-1), dtype)

    @pytest.mark.parametrize("shift", [-1e3, -5.0, 7.5, 1e3])
    def test_invariant_to_adding_a_constant(self, shift, rng):
        """softmax(x + c) = softmax(x)."""
        x = rng.normal(size=(6, 4))
        assert_close(activations.softmax(x + shift), activations.softmax(x))

    def test_sums_to_one(self, rng):
        """Each slice sums to 1."""
        x = rng.normal(0, 10, (8, 6))
        np.testing.assert_allclose(activations.softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-14)


class TestLogSoftmax:
    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("axis", [0, 1, -1])
    def test_matches_torch(self, dtype, axis, rng):
        """Equals torch.log_softmax along every axis, at extreme logits too."""
        x = rng.normal(0, 3, (4, 5, 3)).astype(dtype)
        x[1, 1, 1] = 1e4
        x[2, 2, 2] = -1e4
        _assert_matches(
            activations.log_softmax(x, axis=axis), torch.log_softmax(_upcast(x), dim=axis), dtype
        )

    def test_is_log_of_softmax_where_finite(self, rng):
        """log_softmax = log(softmax) on moderate logits."""
        x = rng.normal(size=(5, 7))
        np.testing.assert_allclose(
            activations.log_softmax(x), np.log(activations.softmax(x)), rtol=1e-13
        )
