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
from parity import adaptive_module, adaptive_tails, torch_run, torch_run_args
from registry import BY_NAME

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


# --- the likelihood, margin and embedding losses of chapters 7 and 8 -------------------


def _signs(rng, n):
    return np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)


#: Seeded arguments and options of each new loss for a batch of ``n`` samples.
NEW_LOSSES = {
    "poisson_nll_loss": lambda rng, n: (
        (rng.normal(size=(n, 3)), rng.poisson(2.0, (n, 3)).astype(float)),
        {"full": True},
    ),
    "gaussian_nll_loss": lambda rng, n: (
        (rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), rng.uniform(0.1, 2, (n, 3))),
        {},
    ),
    "margin_ranking_loss": lambda rng, n: (
        (rng.normal(size=n), rng.normal(size=n), _signs(rng, n)),
        {"margin": 0.5},
    ),
    "hinge_embedding_loss": lambda rng, n: ((rng.uniform(0, 2, n), _signs(rng, n)), {}),
    "cosine_embedding_loss": lambda rng, n: (
        (rng.normal(size=(n, 4)), rng.normal(size=(n, 4)), _signs(rng, n)),
        {"margin": 0.1},
    ),
    "multi_margin_loss": lambda rng, n: (
        (rng.normal(size=(n, 4)), rng.integers(0, 4, n)),
        {"weight": rng.uniform(0.5, 2, 4)},
    ),
    "multilabel_margin_loss": lambda rng, n: (
        (rng.normal(size=(n, 4)), np.tile([2, 0, -1, 1], (n, 1))),
        {},
    ),
    "triplet_margin_loss": lambda rng, n: (
        tuple(rng.normal(size=(n, 3)) for _ in range(3)),
        {"swap": True},
    ),
    "triplet_margin_with_distance_loss": lambda rng, n: (
        tuple(rng.normal(size=(n, 3)) for _ in range(3)),
        {"swap": True},
    ),
}


def _ctc_case(rng, n):
    """(T, N, C) = (6, n, 4) log-probabilities, padded targets of 0 to 2 labels over 1..3
    (blank 0) and input lengths of 4 to 6 steps: every target possible."""
    log_probs = activations.log_softmax(rng.normal(size=(6, n, 4)), axis=-1)
    targets, lengths = rng.integers(1, 4, (n, 2)), rng.integers(0, 3, n)
    return (log_probs, targets, rng.integers(4, 7, n), lengths), {}


def _adaptive_case(rng, n):
    """Cutoffs [2, 5] of 8 classes, div_value 2, head bias; targets 0, 3, 6, 1, ... reach the
    shortlist and both clusters."""
    tails = tuple(adaptive_tails(rng, 8, [2, 5, 8], 2.0, np.float64))
    args = (rng.normal(size=(n, 8)), np.arange(n) * 3 % 8, rng.normal(size=(4, 8)), tails, [2, 5])
    return args, {"div_value": 2.0, "head_bias": rng.normal(size=4)}


NEW_LOSSES |= {
    "ctc_loss": _ctc_case,
    "linear_cross_entropy": lambda rng, n: (
        (rng.normal(size=(n, 4)), rng.normal(size=(5, 4)), rng.integers(0, 5, n)),
        {"linear_bias": rng.normal(size=5), "weight": rng.uniform(0.5, 2, 5), "chunk_size": 2},
    ),
    "adaptive_log_softmax": _adaptive_case,
}
NEW_NAMES = sorted(NEW_LOSSES)
#: The losses without a ``reduction`` option: the adaptive softmax returns the output and
#: its mean, as the module does.
NO_REDUCTION = {"adaptive_log_softmax"}

#: PyTorch 2.13 returns uninitialised memory (e.g. 4.6e-310) as the 'mean' and 'sum'
#: of an empty batch for these two kernels; lossbook gives NaN and 0, as every loss.
TORCH_EMPTY_GARBAGE = {"multi_margin_loss", "multilabel_margin_loss"}


def _new_loss_case(name, n=3):
    return NEW_LOSSES[name](np.random.default_rng(18), n)


def _arrays(value):
    """The arrays of a nested tuple, list or dict of arguments, in order."""
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in _arrays(item)]
    return [value] if isinstance(value, (np.ndarray, np.generic)) else []


def _map_arrays(function, value):
    """``function`` applied to every array of a nested tuple or list, the rest kept."""
    if isinstance(value, (tuple, list)):
        return type(value)(_map_arrays(function, item) for item in value)
    return function(value) if isinstance(value, np.ndarray) else value


