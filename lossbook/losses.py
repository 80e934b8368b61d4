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

from . import _adaptive, _chunks
from ._chunks import DEFAULT_CHUNK_SIZE
from ._ctc import ctc_inputs
from ._ctc import loss_values as ctc_loss_values
from ._docs import fill_doc
from ._inputs import (
    InvalidInputError,
    along_class_axis,
    batch_size,
    binary_inputs,
    check_base,
    check_label_smoothing,
    check_positive,
    check_power,
    check_reduction,
    class_targets,
    element_count,
    embedding_pair,
    float_arrays,
    float_pair,
    gather,
    gaussian_variance,
    is_probability_target,
    margin_class_targets,
    multilabel_inputs,
    multilabel_targets,
    optional_weight,
    probability_inputs,
    probability_targets,
    reduce,
    target_count,
    total_weight,
    triplet_inputs,
    zero_ignored,
)
from ._margins import cosine_similarity, multi_margin_terms, multilabel_terms, pairwise_distance
from ._stable import log_sum_exp_shifted, row_peak, softplus, softplus_tail
from .activations import log_sigmoid, log_softmax

#: The losses named as in ``torch.nn.functional``; each has its gradient in
#: :mod:`lossbook.gradients`.
PYTORCH_LOSSES = (
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "linear_cross_entropy",
    "kl_div",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "ctc_loss",
)
#: The margin losses PyTorch lacks as functions, named as in optax.
MARGIN_LOSSES = (
    "zero_one_loss",
    "hinge_loss",
    "perceptron_loss",
    "exponential_loss",
    "logistic_loss",
    "squared_margin_loss",
    "absolute_margin_loss",
)
#: The losses PyTorch has only as a module (``nn.AdaptiveLogSoftmaxWithLoss``); each has
#: its gradient in :mod:`lossbook.gradients`.
MODULE_LOSSES = ("adaptive_log_softmax",)
#: The module's other methods, as functions: ``log_prob`` and ``predict``.
ADAPTIVE_SOFTMAX_COMPANIONS = ("adaptive_log_prob", "adaptive_predict")
__all__ = [*PYTORCH_LOSSES, *MODULE_LOSSES, *ADAPTIVE_SOFTMAX_COMPANIONS, *MARGIN_LOSSES]

# BCELoss clamps each logarithm at -100, so that a probability of exactly 0 or 1
# costs at most 100 instead of infinity.
LOG_CLAMP = -100.0


# --- regression -----------------------------------------------------------


def _difference(input, target):
    """``input - target`` as a fresh array (also for 0-d input) that later steps overwrite in place."""
    return np.subtract(input, target, out=np.empty(input.shape, input.dtype))


def _weighted_pointwise(pointwise, weight, reduction, *, weight_normalises):
    """Apply an element-wise ``weight`` and reduce; 'mean' divides by the weights' sum if asked."""
    if weight is None:
        return reduce(pointwise, reduction)
    denominator = total_weight(weight) if weight_normalises else element_count(pointwise.shape)
    pointwise *= weight  # the element-wise losses are a temporary of their own
    return reduce(pointwise, reduction, denominator=denominator)


def _weighted_error_loss(of_error, input, target, reduction, weight):
    """``of_error(input - target)`` element-wise, weighted and reduced: MSE and L1."""
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    weight = optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    error = _difference(input, target)
    return _weighted_pointwise(
        of_error(error, out=error), weight, reduction, weight_normalises=True
    )


@fill_doc
def mse_loss(input, target, *, reduction="mean", weight=None):
    r"""Mean squared error, as ``torch.nn.functional.mse_loss``.

    Derived in chapter 2, *Loss functions from a probabilistic view*, as the
    negative log-likelihood of Gaussian noise, up to constants.

    .. math::

        \ell_i = w_i (x_i - y_i)^2, \qquad
        \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    <<weighted_error_parameters>>

    <<loss_returns>>

    Examples
    --------
    With weights, 'mean' divides the weighted sum by the weights' sum (2 here):

    >>> from lossbook.losses import mse_loss
    >>> print(mse_loss([1.0, 2.0, 3.0], [1.0, 0.0, 6.0], weight=[1.0, 1.0, 0.0]))
    2.0
    """
    return _weighted_error_loss(np.square, input, target, reduction, weight)


@fill_doc
def l1_loss(input, target, *, reduction="mean", weight=None):
    r"""Mean absolute error, as ``torch.nn.functional.l1_loss``.

    Derived in chapter 2, *Loss functions from a probabilistic view*, as the
    negative log-likelihood of Laplace noise, up to constants. The constant
    prediction that minimises it is a median of the targets, where the squared
    error's is their mean: one outlier moves it little.

    .. math::

        \ell_i = w_i |x_i - y_i|, \qquad
        \text{mean} = \frac{\sum_i \ell_i}{\sum_i w_i}

    <<weighted_error_parameters>>

    <<loss_returns>>

    Examples
    --------
    >>> from lossbook.losses import l1_loss
    >>> print(l1_loss([1.0, 2.0, 3.0], [1.0, 0.0, 6.0], reduction="none"))
    [0. 2. 3.]
    """
    return _weighted_error_loss(np.abs, input, target, reduction, weight)


@fill_doc
def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    r"""Smooth L1 loss, as ``torch.nn.functional.smooth_l1_loss``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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
    <<input_target>>
    <<reduction>>
    beta : float
        The error at which the loss turns from quadratic to linear; not negative.

    <<loss_returns>>

    Examples
    --------
    >>> from lossbook.losses import smooth_l1_loss
    >>> print(smooth_l1_loss([0.5, 3.0], [0.0, 0.0], reduction="none"))
    [0.125 2.5  ]
    """
    check_positive(beta, "beta", allow_zero=True)
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    error = _difference(input, target)
    np.abs(error, out=error)
    if beta == 0:
        # The quadratic piece has zero width: L1, without dividing by beta = 0.
        pointwise = error
    else:
        pointwise = _huber(error, beta)
        pointwise /= beta
    return reduce(pointwise, reduction)


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


