"""The cross-entropy of a linear layer, computed a chunk of rows at a time.

``losses.linear_cross_entropy`` and ``gradients.linear_cross_entropy`` share
this module. The logits ``x W^T + b`` of a chunk of rows are formed, handed
to the public ``cross_entropy`` (value, ``reduction='none'``) or its gradient
(with each row's upstream gradient), and dropped before the next chunk: at
most ``chunk_size`` rows of logits exist at a time, never the N x C matrix.
What is global across chunks is computed once, before any chunk: the
validation of every target and the denominator of 'mean' (the total weight
of the targets that count, or the number of targets for class
probabilities), so that dividing the chunks' sum by it gives exactly the
unchunked mean.

A float32 problem is computed in float64 (the logits too) and rounded to
float32 once, as the other losses do.
"""

import operator
from typing import NamedTuple

import numpy as np

from ._inputs import (
    InvalidInputError,
    as_float_array,
    check_label_smoothing,
    class_targets,
    is_probability_target,
    probability_targets,
    reduce,
    target_count,
    total_weight,
    upstream,
)

#: Rows of logits formed at a time by default: 256 rows of C classes in
#: float64 are 2 C kilobytes (20 MB at C = 10,000), few enough for the memory
#: to stay far below the N x C logits, enough for each matrix product to run
#: at full speed.
DEFAULT_CHUNK_SIZE = 256


class LinearProblem(NamedTuple):
    """A validated ``linear_cross_entropy`` call, with every array in float64."""

    input: np.ndarray  #: (N, in_features), or (in_features,) unbatched
    weight: np.ndarray  #: (C d1 ... dK, in_features): the linear weight, its class axes flat
    bias: np.ndarray | None  #: (C d1 ... dK,) or None
    target: np.ndarray  #: class indices, or class probabilities
    class_weight: np.ndarray | None  #: (C,) float64, or None
    ignore_index: int
    label_smoothing: float
    probabilities: bool  #: whether ``target`` holds class probabilities
    logits_shape: tuple  #: (N, C, d1, ..., dK), or (C,) unbatched
    denominator: float  #: of 'mean', over every chunk
    dtype: np.dtype  #: of the result: float32 if every float argument is float32
    chunk_size: int

    @property
    def batched(self):
        return self.input.ndim == 2

    def rows(self):
        """The slices of rows, one per chunk (one slice for an unbatched input)."""
        if not self.batched:
            return [Ellipsis]
        size = self.input.shape[0]
        return [slice(start, start + self.chunk_size) for start in range(0, size, self.chunk_size)]

    def logits(self, rows):
        """The logits of ``rows``, shaped as PyTorch's reference path shapes them."""
        x = self.input[rows]
        logits = x @ self.weight.T
        if self.bias is not None:
            logits += self.bias
        if not self.batched:
            return logits
        return logits.reshape((x.shape[0],) + self.logits_shape[1:])

    def options(self):
        """The options of ``cross_entropy`` for one chunk."""
        return {
            "weight": self.class_weight,
            "ignore_index": self.ignore_index,
            "label_smoothing": self.label_smoothing,
        }


def _check_chunk_size(chunk_size):
    try:
        size = operator.index(chunk_size)
    except TypeError:
        size = 0
    if isinstance(chunk_size, bool) or size < 1:
        raise InvalidInputError(f"'chunk_size' must be a positive integer (got {chunk_size!r})")
    return size


