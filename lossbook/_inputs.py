"""The input layer that ``losses``, ``gradients``, ``information`` and ``activations`` share.

Conversion and dtype rules, shape checks that take shapes, option checks,
the reductions and one function for each rule of the 'mean' denominator,
and class-index targets prepared into a :class:`ClassTargets`. Every message
names the offending argument and its value or shape, in the style of attrs'
validators: ``'reduction' must be one of ... (got 'avg')``. Every check runs
before any computation.
"""

from typing import NamedTuple

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


class InvalidInputError(ValueError, RuntimeError):
    """Bad input to a lossbook function: a ``ValueError`` that is also a ``RuntimeError``.

    PyTorch reports most bad input to its losses as ``RuntimeError`` and some as
    ``ValueError``; this one class lets code written for either keep working
    when ``torch.nn.functional`` is swapped for ``lossbook.losses``.
    """


# --- conversion -------------------------------------------------------------


def as_float_array(value, name):
    """Return ``value`` as a float array: float32 stays float32, all else becomes float64.

    Raises
    ------
    TypeError
        If ``value`` is complex or cannot be read as numbers.
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"'{name}' must be array-like of real numbers (got {value!r})") from error
    if array.dtype == np.float32:
        return array
    if array.dtype.kind not in "biuf":
        raise TypeError(f"'{name}' must hold real numbers (got dtype {array.dtype})")
    return array.astype(np.float64, copy=False)


def float_pair(input, target):
    """``input`` and ``target`` as float arrays of one dtype and one shape (nothing broadcast)."""
    input = as_float_array(input, "input")
    target = as_float_array(target, "target")
    check_same_shape(target.shape, input.shape)
    dtype = np.result_type(input, target)
    return input.astype(dtype, copy=False), target.astype(dtype, copy=False)


def optional_weight(weight, name, shape, dtype, *, exact=False):
    """``weight`` as an array of ``dtype`` that fits ``shape`` exactly, or by broadcasting; None stays None."""
    if weight is None:
        return None
    weight = as_float_array(weight, name)
    if exact:
        check_same_shape(weight.shape, shape, name)
    else:
        check_broadcastable(weight.shape, shape, name)
    return weight.astype(np.result_type(dtype, weight), copy=False)


def binary_inputs(input, target, weight):
    """``float_pair`` plus an element-wise ``weight`` that broadcasts to the input's shape."""
    input, target = float_pair(input, target)
    return input, target, optional_weight(weight, "weight", input.shape, input.dtype)


def probability_inputs(input, target, weight):
    """``binary_inputs`` whose ``input`` and ``target`` both lie in [0, 1]."""
    input, target, weight = binary_inputs(input, target, weight)
    check_in_unit_interval(input, "input")
    check_in_unit_interval(target, "target")
    return input, target, weight


def multilabel_inputs(input, target, weight):
    """``binary_inputs`` of an input with a label axis (the last)."""
    input, target, weight = binary_inputs(input, target, weight)
    if input.ndim == 0:
        raise InvalidInputError(
            "'input' must have a label axis: shape (C,) or (N, C) (got a 0-d array)"
        )
    return input, target, weight


# --- checks -------------------------------------------------------------------


def check_same_shape(shape, expected, name="target", expected_name="input"):
    """Raise ``InvalidInputError`` unless ``shape`` equals ``expected``: nothing is broadcast."""
    if tuple(shape) != tuple(expected):
        raise InvalidInputError(
            f"'{name}' must have the same shape as '{expected_name}' {tuple(expected)} "
            f"(got {tuple(shape)}); lossbook does not broadcast"
        )


