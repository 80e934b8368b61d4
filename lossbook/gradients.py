r"""Closed-form gradients of the losses with respect to ``input``.

Each function has the name and arguments of its loss in :mod:`lossbook.losses`
plus ``grad_output``, the gradient arriving from above, and returns
:math:`\partial L / \partial\, \text{input}` exactly as PyTorch's autograd
computes it for ``loss.backward(grad_output)``. For a reduced loss
``grad_output`` is a scalar (default 1); for ``reduction='none'`` it has the
shape of the element-wise losses (default all ones, the gradient of their sum).

These are the formulas the chapters derive: softmax minus target for
cross-entropy, sigmoid minus target for BCE with logits, and so on.
"""

import numpy as np

from . import losses
from ._validation import as_float_array, check_same_shape
from .activations import sigmoid, softmax

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
]

# PyTorch's BCE backward divides by max(x (1 - x), 1e-12): at a probability of
# exactly 0 or 1 the gradient is large but finite, although the clamped
# forward loss is flat there.
# The constant is float32's nearest value to 1e-12, in every dtype, as in PyTorch.
BCE_GRAD_EPSILON = float(np.float32(1e-12))


def _upstream(grad_output, reduction, shape, dtype, *, denominator=None):
    """The gradient of the reduced loss with respect to each element-wise loss, of ``shape``."""
    if reduction == "none":
        if grad_output is None:
            return np.ones(shape, dtype)
        grad_output = as_float_array(grad_output, "grad_output")
        check_same_shape(np.empty(shape), grad_output, "grad_output")
        return grad_output.astype(dtype, copy=False)
    grad_output = np.ones((), dtype) if grad_output is None else as_float_array(grad_output, "grad_output")
    check_same_shape(np.empty(()), grad_output, "grad_output")
    grad_output = grad_output.astype(dtype, copy=False)
    if reduction == "mean":
        size = np.prod(shape, dtype=np.int64) if denominator is None else denominator
        with np.errstate(invalid="ignore", divide="ignore"):
            grad_output = grad_output / dtype.type(size)
    return np.broadcast_to(grad_output, shape)


def _weighted(upstream, weight, reduction, *, weight_normalises):
    """Fold an element-wise ``weight`` into ``upstream`` (and its sum into the mean)."""
    if weight is None:
        return upstream
    if reduction == "mean" and weight_normalises:
        # The mean divided the weighted sum by sum(w), not by the element count.
        upstream = upstream * (upstream.size / np.sum(weight))
    return upstream * weight


def _regression(input, target, weight, reduction, grad_output, *, weight_normalises):
    """Validated ``(error, upstream)`` of a regression loss, ``upstream`` including the weight."""
    input, target = losses._float_pair(input, target)
    weight = losses._optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    reduction = losses._reduction(reduction)
    upstream = _upstream(grad_output, reduction, input.shape, input.dtype)
    return input - target, _weighted(upstream, weight, reduction, weight_normalises=weight_normalises)


def mse_loss(input, target, *, reduction="mean", weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.mse_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = 2 w_i (x_i - y_i)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.mse_loss([1.0, 2.0], [0.0, 0.0]))
    [1. 2.]
    """
    error, upstream = _regression(input, target, weight, reduction, grad_output, weight_normalises=True)
    return 2 * error * upstream


def l1_loss(input, target, *, reduction="mean", weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.l1_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i \operatorname{sign}(x_i - y_i)

    0 where ``input == target``, the subgradient PyTorch picks.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.l1_loss([1.0, 0.0, -3.0], [0.0, 0.0, 0.0], reduction="sum"))
    [ 1.  0. -1.]
    """
    error, upstream = _regression(input, target, weight, reduction, grad_output, weight_normalises=True)
    return np.sign(error) * upstream


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.smooth_l1_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = \begin{cases}
            (x_i - y_i) / \beta & |x_i - y_i| < \beta \\
            \operatorname{sign}(x_i - y_i) & \text{otherwise}
        \end{cases}

    Bounded by 1 like L1's, but shrinking to 0 with the error like L2's.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.smooth_l1_loss([0.5, 3.0], [0.0, 0.0], reduction="sum"))
    [0.5 1. ]
    """
    losses._check_positive(beta, "beta", allow_zero=True)
    error, upstream = _regression(input, target, None, reduction, grad_output, weight_normalises=False)
    if beta == 0:
        return np.sign(error) * upstream
    return np.where(np.abs(error) < beta, error / beta, np.sign(error)) * upstream


def huber_loss(input, target, *, reduction="mean", delta=1.0, weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.huber_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i \operatorname{clip}(x_i - y_i, -\delta, \delta)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.huber_loss([0.5, 3.0], [0.0, 0.0], delta=2.0, reduction="sum"))
    [0.5 2. ]
    """
    losses._check_positive(delta, "delta", allow_zero=False)
    error, upstream = _regression(input, target, weight, reduction, grad_output, weight_normalises=False)
    return np.clip(error, -delta, delta) * upstream


