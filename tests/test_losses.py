"""lossbook.losses against torch.nn.functional: every option, shape, dtype and extreme."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import losses
from parity import DTYPES, IGNORED_ROWS, REDUCTIONS, assert_close, cases, check_value, torch_run, with_ignored_row


class TestMseLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("mse_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.mse_loss for every shape, reduction, weight and dtype."""
        check_value("mse_loss", input, target, dtype, **options)

    def test_integer_input_becomes_float64(self):
        """Integer arrays and lists are computed in float64."""
        assert losses.mse_loss([1, 2], [0, 0]).dtype == np.float64


class TestL1Loss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("l1_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.l1_loss for every shape, reduction, weight and dtype."""
        check_value("l1_loss", input, target, dtype, **options)


class TestSmoothL1Loss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("smooth_l1_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.smooth_l1_loss for every beta, including 0."""
        check_value("smooth_l1_loss", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_beta_zero_is_l1(self, dtype):
        """beta = 0 gives exactly the L1 loss."""
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(2, 10)).astype(dtype)
        assert losses.smooth_l1_loss(x, y, beta=0.0) == losses.l1_loss(x, y)


class TestHuberLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("huber_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.huber_loss for every delta, weight and dtype."""
        check_value("huber_loss", input, target, dtype, **options)

    @pytest.mark.parametrize("delta", [0.3, 1.0, 4.0])
    def test_is_delta_times_smooth_l1(self, delta):
        """huber_loss(delta) = delta * smooth_l1_loss(beta=delta)."""
        rng = np.random.default_rng(1)
        x, y = rng.normal(0, 3, size=(2, 50))
        np.testing.assert_allclose(
            losses.huber_loss(x, y, delta=delta, reduction="none"),
            delta * losses.smooth_l1_loss(x, y, beta=delta, reduction="none"),
            rtol=1e-14,
        )


class TestBinaryCrossEntropy:
    @pytest.mark.parametrize("input, target, dtype, options", cases("binary_cross_entropy"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.binary_cross_entropy with and without (broadcast) weights."""
        check_value("binary_cross_entropy", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    def test_probabilities_zero_and_one(self, dtype, reduction):
        """Probabilities of exactly 0 and 1 cost 0 when right and the clamped 100 when wrong."""
        input = np.array([0.0, 1.0, 0.0, 1.0, 0.0], dtype)
        target = np.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype)
        check_value("binary_cross_entropy", input, target, dtype, reduction=reduction)
        np.testing.assert_array_equal(
            losses.binary_cross_entropy(input, target, reduction="none"), [0, 0, 100, 100, 50]
        )


class TestBinaryCrossEntropyWithLogits:
    @pytest.mark.parametrize("input, target, dtype, options", cases("binary_cross_entropy_with_logits"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.binary_cross_entropy_with_logits with weight and pos_weight."""
        check_value("binary_cross_entropy_with_logits", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    def test_extreme_logits(self, dtype, reduction):
        """Logits of +-1e4 give the exact linear cost, never inf or NaN."""
        input = np.array([1e4, -1e4, 1e4, -1e4], dtype)
        target = np.array([0.0, 1.0, 1.0, 0.0], dtype)
        check_value("binary_cross_entropy_with_logits", input, target, dtype, reduction=reduction)
        np.testing.assert_array_equal(
            losses.binary_cross_entropy_with_logits(input, target, reduction="none"), [1e4, 1e4, 0, 0]
        )


class TestNllLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("nll_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.nll_loss for shapes (C), (N, C), (N, C, d1, d2), weights and ignore_index."""
        check_value("nll_loss", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("weighted", [False, True])
    def test_all_targets_ignored(self, dtype, reduction, weighted):
        """Every target ignored: 'mean' is NaN, 'sum' is 0, 'none' is all zeros, as in PyTorch."""
        input = np.log(np.full((3, 4), 0.25, dtype))
        target = np.full(3, -100)
        weight = np.arange(1.0, 5.0, dtype=dtype) if weighted else None
        check_value("nll_loss", input, target, dtype, reduction=reduction, weight=weight)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
    def test_ignored_row_may_hold_inf_or_nan(self, dtype, reduction, row):
        """An ignored target's row of -inf or NaN contributes 0, as in PyTorch, not 0 * inf = NaN."""
        input, target = with_ignored_row(row, dtype)
        check_value("nll_loss", input, target, dtype, reduction=reduction)
        assert np.isfinite(losses.nll_loss(input, target, reduction=reduction)).all()

    def test_mean_divides_by_target_weights(self):
        """Weighted 'mean' divides by the sum of the targets' class weights."""
        input = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
        loss = losses.nll_loss(input, np.array([0, 1]), weight=np.array([1.0, 3.0]))
        np.testing.assert_allclose(loss, (np.log(2) + 3 * np.log(10)) / 4, rtol=1e-15)


class TestCrossEntropy:
    @pytest.mark.parametrize("input, target, dtype, options", cases("cross_entropy"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.cross_entropy for index and probability targets, weights, smoothing, ignore_index."""
        check_value("cross_entropy", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
    def test_extreme_logits(self, dtype, reduction, label_smoothing):
        """Logits of +-1e4 stay finite and match PyTorch."""
        input = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype)
        target = np.array([1, 0])
        check_value("cross_entropy", input, target, dtype, reduction=reduction, label_smoothing=label_smoothing)
        assert np.all(np.isfinite(losses.cross_entropy(input, target, label_smoothing=label_smoothing)))

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
    def test_all_targets_ignored(self, dtype, reduction, label_smoothing):
        """Every target ignored behaves as in PyTorch, with and without label smoothing."""
        input = np.random.default_rng(2).normal(size=(3, 4)).astype(dtype)
        check_value(
            "cross_entropy", input, np.full(3, 2), dtype,
            reduction=reduction, ignore_index=2, label_smoothing=label_smoothing,
        )

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("reduction", REDUCTIONS)
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
    @pytest.mark.parametrize("row", IGNORED_ROWS.values(), ids=IGNORED_ROWS.keys())
    def test_ignored_row_may_hold_inf_or_nan(self, dtype, reduction, label_smoothing, row):
        """An ignored target's row of -inf or NaN logits contributes 0, as in PyTorch."""
        input, target = with_ignored_row(row, dtype)
        options = {"reduction": reduction, "label_smoothing": label_smoothing}
        check_value("cross_entropy", input, target, dtype, **options)
        assert np.isfinite(losses.cross_entropy(input, target, **options)).all()

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_batch_of_one(self, dtype):
        """A batch of one example, of shape (1, C), matches PyTorch."""
        input = np.array([[0.3, -1.2, 2.0]], dtype)
        check_value("cross_entropy", input, np.array([2]), dtype)

    def test_equals_nll_of_log_softmax(self):
        """cross_entropy = nll_loss(log_softmax) on the class axis."""
        from lossbook.activations import log_softmax

        rng = np.random.default_rng(3)
        input = rng.normal(size=(4, 5, 3))
        target = rng.integers(0, 5, (4, 3))
        np.testing.assert_allclose(
            losses.cross_entropy(input, target), losses.nll_loss(log_softmax(input, axis=1), target), rtol=1e-14
        )


class TestKlDiv:
    @pytest.mark.parametrize("input, target, dtype, options", cases("kl_div"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.kl_div for every reduction, 'batchmean' included, and log_target."""
        check_value("kl_div", input, target, dtype, **options)


class TestSoftMarginLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("soft_margin_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.soft_margin_loss."""
        check_value("soft_margin_loss", input, target, dtype, **options)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_extreme_scores(self, dtype):
        """Scores of +-1e4 give 0 and 1e4 where PyTorch's log(1 + exp(-yx)) overflows to inf."""
        input = np.array([1e4, -1e4], dtype)
        target = np.ones(2, dtype)
        torch_value, _ = torch_run("soft_margin_loss", input, target, {"reduction": "none"})
        assert torch_value[1] == np.inf
        np.testing.assert_array_equal(losses.soft_margin_loss(input, target, reduction="none"), [0, 1e4])


class TestMultilabelSoftMarginLoss:
    @pytest.mark.parametrize("input, target, dtype, options", cases("multilabel_soft_margin_loss"))
    def test_matches_torch(self, input, target, dtype, options):
        """Value equals F.multilabel_soft_margin_loss with and without weights."""
        check_value("multilabel_soft_margin_loss", input, target, dtype, **options)


MARGINS = np.array([-1e4, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 50.0])


def _torch_margin_reference(name, margins):
    m = torch.from_numpy(margins)
    return {
        "zero_one_loss": (m <= 0).double(),
        "hinge_loss": torch.clamp(1 - m, min=0),
        "perceptron_loss": torch.clamp(-m, min=0),
        "exponential_loss": torch.exp(-m),
        "logistic_loss": F.softplus(-m),
        "squared_margin_loss": (1 - m) ** 2,
        "absolute_margin_loss": torch.abs(1 - m),
    }[name].numpy()


@pytest.mark.parametrize(
    "name",
    ["zero_one_loss", "hinge_loss", "perceptron_loss", "exponential_loss", "logistic_loss",
     "squared_margin_loss", "absolute_margin_loss"],
)
class TestMarginLosses:
    def test_matches_torch_expression(self, name):
        """Each margin loss equals its expression in torch operations, for both label signs."""
        for label in (1.0, -1.0):
            scores = MARGINS * label
            expected = _torch_margin_reference(name, MARGINS)
            with np.errstate(over="ignore"):
                actual = getattr(losses, name)(scores, np.full_like(scores, label))
            np.testing.assert_allclose(actual, expected, rtol=1e-14)

    def test_rejects_labels_other_than_plus_minus_one(self, name):
        """A label of 0 is an error that names the label."""
        with pytest.raises(ValueError, match=r"'labels' must be -1 or \+1 \(got 0.0\)"):
            getattr(losses, name)([1.0, 2.0], [1, 0])


class TestLogisticLossBase:
    def test_base_two_is_one_at_zero_margin(self):
        """In bits the logistic loss is 1 at margin 0 and bounds the 0-1 loss from above."""
        scores = np.linspace(-5, 5, 101)
        labels = np.ones_like(scores)
        bits = losses.logistic_loss(scores, labels, base=2)
        assert bits[50] == pytest.approx(1.0, rel=1e-15)
        assert np.all(bits >= losses.zero_one_loss(scores, labels))


class TestReduce:
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_empty_input(self, dtype):
        """An empty batch gives NaN for 'mean' and 0 for 'sum', as in PyTorch."""
        empty = np.zeros(0, dtype)
        for reduction in REDUCTIONS:
            expected, _ = torch_run("mse_loss", empty, empty, {"reduction": reduction})
            assert_close(losses.mse_loss(empty, empty, reduction=reduction), expected, dtype)

    def test_float32_stays_float32(self):
        """float32 inputs give float32 results; mixing with float64 promotes, as in PyTorch."""
        x = np.ones(3, np.float32)
        assert losses.cross_entropy(x, np.array(0)).dtype == np.float32
        assert losses.mse_loss(x, np.ones(3)).dtype == np.float64


# --- bad input ---------------------------------------------------------------------
#
# One row per case: the call, the exception PyTorch raises for the same call
# (None where PyTorch accepts the input, a deliberate difference), and the
# message lossbook gives, which names the offending value or shape. lossbook's
# InvalidInputError is both ValueError and RuntimeError, so each row asserts
# that lossbook raises an instance of PyTorch's exception type.

_rng = np.random.default_rng(5)
LOGITS = _rng.normal(size=(2, 3))
PROBS = np.array([0.2, 0.7])
VALUES = np.array([1.0, 2.0, 3.0])

BAD_INPUT = [
    # (id, function, args, options, PyTorch's exception, message regex)
    ("mse-shape-mismatch", "mse_loss", (VALUES, VALUES[:2]), {}, RuntimeError,
     r"'target' must have the same shape as 'input' \(3,\) \(got \(2,\)\); lossbook does not broadcast"),
    ("mse-broadcastable-shape", "mse_loss", (VALUES, VALUES[:1]), {}, None,
     r"'target' must have the same shape as 'input' \(3,\) \(got \(1,\)\)"),
    ("bce-shape-mismatch", "binary_cross_entropy", (PROBS, np.array([0.0, 1.0, 1.0])), {}, ValueError,
     r"'target' must have the same shape as 'input' \(2,\) \(got \(3,\)\)"),
    ("bce-logits-shape-mismatch", "binary_cross_entropy_with_logits", (PROBS, np.array([[0.0, 1.0]])), {}, ValueError,
     r"'target' must have the same shape as 'input' \(2,\) \(got \(1, 2\)\)"),
    ("ce-float-class-indices", "cross_entropy", (LOGITS, np.array([0.0, 1.0])), {}, RuntimeError,
     r"'target' of class indices must hold integers \(got dtype float64\)"),
    ("nll-float-class-indices", "nll_loss", (LOGITS, np.array([0.0, 1.0])), {}, RuntimeError,
     r"'target' of class indices must hold integers \(got dtype float64\)"),
    ("ce-bool-class-indices", "cross_entropy", (LOGITS, np.array([True, False])), {}, RuntimeError,
     r"must hold integers \(got dtype bool\)"),
    ("ce-integer-probabilities", "cross_entropy", (LOGITS, np.zeros((2, 3), int)), {}, RuntimeError,
     r"'target' of class indices must have shape \(2,\) for 'input' of shape \(2, 3\) \(got \(2, 3\)\)"),
    ("ce-class-index-too-large", "cross_entropy", (LOGITS, np.array([0, 3])), {}, IndexError,
     r"'target' holds class index 3, out of bounds for 3 classes"),
    ("nll-class-index-negative", "nll_loss", (LOGITS, np.array([-1, 0])), {}, IndexError,
     r"'target' holds class index -1, out of bounds for 3 classes"),
    ("ce-wrong-target-batch", "cross_entropy", (LOGITS, np.array([0, 1, 1])), {}, ValueError,
     r"'target' of class indices must have shape \(2,\) for 'input' of shape \(2, 3\) \(got \(3,\)\)"),
    ("bce-input-above-one", "binary_cross_entropy", (np.array([0.5, 1.5]), np.array([0.0, 1.0])), {}, RuntimeError,
     r"all elements of 'input' must be between 0 and 1 \(got 1.5 at index \[1\]\)"),
    ("bce-input-negative", "binary_cross_entropy", (np.array([-0.1, 0.5]), np.array([0.0, 1.0])), {}, RuntimeError,
     r"all elements of 'input' must be between 0 and 1 \(got -0.1 at index \[0\]\)"),
    ("bce-target-above-one", "binary_cross_entropy", (PROBS, np.array([0.0, 2.0])), {}, RuntimeError,
     r"all elements of 'target' must be between 0 and 1 \(got 2.0 at index \[1\]\)"),
    ("bce-nan-input", "binary_cross_entropy", (np.array([0.5, np.nan]), np.array([0.0, 1.0])), {}, RuntimeError,
     r"all elements of 'input' must be between 0 and 1 \(got nan at index \[1\]\)"),
    ("smooth-l1-negative-beta", "smooth_l1_loss", (VALUES, VALUES), {"beta": -1.0}, RuntimeError,
     r"'beta' must be a non-negative number \(got -1.0\)"),
    ("huber-zero-delta", "huber_loss", (VALUES, VALUES), {"delta": 0.0}, RuntimeError,
     r"'delta' must be a positive number \(got 0.0\)"),
    ("huber-negative-delta", "huber_loss", (VALUES, VALUES), {"delta": -2.0}, RuntimeError,
     r"'delta' must be a positive number \(got -2.0\)"),
    ("ce-label-smoothing-above-one", "cross_entropy", (LOGITS, np.array([0, 1])), {"label_smoothing": 1.5}, RuntimeError,
     r"'label_smoothing' must be between 0.0 and 1.0 \(got 1.5\)"),
    # PyTorch 2.13 accepts a negative label_smoothing and returns a number; lossbook refuses it.
    ("ce-label-smoothing-negative", "cross_entropy", (LOGITS, np.array([0, 1])), {"label_smoothing": -0.1}, None,
     r"'label_smoothing' must be between 0.0 and 1.0 \(got -0.1\)"),
    ("ce-weight-wrong-length", "cross_entropy", (LOGITS, np.array([0, 1])), {"weight": np.ones(2)}, RuntimeError,
     r"'weight' must hold one value per class, shape \(3,\) \(got shape \(2,\)\)"),
    ("nll-weight-wrong-length", "nll_loss", (LOGITS, np.array([0, 1])), {"weight": np.ones(4)}, RuntimeError,
     r"'weight' must hold one value per class, shape \(3,\) \(got shape \(4,\)\)"),
    ("bce-weight-not-broadcastable", "binary_cross_entropy", (PROBS[None], np.array([[0.0, 1.0]])),
     {"weight": np.ones((2, 1))}, RuntimeError,
     r"'weight' of shape \(2, 1\) must broadcast to the shape of 'input' \(1, 2\)"),
    ("bce-logits-pos-weight-wrong-length", "binary_cross_entropy_with_logits", (LOGITS, np.ones((2, 3))),
     {"pos_weight": np.ones(2)}, RuntimeError,
     r"'pos_weight' of shape \(2,\) must broadcast to the shape of 'input' \(2, 3\)"),
    ("mse-weight-wrong-shape", "mse_loss", (VALUES, VALUES), {"weight": np.ones(1)}, ValueError,
     r"'weight' must have the same shape as 'input' \(3,\) \(got \(1,\)\)"),
    ("ce-unknown-reduction", "cross_entropy", (LOGITS, np.array([0, 1])), {"reduction": "avg"}, ValueError,
     r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    ("mse-unknown-reduction", "mse_loss", (VALUES, VALUES), {"reduction": "batchmean"}, ValueError,
     r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'batchmean'\)"),
    ("kl-unknown-reduction", "kl_div", (LOGITS, LOGITS), {"reduction": "average"}, ValueError,
     r"'reduction' must be one of 'none', 'mean', 'sum', 'batchmean' \(got 'average'\)"),
    ("ce-ignore-index-with-probabilities", "cross_entropy", (LOGITS, np.full((2, 3), 1 / 3)), {"ignore_index": 1},
     RuntimeError, r"'ignore_index' is not supported for class-probability targets \(got 1\)"),
    ("kl-shape-mismatch", "kl_div", (LOGITS, LOGITS[:, :2]), {}, RuntimeError,
     r"'target' must have the same shape as 'input' \(2, 3\) \(got \(2, 2\)\)"),
]


def _torch_call(name, args, options):
    tensors = [torch.from_numpy(np.asarray(a)) for a in args]
    options = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    return getattr(F, name)(*tensors, **options)


class TestBadInput:
    @pytest.mark.parametrize(
        "name, args, options, torch_error, message",
        [pytest.param(*row[1:], id=row[0]) for row in BAD_INPUT],
    )
    def test_raises_like_torch_naming_the_value(self, name, args, options, torch_error, message):
        """lossbook raises PyTorch's exception type, with a message naming the value or shape."""
        import warnings

        if torch_error is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _torch_call(name, args, options)  # PyTorch accepts it: a documented difference
        else:
            with pytest.raises(torch_error), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _torch_call(name, args, options)
        expected = torch_error or ValueError
        with pytest.raises(expected, match=message):
            getattr(losses, name)(*args, **options)

    @pytest.mark.parametrize(
        "name, args, options, torch_error, message",
        [pytest.param(*row[1:], id=row[0]) for row in BAD_INPUT],
    )
    def test_gradient_raises_the_same(self, name, args, options, torch_error, message):
        """The gradient function refuses the same input with the same message."""
        from lossbook import gradients

        with pytest.raises(torch_error or ValueError, match=message):
            getattr(gradients, name)(*args, **options)