@fill_doc
def huber_loss(input, target, *, reduction="mean", delta=1.0, weight=None):
    r"""Huber loss, as ``torch.nn.functional.huber_loss``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \ell_i = w_i \begin{cases}
            \tfrac{1}{2} (x_i - y_i)^2 & |x_i - y_i| < \delta \\
            \delta \left(|x_i - y_i| - \tfrac{1}{2} \delta\right) & \text{otherwise}
        \end{cases}

    Equal to ``delta * smooth_l1_loss(beta=delta)``: the same shape, scaled so
    that the quadratic piece does not depend on ``delta``.

    Parameters
    ----------
    <<input_target>>
    <<reduction>>
    delta : float
        The error at which the loss turns linear; positive.
    weight : array_like, optional
        Element-wise weights of the input's exact shape. Unlike
        :func:`mse_loss`, PyTorch's 'mean' still divides by the number of
        elements, not by the weights' sum, and so does this.

    <<loss_returns>>

    Examples
    --------
    >>> from lossbook.losses import huber_loss
    >>> print(huber_loss([0.5, 3.0], [0.0, 0.0], delta=2.0, reduction="none"))
    [0.125 4.   ]
    """
    check_positive(delta, "delta", allow_zero=False)
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    weight = optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    error = _difference(input, target)
    pointwise = _huber(np.abs(error, out=error), delta)
    return _weighted_pointwise(pointwise, weight, reduction, weight_normalises=False)


# --- binary classification -------------------------------------------------


@fill_doc
def binary_cross_entropy(input, target, *, weight=None, reduction="mean"):
    r"""Binary cross-entropy of probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    Derived in chapter 1, *How loss functions are designed* and chapter 4, *Cross-entropy and
    likelihood*.

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
    <<reduction>>

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
    reduction = check_reduction(reduction)
    input, target, weight = probability_inputs(input, target, weight)
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
    return _weighted_pointwise(pointwise, weight, reduction, weight_normalises=False)


@fill_doc
def binary_cross_entropy_with_logits(
    input, target, *, weight=None, reduction="mean", pos_weight=None
):
    r"""Binary cross-entropy of logits, as

    Derived in chapter 3, *A loss from its gradient* and chapter 6, *When the formulas meet
    floating point*.

    :math:`\log(1 + e^{\mp x})` is computed as
    :math:`\max(\mp x, 0) + \log(1 + e^{-|x|})`, which never overflows
    (chapter 3 derives this form). The two terms are non-negative, so unlike
    PyTorch's :math:`(1 - y) x + \log(1 + e^{-x})` nothing cancels: the loss
    keeps its relative accuracy when it is tiny. The difference from PyTorch
    is below one unit in the last place of the larger terms; at
    ``x = -inf`` with ``y = 1`` the loss is ``inf`` where PyTorch gives NaN.
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

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
    <<reduction>>
    pos_weight : array_like, optional
        The weight of positive targets, broadcast along the last axis (one
        per class); above 1 it raises recall on a rare class.

    Returns
    -------
    ndarray
        A 0-d array, or the element-wise losses for ``reduction='none'``.
        Finite for every finite logit: ``x = 1e4`` with ``y = 0`` costs 1e4.

    Examples
    --------
    >>> from lossbook.losses import binary_cross_entropy_with_logits
    >>> print(binary_cross_entropy_with_logits([1e4, 0.0], [0.0, 1.0], reduction="none").round(4))
    [1.000e+04 6.931e-01]
    """
    reduction = check_reduction(reduction)
    input, target, weight = binary_inputs(input, target, weight)
    pos_weight = optional_weight(pos_weight, "pos_weight", input.shape, input.dtype)
    # -log sigma(x) = softplus(-x) and -log(1 - sigma(x)) = softplus(x), each in
    # its overflow-free form. Adding these two non-negative terms, instead of PyTorch's
    # (1 - y) x + (1 + (p - 1) y) log(1 + e^{-x}), avoids the cancellation of
    # x against log(1 + e^{-x}) that costs PyTorch all relative accuracy where
    # the loss is small (y = 0, x << 0; chapter 6 measures it).
    positive_weight = target if pos_weight is None else pos_weight * target
    pointwise = _logit_cross_entropy(input, target, positive_weight)
    return _weighted_pointwise(pointwise, weight, reduction, weight_normalises=False)


def _logit_cross_entropy(input, target, positive_weight):
    """Element-wise ``w y softplus(-x) + (1 - y) softplus(x)``: BCE of logits, weight ``w`` on positives.

    Both terms are non-negative, so nothing cancels. They share the tail
    ``log(1 + e^{-|x|})``, computed once: at most three input-sized arrays
    live at a time (RESULTS.md of the benchmarks).
    """
    # softplus(-x) = max(-x, 0) + tail and softplus(x) = max(x, 0) + tail.
    # An infinite logit can give 0 * inf = NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        tail = softplus_tail(input)
        loss = (np.maximum(-input, 0) + tail) * positive_weight
        negative = np.maximum(input, 0) + tail
        del tail
        negative *= 1 - target
        loss += negative
    return loss


# --- multiclass classification ----------------------------------------------


def nll_loss(input, target, *, weight=None, ignore_index=-100, reduction="mean"):
    r"""Negative log-likelihood of class indices, as ``torch.nn.functional.nll_loss``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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
    reduction = check_reduction(reduction)
    targets = class_targets(input, target, weight, ignore_index)
    pointwise = zero_ignored(-gather(targets.input, targets.indices, targets.axis), targets.kept)
    pointwise *= targets.target_weights
    return reduce(pointwise, reduction, denominator=total_weight(targets.target_weights))