def _gradient_tuple(name, args, options):
    """lossbook's gradients as a flat tuple (the adaptive softmax's tails unpacked)."""
    return tuple(_arrays(getattr(gradients, name)(*args, **options)))


def _ctc_autograd(args, options, grad_output, grads):
    """lossbook's true CTC gradient in PyTorch's autograd convention: plus exp(log_probs)
    times each sample's upstream weight before its input length (gradients.ctc_loss's Notes)."""
    log_probs, _, input_lengths, target_lengths = args
    weights = np.broadcast_to(grad_output, np.shape(target_lengths)).astype(float)
    if options["reduction"] == "mean":
        weights = weights / (np.size(target_lengths) * np.maximum(target_lengths, 1))
    before = np.arange(np.shape(log_probs)[0])[:, np.newaxis] < input_lengths
    return (grads[0] + np.exp(log_probs) * (weights * before)[..., np.newaxis],)


#: Where PyTorch's autograd gradient is another quantity than lossbook's, the map from
#: lossbook's gradients to PyTorch's: (args, options, grad_output, grads) -> grads.
TORCH_CONVENTION = {"ctc_loss": _ctc_autograd}


def _torch_adaptive(args, options, grad_output):
    """nn.AdaptiveLogSoftmaxWithLoss with the weights copied in: ((output, loss), gradients
    of input, head, each tail's two weights, head bias), zeros for a tail no target reaches."""
    input, target, head, tails, cutoffs = args
    module, parameters = adaptive_module(input, head, tails, cutoffs, **options)
    x = torch.from_numpy(np.array(input, np.float64)).requires_grad_(grad_output is not None)
    output, loss = module(x, torch.from_numpy(np.asarray(target)))
    values = (output.detach().numpy(), loss.detach().numpy())
    if grad_output is None:
        return values, None
    loss.backward(torch.tensor(float(grad_output), dtype=loss.dtype))
    grads = [x.grad] + [p.grad if p.grad is not None else torch.zeros_like(p) for p in parameters]
    return values, tuple(grad.numpy() for grad in grads)


def _torch_args_or_error(name, args, options, grad_output):
    """PyTorch's value and gradients, or the exception type it raises."""
    differentiable = BY_NAME[name].differentiable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "adaptive_log_softmax":
                return _torch_adaptive(args, options, grad_output), None
            value, grads = torch_run_args(name, args, options, grad_output, differentiable)
            return (value, grads), None
    except Exception as error:  # noqa: BLE001 - the type is what the test compares
        return None, type(error)


def _same_as_torch_args(name, args, reduction="mean", **options):
    """lossbook's value and gradients equal PyTorch's (or raise its exception type), and
    no argument or option is edited."""
    if name not in NO_REDUCTION:
        options = {**options, "reduction": reduction}
    arrays = _arrays((args, options))
    before = [a.copy() for a in arrays]
    value, torch_error = _torch_args_or_error(name, args, options, None)
    if torch_error is not None:
        with pytest.raises(torch_error):
            getattr(losses, name)(*args, **options)
    else:
        value = value[0]
        got = getattr(losses, name)(*args, **options)
        for got_value, want in zip(_arrays(got), _arrays(value), strict=True):
            assert_close(got_value, want)
        grad_output = np.ones(np.shape(value[-1] if name in NO_REDUCTION else value)) * 1.5
        expected, _ = _torch_args_or_error(name, args, options, grad_output)
        grads = _gradient_tuple(name, args, {**options, "grad_output": grad_output})
        if name in TORCH_CONVENTION:
            grads = TORCH_CONVENTION[name](args, options, grad_output, grads)
        assert len(grads) == len(expected[1])
        for got, want in zip(grads, expected[1], strict=True):
            assert_close(got, want)
    for array, copy in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(array, copy)


def _assert_same_numbers(name, call, reference):
    """The loss and gradients of ``call`` (args, options) equal those of ``reference``."""
    for module in (losses, gradients):
        got = getattr(module, name)(*call[0], **call[1])
        want = getattr(module, name)(*reference[0], **reference[1])
        got, want = _arrays(got), _arrays(want)
        assert len(got) == len(want)
        for got_array, want_array in zip(got, want, strict=True):
            assert_close(got_array, want_array)


