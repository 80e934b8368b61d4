"""lossbook.losses beyond the registry's parity cases: extremes, ignored targets, identities, margin
losses.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import losses
from lossbook.activations import log_softmax
from lossbook.testing import assert_close
from parity import DTYPES, IGNORED_ROWS, REDUCTIONS, check_value, torch_run, with_ignored_row
from registry import MARGIN_LOSSES


def test_integer_input_becomes_float64():
    """Integer arrays and lists are computed in float64."""
    assert losses.mse_loss([1, 2], [0, 0]).dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
def test_smooth_l1_beta_zero_is_l1(dtype):
    """beta = 0 gives exactly the L1 loss."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 10)).astype(dtype)
    assert losses.smooth_l1_loss(x, y, beta=0.0) == losses.l1_loss(x, y)


@pytest.mark.parametrize("delta", [0.3, 1.0, 4.0])
def test_huber_is_delta_times_smooth_l1(delta):
    """huber_loss(delta) = delta * smooth_l1_loss(beta=delta)."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 3, size=(2, 50))
    assert_close(
        losses.huber_loss(x, y, delta=delta, reduction="none"),
        delta * losses.smooth_l1_loss(x, y, beta=delta, reduction="none"),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_probabilities_zero_and_one(dtype, reduction):
    """Probabilities of exactly 0 and 1 cost 0 when right and the clamped 100 when wrong."""
    input = np.array([0.0, 1.0, 0.0, 1.0, 0.0], dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype)
    check_value("binary_cross_entropy", input, target, dtype, reduction=reduction)
    np.testing.assert_array_equal(
        losses.binary_cross_entropy(input, target, reduction="none"), [0, 0, 100, 100, 50]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_extreme_logits(dtype, reduction):
    """Logits of +-1e4 give the exact linear cost, never inf or NaN."""
    input = np.array([1e4, -1e4, 1e4, -1e4], dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
    check_value("binary_cross_entropy_with_logits", input, target, dtype, reduction=reduction)
    np.testing.assert_array_equal(
        losses.binary_cross_entropy_with_logits(input, target, reduction="none"), [1e4, 1e4, 0, 0]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_all_targets_ignored(dtype, reduction, weighted):
    """Every target ignored: 'mean' is NaN, 'sum' is 0, 'none' is all zeros, as in PyTorch."""
    input = np.log(np.full((3, 4), 0.25, dtype))
    weight = np.arange(1.0, 5.0, dtype=dtype) if weighted else None
    check_value("nll_loss", input, np.full(3, -100), dtype, reduction=reduction, weight=weight)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_nll_ignored_row_may_hold_inf_or_nan(dtype, reduction, row):
    """An ignored target's row of -inf or NaN contributes 0, as in PyTorch, not 0 * inf = NaN."""
    input, target = with_ignored_row(row, dtype)
    check_value("nll_loss", input, target, dtype, reduction=reduction)
    assert np.isfinite(losses.nll_loss(input, target, reduction=reduction)).all()