def cross_entropy(
    input, target, *, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
):
    r"""Cross-entropy of logits, as ``torch.nn.functional.cross_entropy``.

    Derived in chapter 2, *Loss functions from a probabilistic view* and chapter 5, *Sigmoid,
    softmax and PyTorch's losses*.

    Equal to ``nll_loss(log_softmax(input, axis=1), target)``; the
    log-softmax is computed as :math:`x - \operatorname{logsumexp}(x)`, so
    logits of 1e4 are no problem. Chapters 2 and 5 derive it; its gradient
    is :func:`lossbook.gradients.cross_entropy`.

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

    Examples
    --------
    >>> from lossbook.losses import cross_entropy
    >>> print(cross_entropy([[2.0, 1.0, 0.1]], [0]).round(4))
    0.417
    >>> print(cross_entropy([[2.0, 1.0, 0.1]], [0], label_smoothing=0.1).round(4))
    0.5137
    """
    check_label_smoothing(label_smoothing)
    reduction = check_reduction(reduction)
    if is_probability_target(input, target):
        input, axis, smoothed = probability_targets(
            input, target, weight, label_smoothing, ignore_index
        )
        return _cross_entropy_of_probabilities(input, axis, smoothed, reduction)
    targets = class_targets(input, target, weight, ignore_index)
    return _cross_entropy_of_indices(targets, label_smoothing, reduction)


def _cross_entropy_of_probabilities(input, axis, smoothed, reduction):
    """``-sum_c t'_c log softmax(x)_c`` per target, for the weighted smoothed target ``t'``."""
    pointwise = -np.sum(smoothed * log_softmax(input, axis=axis), axis=axis)
    return reduce(pointwise, reduction, denominator=target_count(input.shape, axis))


def _cross_entropy_of_indices(targets, label_smoothing, reduction):
    """Cross-entropy of class indices, smoothed, from the logits' row maxima and log-sum-exps."""
    if targets.input.dtype == np.float32:
        # In float32, x - max rounds before the log-sum-exp subtracts it again:
        # up to 63 ulps of the loss (chapter 6). Computed in float64 and rounded
        # once, the loss is correctly rounded, as the float32 activations are.
        loss = _cross_entropy_of_indices(targets.astype(np.float64), label_smoothing, reduction)
        return loss.astype(np.float32)
    input, axis, weight = targets.input, targets.axis, targets.weight
    # log p = (x - m) - log sum e^{x - m}, the stable form of log_softmax, taken
    # apart so that no full array of log-probabilities is formed: the loss needs
    # only the target's entry (and, to smooth, the weighted sum over classes), and
    # the one temporary holds x - m and then, in place, its exponential.
    # A +inf logit, or a row of only -inf, gives NaN, as in PyTorch.
    with np.errstate(invalid="ignore", divide="ignore"):
        peak, top = row_peak(input, axis)
        shifted = input - peak
        picked = gather(shifted, targets.indices, axis)
        if label_smoothing > 0:
            weighted = (
                shifted if weight is None else shifted * along_class_axis(weight, axis, input.ndim)
            )
            class_sum = np.sum(weighted, axis=axis)
        log_norm = log_sum_exp_shifted(shifted, axis, top, keepdims=False, overwrite=True)
        pointwise = zero_ignored(log_norm - picked, targets.kept)
        pointwise *= targets.target_weights
        if label_smoothing > 0:
            classes = targets.classes
            weight_sum = classes if weight is None else np.sum(weight)
            smooth = zero_ignored(weight_sum * log_norm - class_sum, targets.kept)
            pointwise = (1 - label_smoothing) * pointwise + (label_smoothing / classes) * smooth
    return reduce(pointwise, reduction, denominator=total_weight(targets.target_weights))


# --- large vocabularies (chapter 9) ----------------------------------------------


