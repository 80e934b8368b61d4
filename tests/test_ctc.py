"""ctc_loss beyond the registry's parity rows: the true gradient against finite differences,
PyTorch's extra gradient term, long inputs, layouts, and inputs left untouched."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import gradients, losses
from lossbook.testing import assert_close

T, C = 10, 5


def _batch(rng, *, blank=0, normalised=True):
    """Four samples: repeated labels, an empty target, a short input, a random target; all
    possible. Unnormalised log-probabilities unless ``normalised``."""
    labels = np.array([c for c in range(C) if c != blank])
    targets = np.full((4, 4), blank)
    targets[0, :4] = [labels[0], labels[0], labels[1], labels[1]]
    targets[2, :2] = [labels[2], labels[2]]
    targets[3, :3] = rng.choice(labels, 3)
    input_lengths = np.array([10, 6, 5, 9])
    target_lengths = np.array([4, 0, 2, 3])
    log_probs = rng.normal(-1.5, 1.0, (T, 4, C))
    if normalised:
        log_probs -= np.log(np.exp(log_probs).sum(-1, keepdims=True))
    return log_probs, targets, input_lengths, target_lengths


def _weights(reduction, grad_output, target_lengths):
    """The upstream weight of each sample's loss, written out for each reduction."""
    batch = len(target_lengths)
    if reduction == "none":
        return np.asarray(grad_output, float)
    if reduction == "sum":
        return np.full(batch, float(grad_output))
    return float(grad_output) / (batch * np.maximum(target_lengths, 1))


@pytest.mark.parametrize("blank", [0, C - 1])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_true_gradient_equals_finite_differences(reduction, blank):
    """gradients.ctc_loss is the derivative of losses.ctc_loss in every entry of log_probs,
    unnormalised log-probabilities included (central differences, float64)."""
    rng = np.random.default_rng(7)
    args = _batch(rng, blank=blank, normalised=False)
    grad_output = rng.uniform(0.5, 2.0, 4) if reduction == "none" else 1.3
    options = {"blank": blank, "reduction": reduction}

    def total(log_probs):
        value = losses.ctc_loss(log_probs, *args[1:], **options)
        return float(np.sum(value * grad_output))

    step = 1e-6
    expected = np.zeros_like(args[0])
    for index in np.ndindex(args[0].shape):
        up, down = args[0].copy(), args[0].copy()
        up[index] += step
        down[index] -= step
        expected[index] = (total(up) - total(down)) / (2 * step)
    actual = gradients.ctc_loss(*args, grad_output=grad_output, **options)
    # Central differences err by about step^2 f''' + eps f / step: 1e-9 of the largest here.
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8 * np.abs(expected).max())
    assert np.abs(expected).max() > 0.05


@pytest.mark.parametrize("normalised", [True, False])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_autograd_adds_exp_log_probs_times_the_weight(reduction, normalised):
    """PyTorch's autograd gradient with respect to log_probs minus lossbook's is
    exp(log_probs) times each sample's upstream weight, before its input length, else 0."""
    rng = np.random.default_rng(11)
    log_probs, targets, input_lengths, target_lengths = _batch(rng, normalised=normalised)
    grad_output = rng.uniform(0.5, 2.0, 4) if reduction == "none" else 0.7
    tensor = torch.tensor(log_probs, requires_grad=True)
    value = F.ctc_loss(
        tensor,
        torch.tensor(targets),
        torch.tensor(input_lengths),
        torch.tensor(target_lengths),
        reduction=reduction,
    )
    value.backward(torch.tensor(grad_output, dtype=torch.float64).reshape(value.shape))
    ours = gradients.ctc_loss(
        log_probs,
        targets,
        input_lengths,
        target_lengths,
        reduction=reduction,
        grad_output=grad_output,
    )
    weight = _weights(reduction, grad_output, target_lengths)
    running = np.arange(T)[:, None] < input_lengths
    expected = np.exp(log_probs) * (weight * running)[:, :, None]
    assert_close(tensor.grad.numpy() - ours, expected, scale=np.abs(expected).max())


def test_autograd_term_for_one_sample_summed_is_exp_log_probs():
    """With one sample and reduction='sum' the extra term is exp(log_probs) exactly."""
    rng = np.random.default_rng(3)
    log_probs = rng.normal(-1.0, 1.0, (6, C))
    tensor = torch.tensor(log_probs, requires_grad=True)
    F.ctc_loss(
        tensor, torch.tensor([1, 2]), torch.tensor(6), torch.tensor(2), reduction="sum"
    ).backward()
    ours = gradients.ctc_loss(log_probs, [1, 2], 6, 2, reduction="sum")
    assert_close(tensor.grad.numpy() - ours, np.exp(log_probs), scale=1.0)


def test_gradient_rows_are_minus_a_distribution():
    """Before each input length a row of the gradient sums to -1 (a posterior over the classes);
    at and beyond it, it is 0."""
    log_probs, targets, input_lengths, target_lengths = _batch(np.random.default_rng(5))
    grad = gradients.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="sum")
    running = np.arange(T)[:, None] < input_lengths
    assert_close(grad.sum(-1), -running.astype(float))
    assert (grad <= 0).all()