def linear_problem(
    input, linear_weight, target, linear_bias, weight, ignore_index, label_smoothing, chunk_size
):
    """Validate a ``linear_cross_entropy`` call as PyTorch does, before anything is computed.

    Returns a :class:`LinearProblem`; raises
    :class:`~lossbook.InvalidInputError` (or ``IndexError`` for a class
    index out of range) naming the offending value or shape.
    """
    check_label_smoothing(label_smoothing)
    chunk_size = _check_chunk_size(chunk_size)
    ignore_index = -100 if ignore_index is None else ignore_index
    input = as_float_array(input, "input")
    linear_weight = as_float_array(linear_weight, "linear_weight")
    arrays = [input, linear_weight]
    if input.ndim not in (1, 2):
        raise InvalidInputError(
            f"'input' must have shape (in_features,) or (N, in_features) (got shape {input.shape})"
        )
    if linear_weight.ndim < 2:
        raise InvalidInputError(
            "'linear_weight' must have shape (C, in_features) or (C, d1, ..., dK, in_features) "
            f"(got shape {linear_weight.shape})"
        )
    if linear_weight.shape[-1] != input.shape[-1]:
        raise InvalidInputError(
            f"'linear_weight' of shape {linear_weight.shape} must end in the input's "
            f"in_features, {input.shape[-1]} (got {linear_weight.shape[-1]})"
        )
    out_shape = linear_weight.shape[:-1]
    if linear_bias is not None:
        linear_bias = as_float_array(linear_bias, "linear_bias")
        if linear_bias.shape != out_shape:
            raise InvalidInputError(
                f"'linear_bias' must have shape {out_shape} (got {linear_bias.shape})"
            )
        arrays.append(linear_bias)
    if len(out_shape) > 1 and input.ndim == 1:
        raise InvalidInputError(
            f"a 'linear_weight' of shape {linear_weight.shape} (K-dimensional loss) needs a "
            f"batched 'input' (N, {input.shape[-1]}) (got shape {input.shape})"
        )
    dtype = np.result_type(*arrays)
    logits_shape = input.shape[:-1] + out_shape
    # A view of one zero as large as the logits: it costs no memory and lets the
    # shared input layer check every target against the logits' shape.
    stand_in = np.broadcast_to(np.zeros((), np.float64), logits_shape)
    probabilities = is_probability_target(stand_in, target)
    if probabilities:
        # Left in its dtype: each chunk's rows are converted as they are used.
        target = as_float_array(target, "target")
        class_weight = None if weight is None else as_float_array(weight, "weight")
        # The checks of weight and ignore_index, on a stand-in row of the same classes.
        row = stand_in[:1] if input.ndim == 2 else stand_in
        probability_targets(row, row, class_weight, label_smoothing, ignore_index)
        denominator = target_count(logits_shape, 1 if input.ndim == 2 else 0)
    else:
        targets = class_targets(stand_in, target, weight, ignore_index)
        target, class_weight = np.asarray(target), targets.weight
        denominator = total_weight(targets.target_weights)
    if class_weight is not None:
        class_weight = class_weight.astype(np.float64)
    return LinearProblem(
        input.astype(np.float64, copy=False),
        linear_weight.reshape(-1, input.shape[-1]).astype(np.float64, copy=False),
        None if linear_bias is None else linear_bias.reshape(-1).astype(np.float64, copy=False),
        target,
        class_weight,
        ignore_index,
        label_smoothing,
        probabilities,
        logits_shape,
        denominator,
        dtype,
        chunk_size,
    )


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def value(problem, reduction, cross_entropy):
    """The reduced loss: the chunks' element-wise losses, reduced with the global denominator.

    ``cross_entropy`` is ``lossbook.losses.cross_entropy``, passed in so that
    this module imports neither ``losses`` nor ``gradients``.
    """
    pointwise = np.empty(problem.logits_shape[:1] + problem.logits_shape[2:], np.float64)
    if not problem.batched:
        pointwise = np.empty((), np.float64)
    for rows in problem.rows():
        logits = problem.logits(rows)
        pointwise[rows] = cross_entropy(
            logits, problem.target[rows], reduction="none", **problem.options()
        )
        del logits
    result = reduce(pointwise, reduction, denominator=problem.denominator)
    return np.asarray(result).astype(problem.dtype)


# An infinite input or weight makes inf * 0 in a matrix product: NaN, as in
# PyTorch, without NumPy's warning.
@np.errstate(invalid="ignore")
def gradient(problem, reduction, grad_output, cross_entropy_gradient):
    """``(d input, d linear_weight[, d linear_bias])``, accumulated chunk by chunk.

    Each chunk's logit gradient ``G`` (rows x classes) gives its rows of
    ``dx = G W`` and adds ``G^T x`` to ``dW`` and the column sums of ``G``
    to ``db``: the weight gradient is a sum of per-row outer products, so
    chunks add.
    """
    batch_shape = problem.logits_shape[:1] + problem.logits_shape[2:]
    if not problem.batched:
        batch_shape = ()
    outer = upstream(
        grad_output,
        reduction,
        batch_shape,
        np.dtype(np.float64),
        denominator=problem.denominator,
    )
    d_input = np.zeros(problem.input.shape, np.float64)
    d_weight = np.zeros(problem.weight.shape, np.float64)
    d_bias = None if problem.bias is None else np.zeros(problem.bias.shape, np.float64)
    for rows in problem.rows():
        logits = problem.logits(rows)
        grad = cross_entropy_gradient(
            logits,
            problem.target[rows],
            reduction="none",
            grad_output=outer[rows],
            **problem.options(),
        )
        del logits
        x = problem.input[rows]
        grad = grad.reshape(x.shape[:-1] + (-1,))
        d_input[rows] = grad @ problem.weight
        if problem.batched:
            d_weight += grad.T @ x
        else:
            d_weight += np.outer(grad, x)
        if d_bias is not None:
            d_bias += grad.sum(axis=0) if problem.batched else grad
    shape = problem.logits_shape[1:] if problem.batched else problem.logits_shape
    grads = [d_input, d_weight.reshape(shape + problem.input.shape[-1:])]
    if d_bias is not None:
        grads.append(d_bias.reshape(shape))
    return tuple(grad.astype(problem.dtype) for grad in grads)