def linear_cross_entropy(
    input,
    linear_weight,
    target,
    *,
    linear_bias=None,
    weight=None,
    reduction="mean",
    ignore_index=-100,
    label_smoothing=0.0,
    chunk_size=DEFAULT_CHUNK_SIZE,
):
    r"""Cross-entropy of a linear layer's logits, as ``torch.nn.functional.linear_cross_entropy``.

    Derived in chapter 9, *Sequences and large vocabularies*.

    Equal to ``cross_entropy(input @ linear_weight.T + linear_bias, target)``
    with the same options, but computed ``chunk_size`` rows at a time: the
    logits of one chunk are formed, reduced to one loss per row, and dropped,
    so the N x C logit matrix never exists. With logits
    :math:`z_n = W x_n + b` the element-wise loss is that of
    :func:`cross_entropy`,

    .. math::

        \ell_n = w_{y_n} \Bigl(\log \sum_c e^{z_{n,c}} - z_{n, y_n}\Bigr), \qquad
        \text{mean} = \frac{\sum_n \ell_n}{\sum_{n : y_n \ne \text{ignore}} w_{y_n}}

    (with ``label_smoothing`` and class-probability targets as there). The
    denominator of 'mean' is global: it is computed from every target before
    the first chunk, and the sum over all chunks is divided by it once, so
    the result does not depend on ``chunk_size``.

    Parameters
    ----------
    input : array_like
        Features of shape (in_features,) or (N, in_features).
    linear_weight : array_like
        The linear layer's weight, shape (C, in_features), or
        (C, d1, ..., dK, in_features) for a K-dimensional loss (batched
        input only), whose logits are shaped (N, C, d1, ..., dK).
    target : array_like
        Class indices (integers) of shape (), (N,) or (N, d1, ..., dK), or
        class probabilities (floats) of the logits' shape.
    linear_bias : array_like, optional
        The bias, shape ``linear_weight.shape[:-1]``.
    weight : array_like, optional
        One weight per class, shape (C,).
    reduction : {'mean', 'sum', 'none'}
        How to combine the losses.
    ignore_index : int or None
        A class index that contributes nothing; only for class-index targets.
        PyTorch's default ``None`` means -100 there, and ``None`` is accepted
        here with that meaning.
    label_smoothing : float
        :math:`\varepsilon` in [0, 1].
    chunk_size : int
        The number of rows whose logits are formed at a time (default 256):
        the peak memory of the logits is ``chunk_size * C`` floats instead of
        ``N * C``. It stands in for PyTorch's ``options``
        (``nn.LinearCrossEntropyOptions(batch_chunk_size=...)``): this
        function always chunks, and the chunk size changes the memory, never
        the result beyond rounding.

    Returns
    -------
    ndarray
        A 0-d array, or one loss per target for ``reduction='none'``
        (0 where ignored). With every target ignored, 'mean' is NaN and
        'sum' is 0. float32 only if every float argument is float32
        (computed in float64 inside, rounded once).

    Raises
    ------
    IndexError
        If a class index is outside [0, C) and not ``ignore_index``.
    lossbook.InvalidInputError
        On an input that is not 1-d or 2-d, a ``linear_weight`` of fewer than
        two axes or of another ``in_features``, a bias of the wrong shape, a
        K-dimensional weight with unbatched input, ``chunk_size`` not a
        positive integer, and whatever :func:`cross_entropy` refuses. Unlike
        PyTorch, an explicit ``ignore_index=-100`` with class probabilities
        is accepted (it is the default, which this function cannot tell from
        an explicit value).

    Notes
    -----
    The targets are checked in full before the first chunk is computed, so
    a bad index in the last row raises before any work is done. The memory
    saved is measured in ``make bench`` (benchmarks/RESULTS.md).

    See Also
    --------
    cross_entropy : the same loss of given logits.
    lossbook.gradients.linear_cross_entropy : its gradients, also by chunks.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import cross_entropy, linear_cross_entropy
    >>> x = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]])
    >>> W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([0, 2, 1])
    >>> print(linear_cross_entropy(x, W, y, chunk_size=2).round(4))
    0.6082
    >>> print(cross_entropy(x @ W.T, y).round(4))
    0.6082
    """
    reduction = check_reduction(reduction)
    problem = _chunks.linear_problem(
        input,
        linear_weight,
        target,
        linear_bias,
        weight,
        ignore_index,
        label_smoothing,
        chunk_size,
    )
    return _chunks.value(problem, reduction, cross_entropy)


def adaptive_log_softmax(
    input, target, head_weight, tail_weights, cutoffs, *, head_bias=None, div_value=4.0
):
    r"""The adaptive softmax of ``torch.nn.AdaptiveLogSoftmaxWithLoss``, on given weights.

    Derived in chapter 9, *Sequences and large vocabularies*.

    The classes (sorted from most to least frequent) are split by ``cutoffs``
    :math:`c_0 < \dots < c_{m-1}` into a shortlist :math:`[0, c_0)` and
    clusters :math:`[c_i, c_{i+1})`, :math:`c_m = C`. The head
    :math:`h = W_h x + b_h` scores the shortlist and one logit per cluster;
    cluster :math:`i`'s tail scores its classes with
    :math:`t_i = O_i P_i x`, a projection :math:`P_i` to
    ``in_features // div_value**(i+1)`` features and an output layer
    :math:`O_i`. Then

    .. math::

        \log p(y \mid x) =
        \begin{cases}
        \log \operatorname{softmax}(h)_y & y < c_0, \\
        \log \operatorname{softmax}(h)_{c_0 + i}
            + \log \operatorname{softmax}(t_i)_{y - c_i} & c_i \le y < c_{i+1},
        \end{cases}

    and the loss is :math:`-\frac1N \sum_n \log p(y_n \mid x_n)`. Each
    sample's tail is evaluated only for the cluster of its target.

    Parameters
    ----------
    input : array_like
        Features of shape (in_features,) or (N, in_features).
    target : array_like of int
        Class indices in [0, C), shape () for 1-d input, (N,) for 2-d input.
    head_weight : array_like
        The head's weight (``module.head.weight``), shape
        (c_0 + m, in_features).
    tail_weights : sequence of (array_like, array_like)
        One pair per cluster, ``(module.tail[i][0].weight,
        module.tail[i][1].weight)``: the projection, shape
        (in_features // div_value**(i+1), in_features), and the output
        layer, shape (c_{i+1} - c_i, that hidden size). The last pair's
        output rows fix the number of classes C.
    cutoffs : sequence of int
        The module's ``cutoffs``: unique, increasing, in [1, C - 1].
    head_bias : array_like, optional
        The head's bias (``module.head.bias``, present with
        ``head_bias=True``), shape (c_0 + m,).
    div_value : float
        The divisor of the tails' hidden sizes (the module's default 4.0);
        the weights' shapes are checked against it.

    Returns
    -------
    AdaptiveSoftmaxOutput
        A named tuple ``(output, loss)``, as the module's forward returns:
        ``output`` the log-probability of each target, shape (N,) or ();
        ``loss`` the 0-d mean of ``-output`` (NaN for N = 0).

    Raises
    ------
    lossbook.InvalidInputError
        With the module's messages: ``cutoffs`` empty, unsorted, repeated,
        not positive or not below C (the module raises ``ValueError``); a
        target of the wrong dimension or batch size, or outside [0, C - 1]
        (``RuntimeError``); and any weight of the wrong shape.

    See Also
    --------
    adaptive_log_prob : the log-probabilities of every class (``module.log_prob``).
    adaptive_predict : the most probable class (``module.predict``).
    lossbook.gradients.adaptive_log_softmax : the gradients of the loss.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import adaptive_log_prob, adaptive_log_softmax
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(3, 4))
    >>> head = rng.normal(size=(3, 4))  # shortlist of 2 classes + 1 cluster
    >>> tails = [(rng.normal(size=(2, 4)), rng.normal(size=(3, 2)))]  # 3 classes
    >>> out = adaptive_log_softmax(x, [0, 2, 4], head, tails, [2], div_value=2.0)
    >>> print(out.output.round(4), out.loss.round(4))
    [-1.9671 -4.024  -5.2168] 3.736
    >>> full = adaptive_log_prob(x, head, tails, [2], div_value=2.0)
    >>> print(np.exp(full).sum(axis=1).round(12))
    [1. 1. 1.]
    """
    input = _adaptive.batch_input(input)
    problem = _adaptive.adaptive_problem(
        input, head_weight, tail_weights, cutoffs, head_bias, div_value
    )
    target = _adaptive.class_indices(input, target, problem.n_classes)
    return _adaptive.forward(problem, input, target)


