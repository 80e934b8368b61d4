"""lossbook.gradients beyond the registry's parity cases: extremes, ignored targets, grad_output."""

import numpy as np
import pytest

from lossbook import gradients
from lossbook.activations import softmax
from lossbook.testing import assert_close
from parity import DTYPES, IGNORED_ROWS, REDUCTIONS, check_gradient, with_ignored_row


def test_l1_zero_error_has_zero_gradient(rng):
    """At x = y the subgradient is 0, as PyTorch picks."""
    check_gradient("l1_loss", np.zeros(3), np.zeros(3), np.float64, rng, reduction="sum")
    np.testing.assert_array_equal(gradients.l1_loss(np.zeros(3), np.zeros(3)), 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_probabilities_zero_and_one(dtype, reduction, rng):
    """At probabilities of exactly 0 and 1 the gradient is PyTorch's +-1e12, not inf."""
    input = np.array([0.0, 1.0, 0.0, 1.0], dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
    check_gradient("binary_cross_entropy", input, target, dtype, rng, reduction=reduction)
    assert np.all(np.isfinite(gradients.binary_cross_entropy(input, target)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_extreme_logits(dtype, rng):
    """At logits of +-1e4 the gradient is exactly -1, 0 or 1."""
    input = np.array([1e4, -1e4, 1e4, -1e4], dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
    check_gradient("binary_cross_entropy_with_logits", input, target, dtype, rng, reduction="none")
    np.testing.assert_array_equal(
        gradients.binary_cross_entropy_with_logits(input, target, reduction="sum"), [1, -1, 0, 0]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_all_targets_ignored(dtype, reduction, rng):
    """Every target ignored: the gradient is what autograd gives (zeros, or NaN for 'mean')."""
    input = np.log(np.full((3, 4), 0.25, dtype))
    check_gradient("nll_loss", input, np.full(3, -100), dtype, rng, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_nll_ignored_row_may_hold_inf_or_nan(dtype, reduction, row, rng):
    """An ignored row of -inf or NaN: the gradient is autograd's."""
    input, target = with_ignored_row(row, dtype)
    check_gradient("nll_loss", input, target, dtype, rng, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_extreme_logits(dtype, label_smoothing, rng):
    """Logits of +-1e4 give finite gradients equal to autograd's."""
    input = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype)
    check_gradient(
        "cross_entropy", input, np.array([1, 0]), dtype, rng, label_smoothing=label_smoothing
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_all_targets_ignored(dtype, reduction, rng):
    """Every target ignored, with label smoothing: as autograd."""
    input = rng.normal(size=(3, 4)).astype(dtype)
    check_gradient(
        "cross_entropy",
        input,
        np.full(3, 2),
        dtype,
        rng,
        reduction=reduction,
        ignore_index=2,
        label_smoothing=0.3,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_cross_entropy_ignored_row_may_hold_inf_or_nan(dtype, label_smoothing, row, rng):
    """An ignored row of -inf or NaN logits: the gradient is autograd's (NaN in that row where autograd's is)."""
    input, target = with_ignored_row(row, dtype)
    check_gradient("cross_entropy", input, target, dtype, rng, label_smoothing=label_smoothing)


def test_cross_entropy_is_softmax_minus_one_hot(rng):
    """Without options the mean gradient is (softmax - one_hot) / N."""
    logits = rng.normal(size=(5, 4))
    target = rng.integers(0, 4, 5)
    assert_close(
        gradients.cross_entropy(logits, target), (softmax(logits) - np.eye(4)[target]) / 5
    )


def test_reduced_loss_takes_scalar_grad_output():
    """A reduced loss takes a scalar upstream gradient and scales by it."""
    x, y = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    np.testing.assert_array_equal(
        gradients.mse_loss(x, y, grad_output=3.0), 3 * gradients.mse_loss(x, y)
    )


def test_none_reduction_rejects_grad_output_of_wrong_shape():
    """For reduction='none' grad_output must have the losses' shape."""
    with pytest.raises(
        ValueError,
        match=r"'grad_output' must have the same shape as 'input' \(2,\) \(got \(3,\)\)",
    ):
        gradients.mse_loss([1.0, 2.0], [0.0, 0.0], reduction="none", grad_output=np.ones(3))