def binary_cross_entropy(input, target, *, weight=None, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.binary_cross_entropy` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i \frac{x_i - y_i}{\max\bigl(x_i (1 - x_i), 10^{-12}\bigr)}

    The :math:`10^{-12}` floor is PyTorch's: at a probability of exactly 0 or
    1 the gradient is :math:`\pm 10^{12}` rather than infinite.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.binary_cross_entropy([0.5, 0.8], [1.0, 0.0], reduction="sum").round(4))
    [-2.  5.]
    """
    input, target, weight = losses._probability_inputs(input, target, weight)
    upstream = _upstream(grad_output, losses._reduction(reduction), input.shape, input.dtype)
    grad = (input - target) / np.maximum(input * (1 - input), BCE_GRAD_EPSILON)
    return _weighted(grad * upstream, weight, reduction, weight_normalises=False)


def binary_cross_entropy_with_logits(
    input, target, *, weight=None, reduction="mean", pos_weight=None, grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.binary_cross_entropy_with_logits` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i}
        = w_i \left[ \bigl(1 + (p_c - 1) y_i\bigr) \sigma(x_i) - p_c\, y_i \right]
        \;\overset{p_c = 1}{=}\; w_i (\sigma(x_i) - y_i)

    Sigmoid minus target: no vanishing factor :math:`\sigma(1 - \sigma)`
    (chapters 3 and 4).

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.binary_cross_entropy_with_logits([0.0, 1e4], [1.0, 0.0], reduction="sum"))
    [-0.5  1. ]
    """
    input, target, weight = losses._binary_inputs(input, target, weight)
    pos_weight = losses._optional_weight(pos_weight, "pos_weight", input.shape, input.dtype)
    upstream = _upstream(grad_output, losses._reduction(reduction), input.shape, input.dtype)
    if pos_weight is None:
        grad = sigmoid(input) - target
    else:
        grad = (1 + (pos_weight - 1) * target) * sigmoid(input) - pos_weight * target
    return _weighted(grad * upstream, weight, reduction, weight_normalises=False)


def _scatter(values, indices, class_axis, shape):
    """An array of ``shape`` holding ``values`` at each class index along ``class_axis``, else 0."""
    out = np.zeros(shape, values.dtype)
    if shape[class_axis]:
        np.put_along_axis(out, np.expand_dims(indices, class_axis), np.expand_dims(values, class_axis), class_axis)
    return out


def _ignoring(upstream, kept):
    """``upstream`` with ignored targets set to 0: they get no gradient, even when every
    target is ignored and the mean's denominator is 0 (PyTorch gives zeros, not NaN)."""
    return np.where(kept, upstream, 0).astype(upstream.dtype, copy=False)