def adaptive_log_prob(input, head_weight, tail_weights, cutoffs, *, head_bias=None, div_value=4.0):
    r"""The log-probabilities of every class under an adaptive softmax (the module's ``log_prob``).

    Derived in chapter 9, *Sequences and large vocabularies*.

    Column :math:`y` holds :math:`\log p(y \mid x)` of
    :func:`adaptive_log_softmax`: the head's log-probability for the
    shortlist, and for cluster :math:`i` the head's log-probability of the
    cluster plus the tail's. Every tail is evaluated for every sample, so
    this costs what a full softmax over C classes costs; each row sums (in
    probability) to 1.

    Parameters
    ----------
    input : array_like
        Features of shape (N, in_features), or (in_features,) (which the
        module does not accept) for one sample.
    head_weight, tail_weights, cutoffs, head_bias, div_value
        As in :func:`adaptive_log_softmax`.

    Returns
    -------
    ndarray
        Shape (N, C), or (C,) for 1-d input.

    See Also
    --------
    adaptive_log_softmax : the loss, which evaluates only the targets' clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import adaptive_log_prob
    >>> head = np.zeros((3, 2))  # uniform head: shortlist of 2 and one cluster
    >>> tails = [(np.zeros((1, 2)), np.zeros((2, 1)))]  # a cluster of 2 classes
    >>> print(np.exp(adaptive_log_prob([1.0, 2.0], head, tails, [2], div_value=2.0)).round(4))
    [0.3333 0.3333 0.1667 0.1667]
    """
    input = _adaptive.batch_input(input)
    problem = _adaptive.adaptive_problem(
        input, head_weight, tail_weights, cutoffs, head_bias, div_value
    )
    return _adaptive.full_log_prob(problem, input)


def adaptive_predict(input, head_weight, tail_weights, cutoffs, *, head_bias=None, div_value=4.0):
    r"""The most probable class under an adaptive softmax (the module's ``predict``).

    Derived in chapter 9, *Sequences and large vocabularies*.

    Equal to ``adaptive_log_prob(...).argmax(axis=-1)``, but a sample whose
    best head column is a shortlist class needs no tail: a class of cluster
    :math:`i` has probability at most the head's probability of cluster
    :math:`i`, which is below the shortlist class's.

    Parameters
    ----------
    input : array_like
        Features of shape (N, in_features) or (in_features,).
    head_weight, tail_weights, cutoffs, head_bias, div_value
        As in :func:`adaptive_log_softmax`.

    Returns
    -------
    ndarray of int
        Shape (N,), or () for 1-d input.

    See Also
    --------
    adaptive_log_prob : the log-probabilities it maximises.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import adaptive_predict
    >>> head = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> tails = [(np.zeros((1, 2)), np.zeros((2, 1)))]
    >>> print(adaptive_predict([[3.0, 0.0], [0.0, 3.0]], head, tails, [2], div_value=2.0))
    [0 1]
    """
    input = _adaptive.batch_input(input)
    problem = _adaptive.adaptive_problem(
        input, head_weight, tail_weights, cutoffs, head_bias, div_value
    )
    return _adaptive.predict(problem, input)


# --- distributions ------------------------------------------------------------


def kl_div(input, target, *, reduction="mean", log_target=False):
    r"""KL divergence of a target from log-probabilities, as ``torch.nn.functional.kl_div``.

    Derived in chapter 2, *Loss functions from a probabilistic view*.

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
    reduction = check_reduction(reduction, batchmean=True)
    input, target = float_pair(input, target)
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
        return reduce(pointwise, "mean", denominator=batch_size(input.shape))
    return reduce(pointwise, reduction)


# --- multi-label ---------------------------------------------------------------


@fill_doc
def soft_margin_loss(input, target, *, reduction="mean"):
    r"""Logistic loss of labels in {-1, +1}, as ``torch.nn.functional.soft_margin_loss``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \ell_i = \log\left(1 + e^{-y_i x_i}\right)

    Parameters
    ----------
    input : array_like
        Scores.
    target : array_like
        Labels (-1 or +1 in intended use), of the input's shape.
    <<reduction>>

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
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    # log(1 + e^{-m}) = softplus(-m), computed without overflow for any margin.
    return reduce(softplus(-(target * input)), reduction)


