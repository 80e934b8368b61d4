"""lossbook.gradients against torch autograd: every loss, option, shape, dtype and extreme."""

import numpy as np
import pytest

from lossbook import gradients
from parity import DTYPES, IGNORED_ROWS, REDUCTIONS, cases, check_gradient, torch_run, with_ignored_row


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


class TestMseLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("mse_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """2 (x - y), weighted and reduced as autograd does."""
        check_gradient("mse_loss", input, target, dtype, rng, **options)


class TestL1Loss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("l1_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """sign(x - y), weighted and reduced as autograd does."""
        check_gradient("l1_loss", input, target, dtype, rng, **options)

    def test_zero_error_has_zero_gradient(self, rng):
        """At x = y the subgradient is 0, as PyTorch picks."""
        check_gradient("l1_loss", np.zeros(3), np.zeros(3), np.float64, rng, reduction="sum")


class TestSmoothL1Loss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("smooth_l1_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """(x - y) / beta inside beta, sign(x - y) outside; sign only for beta = 0."""
        check_gradient("smooth_l1_loss", input, target, dtype, rng, **options)


class TestHuberLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("huber_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """The error clipped to [-delta, delta]."""
        check_gradient("huber_loss", input, target, dtype, rng, **options)


class TestBinaryCrossEntropy:
    @pytest.mark.parametrize("input, target, dtype, options", cases("binary_cross_entropy"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """(x - y) / (x (1 - x)), weighted."""
        check_gradient("binary_cross_entropy", input, target, dtype, rng, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    def test_probabilities_zero_and_one(self, dtype, reduction, rng):
        """At probabilities of exactly 0 and 1 the gradient is PyTorch's +-1e12, not inf."""
        input = np.array([0.0, 1.0, 0.0, 1.0], dtype)
        target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
        check_gradient("binary_cross_entropy", input, target, dtype, rng, reduction=reduction)
        assert np.all(np.isfinite(gradients.binary_cross_entropy(input, target)))


class TestBinaryCrossEntropyWithLogits:
    @pytest.mark.parametrize("input, target, dtype, options", cases("binary_cross_entropy_with_logits"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """sigmoid(x) - y, with weight and pos_weight."""
        check_gradient("binary_cross_entropy_with_logits", input, target, dtype, rng, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_extreme_logits(self, dtype, rng):
        """At logits of +-1e4 the gradient is exactly -1, 0 or 1."""
        input = np.array([1e4, -1e4, 1e4, -1e4], dtype)
        target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
        check_gradient("binary_cross_entropy_with_logits", input, target, dtype, rng, reduction="none")
        np.testing.assert_array_equal(
            gradients.binary_cross_entropy_with_logits(input, target, reduction="sum"), [1, -1, 0, 0]
        )


class TestNllLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("nll_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """-w_y at the target's class, over the total target weight for 'mean'."""
        check_gradient("nll_loss", input, target, dtype, rng, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    def test_all_targets_ignored(self, dtype, reduction, rng):
        """Every target ignored: the gradient is what autograd gives (zeros, or NaN for 'mean')."""
        input = np.log(np.full((3, 4), 0.25, dtype))
        check_gradient("nll_loss", input, np.full(3, -100), dtype, rng, reduction=reduction)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
    def test_ignored_row_may_hold_inf_or_nan(self, dtype, reduction, row, rng):
        """An ignored row of -inf or NaN: the gradient is autograd's."""
        input, target = with_ignored_row(row, dtype)
        check_gradient("nll_loss", input, target, dtype, rng, reduction=reduction)


class TestCrossEntropy:
    @pytest.mark.parametrize("input, target, dtype, options", cases("cross_entropy"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """Softmax minus the (smoothed, weighted) target."""
        check_gradient("cross_entropy", input, target, dtype, rng, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
    def test_extreme_logits(self, dtype, label_smoothing, rng):
        """Logits of +-1e4 give finite gradients equal to autograd's."""
        input = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype)
        check_gradient("cross_entropy", input, np.array([1, 0]), dtype, rng, label_smoothing=label_smoothing)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    def test_all_targets_ignored(self, dtype, reduction, rng):
        """Every target ignored, with label smoothing: as autograd."""
        input = rng.normal(size=(3, 4)).astype(dtype)
        check_gradient(
            "cross_entropy", input, np.full(3, 2), dtype, rng,
            reduction=reduction, ignore_index=2, label_smoothing=0.3,
        )

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
    @pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
    def test_ignored_row_may_hold_inf_or_nan(self, dtype, label_smoothing, row, rng):
        """An ignored row of -inf or NaN logits: the gradient is autograd's (NaN in that row where autograd's is)."""
        input, target = with_ignored_row(row, dtype)
        check_gradient("cross_entropy", input, target, dtype, rng, label_smoothing=label_smoothing)

    def test_is_softmax_minus_one_hot(self):
        """Without options the mean gradient is (softmax - one_hot) / N."""
        from lossbook.activations import softmax

        rng = np.random.default_rng(4)
        logits = rng.normal(size=(5, 4))
        target = rng.integers(0, 4, 5)
        expected = (softmax(logits) - np.eye(4)[target]) / 5
        np.testing.assert_allclose(gradients.cross_entropy(logits, target), expected, rtol=1e-13, atol=1e-16)


class TestKlDiv:
    @pytest.mark.parametrize("input, target, dtype, options", cases("kl_div"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """-target (or -exp(target)), reduced as autograd does, 'batchmean' included."""
        check_gradient("kl_div", input, target, dtype, rng, **options)


class TestSoftMarginLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("soft_margin_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """-y sigmoid(-y x)."""
        check_gradient("soft_margin_loss", input, target, dtype, rng, **options)


class TestMultilabelSoftMarginLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("multilabel_soft_margin_loss"))
    def test_matches_autograd(self, input, target, dtype, options, rng):
        """w (sigmoid(x) - y) / C."""
        check_gradient("multilabel_soft_margin_loss", input, target, dtype, rng, **options)


class TestGradOutput:
    def test_reduced_loss_takes_scalar(self):
        """A reduced loss takes a scalar upstream gradient and scales by it."""
        x, y = np.array([1.0, 2.0]), np.array([0.0, 0.0])
        np.testing.assert_array_equal(gradients.mse_loss(x, y, grad_output=3.0), 3 * gradients.mse_loss(x, y))

    def test_none_reduction_rejects_wrong_shape(self):
        """For reduction='none' grad_output must have the losses' shape."""
        with pytest.raises(ValueError, match=r"'grad_output' must have the same shape as 'input' \(2,\) \(got \(3,\)\)"):
            gradients.mse_loss([1.0, 2.0], [0.0, 0.0], reduction="none", grad_output=np.ones(3))