def nll_loss(input, target, *, weight=None, ignore_index=-100, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.nll_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_n}{\partial x_{n,c}} = -w_{y_n} [c = y_n]

    divided, for 'mean', by the total weight of the targets not ignored.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.nll_loss([[-0.1, -2.0], [-1.0, -0.5]], [0, 1]))
    [[-0.5  0. ]
     [ 0.  -0.5]]
    """
    input, class_axis, target, kept, weight, target_weights = losses._nll_terms(
        input, target, weight, ignore_index
    )
    upstream = _ignoring(
        _upstream(
            grad_output, losses._reduction(reduction), target.shape, input.dtype,
            denominator=np.sum(target_weights),
        ),
        kept,
    )
    return _scatter(-target_weights * upstream, target, class_axis, input.shape)


def cross_entropy(
    input, target, *, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.cross_entropy` with respect to the logits.

    For class indices, with :math:`s = \operatorname{softmax}(x_n)` and
    :math:`e_y` the one-hot vector of class :math:`y`:

    .. math::

        \frac{\partial \ell_n}{\partial x_n}
        = (1 - \varepsilon)\, w_{y_n} (s - e_{y_n})
          + \frac{\varepsilon}{C} \Bigl( \bigl(\textstyle\sum_c w_c\bigr) s - w \Bigr)

    which without weights is softmax minus the smoothed one-hot target. For
    class probabilities with the weighted, smoothed target :math:`t'`:
    :math:`\bigl(\sum_c t'_c\bigr) s - t'`.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.cross_entropy([[0.0, 0.0]], [0]))
    [[-0.5  0.5]]
    """
    losses._check_label_smoothing(label_smoothing)
    reduction = losses._reduction(reduction)
    if losses._is_probability_target(input, target):
        input, class_axis, smoothed = losses._soft_targets(input, target, weight, label_smoothing, ignore_index)
        batch_shape = input.shape[:class_axis] + input.shape[class_axis + 1 :]
        upstream = _upstream(
            grad_output, reduction, batch_shape, input.dtype,
            denominator=input.size // max(input.shape[class_axis], 1),
        )
        total = np.sum(smoothed, axis=class_axis, keepdims=True)
        grad = total * softmax(input, axis=class_axis) - smoothed
        return grad * np.expand_dims(upstream, class_axis)
    input, class_axis, target, kept, weight, target_weights = losses._nll_terms(
        input, target, weight, ignore_index
    )
    upstream = _ignoring(
        _upstream(grad_output, reduction, target.shape, input.dtype, denominator=np.sum(target_weights)),
        kept,
    )
    probs = softmax(input, axis=class_axis)
    one_hot = _scatter(np.ones(target.shape, input.dtype), target, class_axis, input.shape)
    # (1 - eps) w_y (s - e_y): the weight of the target's class on softmax minus one-hot.
    grad = (1 - label_smoothing) * np.expand_dims(target_weights, class_axis) * (probs - one_hot)
    if label_smoothing > 0:
        classes = input.shape[class_axis]
        class_weight = np.ones(classes, input.dtype) if weight is None else weight
        smooth = np.sum(class_weight) * probs - losses._class_broadcast(class_weight, class_axis, input.ndim)
        grad = grad + (label_smoothing / classes) * np.where(np.expand_dims(kept, class_axis), smooth, 0)
    return grad * np.expand_dims(upstream, class_axis)


def kl_div(input, target, *, reduction="mean", log_target=False, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.kl_div` with respect to the log-probabilities ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = -t_i
        \quad\text{(or } -e^{t_i} \text{ with } \texttt{log\_target)}

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> print(gradients.kl_div(np.log([[0.9, 0.1]]), [[0.5, 0.5]], reduction="batchmean"))
    [[-0.5 -0.5]]
    """
    reduction = losses._reduction(reduction, losses.REDUCTIONS + ("batchmean",))
    input, target = losses._float_pair(input, target)
    if reduction == "batchmean":
        denominator = input.shape[0] if input.ndim else 1
        upstream = _upstream(grad_output, "mean", input.shape, input.dtype, denominator=denominator)
    else:
        upstream = _upstream(grad_output, reduction, input.shape, input.dtype)
    return -(np.exp(target) if log_target else target) * upstream


def soft_margin_loss(input, target, *, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.soft_margin_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = -y_i\, \sigma(-y_i x_i)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.soft_margin_loss([0.0], [1.0]))
    [-0.5]
    """
    input, target = losses._float_pair(input, target)
    upstream = _upstream(grad_output, losses._reduction(reduction), input.shape, input.dtype)
    return -target * sigmoid(-target * input) * upstream


def multilabel_soft_margin_loss(input, target, *, weight=None, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.multilabel_soft_margin_loss` with respect to ``input``.

    .. math::

        \frac{\partial \ell_n}{\partial x_{n,c}} = \frac{w_c}{C} \bigl(\sigma(x_{n,c}) - y_{n,c}\bigr)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.multilabel_soft_margin_loss([[0.0, 0.0]], [[1.0, 0.0]]))
    [[-0.25  0.25]]
    """
    input, target, weight = losses._multilabel_inputs(input, target, weight)
    upstream = _upstream(grad_output, losses._reduction(reduction), input.shape[:-1], input.dtype)
    grad = (sigmoid(input) - target) / input.dtype.type(input.shape[-1])
    if weight is not None:
        grad = grad * weight
    return grad * np.expand_dims(upstream, -1)