def multilabel_soft_margin_loss(input, target, *, weight=None, reduction="mean"):
    r"""One binary cross-entropy per label, as ``torch.nn.functional.multilabel_soft_margin_loss``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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
    reduction = check_reduction(reduction)
    input, target, weight = multilabel_inputs(input, target, weight)
    pointwise = _logit_cross_entropy(input, target, target)
    if weight is not None:
        pointwise *= weight
    return reduce(np.mean(pointwise, axis=-1), reduction)


# --- counts and uncertainty -------------------------------------------------------


@fill_doc
def poisson_nll_loss(input, target, *, log_input=True, full=False, eps=1e-8, reduction="mean"):
    r"""Negative log-likelihood of Poisson counts, as ``torch.nn.functional.poisson_nll_loss``.

    Derived in chapter 7, *Beyond the Gaussian: likelihoods for counts and for uncertainty*.

    With the predicted rate :math:`\lambda_i` (``input`` is :math:`\log \lambda_i`
    when ``log_input``, else :math:`\lambda_i` itself) and counts :math:`t_i`:

    .. math::

        \ell_i = \begin{cases}
            e^{x_i} - t_i x_i & \texttt{log\_input} \\
            x_i - t_i \log(x_i + \epsilon) & \text{otherwise}
        \end{cases}

    .. math::

        \text{with } \texttt{full}: \quad \ell_i \mathrel{+}=
        [t_i > 1] \Bigl(t_i \log t_i - t_i + \tfrac12 \log(2 \pi t_i)\Bigr)

    Stirling's approximation of :math:`\log t_i!`, added only with ``full``
    and where :math:`t_i > 1`, as PyTorch does; it does not depend on the
    prediction, so it moves no gradient.

    Parameters
    ----------
    input : array_like
        Log-rates (``log_input=True``) or rates.
    target : array_like
        Counts, of the input's shape.
    log_input : bool
        Whether ``input`` is the logarithm of the rate.
    full : bool
        Add the Stirling term, so that the loss is the full negative
        log-likelihood (approximately).
    eps : float
        Added to a rate before its logarithm (``log_input=False`` only), so
        that a rate of 0 costs :math:`-t \log \epsilon` rather than infinity.
    <<reduction>>

    <<loss_returns>>

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import poisson_nll_loss
    >>> print(poisson_nll_loss(np.log([2.0, 5.0]), [3.0, 4.0], reduction="none").round(4))
    [-0.0794 -1.4378]
    """
    reduction = check_reduction(reduction)
    check_positive(eps, "eps", allow_zero=True)
    input, target = float_pair(input, target)
    # An infinite input makes inf - inf: NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        if log_input:
            pointwise = np.exp(input) - target * input
        else:
            pointwise = input - target * np.log(input + eps)
    if full:
        # log t! ~ t log t - t + log(2 pi t) / 2; masked where t <= 1, as in PyTorch.
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = target * np.log(target) - target + 0.5 * np.log(2 * np.pi * target)
        pointwise = pointwise + np.where(target > 1, stirling, 0)
    return reduce(pointwise, reduction)


@fill_doc
def gaussian_nll_loss(input, target, var, *, full=False, eps=1e-6, reduction="mean"):
    r"""Negative log-likelihood of a Gaussian with predicted variance, as ``torch.nn.functional.gaussian_nll_loss``.

    Derived in chapter 7, *Beyond the Gaussian: likelihoods for counts and for uncertainty*.

    .. math::

        \ell_i = \tfrac12 \Bigl(\log \max(v_i, \epsilon)
                 + \frac{(x_i - y_i)^2}{\max(v_i, \epsilon)}\Bigr)
                 \;\bigl[+ \tfrac12 \log 2\pi \text{ with } \texttt{full}\bigr]

    Parameters
    ----------
    input : array_like
        Predicted means.
    target : array_like
        Observations, of the input's shape.
    var : array_like or float
        Predicted variances, non-negative: a number, the input's shape, the
        input's shape without its last axis (one variance per sample), or the
        input's shape with one axis of size 1.
    full : bool
        Add the constant :math:`\tfrac12 \log 2\pi`.
    eps : float
        The variance is clamped to at least ``eps``: a variance of 0 would make
        the loss :math:`-\infty` at a perfect prediction.
    <<reduction>>

    <<loss_returns>>

    Raises
    ------
    lossbook.InvalidInputError
        For a negative variance or a ``var`` of a shape PyTorch does not accept.

    Examples
    --------
    >>> from lossbook.losses import gaussian_nll_loss
    >>> print(gaussian_nll_loss([0.0, 1.0], [1.0, 1.0], [1.0, 0.25], reduction="none").round(4))
    [ 0.5    -0.6931]
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    var, _ = gaussian_variance(var, input)
    # The clamp keeps log(var) finite; PyTorch applies it without a gradient.
    var = np.maximum(var, eps)
    pointwise = 0.5 * (np.log(var) + (input - target) ** 2 / var)
    if full:
        pointwise = pointwise + input.dtype.type(0.5 * np.log(2 * np.pi))
    return reduce(np.broadcast_to(pointwise, input.shape), reduction)


# --- ranking and embeddings ---------------------------------------------------------