def test_impossible_target_gradient_is_nan_or_zero():
    """ "aa" in two steps: inf loss and NaN gradient before the input length (PyTorch's 0/0);
    zero_infinity makes both 0 without touching the other sample."""
    rng = np.random.default_rng(2)
    log_probs = np.log(rng.dirichlet(np.ones(C), size=(4, 2)))
    args = (log_probs, np.array([[1, 1], [2, 3]]), np.array([2, 4]), np.array([2, 2]))
    assert losses.ctc_loss(*args, reduction="none")[0] == np.inf
    grad = gradients.ctc_loss(*args, reduction="sum")
    assert np.isnan(grad[:2, 0]).all() and (grad[2:, 0] == 0).all()
    zeroed = gradients.ctc_loss(*args, reduction="sum", zero_infinity=True)
    assert (zeroed[:, 0] == 0).all()
    assert_close(zeroed[:, 1], grad[:, 1])
    assert np.isfinite(grad[:, 1]).all()


def test_long_input_stays_finite_and_matches_torch():
    """T = 3000: p is about e^-7400, 0 in any float, yet the loss (in log space) is finite
    and equals PyTorch's; the gradient through log_softmax agrees to |log p| eps."""
    rng = np.random.default_rng(13)
    steps, classes = 3000, 12
    logits = rng.normal(0, 2, (steps, 2, classes))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = rng.integers(1, classes, (2, 400))
    input_lengths, target_lengths = np.array([3000, 2100]), np.array([400, 250])
    value = losses.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")
    tensors = [torch.tensor(a) for a in (targets, input_lengths, target_lengths)]
    x = torch.tensor(logits, requires_grad=True)
    expected = F.ctc_loss(F.log_softmax(x, -1), *tensors, reduction="none")
    assert value.min() > 4000 and np.isfinite(value).all()
    assert_close(value, expected.detach().numpy())
    expected.sum().backward()
    grad = gradients.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="sum")
    chained = grad - np.exp(log_probs) * grad.sum(-1, keepdims=True)
    # The posteriors are exp(log alpha + log beta - log p), terms of about 7400 whose
    # rounding is a relative error of some |log p| ulps of the gradient.
    assert_close(chained, x.grad.numpy(), scale=np.abs(chained).max() * value.max() / 100)


def test_padded_concatenated_and_unbatched_agree():
    """The same targets padded, concatenated, and one sample at a time give the same losses."""
    log_probs, targets, input_lengths, target_lengths = _batch(np.random.default_rng(17))
    padded = losses.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")
    flat = np.concatenate([row[:n] for row, n in zip(targets, target_lengths, strict=True)])
    concatenated = losses.ctc_loss(
        log_probs, flat, input_lengths, target_lengths, reduction="none"
    )
    np.testing.assert_array_equal(concatenated, padded)
    for n in range(4):
        alone = losses.ctc_loss(
            log_probs[:, n], targets[n], input_lengths[n], target_lengths[n], reduction="none"
        )
        assert alone.shape == ()
        assert_close(alone, padded[n])


def test_inputs_are_not_modified_and_float32_stays_float32():
    """Read-only inputs are accepted and left as they were; float32 gives float32."""
    args = [np.array(a) for a in _batch(np.random.default_rng(23))]
    args[0] = args[0].astype(np.float32)
    copies = [a.copy() for a in args]
    for a in args:
        a.setflags(write=False)
    value = losses.ctc_loss(*args)
    grad = gradients.ctc_loss(*args)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    for a, copy in zip(args, copies, strict=True):
        np.testing.assert_array_equal(a, copy)


def test_steps_past_the_input_length_are_not_read():
    """NaN in log_probs at and beyond a sample's input length changes neither the loss nor the
    gradient, as in PyTorch, which does not read them either."""
    log_probs, targets, input_lengths, target_lengths = _batch(np.random.default_rng(29))
    poisoned = log_probs.copy()
    poisoned[np.arange(T)[:, None] >= input_lengths] = np.nan
    args = (targets, input_lengths, target_lengths)
    value = losses.ctc_loss(poisoned, *args, reduction="none")
    expected = F.ctc_loss(*(torch.tensor(a) for a in (poisoned, *args)), reduction="none")
    assert_close(value, expected.numpy())
    assert_close(value, losses.ctc_loss(log_probs, *args, reduction="none"))
    grad = gradients.ctc_loss(poisoned, *args)
    assert_close(grad, gradients.ctc_loss(log_probs, *args))


def test_strided_log_probs_equal_contiguous():
    """A (N, T, C) batch transposed to (T, N, C), a view that is not contiguous, gives the
    same loss and gradient as its contiguous copy."""
    log_probs, *args = _batch(np.random.default_rng(31))
    view = np.ascontiguousarray(log_probs.transpose(1, 0, 2)).transpose(1, 0, 2)
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(
        losses.ctc_loss(view, *args, reduction="none"),
        losses.ctc_loss(log_probs, *args, reduction="none"),
    )
    np.testing.assert_array_equal(
        gradients.ctc_loss(view, *args), gradients.ctc_loss(log_probs, *args)
    )
