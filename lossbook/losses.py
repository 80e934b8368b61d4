"""The losses of ``torch.nn.functional``, on NumPy arrays, and the classic margin losses.

Every loss named like a PyTorch one takes the same arguments, defaults and
reductions and gives the same numbers (float64 to 1e-12 relative, float32 to
float32 precision): replacing ``F.`` by ``lossbook.losses.`` changes nothing
but the array type. Options after ``input`` and ``target`` are keyword-only;
PyTorch's deprecated ``size_average`` and ``reduce`` are not offered.

Bad input raises :class:`~lossbook.InvalidInputError` (a ``ValueError`` that
is also the ``RuntimeError`` PyTorch raises) naming the offending value or
shape, or ``IndexError`` for a class index out of range. Unlike PyTorch,
nothing is broadcast against ``input``: a target of another shape is an error.

The margin losses at the end take scores and labels in {-1, +1}, as in optax,
and return one loss per element.
"""

import numpy as np
from scipy import special

from ._validation import (
    InvalidInputError,
    as_float_array,
    check_base,
    check_broadcastable,
    check_in_unit_interval,
    check_option,
    check_same_shape,
)
from .activations import _log_sum_exp_shifted, _peak, _softplus_in_place, log_sigmoid, log_softmax

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "kl_div",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "zero_one_loss",
    "hinge_loss",
    "perceptron_loss",
    "exponential_loss",
    "logistic_loss",
    "squared_margin_loss",
    "absolute_margin_loss",
]

REDUCTIONS = ("none", "mean", "sum")

# BCELoss clamps each logarithm at -100, so that a probability of exactly 0 or 1
# costs at most 100 instead of infinity.
LOG_CLAMP = -100.0


def _reduce(loss, reduction, *, denominator=None):
    """Reduce element-wise losses: 'none' keeps them, 'sum' adds them, 'mean' divides the sum.

    'mean' divides by ``denominator`` where a loss weights its elements (PyTorch
    divides by the total weight of the targets), otherwise by the number of
    elements. An empty or fully ignored input gives NaN for 'mean' and 0 for
    'sum', as in PyTorch.
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


def _float_pair(input, target):
    """``input`` and ``target`` as float arrays of one dtype and one shape."""
    input = as_float_array(input, "input")
    target = as_float_array(target, "target")
    check_same_shape(input, target)
    dtype = np.result_type(input, target)
    return input.astype(dtype, copy=False), target.astype(dtype, copy=False)


def _optional_weight(weight, name, shape, dtype, *, exact=False):
    """``weight`` as an array of ``dtype`` that fits ``shape`` (exactly, or by broadcasting)."""
    if weight is None:
        return None
    weight = as_float_array(weight, name)
    if exact:
        check_same_shape(np.empty(shape), weight, name)
    else:
        check_broadcastable(weight, shape, name)
    return weight.astype(np.result_type(dtype, weight), copy=False)


def _reduction(reduction, allowed=REDUCTIONS):
    check_option(reduction, "reduction", allowed)
    return reduction


# --- regression -----------------------------------------------------------


def _difference(input, target):
    """``input - target`` as a fresh array (also for 0-d input) that later steps overwrite in place."""
    return np.subtract(input, target, out=np.empty(input.shape, input.dtype))


def _weighted_pointwise(pointwise, weight, reduction, *, weight_normalises):
    """Apply an element-wise ``weight`` and reduce; 'mean' divides by the weights' sum if asked."""
    if weight is None:
        return _reduce(pointwise, reduction)
    denominator = np.sum(weight) if weight_normalises else None
    pointwise *= weight  # the element-wise losses are a temporary of their own
    return _reduce(pointwise, reduction, denominator=denominator)


def mse_loss(input, target, *, reduction="mean", weight=None):
    r"""Mean squared error, as ``torch.nn.functional.mse_loss``.

    .. math::

        \ell_i = w_i (x_i - y_i)^2, \qquad
        \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    Parameters
    ----------
    input, target : array_like
        Predictions and targets of one shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.
    weight : array_like, optional
        Element-wise weights of the input's exact shape; 'mean' then divides
        by their sum, as PyTorch does.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.

    Notes
    -----
    The negative log-likelihood of Gaussian noise, up to constants (chapter 2).

    Examples
    --------
    >>> from lossbook.losses import mse_loss
    >>> print(mse_loss([1.0, 2.0, 3.0], [1.0, 0.0, 6.0]))
    4.333333333333333
    """
    input, target = _float_pair(input, target)
    weight = _optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    error = _difference(input, target)
    return _weighted_pointwise(
        np.square(error, out=error), weight, _reduction(reduction), weight_normalises=True
    )