def margin_ranking_loss(input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Hinge loss on the order of two scores, as ``torch.nn.functional.margin_ranking_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \ell_i = \max\bigl(0,\; -t_i (x^{(1)}_i - x^{(2)}_i) + m\bigr)

    with :math:`t_i = 1` when the first score should rank higher, -1 when
    the second should.

    Examples
    --------
    >>> from lossbook.losses import margin_ranking_loss
    >>> print(margin_ranking_loss([2.0, 0.5], [1.0, 1.0], [1.0, 1.0], margin=0.5, reduction="none"))
    [0. 1.]
    """
    reduction = check_reduction(reduction)
    input1, input2, target = float_arrays((input1, input2, target), ("input1", "input2", "target"))
    return reduce(np.maximum(0, margin - target * (input1 - input2)), reduction)


def hinge_embedding_loss(input, target, *, margin=1.0, reduction="mean"):
    r"""Hinge loss on a distance, as ``torch.nn.functional.hinge_embedding_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \ell_i = \begin{cases}
            x_i & t_i = 1 \\
            \max(0, m - x_i) & t_i = -1
        \end{cases}

    ``input`` is typically a distance: similar pairs (:math:`t = 1`) are pulled
    together, dissimilar ones pushed to at least the margin. As in PyTorch, a
    target other than :math:`\pm 1` takes both terms.

    Examples
    --------
    >>> from lossbook.losses import hinge_embedding_loss
    >>> print(hinge_embedding_loss([0.3, 0.3, 2.0], [1.0, -1.0, -1.0], reduction="none"))
    [0.3 0.7 0. ]
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    pointwise = np.where(target != 1, np.maximum(margin - input, 0), 0) + np.where(
        target != -1, input, 0
    )
    return reduce(pointwise.astype(input.dtype, copy=False), reduction)


def cosine_embedding_loss(input1, input2, target, *, margin=0.0, reduction="mean"):
    r"""Loss on the cosine similarity of pairs, as ``torch.nn.functional.cosine_embedding_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \cos_i = \frac{a_i \cdot b_i}{\sqrt{(\lVert a_i \rVert^2 + 10^{-12})
                 (\lVert b_i \rVert^2 + 10^{-12})}}

    .. math::

        \ell_i = \begin{cases}
            1 - \cos_i & t_i = 1 \\
            \max(0, \cos_i - m) & t_i = -1
        \end{cases}

    The :math:`10^{-12}` keeps a zero vector at similarity 0 instead of NaN;
    otherwise the loss does not change when either vector is scaled.

    Examples
    --------
    >>> from lossbook.losses import cosine_embedding_loss
    >>> a = [[1.0, 0.0], [1.0, 1.0]]
    >>> b = [[2.0, 0.0], [1.0, 0.0]]
    >>> print(cosine_embedding_loss(a, b, [1.0, -1.0], reduction="none").round(4))
    [0.     0.7071]
    """
    reduction = check_reduction(reduction)
    input1, input2, target = embedding_pair(input1, input2, target)
    cos = cosine_similarity(input1, input2)[0]
    pointwise = np.where(target == 1, 1 - cos, 0) + np.where(
        target == -1, np.maximum(cos - margin, 0), 0
    )
    return reduce(pointwise.astype(input1.dtype, copy=False), reduction)


def multi_margin_loss(input, target, *, p=1, margin=1.0, weight=None, reduction="mean"):
    r"""The multi-class hinge (Weston-Watkins), as ``torch.nn.functional.multi_margin_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \ell_n = \frac{1}{C} \sum_{c \ne y_n} w_{y_n}
                 \max\bigl(0,\; m - x_{n, y_n} + x_{n, c}\bigr)^p

    Every wrong class whose score comes within the margin of the right one's
    costs; the Crammer-Singer hinge would take only the largest of these terms.

    Parameters
    ----------
    input : array_like
        Scores of shape (C,) or (N, C).
    target : array_like of int
        Class indices of shape () or (N,).
    p : {1, 2}
        The power of each hinge term.
    margin : float
        :math:`m`.
    weight : array_like, optional
        One weight per class, shape (C,); the target class's weight scales its
        sample's terms.
    reduction : {'mean', 'sum', 'none'}
        'mean' averages over samples.

    Examples
    --------
    >>> from lossbook.losses import multi_margin_loss
    >>> print(multi_margin_loss([[2.0, 1.5, 0.0]], [0], reduction="none").round(4))
    [0.1667]
    """
    reduction = check_reduction(reduction)
    check_power(p)
    input, indices, weight = margin_class_targets(input, target, weight)
    shape = np.shape(target)
    hinge = multi_margin_terms(input, indices, margin)
    terms = hinge if p == 1 else hinge * hinge
    if weight is not None:
        terms *= weight[indices][:, np.newaxis]
    pointwise = np.sum(terms, axis=1) / input.dtype.type(input.shape[1])
    return reduce(pointwise.reshape(shape), reduction)


def multilabel_margin_loss(input, target, *, reduction="mean"):
    r"""The multi-label hinge, as ``torch.nn.functional.multilabel_margin_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \ell_n = \frac{1}{C} \sum_{j \in Y_n} \sum_{c \notin Y_n}
                 \max\bigl(0,\; 1 - (x_{n, j} - x_{n, c})\bigr)

    Every target class must score at least 1 above every other class.
    ``target`` lists the target classes of each sample, padded with -1 after
    the last (what follows the first -1 is not read).

    Examples
    --------
    >>> from lossbook.losses import multilabel_margin_loss
    >>> print(multilabel_margin_loss([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]).round(4))
    0.85
    """
    reduction = check_reduction(reduction)
    shape = np.shape(input)[:-1]
    input, slots, listed, is_target = multilabel_targets(input, target)
    hinge = multilabel_terms(input, slots, listed, is_target)
    pointwise = np.sum(hinge, axis=(1, 2)) / input.dtype.type(input.shape[1])
    return reduce(pointwise.reshape(shape), reduction)


def triplet_margin_loss(
    anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"
):
    r"""The triplet loss of metric learning, as ``torch.nn.functional.triplet_margin_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        d(u, v) = \lVert u - v + \epsilon \rVert_p, \qquad
        \ell_i = \max\bigl(0,\; m + d(a_i, p_i) - d(a_i, n_i)\bigr)

    With ``swap`` (Balntas et al., 2016), :math:`d(a_i, n_i)` is replaced by
    :math:`\min(d(a_i, n_i), d(p_i, n_i))`: the harder of the two negatives.

    Examples
    --------
    >>> from lossbook.losses import triplet_margin_loss
    >>> a, pos, neg = [[0.0, 0.0]], [[0.0, 1.0]], [[1.5, 0.0]]
    >>> print(triplet_margin_loss(a, pos, neg, reduction="none").round(4))
    [0.5]
    """
    reduction = check_reduction(reduction)
    anchor, positive, negative = triplet_inputs(anchor, positive, negative)
    near = pairwise_distance(anchor, positive, p, eps)
    far = pairwise_distance(anchor, negative, p, eps)
    if swap:
        far = np.minimum(far, pairwise_distance(positive, negative, p, eps))
    return reduce(np.maximum(margin + near - far, 0), reduction)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
):
    r"""The triplet loss with any distance, as ``torch.nn.functional.triplet_margin_with_distance_loss``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \ell_i = \max\bigl(0,\; m + d(a_i, p_i) - d(a_i, n_i)\bigr)

    ``distance_function(u, v)`` takes two arrays and returns one distance per
    row (the last axis reduced); the default is the Euclidean distance of
    :func:`triplet_margin_loss` (with its ``eps = 1e-6``). ``margin`` must be
    positive, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import triplet_margin_with_distance_loss
    >>> def cosine_distance(u, v):
    ...     return 1 - np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    >>> a, pos, neg = [[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 1.0]]
    >>> print(triplet_margin_with_distance_loss(
    ...     a, pos, neg, distance_function=cosine_distance, reduction="none").round(4))
    [0.2929]
    """
    reduction = check_reduction(reduction)
    check_positive(margin, "margin", allow_zero=False)
    anchor, positive, negative = triplet_inputs(anchor, positive, negative)
    distance = distance_function or _euclidean
    near = distance(anchor, positive)
    far = distance(anchor, negative)
    if swap:
        far = np.minimum(far, distance(positive, negative))
    return reduce(np.maximum(margin + near - far, 0), reduction)


