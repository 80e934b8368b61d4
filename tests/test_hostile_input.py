"""Hostile input: every loss either matches PyTorch or raises a clear exception, and never edits its input.

NaN and infinities, empty arrays and empty class axes, 0-d arrays,
non-contiguous and read-only views, integer and boolean arrays, Python lists,
and ten million elements.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import InvalidInputError, activations, gradients, losses
from lossbook.testing import assert_close
from parity import torch_run

ELEMENTWISE = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy_with_logits",
    "soft_margin_loss",
    "kl_div",
]
ALL_REDUCTIONS = ["none", "mean", "sum"]


def _torch_or_error(name, input, target, options):
    """PyTorch's value, or the exception type it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch_run(name, input, target, options)[0], None
    except Exception as error:  # noqa: BLE001 - the type is what the test compares
        return None, type(error)


def _same_as_torch_or_clear_error(name, input, target, **options):
    """lossbook equals PyTorch where PyTorch answers, raises PyTorch's type where it raises, and edits nothing."""
    before = (np.array(input, copy=True), np.array(target, copy=True))
    expected, torch_error = _torch_or_error(name, np.asarray(input), np.asarray(target), options)
    if torch_error is not None:
        with pytest.raises(torch_error):
            getattr(losses, name)(input, target, **options)
    else:
        assert_close(getattr(losses, name)(input, target, **options), expected)
    np.testing.assert_array_equal(np.asarray(input), before[0])
    np.testing.assert_array_equal(np.asarray(target), before[1])


class TestNonFinite:
    @pytest.mark.parametrize("name", ELEMENTWISE)
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_elementwise_losses_propagate_like_torch(self, name, bad, reduction):
        """NaN and +-inf in the input give PyTorch's NaN or inf, not a crash or a different number."""
        input = np.array([0.5, bad, -1.0])
        target = (
            np.array([0.0, 1.0, 1.0]) if name != "soft_margin_loss" else np.array([1.0, -1.0, 1.0])
        )
        if name == "kl_div":
            target = np.array([0.2, 0.3, 0.5])
        if name == "binary_cross_entropy_with_logits" and bad == -np.inf:
            # A deliberate difference: -log sigma(-inf) is inf; PyTorch's (1 - y) x term makes it 0
            # * -inf = NaN.
            loss = losses.binary_cross_entropy_with_logits(input, target, reduction="none")
            assert loss[1] == np.inf and np.isnan(
                torch_run(name, input, target, {"reduction": "none"})[0][1]
            )
            return
        _same_as_torch_or_clear_error(name, input, target, reduction=reduction)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_cross_entropy_logits(self, bad):
        """Non-finite logits in cross_entropy give what PyTorch gives."""
        _same_as_torch_or_clear_error(
            "cross_entropy", np.array([[0.0, bad, 1.0], [1.0, 2.0, 3.0]]), np.array([0, 2])
        )

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_bce_probabilities_raise(self, bad):
        """A non-finite probability is outside [0, 1]: an error, as in PyTorch."""
        _same_as_torch_or_clear_error(
            "binary_cross_entropy", np.array([0.5, bad]), np.array([0.0, 1.0])
        )


class TestEmpty:
    @pytest.mark.parametrize("name", ELEMENTWISE)
    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_empty_arrays(self, name, reduction):
        """Empty input: 'mean' is NaN, 'sum' 0, 'none' empty, as in PyTorch."""
        _same_as_torch_or_clear_error(
            name, np.zeros((0, 3)), np.zeros((0, 3)), reduction=reduction
        )

    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_empty_batch_cross_entropy(self, reduction):
        """A batch of zero examples behaves as in PyTorch."""
        _same_as_torch_or_clear_error(
            "cross_entropy", np.zeros((0, 3)), np.zeros(0, np.int64), reduction=reduction
        )

    def test_zero_classes_with_a_target(self):
        """A zero-size class axis makes every class index out of bounds: IndexError, as in PyTorch."""
        _same_as_torch_or_clear_error("cross_entropy", np.zeros((2, 0)), np.array([0, 0]))

    def test_zero_dimensional_cross_entropy(self):
        """A 0-d input has no class axis: a clear error naming the shape."""
        with pytest.raises(InvalidInputError, match="must have a class axis"):
            losses.cross_entropy(np.array(1.0), np.array(0))