def check_broadcastable(shape, target_shape, name):
    """Raise ``InvalidInputError`` unless ``shape`` broadcasts to ``target_shape`` without growing it."""
    try:
        broadcast = np.broadcast_shapes(shape, target_shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(target_shape):
        raise InvalidInputError(
            f"'{name}' of shape {tuple(shape)} must broadcast to the shape "
            f"of 'input' {tuple(target_shape)}"
        )


def check_in_unit_interval(array, name):
    """Raise ``InvalidInputError`` unless every element of ``array`` lies in [0, 1] (NaN included)."""
    # Two reductions instead of four element-wise passes; a NaN makes min() NaN and
    # fails the test. The offender is looked for only once an error is certain.
    if array.size == 0 or (array.min() >= 0 and array.max() <= 1):
        return
    outside = ~((array >= 0) & (array <= 1))
    raise InvalidInputError(
        f"all elements of '{name}' must be between 0 and 1 "
        f"(got {array[outside].flat[0].item()!r} at index {np.argwhere(outside)[0].tolist()})"
    )


def check_option(value, name, allowed):
    """Raise ``InvalidInputError`` unless ``value`` is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInputError(
            f"'{name}' must be one of {', '.join(map(repr, allowed))} (got {value!r})"
        )


def check_reduction(reduction, *, batchmean=False):
    """Return ``reduction`` once it is 'none', 'mean', 'sum' (or, if allowed, 'batchmean')."""
    check_option(reduction, "reduction", REDUCTIONS + ("batchmean",) if batchmean else REDUCTIONS)
    return reduction


def _is_real_number(value):
    return np.isscalar(value) and np.isreal(value) and not isinstance(value, (str, bytes))


def check_positive(value, name, *, allow_zero):
    """Raise ``InvalidInputError`` unless ``value`` is a positive (or, with ``allow_zero``, non-negative) number."""
    if not (_is_real_number(value) and (value >= 0 if allow_zero else value > 0)):
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidInputError(f"'{name}' must be a {bound} number (got {value!r})")


def check_label_smoothing(label_smoothing):
    """Raise ``InvalidInputError`` unless ``label_smoothing`` is a number in [0, 1]."""
    if not (_is_real_number(label_smoothing) and 0 <= label_smoothing <= 1):
        raise InvalidInputError(
            f"'label_smoothing' must be between 0.0 and 1.0 (got {label_smoothing!r})"
        )


def check_base(base):
    """Raise ``InvalidInputError`` unless ``base`` is a valid logarithm base: positive and not 1."""
    if not (_is_real_number(base) and base > 0 and base != 1):
        raise InvalidInputError(f"'base' must be a positive number other than 1 (got {base!r})")


def check_distribution(array, name, axis):
    """Raise ``InvalidInputError`` unless ``array`` holds probability distributions along ``axis``.

    Every element must lie in [0, 1], and each slice along ``axis`` must sum to 1
    within the square root of the dtype's machine epsilon (1.5e-8 in float64,
    3.5e-4 in float32): loose enough for a normalised vector's rounding, tight
    enough to catch a forgotten normalisation.
    """
    check_in_unit_interval(array, name)
    if array.ndim == 0:
        raise InvalidInputError(
            f"'{name}' must have at least one dimension (got a scalar {array!r})"
        )
    tolerance = np.sqrt(np.finfo(array.dtype).eps)
    sums = np.sum(array, axis=axis, dtype=np.float64)
    wrong = np.abs(sums - 1) > tolerance
    if wrong.any():
        raise InvalidInputError(
            f"'{name}' must sum to 1 along axis {axis} within {tolerance:.2g} "
            f"(got {sums[wrong].flat[0].item()!r} at index {np.argwhere(wrong)[0].tolist()})"
        )


# --- reductions and their denominators ------------------------------------------
#
# 'mean' divides the sum of the element-wise losses by one of four things, as
# PyTorch does; each rule has one function, used by a loss and its gradient.


def element_count(shape):
    """Plain 'mean': the number of element-wise losses."""
    return int(np.prod(shape, dtype=np.int64))


def total_weight(weights):
    """Weighted 'mean' (``mse_loss``/``l1_loss`` with ``weight``, ``nll_loss``, ``cross_entropy``
    with class indices): the sum of the weights of the targets that count."""
    return np.sum(weights)


def target_count(input_shape, class_axis):
    """'mean' of ``cross_entropy`` with class probabilities: the number of targets, N d1 ... dK,
    whatever the weights."""
    return element_count(input_shape) // max(input_shape[class_axis], 1)


def batch_size(shape):
    """'batchmean' of ``kl_div``: the size of the first axis (1 for a 0-d input)."""
    return shape[0] if len(shape) else 1


def reduce(loss, reduction, *, denominator=None):
    """Reduce element-wise losses: 'none' keeps them, 'sum' adds them, 'mean' divides the sum.

    'mean' divides by ``denominator`` (default :func:`element_count`). An
    empty or fully ignored input gives NaN for 'mean' and 0 for 'sum', as in
    PyTorch.
    """
    if reduction == "none":
        return loss
    total = np.sum(loss)
    if reduction == "sum":
        return total
    if denominator is None:
        denominator = loss.size
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / total.dtype.type(denominator)


def upstream(grad_output, reduction, shape, dtype, *, denominator=None):
    """The gradient of the reduced loss with respect to each element-wise loss, of ``shape``.

    For 'none', ``grad_output`` (default ones) must have ``shape``; otherwise
    it is a scalar (default 1), divided for 'mean' by ``denominator``
    (default :func:`element_count`), as :func:`reduce` divided the sum.
    """
    if grad_output is None:
        grad_output = np.ones(shape if reduction == "none" else (), dtype)
    grad_output = as_float_array(grad_output, "grad_output")
    check_same_shape(grad_output.shape, shape if reduction == "none" else (), "grad_output")
    grad_output = grad_output.astype(dtype, copy=False)
    if reduction == "none":
        return grad_output
    if reduction == "mean":
        size = element_count(shape) if denominator is None else denominator
        with np.errstate(invalid="ignore", divide="ignore"):
            grad_output = grad_output / dtype.type(size)
    return np.broadcast_to(grad_output, shape)


# --- classes ---------------------------------------------------------------------


def class_axis(input):
    """The class axis of logits or log-probabilities: 0 for shape (C,), else 1."""
    if input.ndim == 0:
        raise InvalidInputError(
            "'input' must have a class axis: shape (C,), (N, C) or (N, C, d1, ...) (got a 0-d "
            "array)"
        )
    return 0 if input.ndim == 1 else 1


def class_weight(weight, classes, dtype):
    """``weight`` as one value per class, shape (C,), of ``dtype``; None stays None."""
    if weight is None:
        return None
    weight = as_float_array(weight, "weight")
    if weight.shape != (classes,):
        raise InvalidInputError(
            f"'weight' must hold one value per class, shape ({classes},) "
            f"(got shape {weight.shape})"
        )
    return weight.astype(np.result_type(dtype, weight), copy=False)


def along_class_axis(values, axis, ndim):
    """Reshape per-class ``values`` (C,) to broadcast along ``axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[axis] = values.shape[0]
    return values.reshape(shape)