def _euclidean(u, v):
    """PyTorch's default distance: ``torch.pairwise_distance`` with p = 2 and eps = 1e-6."""
    return pairwise_distance(u, v, 2.0, 1e-6)


# --- sequences ----------------------------------------------------------------------


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    *,
    blank=0,
    reduction="mean",
    zero_infinity=False,
):
    r"""Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

    Derived in chapter 9, *Sequences and large vocabularies*.

    The negative log-probability of the target :math:`l` summed over every
    alignment :math:`\pi` (one class per step) that collapses to it, where
    :math:`\mathcal{B}` merges repeated classes and then drops the blanks:

    .. math::

        \ell_n = -\log \sum_{\pi \in \mathcal{B}^{-1}(l_n)}
                 \prod_{t=0}^{T_n - 1} y_t^n(\pi_t),
        \qquad y_t^n(k) = e^{\texttt{log\_probs}[t, n, k]}

    computed by the forward recursion over the extended label sequence
    :math:`l' = (b, l_1, b, \dots, l_S, b)` of length :math:`2S + 1`:

    .. math::

        \alpha_t(s) &= y_t(l'_s) \bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1) \\
        &\qquad + [l'_s \ne b,\ l'_s \ne l'_{s-2}]\, \alpha_{t-1}(s-2)\bigr),

        p &= \alpha_{T-1}(2S) + \alpha_{T-1}(2S-1)

    in log space (log-sum-exp), vectorised over the batch, so that a
    probability of :math:`10^{-1000}` at :math:`T` in the thousands is an
    ordinary log-probability instead of 0.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilities of shape (T, N, C), or (T, C) for one unbatched
        sample; normally a ``log_softmax`` over the classes.
    targets : array_like of int
        Labels, padded to shape (N, S) (read up to each target length), or
        concatenated to shape (sum of ``target_lengths``,); shape (S,) when
        unbatched. No label may be the blank.
    input_lengths : array_like of int
        The number of steps of each sample, shape (N,), each at most T
        (a 0-d array or a number when unbatched).
    target_lengths : array_like of int
        The number of labels of each sample, shape (N,).
    blank : int
        The class index of the blank, in [0, C).
    reduction : {'mean', 'sum', 'none'}
        'mean' divides each sample's loss by its target length (at least 1)
        and then averages over the batch, as PyTorch does.
    zero_infinity : bool
        Replace the infinite loss of an impossible target (and its gradient)
        by 0.

    Returns
    -------
    ndarray
        A 0-d array, or the per-sample losses (N,) for ``reduction='none'``
        (0-d for one unbatched sample).

    Raises
    ------
    lossbook.InvalidInputError
        For a shape, length, dtype or blank that PyTorch refuses (its messages
        raise ``RuntimeError``, which this is too), and, where PyTorch's CPU
        kernel reads without checking, for a label out of [0, C), a label equal
        to the blank (which its documentation forbids) and for targets that are
        not integers.

    Notes
    -----
    Edge cases, each as in PyTorch:

    - A target of length 0 is the all-blank alignment:
      :math:`\ell = -\sum_t \log y_t(b)`, and 'mean' divides it by 1.
    - A target that needs more steps than the input has (S labels plus one
      blank between each pair of equal neighbours) has no alignment: the loss
      is ``inf``, 0 with ``zero_infinity``. An input of length 0 with an empty
      target costs 0.
    - Steps at and beyond a sample's input length are not read.
    - float32 input is computed in float64 inside and returned as float32.

    See Also
    --------
    lossbook.gradients.ctc_loss : its gradient, from the forward and backward recursions.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.losses import ctc_loss
    >>> probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1]])
    >>> print(ctc_loss(np.log(probs), [1], 3, 1).round(4))  # six alignments of "1"
    0.4385
    >>> print(ctc_loss(np.log(probs[:2]), [1, 1], 2, 2, reduction="sum"))  # "11" needs 3 steps
    inf
    """
    reduction = check_reduction(reduction)
    inputs = ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank)
    # Reduced in float64, as computed, and rounded to the input's dtype once.
    loss = ctc_loss_values(inputs, reduction, zero_infinity).reshape(inputs.shape)
    return reduce(loss, reduction).astype(inputs.log_probs.dtype)


# --- margin losses ---------------------------------------------------------------


def _margins(scores, labels):
    """The margins ``labels * scores``, checking that every label is -1 or +1."""
    scores, labels = float_pair(scores, labels)
    wrong = (labels != 1) & (labels != -1)
    if wrong.any():
        raise InvalidInputError(
            f"'labels' must be -1 or +1 (got {labels[wrong].flat[0].item()!r})"
        )
    return labels * scores


def zero_one_loss(scores, labels):
    r"""The 0-1 loss of scores against labels in {-1, +1}, element-wise.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \ell(m) = |1 - m| = |y - f(x)| \quad \text{for } y \in \{-1, +1\}

    Examples
    --------
    >>> from lossbook.losses import absolute_margin_loss
    >>> print(absolute_margin_loss([3.0, -1.0], [1, 1]))
    [2. 2.]
    """
    return np.abs(1 - _margins(scores, labels))