def l1_loss(input, target, *, reduction="mean", weight=None):
    r"""Mean absolute error, as ``torch.nn.functional.l1_loss``.

    .. math::

        \ell_i = w_i |x_i - y_i|, \qquad
        \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    Parameters
    ----------
    input, target : array_like
        Predictions and targets of one shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.
    weight : array_like, optional
        Element-wise weights of the input's exact shape; 'mean' then divides
        by their sum, as PyTorch does.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.

    Notes
    -----
    The negative log-likelihood of Laplace noise, up to constants (chapter 2).

    Examples
    --------
    >>> from lossbook.losses import l1_loss
    >>> print(l1_loss([1.0, 2.0, 3.0], [1.0, 0.0, 6.0]))
    1.6666666666666667
    """
    input, target = _float_pair(input, target)
    weight = _optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    error = _difference(input, target)
    return _weighted_pointwise(
        np.abs(error, out=error), weight, _reduction(reduction), weight_normalises=True
    )


def _check_positive(value, name, *, allow_zero):
    ok = np.isscalar(value) and np.isreal(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidInputError(f"'{name}' must be a {bound} number (got {value!r})")


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    r"""Smooth L1 loss, as ``torch.nn.functional.smooth_l1_loss``.

    .. math::

        \ell_i = \begin{cases}
            \tfrac{1}{2} (x_i - y_i)^2 / \beta & |x_i - y_i| < \beta \\
            |x_i - y_i| - \tfrac{1}{2} \beta & \text{otherwise}
        \end{cases}

    Quadratic near zero, so its gradient shrinks with the error; linear far
    from it, so outliers pull no harder than in L1. ``beta = 0`` is exactly
    :func:`l1_loss`; ``huber_loss(delta=d) == d * smooth_l1_loss(beta=d)``.

    Parameters
    ----------
    input, target : array_like
        Predictions and targets of one shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.
    beta : float
        The error at which the loss turns from quadratic to linear; not negative.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.

    Examples
    --------
    >>> from lossbook.losses import smooth_l1_loss
    >>> print(smooth_l1_loss([0.5, 3.0], [0.0, 0.0], reduction="none"))
    [0.125 2.5  ]
    """
    _check_positive(beta, "beta", allow_zero=True)
    input, target = _float_pair(input, target)
    error = _difference(input, target)
    np.abs(error, out=error)
    if beta == 0:
        # The quadratic piece has zero width: L1, without dividing by beta = 0.
        pointwise = error
    else:
        pointwise = _huber(error, beta)
        pointwise /= beta
    return _reduce(pointwise, _reduction(reduction))


def _huber(error, delta):
    r"""Huber's piecewise loss of absolute errors, computed in place in ``error``.

    With :math:`c = \min(e, \delta)`, :math:`c (e - c / 2)` is :math:`e^2 / 2` below
    ``delta`` and :math:`\delta (e - \delta / 2)` above it: one branch-free
    expression, evaluated in place with one temporary instead of both branches.
    """
    clipped = np.minimum(error, delta)
    clipped *= 0.5
    error -= clipped
    clipped *= 2
    error *= clipped
    return error


def huber_loss(input, target, *, reduction="mean", delta=1.0, weight=None):
    r"""Huber loss, as ``torch.nn.functional.huber_loss``.

    .. math::

        \ell_i = w_i \begin{cases}
            \tfrac{1}{2} (x_i - y_i)^2 & |x_i - y_i| < \delta \\
            \delta \left(|x_i - y_i| - \tfrac{1}{2} \delta\right) & \text{otherwise}
        \end{cases}

    Equal to ``delta * smooth_l1_loss(beta=delta)``: the same shape, scaled so
    that the quadratic piece does not depend on ``delta``.

    Parameters
    ----------
    input, target : array_like
        Predictions and targets of one shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.
    delta : float
        The error at which the loss turns linear; positive.
    weight : array_like, optional
        Element-wise weights of the input's exact shape. Unlike
        :func:`mse_loss`, PyTorch's 'mean' still divides by the number of
        elements, not by the weights' sum, and so does this.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.

    Examples
    --------
    >>> from lossbook.losses import huber_loss
    >>> print(huber_loss([0.5, 3.0], [0.0, 0.0], delta=2.0, reduction="none"))
    [0.125 4.   ]
    """
    _check_positive(delta, "delta", allow_zero=False)
    input, target = _float_pair(input, target)
    weight = _optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    error = _difference(input, target)
    pointwise = _huber(np.abs(error, out=error), delta)
    return _weighted_pointwise(pointwise, weight, _reduction(reduction), weight_normalises=False)


# --- binary classification -------------------------------------------------


def _binary_inputs(input, target, weight):
    input, target = _float_pair(input, target)
    weight = _optional_weight(weight, "weight", input.shape, input.dtype)
    return input, target, weight


def _probability_inputs(input, target, weight):
    input, target, weight = _binary_inputs(input, target, weight)
    check_in_unit_interval(input, "input")
    check_in_unit_interval(target, "target")
    return input, target, weight


def binary_cross_entropy(input, target, *, weight=None, reduction="mean"):
    r"""Binary cross-entropy of probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    .. math::

        \ell_i = -w_i \left[ y_i \max(\log x_i, -100)
                 + (1 - y_i) \max(\log(1 - x_i), -100) \right]

    The negative log-likelihood of Bernoulli labels :math:`y_i` under
    predicted probabilities :math:`x_i` (chapters 1, 2 and 4).

    Parameters
    ----------
    input : array_like
        Predicted probabilities in [0, 1].
    target : array_like
        Targets in [0, 1], of the input's shape.
    weight : array_like, optional
        Weights that broadcast to the input's shape; 'mean' still divides by
        the number of elements.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.
        A confidently wrong prediction (``x = 0`` with ``y = 1``) costs 100,
        not infinity: that is the clamp, and it also hides how wrong a
        saturated prediction is (chapter 5).

    Raises
    ------
    lossbook.InvalidInputError
        If an element of ``input`` or ``target`` is outside [0, 1] or NaN.

    See Also
    --------
    binary_cross_entropy_with_logits : the same loss on logits, without the clamp.

    Examples
    --------
    >>> from lossbook.losses import binary_cross_entropy
    >>> print(binary_cross_entropy([0.9, 0.2, 0.0], [1.0, 0.0, 1.0], reduction="none").round(4))
    [  0.1054   0.2231 100.    ]
    """
    input, target, weight = _probability_inputs(input, target, weight)
    with np.errstate(divide="ignore"):
        # The clamp turns log(0) = -inf into -100 before it meets a zero
        # coefficient, so 0 * log(0) gives 0 rather than NaN. Each term is
        # weighted by its own coefficient, never formed as b + t (a - b), which
        # would cancel a small log p against a large log(1 - p).
        pointwise = np.log(input, out=np.empty(input.shape, input.dtype))
        np.maximum(pointwise, LOG_CLAMP, out=pointwise)
        pointwise *= target
        log_not_p = np.negative(input, out=np.empty(input.shape, input.dtype))
        np.log1p(log_not_p, out=log_not_p)
        np.maximum(log_not_p, LOG_CLAMP, out=log_not_p)
        log_not_p *= 1 - target
    pointwise += log_not_p
    np.negative(pointwise, out=pointwise)
    return _weighted_pointwise(pointwise, weight, _reduction(reduction), weight_normalises=False)


def binary_cross_entropy_with_logits(input, target, *, weight=None, reduction="mean", pos_weight=None):
    r"""Binary cross-entropy of logits, as ``torch.nn.functional.binary_cross_entropy_with_logits``.

    .. math::

        \ell_i &= -w_i \left[ p_c\, y_i \log \sigma(x_i)
                  + (1 - y_i) \log(1 - \sigma(x_i)) \right] \\
               &= w_i \left[ p_c\, y_i \log\bigl(1 + e^{-x_i}\bigr)
                  + (1 - y_i) \log\bigl(1 + e^{x_i}\bigr) \right]

    where :math:`p_c` is ``pos_weight`` for the element's class.

    Parameters
    ----------
    input : array_like
        Logits.
    target : array_like
        Targets in [0, 1], of the input's shape.
    weight : array_like, optional
        Weights that broadcast to the input's shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.
    pos_weight : array_like, optional
        The weight of positive targets, broadcast along the last axis (one
        per class); above 1 it raises recall on a rare class.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.
        Finite for every finite logit: ``x = 1e4`` with ``y = 0`` costs 1e4.

    Notes
    -----
    :math:`\log(1 + e^{\mp x})` is computed as
    :math:`\max(\mp x, 0) + \log(1 + e^{-|x|})`, which never overflows
    (chapter 3 derives this form). The two terms are non-negative, so unlike
    PyTorch's :math:`(1 - y) x + \log(1 + e^{-x})` nothing cancels: the loss
    keeps its relative accuracy when it is tiny. The difference from PyTorch
    is below one unit in the last place of the larger terms; at
    ``x = -inf`` with ``y = 1`` the loss is ``inf`` where PyTorch gives NaN.

    Examples
    --------
    >>> from lossbook.losses import binary_cross_entropy_with_logits
    >>> print(binary_cross_entropy_with_logits([1e4, 0.0], [0.0, 1.0], reduction="none").round(4))
    [1.000e+04 6.931e-01]
    """
    input, target, weight = _binary_inputs(input, target, weight)
    pos_weight = _optional_weight(pos_weight, "pos_weight", input.shape, input.dtype)
    # -log sigma(x) = softplus(-x) and -log(1 - sigma(x)) = softplus(x), each in
    # its overflow-free form. Adding these two non-negative terms, instead of PyTorch's
    # (1 - y) x + (1 + (p - 1) y) log(1 + e^{-x}), avoids the cancellation of
    # x against log(1 + e^{-x}) that costs PyTorch all relative accuracy where
    # the loss is small (y = 0, x << 0; chapter 6 measures it).
    positive_weight = target if pos_weight is None else pos_weight * target
    pointwise = _logit_cross_entropy(input, target, positive_weight)
    return _weighted_pointwise(pointwise, weight, _reduction(reduction), weight_normalises=False)


def _logit_cross_entropy(input, target, positive_weight):
    """Element-wise ``w y softplus(-x) + (1 - y) softplus(x)``: BCE of logits, weight ``w`` on positives.

    Both terms are non-negative, so nothing cancels; each needs its own array,
    hence three input-sized temporaries at the peak (RESULTS.md of the benchmarks).
    """
    # An infinite logit can give 0 * inf = NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        positive = _softplus_in_place(np.negative(input, out=np.empty(input.shape, input.dtype)))
        positive *= positive_weight
        negative = _softplus_in_place(np.array(input, copy=True))
        negative *= 1 - target
        positive += negative
    return positive


# --- multiclass classification ----------------------------------------------


def _class_axis(input):
    if input.ndim == 0:
        raise InvalidInputError(
            "'input' must have a class axis: shape (C,), (N, C) or (N, C, d1, ...) (got a 0-d array)"
        )
    return 0 if input.ndim == 1 else 1


def _class_weight(weight, classes, dtype):
    if weight is None:
        return None
    weight = as_float_array(weight, "weight")
    if weight.shape != (classes,):
        raise InvalidInputError(
            f"'weight' must hold one value per class, shape ({classes},) (got shape {weight.shape})"
        )
    return weight.astype(np.result_type(dtype, weight), copy=False)


def _class_indices(target, input, class_axis, ignore_index):
    """Check integer class indices against ``input``; return them and the mask of kept ones."""
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise InvalidInputError(
            f"'target' of class indices must hold integers (got dtype {target.dtype}); "
            f"class probabilities must have the input's shape {input.shape}"
        )
    expected = input.shape[:class_axis] + input.shape[class_axis + 1 :]
    if target.shape != expected:
        raise InvalidInputError(
            f"'target' of class indices must have shape {expected} for 'input' of shape "
            f"{input.shape} (got {target.shape})"
        )
    kept = target != ignore_index
    every_kept = kept.all()
    checked = target if every_kept else target[kept]
    classes = input.shape[class_axis]
    # Two reductions instead of an element-wise test per bound; the offender is
    # looked for only once an error is certain.
    if checked.size and (checked.min() < 0 or checked.max() >= classes):
        offender = checked[(checked < 0) | (checked >= classes)].flat[0].item()
        raise IndexError(
            f"'target' holds class index {offender}, out of bounds for "
            f"{classes} classes (valid: 0 to {classes - 1}, or ignore_index={ignore_index})"
        )
    return (target if every_kept else np.where(kept, target, 0)), kept


def _gather(values, indices, class_axis):
    """The entry of ``values`` at each class index, along ``class_axis``."""
    if values.shape[class_axis] == 0:
        return np.zeros(indices.shape, values.dtype)
    chosen = np.take_along_axis(values, np.expand_dims(indices, class_axis), axis=class_axis)
    return np.squeeze(chosen, axis=class_axis)


def _target_weights(target, kept, weight, dtype):
    """The weight of each target's class, 0 where the target is ignored."""
    if weight is None:
        return kept.astype(dtype)
    return np.where(kept, weight[target], 0).astype(dtype, copy=False)


def _zero_ignored(values, kept):
    """Set the per-target ``values`` of ignored targets to 0, in place.

    PyTorch skips ignored targets, so whatever their row holds (a masked logit
    of -inf, a NaN) must not reach the sum as ``0 * inf = NaN``.
    """
    values = np.asarray(values)  # 0-d results come back as scalars, which cannot be assigned to
    if not kept.all():
        values[~kept] = 0
    return values


def _nll_terms(input, target, weight, ignore_index):
    """Validated ``(input, class_axis, target, kept, weight, target_weights)`` of NLL and CE."""
    input = as_float_array(input, "input")
    class_axis = _class_axis(input)
    weight = _class_weight(weight, input.shape[class_axis], input.dtype)
    target, kept = _class_indices(target, input, class_axis, ignore_index)
    target_weights = _target_weights(target, kept, weight, input.dtype)
    return input, class_axis, target, kept, weight, target_weights


def nll_loss(input, target, *, weight=None, ignore_index=-100, reduction="mean"):
    r"""Negative log-likelihood of class indices, as ``torch.nn.functional.nll_loss``.

    .. math::

        \ell_n = -w_{y_n} x_{n, y_n}, \qquad
        \text{mean} = \frac{\sum_n \ell_n}{\sum_{n : y_n \ne \text{ignore}} w_{y_n}}

    Parameters
    ----------
    input : array_like
        Log-probabilities of shape (C,), (N, C) or (N, C, d1, ..., dK).
    target : array_like of int
        Class indices of shape (), (N,) or (N, d1, ..., dK).
    weight : array_like, optional
        One weight per class, shape (C,).
    ignore_index : int
        Targets equal to it contribute nothing, to the sum or to the mean's
        denominator.
    reduction : {'mean', 'sum', 'none'}
        How to combine the losses.

    Returns
    -------
    ndarray
        A 0-d array, or one loss per target for ``reduction='none'`` (0 where
        ignored, even if that row holds -inf or NaN). With every target
        ignored, 'mean' is NaN and 'sum' is 0.

    Raises
    ------
    IndexError
        If a class index is outside [0, C) and not ``ignore_index``.
    lossbook.InvalidInputError
        If ``target`` is not integer or has the wrong shape, or ``weight``
        has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import nll_loss
    >>> log_probs = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    >>> print(nll_loss(log_probs, [0, 2], weight=[1.0, 1.0, 3.0]).round(4))
    0.2565
    """
    input, class_axis, target, kept, weight, target_weights = _nll_terms(
        input, target, weight, ignore_index
    )
    picked = _gather(input, target, class_axis)
    pointwise = _zero_ignored(np.negative(picked, out=picked), kept)
    pointwise *= target_weights
    return _reduce(pointwise, _reduction(reduction), denominator=np.sum(target_weights))


def _check_label_smoothing(label_smoothing):
    if not (np.isscalar(label_smoothing) and np.isreal(label_smoothing) and 0 <= label_smoothing <= 1):
        raise InvalidInputError(
            f"'label_smoothing' must be between 0.0 and 1.0 (got {label_smoothing!r})"
        )


def _class_broadcast(values, class_axis, ndim):
    """Shape per-class ``values`` (C,) to broadcast along ``class_axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[class_axis] = values.shape[0]
    return values.reshape(shape)


def _soft_targets(input, target, weight, label_smoothing, ignore_index):
    """Validated ``(input, class_axis, weighted smoothed target)`` for class-probability targets."""
    if ignore_index != -100:
        raise InvalidInputError(
            f"'ignore_index' is not supported for class-probability targets (got {ignore_index!r})"
        )
    input, target = _float_pair(input, target)
    class_axis = _class_axis(input)
    classes = input.shape[class_axis]
    weight = _class_weight(weight, classes, input.dtype)
    smoothed = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        smoothed = smoothed * _class_broadcast(weight, class_axis, input.ndim)
    return input, class_axis, smoothed


def _is_probability_target(input, target):
    target = np.asarray(target)
    return target.dtype.kind == "f" and target.shape == np.shape(input)


def cross_entropy(input, target, *, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    r"""Cross-entropy of logits, as ``torch.nn.functional.cross_entropy``.

    With class indices :math:`y_n`, weights :math:`w` and smoothing :math:`\varepsilon`
    over :math:`C` classes, writing :math:`\log p = \operatorname{log\_softmax}(x)`:

    .. math::

        \ell_n &= -(1 - \varepsilon)\, w_{y_n} \log p_{n, y_n}
                  - \frac{\varepsilon}{C} \sum_c w_c \log p_{n, c}, \\
        \text{mean} &= \frac{\sum_n \ell_n}{\sum_{n : y_n \ne \text{ignore}} w_{y_n}}

    With class probabilities :math:`t` of the input's shape, the target is
    smoothed to :math:`t' = (1 - \varepsilon) t + \varepsilon / C` and

    .. math::

        \ell_n = -\sum_c w_c\, t'_{n, c} \log p_{n, c}, \qquad
        \text{mean} = \frac{1}{N d_1 \cdots d_K} \sum_n \ell_n

    Parameters
    ----------
    input : array_like
        Logits of shape (C,), (N, C) or (N, C, d1, ..., dK).
    target : array_like
        Class indices (integers) of shape (), (N,) or (N, d1, ..., dK), or
        class probabilities (floats) of the input's shape.
    weight : array_like, optional
        One weight per class, shape (C,).
    ignore_index : int
        A class index that contributes nothing, whatever its row of logits
        holds (a masked -inf, a NaN); only for class-index targets.
    reduction : {'mean', 'sum', 'none'}
        How to combine the losses.
    label_smoothing : float
        :math:`\varepsilon` in [0, 1].

    Returns
    -------
    ndarray
        A 0-d array, or one loss per target for ``reduction='none'``. With
        every target ignored, 'mean' is NaN and 'sum' is 0.

    Raises
    ------
    IndexError
        If a class index is outside [0, C) and not ``ignore_index``.
    lossbook.InvalidInputError
        On a target of the wrong dtype or shape, a weight of the wrong
        length, ``label_smoothing`` outside [0, 1], or ``ignore_index`` with
        probability targets.

    Notes
    -----
    Equal to ``nll_loss(log_softmax(input, axis=1), target)``; the
    log-softmax is computed as :math:`x - \operatorname{logsumexp}(x)`, so
    logits of 1e4 are no problem. Chapters 2 and 5 derive it; its gradient
    is :func:`lossbook.gradients.cross_entropy`.

    Examples
    --------
    >>> from lossbook.losses import cross_entropy
    >>> print(cross_entropy([[2.0, 1.0, 0.1]], [0]).round(4))
    0.417
    >>> print(cross_entropy([[2.0, 1.0, 0.1]], [0], label_smoothing=0.1).round(4))
    0.5137
    """
    _check_label_smoothing(label_smoothing)
    reduction = _reduction(reduction)
    if _is_probability_target(input, target):
        input, class_axis, smoothed = _soft_targets(input, target, weight, label_smoothing, ignore_index)
        pointwise = -np.sum(smoothed * log_softmax(input, axis=class_axis), axis=class_axis)
        return _reduce(pointwise, reduction, denominator=input.size // max(input.shape[class_axis], 1))
    input, class_axis, target, kept, weight, target_weights = _nll_terms(
        input, target, weight, ignore_index
    )
    # log p = (x - m) - log sum e^{x - m}, the stable form of log_softmax, taken
    # apart so that no full array of log-probabilities is formed: the loss needs
    # only the target's entry (and, to smooth, the weighted sum over classes), and
    # the one temporary holds x - m and then, in place, its exponential.
    # A +inf logit, or a row of only -inf, gives NaN, as in PyTorch.
    with np.errstate(invalid="ignore", divide="ignore"):
        peak, top = _peak(input, class_axis)
        shifted = input - peak
        picked = _gather(shifted, target, class_axis)
        if label_smoothing > 0:
            classes = input.shape[class_axis]
            weighted = shifted if weight is None else shifted * _class_broadcast(weight, class_axis, input.ndim)
            class_sum = np.sum(weighted, axis=class_axis)
        log_norm = _log_sum_exp_shifted(shifted, class_axis, top, keepdims=False, overwrite=True)
        pointwise = _zero_ignored(log_norm - picked, kept)
        pointwise *= target_weights
        if label_smoothing > 0:
            total_weight = classes if weight is None else np.sum(weight)
            smooth = _zero_ignored(total_weight * log_norm - class_sum, kept)
            pointwise = (1 - label_smoothing) * pointwise + (label_smoothing / classes) * smooth
    return _reduce(pointwise, reduction, denominator=np.sum(target_weights))


# --- distributions ------------------------------------------------------------


def kl_div(input, target, *, reduction="mean", log_target=False):
    r"""KL divergence of a target from log-probabilities, as ``torch.nn.functional.kl_div``.

    .. math::

        \ell_i = t_i (\log t_i - x_i)

    where :math:`x` holds log-probabilities :math:`\log q` and :math:`t`
    probabilities (or, with ``log_target=True``, their logarithms). Note the
    order: the *target* is the reference distribution :math:`P` of
    :math:`D_{\mathrm{KL}}(P \,\|\, Q)`.

    Parameters
    ----------
    input : array_like
        Log-probabilities of the model.
    target : array_like
        Target probabilities, or log-probabilities if ``log_target``.
    reduction : {'mean', 'batchmean', 'sum', 'none'}
        'batchmean' divides the sum by the size of the first axis and gives
        the true KL divergence per example; 'mean' divides by the number of
        elements, as PyTorch does (a value PyTorch warns about).
    log_target : bool
        Whether ``target`` holds log-probabilities.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise terms for ``reduction='none'``.
        :math:`0 \log 0 = 0`: a target of 0 contributes nothing, but a
        log-target of ``-inf`` gives NaN, as in PyTorch.

    See Also
    --------
    lossbook.information.kl_divergence : the same quantity of two distributions.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import kl_div
    >>> print(kl_div(np.log([[0.9, 0.1]]), [[0.5, 0.5]], reduction="batchmean").round(4))
    0.5108
    """
    reduction = _reduction(reduction, REDUCTIONS + ("batchmean",))
    input, target = _float_pair(input, target)
    if log_target:
        # As in PyTorch, a target of -inf (probability 0) gives 0 * inf = NaN here.
        with np.errstate(invalid="ignore"):
            pointwise = np.exp(target) * (target - input)
    else:
        # xlogy(0, 0) = 0: a target of 0 contributes nothing, where t log t would be NaN.
        # An input of -inf (q = 0) still gives 0 * inf = NaN, as in PyTorch.
        with np.errstate(invalid="ignore"):
            pointwise = special.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return _reduce(pointwise, "mean", denominator=input.shape[0] if input.ndim else 1)
    return _reduce(pointwise, reduction)


# --- multi-label ---------------------------------------------------------------


def soft_margin_loss(input, target, *, reduction="mean"):
    r"""Logistic loss of labels in {-1, +1}, as ``torch.nn.functional.soft_margin_loss``.

    .. math::

        \ell_i = \log\left(1 + e^{-y_i x_i}\right)

    Parameters
    ----------
    input : array_like
        Scores.
    target : array_like
        Labels (-1 or +1 in intended use), of the input's shape.
    reduction : {'mean', 'sum', 'none'}
        How to combine the element-wise losses.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.
        Finite for every finite score: a margin of -1e4 costs 1e4, where
        PyTorch 2.13 evaluates :math:`\log(1 + e^{1e4})` as ``inf``.

    Examples
    --------
    >>> from lossbook.losses import soft_margin_loss
    >>> print(soft_margin_loss([2.0, -1.0], [1.0, 1.0], reduction="none").round(4))
    [0.1269 1.3133]
    """
    input, target = _float_pair(input, target)
    # log(1 + e^{-m}) = softplus(-m), computed without overflow for any margin.
    negative_margin = np.multiply(target, input, out=np.empty(input.shape, input.dtype))
    np.negative(negative_margin, out=negative_margin)
    return _reduce(_softplus_in_place(negative_margin), _reduction(reduction))


def _multilabel_inputs(input, target, weight):
    input, target, weight = _binary_inputs(input, target, weight)
    if input.ndim == 0:
        raise InvalidInputError("'input' must have a label axis: shape (C,) or (N, C) (got a 0-d array)")
    return input, target, weight


def multilabel_soft_margin_loss(input, target, *, weight=None, reduction="mean"):
    r"""One binary cross-entropy per label, as ``torch.nn.functional.multilabel_soft_margin_loss``.

    .. math::

        \ell_n = -\frac{1}{C} \sum_c w_c \left[ y_{n,c} \log \sigma(x_{n,c})
                 + (1 - y_{n,c}) \log \sigma(-x_{n,c}) \right]

    For multi-label classification, where each of :math:`C` labels is
    present or not independently: a sigmoid per label, not a softmax.

    Parameters
    ----------
    input : array_like
        Logits of shape (C,) or (N, C); the last axis holds the labels.
    target : array_like
        Targets in {0, 1} of the input's shape.
    weight : array_like, optional
        Weights that broadcast to the input's shape (typically one per label).
    reduction : {'mean', 'sum', 'none'}
        How to combine the per-example losses.

    Returns
    -------
    ndarray
        A 0-d array, or one loss per example (the last axis averaged) for
        ``reduction='none'``.

    Examples
    --------
    >>> from lossbook.losses import multilabel_soft_margin_loss
    >>> print(multilabel_soft_margin_loss([[2.0, -1.0, 0.0]], [[1.0, 0.0, 1.0]]).round(4))
    0.3778
    """
    input, target, weight = _multilabel_inputs(input, target, weight)
    pointwise = _logit_cross_entropy(input, target, target)
    if weight is not None:
        pointwise *= weight
    return _reduce(np.mean(pointwise, axis=-1), _reduction(reduction))


# --- margin losses ---------------------------------------------------------------


def _margins(scores, labels):
    """The margins ``labels * scores``, checking that every label is -1 or +1."""
    scores, labels = _float_pair(scores, labels)
    wrong = (labels != 1) & (labels != -1)
    if wrong.any():
        raise InvalidInputError(f"'labels' must be -1 or +1 (got {labels[wrong].flat[0].item()!r})")
    return labels * scores


def zero_one_loss(scores, labels):
    r"""The 0-1 loss of scores against labels in {-1, +1}, element-wise.

    .. math::

        \ell(m) = \mathbb{1}[m \le 0], \qquad m = y f(x)

    A score of exactly 0 counts as an error. Neither convex nor
    differentiable: the loss every other margin loss stands in for.

    Examples
    --------
    >>> from lossbook.losses import zero_one_loss
    >>> print(zero_one_loss([2.0, -0.5, 0.0], [1, 1, -1]))
    [0. 1. 1.]
    """
    margins = _margins(scores, labels)
    return (margins <= 0).astype(margins.dtype)


def hinge_loss(scores, labels):
    r"""The hinge loss of support vector machines, element-wise.

    .. math::

        \ell(m) = \max(0, 1 - m), \qquad m = y f(x)

    Examples
    --------
    >>> from lossbook.losses import hinge_loss
    >>> print(hinge_loss([2.0, 0.5, -1.0], [1, 1, 1]))
    [0.  0.5 2. ]
    """
    return np.maximum(0, 1 - _margins(scores, labels))


def perceptron_loss(scores, labels):
    r"""The perceptron's loss, element-wise.

    .. math::

        \ell(m) = \max(0, -m), \qquad m = y f(x)

    Examples
    --------
    >>> from lossbook.losses import perceptron_loss
    >>> print(perceptron_loss([2.0, -1.0], [1, 1]))
    [0. 1.]
    """
    return np.maximum(0, -_margins(scores, labels))


def exponential_loss(scores, labels):
    r"""The exponential loss of AdaBoost, element-wise.

    .. math::

        \ell(m) = e^{-m}, \qquad m = y f(x)

    Examples
    --------
    >>> from lossbook.losses import exponential_loss
    >>> print(exponential_loss([0.0, 1.0], [1, -1]).round(4))
    [1.     2.7183]
    """
    margins = _margins(scores, labels)
    # e^{-m} exceeds the largest float for m below about -709 (float64): the
    # true value is then inf, returned without a warning.
    with np.errstate(over="ignore"):
        return np.exp(-margins)


def logistic_loss(scores, labels, *, base=np.e):
    r"""The logistic (log) loss of a margin, element-wise.

    .. math::

        \ell(m) = \log_b\left(1 + e^{-m}\right), \qquad m = y f(x)

    The binary cross-entropy of :math:`\sigma(f(x))` against the label
    written in {-1, +1}; in base 2 it equals 1 at :math:`m = 0` and lies
    above the 0-1 loss everywhere.

    Examples
    --------
    >>> from lossbook.losses import logistic_loss
    >>> print(logistic_loss([0.0, 3.0], [1, -1], base=2).round(4))
    [1.     4.3982]
    """
    check_base(base)
    margins = _margins(scores, labels)
    # -log sigmoid(m) = log(1 + e^{-m}) without overflow for very negative margins.
    return -log_sigmoid(margins) / margins.dtype.type(np.log(base))


def squared_margin_loss(scores, labels):
    r"""Squared error written as a function of the margin, element-wise.

    .. math::

        \ell(m) = (1 - m)^2 = (y - f(x))^2 \quad \text{for } y \in \{-1, +1\}

    Examples
    --------
    >>> from lossbook.losses import squared_margin_loss
    >>> print(squared_margin_loss([3.0, -1.0], [1, 1]))
    [4. 4.]
    """
    return (1 - _margins(scores, labels)) ** 2


def absolute_margin_loss(scores, labels):
    r"""Absolute error written as a function of the margin, element-wise.

    .. math::

        \ell(m) = |1 - m| = |y - f(x)| \quad \text{for } y \in \{-1, +1\}

    Examples
    --------
    >>> from lossbook.losses import absolute_margin_loss
    >>> print(absolute_margin_loss([3.0, -1.0], [1, 1]))
    [2. 2.]
    """
    return np.abs(1 - _margins(scores, labels))