def is_probability_target(input, target):
    """Whether ``cross_entropy``'s ``target`` holds class probabilities (floats of the input's shape)."""
    target = np.asarray(target)
    return target.dtype.kind == "f" and target.shape == np.shape(input)


class ClassTargets(NamedTuple):
    """Class-index targets of ``nll_loss`` and ``cross_entropy``, checked against ``input``."""

    input: np.ndarray  #: log-probabilities or logits, float
    axis: int  #: the class axis of ``input``
    indices: np.ndarray  #: one class per target; 0 where ignored, so always a valid index
    kept: np.ndarray  #: False where the target equals ``ignore_index``
    weight: np.ndarray | None  #: one weight per class, or None
    target_weights: np.ndarray  #: each target's class weight, 0 where ignored

    @property
    def classes(self):
        return self.input.shape[self.axis]

    def astype(self, dtype):
        """The same targets with ``input`` and the weights converted to ``dtype``."""
        return self._replace(
            input=self.input.astype(dtype),
            weight=None if self.weight is None else self.weight.astype(dtype),
            target_weights=self.target_weights.astype(dtype),
        )


def class_targets(input, target, weight, ignore_index):
    """Check class indices against ``input`` and prepare them into :class:`ClassTargets`.

    Raises
    ------
    IndexError
        For an index outside [0, C) that is not ``ignore_index``.
    InvalidInputError
        For a non-integer target, a target of the wrong shape or a weight of
        the wrong length.
    """
    input = as_float_array(input, "input")
    axis = class_axis(input)
    classes = input.shape[axis]
    weight = class_weight(weight, classes, input.dtype)
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise InvalidInputError(
            f"'target' of class indices must hold integers (got dtype {target.dtype}); "
            f"class probabilities must have the input's shape {input.shape}"
        )
    expected = input.shape[:axis] + input.shape[axis + 1 :]
    if target.shape != expected:
        raise InvalidInputError(
            f"'target' of class indices must have shape {expected} for 'input' of shape "
            f"{input.shape} (got {target.shape})"
        )
    kept = target != ignore_index
    every_kept = kept.all()
    checked = target if every_kept else target[kept]
    # Two reductions instead of an element-wise test per bound; the offender is
    # looked for only once an error is certain.
    if checked.size and (checked.min() < 0 or checked.max() >= classes):
        offender = checked[(checked < 0) | (checked >= classes)].flat[0].item()
        raise IndexError(
            f"'target' holds class index {offender}, out of bounds for "
            f"{classes} classes (valid: 0 to {classes - 1}, or ignore_index={ignore_index})"
        )
    indices = target if every_kept else np.where(kept, target, 0)
    if weight is None:
        target_weights = kept.astype(input.dtype)
    else:
        target_weights = np.where(kept, weight[indices], 0).astype(input.dtype, copy=False)
    return ClassTargets(input, axis, indices, kept, weight, target_weights)