def test_nll_mean_divides_by_target_weights():
    """Weighted 'mean' divides by the sum of the targets' class weights."""
    input = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    loss = losses.nll_loss(input, np.array([0, 1]), weight=np.array([1.0, 3.0]))
    assert_close(loss, (np.log(2) + 3 * np.log(10)) / 4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_extreme_logits(dtype, reduction, label_smoothing):
    """Logits of +-1e4 stay finite and match PyTorch."""
    input = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype)
    target = np.array([1, 0])
    check_value(
        "cross_entropy", input, target, dtype, reduction=reduction, label_smoothing=label_smoothing
    )
    assert np.all(
        np.isfinite(losses.cross_entropy(input, target, label_smoothing=label_smoothing))
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_all_targets_ignored(dtype, reduction, label_smoothing):
    """Every target ignored behaves as in PyTorch, with and without label smoothing."""
    input = np.random.default_rng(2).normal(size=(3, 4)).astype(dtype)
    check_value(
        "cross_entropy",
        input,
        np.full(3, 2),
        dtype,
        reduction=reduction,
        ignore_index=2,
        label_smoothing=label_smoothing,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
def test_cross_entropy_ignored_row_may_hold_inf_or_nan(dtype, reduction, label_smoothing, row):
    """An ignored target's row of -inf or NaN logits contributes 0, as in PyTorch."""
    input, target = with_ignored_row(row, dtype)
    options = {"reduction": reduction, "label_smoothing": label_smoothing}
    check_value("cross_entropy", input, target, dtype, **options)
    assert np.isfinite(losses.cross_entropy(input, target, **options)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_batch_of_one(dtype):
    """A batch of one example, of shape (1, C), matches PyTorch."""
    check_value("cross_entropy", np.array([[0.3, -1.2, 2.0]], dtype), np.array([2]), dtype)


def test_cross_entropy_equals_nll_of_log_softmax():
    """cross_entropy = nll_loss(log_softmax) on the class axis: two code paths, one number."""
    rng = np.random.default_rng(3)
    input = rng.normal(size=(4, 5, 3))
    target = rng.integers(0, 5, (4, 3))
    assert_close(
        losses.cross_entropy(input, target), losses.nll_loss(log_softmax(input, axis=1), target)
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_margin_extreme_scores(dtype):
    """Scores of +-1e4 give 0 and 1e4 where PyTorch's log(1 + exp(-yx)) overflows to inf."""
    input = np.array([1e4, -1e4], dtype)
    target = np.ones(2, dtype)
    torch_value, _ = torch_run("soft_margin_loss", input, target, {"reduction": "none"})
    assert torch_value[1] == np.inf
    np.testing.assert_array_equal(
        losses.soft_margin_loss(input, target, reduction="none"), [0, 1e4]
    )


# --- margin losses -------------------------------------------------------------------
#
# Each is checked against a PyTorch loss that computes the same function by
# another road (hinge = margin_ranking_loss against 0 with margin 1, squared
# margin = MSE of the +-1 label, ...), or against values worked by hand.

MARGIN_SCORES = np.array([-30.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 50.0])


def _torch_margin(name, scores, labels):
    s, y = torch.from_numpy(scores), torch.from_numpy(labels)
    zero = torch.zeros_like(s)
    return {
        "hinge_loss": lambda: F.margin_ranking_loss(s, zero, y, margin=1.0, reduction="none"),
        "perceptron_loss": lambda: F.margin_ranking_loss(s, zero, y, margin=0.0, reduction="none"),
        "logistic_loss": lambda: F.soft_margin_loss(s, y, reduction="none"),
        "squared_margin_loss": lambda: F.mse_loss(s, y, reduction="none"),
        "absolute_margin_loss": lambda: F.l1_loss(s, y, reduction="none"),
    }[name]().numpy()


@pytest.mark.parametrize(
    "name",
    [
        "hinge_loss",
        "perceptron_loss",
        "logistic_loss",
        "squared_margin_loss",
        "absolute_margin_loss",
    ],
)
@pytest.mark.parametrize("label", [1.0, -1.0])
def test_margin_loss_matches_a_torch_loss(name, label):
    """Each margin loss equals the PyTorch loss that computes it from scores and +-1 labels."""
    scores = MARGIN_SCORES * label
    labels = np.full_like(scores, label)
    assert_close(getattr(losses, name)(scores, labels), _torch_margin(name, scores, labels))


def test_zero_one_and_exponential_by_hand():
    """0-1 counts a margin <= 0 as an error; the exponential loss is 1 at 0, e at -1, 1/2 at log 2."""
    np.testing.assert_array_equal(
        losses.zero_one_loss([2.0, 0.0, -0.1, -2.0], [1, 1, -1, 1]), [0, 1, 0, 1]
    )
    assert_close(
        losses.exponential_loss([0.0, 1.0, np.log(2)], [1, -1, 1]), np.array([1.0, np.e, 0.5])
    )


@pytest.mark.parametrize("name", list(MARGIN_LOSSES))
def test_margin_loss_rejects_labels_other_than_plus_minus_one(name):
    """A label of 0 is an error that names the label."""
    with pytest.raises(ValueError, match=r"'labels' must be -1 or \+1 \(got 0.0\)"):
        getattr(losses, name)([1.0, 2.0], [1, 0])


def test_logistic_loss_in_bits_is_one_at_zero_margin():
    """In bits the logistic loss is 1 at margin 0 and bounds the 0-1 loss from above."""
    scores = np.linspace(-5, 5, 101)
    labels = np.ones_like(scores)
    bits = losses.logistic_loss(scores, labels, base=2)
    assert bits[50] == 1.0
    assert np.all(bits >= losses.zero_one_loss(scores, labels))


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_input(dtype):
    """An empty batch gives NaN for 'mean' and 0 for 'sum', as in PyTorch."""
    empty = np.zeros(0, dtype)
    for reduction in REDUCTIONS:
        check_value("mse_loss", empty, empty, dtype, reduction=reduction)


def test_float32_stays_float32():
    """float32 inputs give float32 results; mixing with float64 promotes, as in PyTorch."""
    x = np.ones(3, np.float32)
    assert losses.cross_entropy(x, np.array(0)).dtype == np.float32
    assert losses.mse_loss(x, np.ones(3)).dtype == np.float64
