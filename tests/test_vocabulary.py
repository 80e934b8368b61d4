"""The large-vocabulary losses beyond their registry rows: chunked memory, chunk independence,
the adaptive softmax's full log-probabilities and prediction against the module."""

import tracemalloc

import numpy as np
import pytest
import torch

from lossbook import gradients, losses
from lossbook.testing import assert_close
from parity import adaptive_module, adaptive_tails

ROWS, CLASSES, HIDDEN = 2000, 500, 8
LOGIT_BYTES = ROWS * CLASSES * 8  # the float64 N x C logits of the unfused form: 8 MB


@pytest.fixture(scope="module")
def layer():
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, (ROWS, HIDDEN))
    weight = rng.normal(0, 0.3, (CLASSES, HIDDEN))
    bias = rng.normal(0, 0.3, CLASSES)
    return x, weight, bias, rng.integers(0, CLASSES, ROWS)


def peak_bytes(call):
    """The peak of what NumPy allocates during ``call()`` (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _chunked_value(x, weight, bias, y, chunk_size):
    return losses.linear_cross_entropy(x, weight, y, linear_bias=bias, chunk_size=chunk_size)


def _chunked_gradient(x, weight, bias, y, chunk_size):
    return gradients.linear_cross_entropy(x, weight, y, linear_bias=bias, chunk_size=chunk_size)


def _unfused_value(x, weight, bias, y):
    return losses.cross_entropy(x @ weight.T + bias, y)


def _unfused_gradient(x, weight, bias, y):
    grad = gradients.cross_entropy(x @ weight.T + bias, y)
    return grad @ weight, grad.T @ x, grad.sum(axis=0)


@pytest.mark.parametrize(
    "chunked, unfused",
    [(_chunked_value, _unfused_value), (_chunked_gradient, _unfused_gradient)],
    ids=["value", "gradient"],
)
def test_chunks_stay_below_a_quarter_of_the_logits(layer, chunked, unfused):
    """Chunks of 50 rows peak below a quarter of the N x C logits that the unfused form exceeds."""
    bound = LOGIT_BYTES / 4
    assert peak_bytes(lambda: unfused(*layer)) > LOGIT_BYTES
    assert peak_bytes(lambda: chunked(*layer, chunk_size=50)) < bound


@pytest.mark.parametrize("chunked", [_chunked_value, _chunked_gradient], ids=["value", "gradient"])
def test_one_chunk_breaks_the_bound(layer, chunked):
    """With the chunking removed (one chunk of every row), the same bound is exceeded."""
    assert peak_bytes(lambda: chunked(*layer, chunk_size=ROWS)) > LOGIT_BYTES / 4


@pytest.mark.parametrize("chunk_size", [1, 7, 256, 5000])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_chunk_size_changes_nothing_but_rounding(layer, chunk_size, reduction):
    """The loss and gradients agree with the unfused cross-entropy whatever the chunk size,
    with weights and a third of the targets ignored (the mean's denominator is global)."""
    x, weight, bias, y = layer
    x = x[:300]
    y = np.where(np.arange(300) < 100, -100, layer[3][:300])
    class_weight = np.linspace(0.5, 2.0, CLASSES)
    options = {"weight": class_weight, "reduction": reduction, "linear_bias": bias}
    value = losses.linear_cross_entropy(x, weight, y, chunk_size=chunk_size, **options)
    logits = x @ weight.T + bias
    assert_close(value, losses.cross_entropy(logits, y, weight=class_weight, reduction=reduction))
    d_x, d_w, d_b = gradients.linear_cross_entropy(x, weight, y, chunk_size=chunk_size, **options)
    grad = gradients.cross_entropy(logits, y, weight=class_weight, reduction=reduction)
    for got, want in ((d_x, grad @ weight), (d_w, grad.T @ x), (d_b, grad.sum(axis=0))):
        assert_close(got, want, scale=np.abs(want).max())


@pytest.mark.parametrize("chunk_size", [0, -3, 2.5, True, "64"])
def test_chunk_size_must_be_a_positive_integer(layer, chunk_size):
    """A chunk size that is not a positive integer is refused, named with its value."""
    x, weight, _, y = layer
    with pytest.raises(ValueError, match=r"'chunk_size' must be a positive integer \(got "):
        losses.linear_cross_entropy(x, weight, y, chunk_size=chunk_size)
    with pytest.raises(ValueError, match="'chunk_size'"):
        gradients.linear_cross_entropy(x, weight, y, chunk_size=chunk_size)


def test_bad_target_in_the_last_row_raises_before_any_chunk(layer, monkeypatch):
    """Every target is checked before the first chunk's logits are formed."""
    x, weight, _, y = layer
    y = y.copy()
    y[-1] = CLASSES
    calls = []
    monkeypatch.setattr(losses, "cross_entropy", lambda *a, **k: calls.append(1))
    with pytest.raises(IndexError, match=f"class index {CLASSES}"):
        losses.linear_cross_entropy(x, weight, y, chunk_size=10)
    assert not calls


def test_inputs_are_not_modified(layer):
    """The loss and its gradients leave every argument as it was."""
    copies = [array.copy() for array in layer]
    x, weight, bias, y = layer
    losses.linear_cross_entropy(x, weight, y, linear_bias=bias, chunk_size=64)
    gradients.linear_cross_entropy(x, weight, y, linear_bias=bias, chunk_size=64)
    for array, copy in zip(layer, copies, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_ignore_index_none_means_minus_100(layer):
    """PyTorch's default ignore_index=None is -100, accepted here with that meaning."""
    x, weight, _, y = layer
    x, y = x[:20], np.where(np.arange(20) % 3 == 0, -100, y[:20])
    assert_close(
        losses.linear_cross_entropy(x, weight, y, ignore_index=None),
        losses.cross_entropy(x @ weight.T, y),
    )


# --- the adaptive softmax's other methods -------------------------------------------


@pytest.mark.parametrize("cutoffs", [[2], [3, 6], [2, 5, 7]])
@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_prob_and_predict_match_the_module(cutoffs, head_bias):
    """adaptive_log_prob and adaptive_predict equal the module's log_prob and predict."""
    rng = np.random.default_rng(len(cutoffs) + 10 * head_bias)
    in_features, n_classes = 16, 10
    head = rng.normal(0, 2.0, (cutoffs[0] + len(cutoffs), in_features))
    tails = adaptive_tails(rng, in_features, [*cutoffs, n_classes], 2.0, np.float64)
    options = {"div_value": 2.0}
    if head_bias:
        options["head_bias"] = rng.normal(0, 1, head.shape[0])
    x = rng.normal(0, 1, (40, in_features))
    module, _ = adaptive_module(x, head, tails, cutoffs, **options)
    with torch.no_grad():
        expected = module.log_prob(torch.from_numpy(x)).numpy()
        predicted = module.predict(torch.from_numpy(x)).numpy()
    full = losses.adaptive_log_prob(x, head, tails, cutoffs, **options)
    assert_close(full, expected)
    assert_close(np.exp(full).sum(axis=1), np.ones(40))
    np.testing.assert_array_equal(
        losses.adaptive_predict(x, head, tails, cutoffs, **options), predicted
    )
    # Both kinds of rows occur: predictions in the shortlist and in the clusters.
    assert (predicted < cutoffs[0]).any() and (predicted >= cutoffs[0]).any()
    one = losses.adaptive_log_prob(x[3], head, tails, cutoffs, **options)
    assert_close(one, expected[3])