def zero_ignored(values, kept):
    """``values`` (one per target) with those of ignored targets set to 0.

    PyTorch skips ignored targets, so whatever their row holds (a masked logit
    of -inf, a NaN) must not reach a sum as ``0 * inf = NaN``, nor their
    gradient be NaN when every target is ignored and the mean divides by 0.
    """
    values = np.asarray(values)
    if kept.all():
        return values
    return np.where(kept, values, 0).astype(values.dtype, copy=False)


def gather(values, indices, axis):
    """The entry of ``values`` at each class index, along ``axis``."""
    if values.shape[axis] == 0:
        return np.zeros(indices.shape, values.dtype)
    chosen = np.take_along_axis(values, np.expand_dims(indices, axis), axis=axis)
    return np.squeeze(chosen, axis=axis)


def probability_targets(input, target, weight, label_smoothing, ignore_index):
    """Validated ``(input, class axis, weighted smoothed target)`` for class-probability targets.

    The target is smoothed to :math:`(1 - \\varepsilon) t + \\varepsilon / C` and
    multiplied by the class weights.
    """
    if ignore_index != -100:
        raise InvalidInputError(
            f"'ignore_index' is not supported for class-probability targets (got {ignore_index!r})"
        )
    input, target = float_pair(input, target)
    axis = class_axis(input)
    classes = input.shape[axis]
    weight = class_weight(weight, classes, input.dtype)
    smoothed = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        smoothed = smoothed * along_class_axis(weight, axis, input.ndim)
    return input, axis, smoothed


# --- the likelihood, margin and embedding losses ---------------------------------


def float_arrays(arrays, names, *, same_shape=True):
    """Several arguments as float arrays of one dtype and, unless told otherwise, one shape.

    The first name is the reference: a shape mismatch names it and the
    offender. The dtype is float32 only if every argument is float32.
    """
    arrays = [as_float_array(array, name) for array, name in zip(arrays, names, strict=True)]
    if same_shape:
        for array, name in zip(arrays[1:], names[1:], strict=True):
            check_same_shape(array.shape, arrays[0].shape, name, names[0])
    dtype = np.result_type(*arrays)
    return tuple(array.astype(dtype, copy=False) for array in arrays)


def gaussian_variance(var, input):
    """``gaussian_nll_loss``'s ``var`` as an array that broadcasts to ``input`` as PyTorch allows.

    Accepted: a number; the input's shape (one variance per element); the input's
    shape without its last axis (one variance per sample, an axis appended); or
    the input's shape with exactly one axis of size 1. Returns the variance
    (possibly with an axis appended) and the shape to give its gradient.

    Raises
    ------
    InvalidInputError
        For a negative entry, or a shape of none of those kinds.
    """
    if _is_real_number(var) and not isinstance(var, (bool, np.bool_)):
        if var < 0:
            raise InvalidInputError(f"'var' must be non-negative (got {var!r})")
        return np.asarray(var, input.dtype), ()
    var = as_float_array(var, "var")
    negative = var < 0
    if negative.any():
        raise InvalidInputError(
            f"'var' must be non-negative (got {var[negative].flat[0].item()!r} "
            f"at index {np.argwhere(negative)[0].tolist()})"
        )
    dtype = np.result_type(input, var)
    shape = var.shape
    if shape == input.shape:
        return var.astype(dtype, copy=False), shape
    if shape == input.shape[:-1]:
        return var.astype(dtype, copy=False)[..., np.newaxis], shape
    mismatched = [(a, b) for a, b in zip(input.shape, shape, strict=False) if a != b]
    if var.ndim == input.ndim and len(mismatched) == 1 and mismatched[0][1] == 1:
        return var.astype(dtype, copy=False), shape
    raise InvalidInputError(
        f"'var' of shape {shape} must have the shape of 'input' {input.shape}, that shape "
        "without its last axis, or that shape with one axis of size 1"
    )


