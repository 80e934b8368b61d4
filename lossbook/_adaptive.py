"""The adaptive softmax of ``nn.AdaptiveLogSoftmaxWithLoss``, on given weights.

The classes 0 .. C-1 (sorted by frequency) are split by the cutoffs
:math:`c_0 < c_1 < \\dots < c_{m-1}` into a shortlist [0, c_0) and m
clusters [c_i, c_{i+1}) (with :math:`c_m = C`). The head, one linear layer,
scores the shortlist's classes and one logit per cluster; cluster i has its
own two-layer tail, a projection to ``in_features // div_value**(i+1)``
features and an output layer of the cluster's size. A class of the
shortlist has the head's probability; a class of cluster i has

.. math::

    \\log p(y \\mid x) = \\log p_\\text{head}(c_0 + i \\mid x)
                      + \\log p_i(y - c_i \\mid x).

``losses`` and ``gradients`` share this module: validation (as the module's
constructor and forward validate), the forward pass restricted to the rows
whose target falls in each cluster, the full log-probabilities and the
gradient. A float32 problem is computed in float64 and rounded once.
"""

import operator
from typing import NamedTuple

import numpy as np

from ._inputs import InvalidInputError, as_float_array, check_positive, upstream
from .activations import log_softmax, softmax


class AdaptiveSoftmaxOutput(NamedTuple):
    """What ``nn.AdaptiveLogSoftmaxWithLoss`` returns: ``output`` and ``loss``."""

    #: The log-probability of each sample's target, shape (N,), or () unbatched.
    output: np.ndarray
    #: The negative log-likelihood averaged over the samples, ``-mean(output)``: 0-d.
    loss: np.ndarray


_CUTOFFS = (
    "'cutoffs' should be a sequence of unique, positive integers sorted in an increasing "
    "order, where each value is between 1 and n_classes-1"
)


class AdaptiveProblem(NamedTuple):
    """Validated adaptive-softmax weights, in float64, and the sizes they imply."""

    head_weight: np.ndarray  #: (shortlist + clusters, in_features)
    head_bias: np.ndarray | None  #: (shortlist + clusters,) or None
    tails: tuple  #: one (projection (hsz, in_features), output (osz, hsz)) per cluster
    bounds: tuple  #: (c_0, c_1, ..., c_m = n_classes)
    dtype: np.dtype  #: of the results

    @property
    def shortlist(self):
        return self.bounds[0]

    @property
    def n_classes(self):
        return self.bounds[-1]


def _pair(value, index):
    try:
        projection, output = value
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            f"'tail_weights[{index}]' must be a pair (projection, output) of weights "
            f"(got {value!r})"
        ) from error
    return (
        as_float_array(projection, f"tail_weights[{index}][0]"),
        as_float_array(output, f"tail_weights[{index}][1]"),
    )


def _check_shape(array, expected, name):
    if array.shape != tuple(expected):
        raise InvalidInputError(f"'{name}' must have shape {tuple(expected)} (got {array.shape})")