def _with_value_at(args, options, position, bad):
    """``args`` and ``options`` with the first entry of sample (or row) 1 of argument
    ``position`` set to ``bad``: a name is a keyword option, and a tuple of arrays (the
    adaptive softmax's tails) has it set in its first array."""
    original = options[position] if isinstance(position, str) else args[position]
    changed = _map_arrays(lambda array: np.array(array, float), original)
    first = _arrays(changed)[0]
    np.reshape(first, (first.shape[0], -1))[1, 0] = bad  # a view: writes into ``first``
    if isinstance(position, str):
        return args, {**options, position: changed}
    return args[:position] + (changed,) + args[position + 1 :], options


def _non_finite_cases():
    for name in NEW_NAMES:
        for position in BY_NAME[name].differentiable:
            for bad in (np.nan, np.inf, -np.inf):
                if name == "ctc_loss" and bad == -np.inf:
                    continue  # a deliberate difference: test_ctc_log_prob_of_minus_infinity
                yield pytest.param(name, position, bad, id=f"{name}-{position}-{bad}")


#: (id, loss, arguments, options)
LOW_RANK = [
    ("poisson-0d", "poisson_nll_loss", (np.array(0.5), np.array(2.0)), {}),
    ("poisson-1d", "poisson_nll_loss", (np.array([0.5, -1]), np.array([2.0, 0])), {}),
    ("gaussian-0d", "gaussian_nll_loss", (np.array(0.5), np.array(2.0), np.array(0.3)), {}),
    (
        "gaussian-1d-var-0d",
        "gaussian_nll_loss",
        (np.array([0.5, 1]), np.array([2.0, 1]), np.array(0.3)),
        {},
    ),
    (
        "gaussian-1d-var-of-one",
        "gaussian_nll_loss",
        (np.array([0.5, 1]), np.array([2.0, 1]), np.array([0.3])),
        {},
    ),
    (
        "ranking-0d",
        "margin_ranking_loss",
        (np.array(0.5), np.array(2.0), np.array(1.0)),
        {"margin": 0.2},
    ),
    ("hinge-embedding-0d", "hinge_embedding_loss", (np.array(0.5), np.array(-1.0)), {}),
    (
        "cosine-1d",
        "cosine_embedding_loss",
        (np.array([0.5, 1]), np.array([2.0, 1]), np.array(-1.0)),
        {},
    ),
    ("multi-margin-1d", "multi_margin_loss", (np.array([0.5, 1, 0.2]), np.array(1)), {}),
    (
        "multi-margin-1d-target-of-one",
        "multi_margin_loss",
        (np.array([0.5, 1, 0.2]), np.array([1])),
        {},
    ),
    ("multi-margin-0d", "multi_margin_loss", (np.array(0.5), np.array(0)), {}),
    (
        "multilabel-1d",
        "multilabel_margin_loss",
        (np.array([0.5, 1, 0.2]), np.array([1, -1, 0])),
        {},
    ),
    ("multilabel-0d", "multilabel_margin_loss", (np.array(0.5), np.array(0)), {}),
    (
        "triplet-1d",
        "triplet_margin_loss",
        (np.array([0.5, 1]), np.array([2.0, 1]), np.zeros(2)),
        {"swap": True},
    ),
    ("triplet-0d", "triplet_margin_loss", (np.array(0.5), np.array(2.0), np.array(0.0)), {}),
    (
        "triplet-distance-1d",
        "triplet_margin_with_distance_loss",
        (np.array([0.5, 1]), np.array([2.0, 1]), np.zeros(2)),
        {},
    ),
    (
        "triplet-distance-0d",
        "triplet_margin_with_distance_loss",
        (np.array(0.5), np.array(2.0), np.array(0.0)),
        {},
    ),
]