class TestArrayKinds:
    def test_zero_dimensional(self):
        """0-d arrays work for element-wise losses, as in PyTorch."""
        _same_as_torch_or_clear_error("mse_loss", np.array(2.0), np.array(0.5))
        _same_as_torch_or_clear_error("cross_entropy", np.array([0.2, 0.5, 0.3]), np.array(1))

    @pytest.mark.parametrize(
        "name", ["sigmoid", "log_sigmoid", "logsumexp", "softmax", "log_softmax"]
    )
    @pytest.mark.parametrize("value", [-1000.0, 0.5, np.float32(3.0), np.float64(-2.0)])
    def test_scalar_activations(self, name, value):
        """Python and NumPy scalars go through every activation as 0-d tensors go through torch's."""
        reference = {
            "sigmoid": torch.sigmoid,
            "log_sigmoid": F.logsigmoid,
            "logsumexp": lambda t: torch.logsumexp(t, -1),
            "softmax": lambda t: torch.softmax(t, -1),
            "log_softmax": lambda t: torch.log_softmax(t, -1),
        }[name]
        dtype = np.float32 if isinstance(value, np.float32) else np.float64
        actual = getattr(activations, name)(value)
        expected = reference(
            torch.tensor(value, dtype=torch.float32 if dtype == np.float32 else torch.float64)
        )
        assert np.shape(actual) == ()
        np.testing.assert_allclose(actual, expected.numpy(), rtol=1e-6)

    @pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
    @pytest.mark.parametrize("shape", [(), (3,)])
    def test_axis_out_of_range(self, name, shape):
        """An axis the input lacks raises an IndexError naming it, as torch does."""
        with pytest.raises(IndexError):
            getattr(torch, name)(torch.zeros(shape), 1)
        with pytest.raises(IndexError, match="axis 1 is out of bounds"):
            getattr(activations, name)(np.zeros(shape), axis=1)

    @pytest.mark.parametrize("name", ELEMENTWISE + ["binary_cross_entropy"])
    def test_scalar_losses(self, name):
        """0-d arrays and Python floats work for every element-wise loss, as in PyTorch."""
        input, target = (0.3, 1.0) if name != "kl_div" else (-1.2, 0.3)
        _same_as_torch_or_clear_error(name, np.array(input), np.array(target), reduction="none")
        assert np.isfinite(getattr(losses, name)(input, target))

    def test_non_contiguous_views(self):
        """Strided views give the same result as their contiguous copies."""
        rng = np.random.default_rng(0)
        x, target = rng.normal(size=(8, 6)), rng.integers(0, 3, 4)
        view = x[::2, ::2]  # shape (4, 3), every other row and column
        assert not view.flags.c_contiguous
        assert losses.cross_entropy(view, target) == losses.cross_entropy(
            np.ascontiguousarray(view), target
        )
        np.testing.assert_array_equal(
            gradients.cross_entropy(view, target),
            gradients.cross_entropy(np.ascontiguousarray(view), target),
        )

    def test_read_only_arrays(self):
        """Read-only inputs give the numbers of their writable copies: nothing is written in place."""
        x = np.linspace(-3, 3, 12).reshape(4, 3)
        target = np.array([0, 1, 2, 1])
        frozen_x, frozen_target = x.copy(), target.copy()
        for array in (frozen_x, frozen_target):
            array.flags.writeable = False
        for module in (losses, gradients):
            np.testing.assert_array_equal(
                module.cross_entropy(frozen_x, frozen_target, label_smoothing=0.1),
                module.cross_entropy(x, target, label_smoothing=0.1),
            )
        np.testing.assert_array_equal(
            losses.mse_loss(frozen_x, frozen_x + 1), losses.mse_loss(x, x + 1)
        )

    @pytest.mark.parametrize("kind", [np.int32, np.int64, np.uint8, bool])
    def test_integer_and_boolean_input(self, kind):
        """Integer and boolean arrays become float64 and give the numbers of their float64 copies."""
        x = np.array([[0, 1, 1], [1, 0, 1]], dtype=kind)
        target = np.array([[1, 1, 0], [0, 0, 1]], dtype=kind)
        exact = losses.binary_cross_entropy_with_logits(
            x.astype(np.float64), target.astype(np.float64)
        )
        assert losses.binary_cross_entropy_with_logits(x, target) == exact

    def test_python_lists(self):
        """Nested lists are accepted like arrays."""
        assert losses.cross_entropy([[2.0, 1.0, 0.1]], [0]) == losses.cross_entropy(
            np.array([[2.0, 1.0, 0.1]]), np.array([0])
        )

    def test_complex_input_refused(self):
        """Complex numbers are refused with a TypeError naming the dtype."""
        with pytest.raises(TypeError, match="complex128"):
            losses.mse_loss(np.array([1j]), np.array([0j]))

    def test_ragged_list_refused(self):
        """A ragged list is refused with a TypeError naming the argument."""
        with pytest.raises(TypeError, match="'input'"):
            losses.mse_loss([[1.0], [1.0, 2.0]], [0.0, 0.0])


class TestLarge:
    def test_ten_million_elements(self):
        """10^7 logits in float32: the same as PyTorch, inputs untouched, in a few seconds."""
        rng = np.random.default_rng(1)
        x = rng.normal(0, 3, (10**6, 10)).astype(np.float32)
        target = rng.integers(0, 10, 10**6)
        before = x.copy()
        expected = F.cross_entropy(torch.from_numpy(x), torch.from_numpy(target)).numpy()
        np.testing.assert_allclose(losses.cross_entropy(x, target), expected, rtol=1e-5)
        np.testing.assert_array_equal(x, before)