def adaptive_problem(input, head_weight, tail_weights, cutoffs, head_bias, div_value):
    """Check the weights against the cutoffs and ``div_value`` as the module's layout fixes them.

    ``n_classes`` is read from the last tail's output layer (its rows are the
    last cluster's classes); the cutoffs are checked as the module's
    constructor checks them (``ValueError``), every shape against the layout.
    """
    check_positive(div_value, "div_value", allow_zero=False)
    in_features = input.shape[-1]
    try:
        cutoffs = [operator.index(cutoff) for cutoff in cutoffs]
    except TypeError as error:
        raise InvalidInputError(f"{_CUTOFFS} (got {cutoffs!r})") from error
    if not cutoffs:
        raise InvalidInputError(
            f"'cutoffs' should be a sequence of length larger than 0 (got {cutoffs!r})"
        )
    head_weight = as_float_array(head_weight, "head_weight")
    try:
        tail_weights = list(tail_weights)
    except TypeError as error:
        raise InvalidInputError(
            f"'tail_weights' must be a sequence of (projection, output) pairs "
            f"(got {tail_weights!r})"
        ) from error
    if len(tail_weights) != len(cutoffs):
        raise InvalidInputError(
            f"'tail_weights' must hold one (projection, output) pair per cutoff, "
            f"{len(cutoffs)} (got {len(tail_weights)})"
        )
    tails = [_pair(value, index) for index, value in enumerate(tail_weights)]
    last = tails[-1][1]
    n_classes = cutoffs[-1] + (last.shape[0] if last.ndim == 2 else 0)
    if (
        cutoffs != sorted(cutoffs)
        or min(cutoffs) <= 0
        or max(cutoffs) > n_classes - 1
        or len(set(cutoffs)) != len(cutoffs)
    ):
        raise InvalidInputError(
            f"{_CUTOFFS} (got {cutoffs!r} for n_classes={n_classes}, read from "
            f"'tail_weights[-1][1]' of shape {last.shape})"
        )
    bounds = (*cutoffs, n_classes)
    clusters = len(cutoffs)
    _check_shape(head_weight, (cutoffs[0] + clusters, in_features), "head_weight")
    arrays = [input, head_weight]
    if head_bias is not None:
        head_bias = as_float_array(head_bias, "head_bias")
        _check_shape(head_bias, (cutoffs[0] + clusters,), "head_bias")
        arrays.append(head_bias)
    for index, (projection, output) in enumerate(tails):
        hidden = int(in_features // (div_value ** (index + 1)))
        size = bounds[index + 1] - bounds[index]
        _check_shape(projection, (hidden, in_features), f"tail_weights[{index}][0]")
        _check_shape(output, (size, hidden), f"tail_weights[{index}][1]")
        arrays += [projection, output]
    return AdaptiveProblem(
        head_weight.astype(np.float64, copy=False),
        None if head_bias is None else head_bias.astype(np.float64, copy=False),
        tuple(
            (p.astype(np.float64, copy=False), o.astype(np.float64, copy=False)) for p, o in tails
        ),
        bounds,
        np.result_type(*arrays),
    )


def batch_input(input):
    """``input`` as a float array of shape (in_features,) or (N, in_features)."""
    input = as_float_array(input, "input")
    if input.ndim not in (1, 2):
        raise InvalidInputError(
            f"'input' must have shape (in_features,) or (N, in_features) (got shape {input.shape})"
        )
    return input


def class_indices(input, target, n_classes):
    """``target`` checked as the module's forward checks it: (N,) for (N, H), () for (H,)."""
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise InvalidInputError(
            f"'target' of class indices must hold integers (got dtype {target.dtype})"
        )
    if target.ndim > 1:
        raise InvalidInputError(
            f"'target' must be 0-d or 1-d, multi-target not supported (got shape {target.shape})"
        )
    if target.ndim == 1 and input.ndim != 2:
        raise InvalidInputError(f"a 1-d 'target' expects a 2-d 'input' (got shape {input.shape})")
    if target.ndim == 0 and input.ndim != 1:
        raise InvalidInputError(f"a 0-d 'target' expects a 1-d 'input' (got shape {input.shape})")
    if target.ndim == 1 and target.shape[0] != input.shape[0]:
        raise InvalidInputError(
            f"'input' and 'target' must have the same size in the batch dimension "
            f"(got {input.shape[0]} and {target.shape[0]})"
        )
    outside = (target < 0) | (target >= n_classes)
    if outside.any():
        raise InvalidInputError(
            f"'target' values should be in [0, {n_classes - 1}] (got "
            f"{np.asarray(target[outside] if target.ndim else target).flat[0].item()})"
        )
    return target


def _head_logits(problem, x):
    logits = x @ problem.head_weight.T
    if problem.head_bias is not None:
        logits += problem.head_bias
    return logits


def _clusters(problem, target):
    """(cluster index, rows whose target is in it, their targets within it), per used cluster."""
    for index in range(len(problem.tails)):
        low, high = problem.bounds[index], problem.bounds[index + 1]
        rows = np.flatnonzero((target >= low) & (target < high))
        if rows.size:
            yield index, rows, target[rows] - low


def _head_index(problem, target):
    """Each sample's column of the head: its class in the shortlist, else its cluster's."""
    cluster = np.searchsorted(problem.bounds, target, side="right") - 1
    return np.where(target < problem.shortlist, target, problem.shortlist + cluster)


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def forward(problem, input, target):
    """:class:`AdaptiveSoftmaxOutput` of the validated ``input`` and ``target``."""
    x = np.atleast_2d(input).astype(np.float64, copy=False)
    y = np.atleast_1d(target)
    head = log_softmax(_head_logits(problem, x), axis=1)
    output = np.take_along_axis(head, _head_index(problem, y)[:, None], axis=1)[:, 0]
    for index, rows, within in _clusters(problem, y):
        projection, weights = problem.tails[index]
        cluster = log_softmax((x[rows] @ projection.T) @ weights.T, axis=1)
        output[rows] += cluster[np.arange(rows.size), within]
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = -np.mean(output) if output.size else np.float64(np.nan)
    output = output if input.ndim == 2 else output[0]
    return AdaptiveSoftmaxOutput(
        np.asarray(output).astype(problem.dtype), np.asarray(loss).astype(problem.dtype)
    )


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def full_log_prob(problem, input):
    """The log-probability of every class, (N, n_classes), or (n_classes,) unbatched."""
    x = np.atleast_2d(input).astype(np.float64, copy=False)
    head = log_softmax(_head_logits(problem, x), axis=1)
    out = np.empty((x.shape[0], problem.n_classes), np.float64)
    out[:, : problem.shortlist] = head[:, : problem.shortlist]
    for index, (projection, weights) in enumerate(problem.tails):
        low, high = problem.bounds[index], problem.bounds[index + 1]
        cluster = log_softmax((x @ projection.T) @ weights.T, axis=1)
        out[:, low:high] = cluster + head[:, problem.shortlist + index, None]
    out = out if input.ndim == 2 else out[0]
    return out.astype(problem.dtype)


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def predict(problem, input):
    """The most probable class of each sample, as the module's ``predict``.

    When the head's best column is a shortlist class it is the answer: every
    class of cluster i has at most the head's probability of cluster i. Only
    the other rows need the full log-probabilities.
    """
    x = np.atleast_2d(input).astype(np.float64, copy=False)
    best = np.argmax(_head_logits(problem, x), axis=1)
    elsewhere = np.flatnonzero(best >= problem.shortlist)
    if elsewhere.size:
        best[elsewhere] = np.argmax(full_log_prob(problem, x[elsewhere]), axis=1)
    return best if input.ndim == 2 else best[0]


def _softmax_minus_one_hot(logits, columns):
    """``softmax(z) - e_y`` per row."""
    grad = softmax(logits, axis=1)
    grad[np.arange(len(columns)), columns] -= 1
    return grad


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def gradient(problem, input, target, grad_output):
    """``(d input, d head_weight, ((d projection, d output), ...)[, d head_bias])`` of the loss.

    The loss is :math:`-\\frac1N \\sum_n \\log p(y_n \\mid x_n)`; each sample's
    log-probability is a head term plus, outside the shortlist, its cluster's
    term, so each layer's gradient is softmax minus one-hot of its own logits,
    pulled back through its linear maps, times :math:`-g/N`.
    """
    x = np.atleast_2d(input).astype(np.float64, copy=False)
    y = np.atleast_1d(target)
    scale = upstream(grad_output, "mean", (x.shape[0],), np.dtype(np.float64))
    # d loss / d log p(y_n) = -g / N: the loss is minus the mean of the outputs.
    weight = -np.asarray(scale)[:, None]
    head = -_softmax_minus_one_hot(_head_logits(problem, x), _head_index(problem, y)) * weight
    d_input = head @ problem.head_weight
    d_head_weight = head.T @ x
    d_tails = []
    used = {index: (rows, within) for index, rows, within in _clusters(problem, y)}
    for index, (projection, weights) in enumerate(problem.tails):
        d_projection = np.zeros(projection.shape)
        d_weights = np.zeros(weights.shape)
        if index in used:
            rows, within = used[index]
            hidden = x[rows] @ projection.T
            logits = -_softmax_minus_one_hot(hidden @ weights.T, within) * weight[rows]
            d_weights = logits.T @ hidden
            d_hidden = logits @ weights
            d_projection = d_hidden.T @ x[rows]
            d_input[rows] += d_hidden @ projection
        d_tails.append((d_projection.astype(problem.dtype), d_weights.astype(problem.dtype)))
    d_input = d_input if input.ndim == 2 else d_input[0]
    grads = [d_input.astype(problem.dtype), d_head_weight.astype(problem.dtype), tuple(d_tails)]
    if problem.head_bias is not None:
        grads.append(head.sum(axis=0).astype(problem.dtype))
    return tuple(grads)