def sum_to_shape(values, shape):
    """Sum ``values`` over the axes that broadcasting added or stretched, to ``shape``."""
    leading = values.ndim - len(shape)
    values = np.sum(values, axis=tuple(range(leading))) if leading else values
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and values.shape[axis] != 1
    )
    return np.sum(values, axis=stretched, keepdims=True).reshape(shape)


def margin_class_targets(input, target, weight):
    """``multi_margin_loss``'s input (N, C) and class indices (N,), checked.

    Returns ``(input as (N, C), indices (N,), weight or None)``. As in
    PyTorch, a (C,) input is one sample, with a target of shape () or (1,),
    and a 0-d input is one sample of one class; the losses of
    ``reduction='none'`` take the target's shape.
    """
    input = as_float_array(input, "input")
    if input.ndim > 2:
        raise InvalidInputError(
            f"'input' must have shape (), (C,) or (N, C) (got shape {input.shape})"
        )
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise InvalidInputError(
            f"'target' of class indices must hold integers (got dtype {target.dtype})"
        )
    allowed = [(), (1,)] if input.ndim < 2 else [input.shape[:1]]
    if target.shape not in allowed:
        raise InvalidInputError(
            f"'target' must have shape {' or '.join(map(str, allowed))} for 'input' of shape "
            f"{input.shape} (got {target.shape})"
        )
    indices = target.reshape(-1)
    classes = rows.shape[1]
    outside = (indices < 0) | (indices >= classes)
    if outside.any():
        raise InvalidInputError(
            f"'target' holds class index {indices[outside][0].item()}, out of range "
            f"for {classes} classes"
        )
    return rows, indices, class_weight(weight, classes, input.dtype)


def multilabel_targets(input, target):
    """``multilabel_margin_loss``'s input and targets, as (N, C) arrays.

    Each row of ``target`` lists class indices up to its first -1 (the rest is
    padding and not read, as in PyTorch). Returns ``(input, slots, listed,
    is_target)``: the listed class of each slot (0 where not listed), which
    slots are listed, and which classes are a sample's targets. A class listed
    twice counts twice, as in PyTorch.
    """
    input = as_float_array(input, "input")
    if input.ndim > 2 or (input.ndim > 0 and input.shape[-1] == 0):
        raise InvalidInputError(
            f"'input' must have shape (), (C,) or (N, C) with C > 0 (got shape {input.shape})"
        )
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise InvalidInputError(
            f"'target' of class indices must hold integers (got dtype {target.dtype})"
        )
    check_same_shape(target.shape, input.shape)
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    labels = target.reshape(rows.shape)
    classes = rows.shape[1]
    listed = np.cumprod(labels != -1, axis=1).astype(bool)  # up to the first -1
    outside = listed & ((labels < 0) | (labels >= classes))
    if outside.any():
        raise InvalidInputError(
            f"'target' holds class index {labels[outside][0].item()}, out of range "
            f"for {classes} classes (valid: 0 to {classes - 1}, -1 ends the list)"
        )
    is_target = np.zeros(rows.shape, bool)
    sample, slot = np.nonzero(listed)
    is_target[sample, labels[sample, slot]] = True
    return rows, np.where(listed, labels, 0), listed, is_target


def embedding_pair(input1, input2, target):
    """Two batches of embeddings (N, D) or (D,) and one target per pair."""
    input1, input2, target = float_arrays(
        (input1, input2, target), ("input1", "input2", "target"), same_shape=False
    )
    check_same_shape(input2.shape, input1.shape, "input2", "input1")
    if input1.ndim not in (1, 2):
        raise InvalidInputError(
            f"'input1' must have shape (D,) or (N, D) (got shape {input1.shape})"
        )
    check_same_shape(target.shape, input1.shape[:-1], "target", "input1 without its last axis")
    return input1, input2, target


def check_power(p):
    """Raise ``InvalidInputError`` unless ``p`` is 1 or 2, the powers ``multi_margin_loss`` has."""
    if p not in (1, 2) or isinstance(p, bool):
        raise InvalidInputError(f"'p' must be 1 or 2 (got {p!r})")


def triplet_inputs(anchor, positive, negative):
    """Anchors, positives and negatives as float arrays of one shape with an embedding axis.

    A 0-d triplet is one embedding of one number each, as in PyTorch (the loss
    is then 0-d, as for a (D,) triplet).
    """
    anchor, positive, negative = float_arrays(
        (anchor, positive, negative), ("anchor", "positive", "negative")
    )
    return np.atleast_1d(anchor, positive, negative)