class TestNewLosses:
    @pytest.mark.parametrize("name, position, bad", list(_non_finite_cases()))
    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_non_finite_propagate_like_torch(self, name, position, bad, reduction):
        """NaN and +-inf in any argument a model produces give PyTorch's values and gradients."""
        args, options = _new_loss_case(name)
        args, options = _with_value_at(args, options, position, bad)
        _same_as_torch_args(name, args, reduction, **options)

    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_ctc_log_prob_of_minus_infinity(self, reduction):
        """A log-probability of -inf: PyTorch's loss and gradient, except there: lossbook's 0, PyTorch's NaN."""
        args, options = _new_loss_case("ctc_loss")
        args, options = _with_value_at(args, options, 0, -np.inf)
        options["reduction"] = reduction
        value, _ = _torch_args_or_error("ctc_loss", args, options, None)
        assert_close(losses.ctc_loss(*args, **options), value[0])
        grad_output = np.ones(np.shape(value[0])) * 1.5
        (_, (expected,)), _ = _torch_args_or_error("ctc_loss", args, options, grad_output)
        grad = gradients.ctc_loss(*args, **options, grad_output=grad_output)
        (converted,) = _ctc_autograd(args, options, grad_output, (grad,))
        spot = np.isneginf(args[0])
        assert grad[spot] == 0 and np.isnan(expected[spot])
        assert_close(converted[~spot], expected[~spot])

    def test_ctc_nan_loss_leaves_unread_steps_at_zero(self):
        """NaN at a read step of sample 0: its gradient is still 0 from its input length on."""
        args, options = _new_loss_case("ctc_loss")
        args, options = _with_value_at(args, options, 0, np.nan)
        grad = gradients.ctc_loss(*args, **options)
        unread = np.arange(args[0].shape[0]) >= args[2][0]
        np.testing.assert_array_equal(grad[unread, 0], 0.0)

    @pytest.mark.parametrize("name", NEW_NAMES)
    @pytest.mark.parametrize("reduction", ALL_REDUCTIONS)
    def test_empty_batch(self, name, reduction):
        """Zero samples: 'mean' NaN, 'sum' 0, 'none' and gradients empty (PyTorch's, where defined)."""
        args, options = _new_loss_case(name, n=0)
        if name in TORCH_EMPTY_GARBAGE and reduction != "none":
            value = getattr(losses, name)(*args, **options, reduction=reduction)
            assert np.isnan(value) if reduction == "mean" else value == 0
            grads = _gradient_tuple(name, args, {**options, "reduction": reduction})
            assert [grad.shape for grad in grads] == [np.shape(args[0])]
            return
        _same_as_torch_args(name, args, reduction, **options)

    @pytest.mark.parametrize(
        "name, args",
        [
            pytest.param("multi_margin_loss", (np.zeros((2, 0)), np.array([0, 0])), id="multi"),
            pytest.param(
                "multilabel_margin_loss",
                (np.zeros((2, 0)), np.zeros((2, 0), int)),
                id="multilabel",
            ),
            pytest.param(
                "cosine_embedding_loss", (np.zeros((2, 0)), np.zeros((2, 0)), np.ones(2)), id="cos"
            ),
            pytest.param("triplet_margin_loss", (np.zeros((2, 0)),) * 3, id="triplet"),
        ],
    )
    def test_empty_class_or_embedding_axis(self, name, args):
        """An empty class or embedding axis gives PyTorch's value or PyTorch's exception type."""
        _same_as_torch_args(name, args)

    @pytest.mark.parametrize(
        "name, args, options",
        [pytest.param(*row[1:], id=row[0]) for row in LOW_RANK],
    )
    @pytest.mark.parametrize("reduction", ["none", "mean"])
    def test_low_rank_shapes(self, name, args, options, reduction):
        """0-d and 1-d arguments PyTorch accepts give its values and gradients."""
        _same_as_torch_args(name, args, reduction, **options)

    @pytest.mark.parametrize("name", NEW_NAMES)
    def test_read_only_arguments(self, name):
        """Read-only arguments and weights give the numbers of their writable copies."""
        args, options = _new_loss_case(name, n=4)

        def frozen(value):
            value = value.copy()
            value.flags.writeable = False
            return value

        frozen_args = _map_arrays(frozen, args)
        frozen_options = {key: _map_arrays(frozen, value) for key, value in options.items()}
        _assert_same_numbers(name, (frozen_args, frozen_options), (args, options))

    @pytest.mark.parametrize("name", NEW_NAMES)
    def test_non_contiguous_views(self, name):
        """Strided views (NaN between their entries in memory) give their contiguous copies' numbers."""
        args, options = _new_loss_case(name, n=4)

        def strided(array):
            filler = np.full_like(array, -1 if array.dtype.kind == "i" else np.nan)
            view = np.stack([array, filler], axis=-1)[..., 0]
            assert not view.flags.c_contiguous or array.size <= 1
            return view

        views = _map_arrays(strided, args)
        for reduction in [None] if name in NO_REDUCTION else ALL_REDUCTIONS:
            if reduction is not None:
                options["reduction"] = reduction
            _assert_same_numbers(name, (views, options), (args, options))
