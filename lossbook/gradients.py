r"""Closed-form gradients of the losses with respect to ``input``.

Each function has the name and arguments of its loss in :mod:`lossbook.losses`
plus ``grad_output``, the gradient arriving from above, and returns
:math:`\partial L / \partial\, \text{input}` exactly as PyTorch's autograd
computes it for ``loss.backward(grad_output)``. For a reduced loss
``grad_output`` is a scalar (default 1); for ``reduction='none'`` it has the
shape of the element-wise losses (default all ones, the gradient of their sum).
One exception: :func:`ctc_loss` returns the true gradient with respect to
``log_probs``, which PyTorch's autograd exceeds by ``exp(log_probs)`` times
the upstream weight (the two agree behind a ``log_softmax``; see its Notes).

These are the formulas the chapters derive: softmax minus target for
cross-entropy, sigmoid minus target for BCE with logits, and so on.
"""

import numpy as np

from . import _adaptive, _chunks
from ._chunks import DEFAULT_CHUNK_SIZE
from ._ctc import ctc_inputs
from ._ctc import mean_denominators as ctc_mean_denominators
from ._ctc import occupation as ctc_occupation
from ._inputs import (
    InvalidInputError,
    along_class_axis,
    batch_size,
    binary_inputs,
    check_label_smoothing,
    check_positive,
    check_power,
    check_reduction,
    class_targets,
    embedding_pair,
    float_arrays,
    float_pair,
    gaussian_variance,
    is_probability_target,
    margin_class_targets,
    multilabel_inputs,
    multilabel_targets,
    optional_weight,
    probability_inputs,
    probability_targets,
    sum_to_shape,
    target_count,
    total_weight,
    triplet_inputs,
    upstream,
    zero_ignored,
)
from ._margins import (
    cosine_similarity,
    multi_margin_terms,
    multilabel_terms,
    pairwise_distance,
    pairwise_distance_gradient,
)
from .activations import sigmoid, softmax
from .losses import MODULE_LOSSES, PYTORCH_LOSSES

__all__ = [*PYTORCH_LOSSES, *MODULE_LOSSES]

# PyTorch's BCE backward divides by max(x (1 - x), 1e-12): at a probability of
# exactly 0 or 1 the gradient is large but finite, although the clamped
# forward loss is flat there.
# The constant is float32's nearest value to 1e-12, in every dtype, as in PyTorch.
BCE_GRAD_EPSILON = float(np.float32(1e-12))


def _regression(input, target, weight, reduction, grad_output, *, weight_normalises):
    """Validated ``(error, upstream)`` of a regression loss, ``upstream`` including the weight.

    With ``weight_normalises``, 'mean' divided the weighted sum by the
    weights' sum (:func:`total_weight`) instead of the element count.
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    weight = optional_weight(weight, "weight", input.shape, input.dtype, exact=True)
    denominator = total_weight(weight) if weight is not None and weight_normalises else None
    grad = upstream(grad_output, reduction, input.shape, input.dtype, denominator=denominator)
    return input - target, grad if weight is None else grad * weight


def mse_loss(input, target, *, reduction="mean", weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.mse_loss` with respect to ``input``.

    Derived in chapter 4, *Cross-entropy and likelihood*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = 2 w_i (x_i - y_i)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.mse_loss([1.0, 2.0], [0.0, 0.0]))
    [1. 2.]
    """
    error, upstream = _regression(
        input, target, weight, reduction, grad_output, weight_normalises=True
    )
    return 2 * error * upstream


def l1_loss(input, target, *, reduction="mean", weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.l1_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i \operatorname{sign}(x_i - y_i)

    0 where ``input == target``, the subgradient PyTorch picks.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.l1_loss([1.0, 0.0, -3.0], [0.0, 0.0, 0.0], reduction="sum"))
    [ 1.  0. -1.]
    """
    error, upstream = _regression(
        input, target, weight, reduction, grad_output, weight_normalises=True
    )
    return np.sign(error) * upstream


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.smooth_l1_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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
    check_positive(beta, "beta", allow_zero=True)
    error, upstream = _regression(
        input, target, None, reduction, grad_output, weight_normalises=False
    )
    if beta == 0:
        return np.sign(error) * upstream
    return np.where(np.abs(error) < beta, error / beta, np.sign(error)) * upstream


def huber_loss(input, target, *, reduction="mean", delta=1.0, weight=None, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.huber_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = w_i \operatorname{clip}(x_i - y_i, -\delta, \delta)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.huber_loss([0.5, 3.0], [0.0, 0.0], delta=2.0, reduction="sum"))
    [0.5 2. ]
    """
    check_positive(delta, "delta", allow_zero=False)
    error, upstream = _regression(
        input, target, weight, reduction, grad_output, weight_normalises=False
    )
    return np.clip(error, -delta, delta) * upstream


def binary_cross_entropy(input, target, *, weight=None, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.binary_cross_entropy` with respect to ``input``.

    Derived in chapter 4, *Cross-entropy and likelihood*.

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
    reduction = check_reduction(reduction)
    input, target, weight = probability_inputs(input, target, weight)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    grad = (input - target) / np.maximum(input * (1 - input), BCE_GRAD_EPSILON) * outer
    return grad if weight is None else grad * weight


def binary_cross_entropy_with_logits(
    input, target, *, weight=None, reduction="mean", pos_weight=None, grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.binary_cross_entropy_with_logits` with respect to

    Derived in chapter 3, *A loss from its gradient* and chapter 4, *Cross-entropy and likelihood*.
    ``input``.

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
    reduction = check_reduction(reduction)
    input, target, weight = binary_inputs(input, target, weight)
    pos_weight = optional_weight(pos_weight, "pos_weight", input.shape, input.dtype)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    if pos_weight is None:
        grad = (sigmoid(input) - target) * outer
    else:
        grad = ((1 + (pos_weight - 1) * target) * sigmoid(input) - pos_weight * target) * outer
    return grad if weight is None else grad * weight


def _scatter(values, indices, class_axis, shape):
    """An array of ``shape`` holding ``values`` at each class index along ``class_axis``, else 0."""
    out = np.zeros(shape, values.dtype)
    if shape[class_axis]:
        np.put_along_axis(
            out,
            np.expand_dims(indices, class_axis),
            np.expand_dims(values, class_axis),
            class_axis,
        )
    return out


def nll_loss(input, target, *, weight=None, ignore_index=-100, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.nll_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

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
    reduction = check_reduction(reduction)
    targets = class_targets(input, target, weight, ignore_index)
    outer = _per_target_upstream(targets, grad_output, reduction)
    return _scatter(
        -targets.target_weights * outer, targets.indices, targets.axis, targets.input.shape
    )


def _per_target_upstream(targets, grad_output, reduction):
    """The upstream gradient of each class-index target, 0 where ignored: an ignored
    target gets no gradient, even when every target is ignored and the mean's
    denominator is 0 (PyTorch gives zeros, not NaN)."""
    outer = upstream(
        grad_output,
        reduction,
        targets.indices.shape,
        targets.input.dtype,
        denominator=total_weight(targets.target_weights),
    )
    return zero_ignored(outer, targets.kept)


def cross_entropy(
    input,
    target,
    *,
    weight=None,
    ignore_index=-100,
    reduction="mean",
    label_smoothing=0.0,
    grad_output=None,
):
    r"""Gradient of :func:`lossbook.losses.cross_entropy` with respect to the logits.

    Derived in chapter 3, *A loss from its gradient* and chapter 5, *Sigmoid, softmax and PyTorch's
    losses*.

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
    check_label_smoothing(label_smoothing)
    reduction = check_reduction(reduction)
    if is_probability_target(input, target):
        input, axis, smoothed = probability_targets(
            input, target, weight, label_smoothing, ignore_index
        )
        return _cross_entropy_of_probabilities(input, axis, smoothed, reduction, grad_output)
    targets = class_targets(input, target, weight, ignore_index)
    return _cross_entropy_of_indices(targets, label_smoothing, reduction, grad_output)


def _cross_entropy_of_probabilities(input, axis, smoothed, reduction, grad_output):
    """``(sum_c t'_c) softmax(x) - t'`` per target, for the weighted smoothed target ``t'``."""
    batch_shape = input.shape[:axis] + input.shape[axis + 1 :]
    outer = upstream(
        grad_output,
        reduction,
        batch_shape,
        input.dtype,
        denominator=target_count(input.shape, axis),
    )
    total = np.sum(smoothed, axis=axis, keepdims=True)
    grad = total * softmax(input, axis=axis) - smoothed
    return grad * np.expand_dims(outer, axis)


def _cross_entropy_of_indices(targets, label_smoothing, reduction, grad_output):
    """``(1 - eps) w_y (s - e_y) + (eps / C) ((sum_c w_c) s - w)`` per kept target, 0 where ignored."""
    input, axis, weight = targets.input, targets.axis, targets.weight
    outer = _per_target_upstream(targets, grad_output, reduction)
    probs = softmax(input, axis=axis)
    # s - e_y, with s_y - 1 written as minus the other classes' probabilities: for a
    # confident right answer s_y rounds to 1 and s_y - 1 to 0, while their sum keeps
    # every digit of the gradient (9.4e-14 for the logits (30, 0) in float32 too).
    residual = probs.copy()
    if input.shape[axis]:
        chosen = np.expand_dims(targets.indices, axis)
        np.put_along_axis(residual, chosen, 0, axis=axis)
        others = np.sum(residual, axis=axis, keepdims=True)
        np.put_along_axis(residual, chosen, -others, axis=axis)
    # (1 - eps) w_y (s - e_y): the weight of the target's class on softmax minus one-hot.
    grad = (1 - label_smoothing) * np.expand_dims(targets.target_weights, axis) * residual
    if label_smoothing > 0:
        classes = targets.classes
        class_weight = np.ones(classes, input.dtype) if weight is None else weight
        smooth = np.sum(class_weight) * probs - along_class_axis(class_weight, axis, input.ndim)
        grad = grad + (label_smoothing / classes) * np.where(
            np.expand_dims(targets.kept, axis), smooth, 0
        )
    return grad * np.expand_dims(outer, axis)


def kl_div(input, target, *, reduction="mean", log_target=False, grad_output=None):
    r"""Gradient of :func:`lossbook.losses.kl_div` with respect to the log-probabilities ``input``.

    Derived in chapter 3, *A loss from its gradient*.

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
    reduction = check_reduction(reduction, batchmean=True)
    input, target = float_pair(input, target)
    if reduction == "batchmean":
        outer = upstream(
            grad_output, "mean", input.shape, input.dtype, denominator=batch_size(input.shape)
        )
    else:
        outer = upstream(grad_output, reduction, input.shape, input.dtype)
    return -(np.exp(target) if log_target else target) * outer


def soft_margin_loss(input, target, *, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.soft_margin_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = -y_i\, \sigma(-y_i x_i)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.soft_margin_loss([0.0], [1.0]))
    [-0.5]
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    return -target * sigmoid(-target * input) * outer


def multilabel_soft_margin_loss(input, target, *, weight=None, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.multilabel_soft_margin_loss` with respect to ``input``.

    Derived in chapter 5, *Sigmoid, softmax and PyTorch's losses*.

    .. math::

        \frac{\partial \ell_n}{\partial x_{n,c}} = \frac{w_c}{C} \bigl(\sigma(x_{n,c}) - y_{n,c}\bigr)

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.multilabel_soft_margin_loss([[0.0, 0.0]], [[1.0, 0.0]]))
    [[-0.25  0.25]]
    """
    reduction = check_reduction(reduction)
    input, target, weight = multilabel_inputs(input, target, weight)
    outer = upstream(grad_output, reduction, input.shape[:-1], input.dtype)
    grad = (sigmoid(input) - target) / input.dtype.type(input.shape[-1])
    if weight is not None:
        grad = grad * weight
    return grad * np.expand_dims(outer, -1)


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
    grad_output=None,
):
    r"""Gradients of :func:`lossbook.losses.linear_cross_entropy`, computed by chunks of rows.

    Derived in chapter 9, *Sequences and large vocabularies*.

    With :math:`G` the gradient with respect to the logits :math:`z = x W^T + b`
    (:func:`cross_entropy`'s, one row per sample), the chain rule through the
    linear layer gives

    .. math::

        \frac{\partial L}{\partial x_n} = G_n W, \qquad
        \frac{\partial L}{\partial W} = \sum_n G_n^T x_n, \qquad
        \frac{\partial L}{\partial b} = \sum_n G_n.

    The weight's gradient is a sum of one outer product per row, so it is
    accumulated chunk by chunk: no more than ``chunk_size`` rows of
    :math:`G` exist at a time. The upstream gradient of each row (for
    'mean', ``grad_output`` over the global denominator) is fixed before the
    first chunk.

    Returns
    -------
    tuple of ndarray
        ``(d input, d linear_weight)``, or ``(d input, d linear_weight,
        d linear_bias)`` when ``linear_bias`` is given, each of its
        argument's shape. Ignored targets contribute nothing.

    See Also
    --------
    lossbook.losses.linear_cross_entropy : the loss, its options and errors.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> x, W = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 0.0]])
    >>> d_x, d_W = gradients.linear_cross_entropy(x, W, np.array([1]))
    >>> print(d_x, d_W.tolist())
    [[0. 0.]] [[0.5, 0.0], [-0.5, 0.0]]
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
    return _chunks.gradient(problem, reduction, grad_output, cross_entropy)


def adaptive_log_softmax(
    input,
    target,
    head_weight,
    tail_weights,
    cutoffs,
    *,
    head_bias=None,
    div_value=4.0,
    grad_output=None,
):
    r"""Gradients of the ``loss`` of :func:`lossbook.losses.adaptive_log_softmax`.

    Derived in chapter 9, *Sequences and large vocabularies*.

    The loss is :math:`L = -\frac1N \sum_n \log p(y_n \mid x_n)`. Each layer
    meets it through a softmax of its own logits, so with :math:`s` that
    softmax and :math:`e` the one-hot of the column the sample uses, the
    logits' gradient is :math:`\frac{g}{N} (s - e)`: for the head
    (:math:`h = W_h x + b_h`) in every row, and for cluster :math:`i`'s tail
    (:math:`t = O_i u`, :math:`u = P_i x`) only in the rows whose target is
    in the cluster. Pulled back: :math:`\partial L / \partial W_h = \sum_n
    G^h_n{}^T x_n`, :math:`\partial L / \partial O_i = \sum_n G^t_n{}^T u_n`,
    :math:`\partial L / \partial P_i = \sum_n (G^t_n O_i)^T x_n`, and
    :math:`\partial L / \partial x_n = G^h_n W_h + G^t_n O_i P_i`.

    ``grad_output`` is the upstream gradient :math:`g` of the scalar
    ``loss`` (default 1).

    Returns
    -------
    tuple
        ``(d input, d head_weight, d tail_weights)``, and ``d head_bias``
        last when ``head_bias`` is given, in argument order: ``d
        tail_weights`` has the structure of ``tail_weights``, a tuple of one
        ``(d projection, d output)`` pair per cluster (zeros for a cluster
        that no target reaches). Each array has its argument's shape.

    See Also
    --------
    lossbook.losses.adaptive_log_softmax : the loss, its layout and errors.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> head = np.zeros((3, 2))
    >>> tails = [(np.zeros((1, 2)), np.zeros((2, 1)))]
    >>> d_x, d_head, ((d_proj, d_out),) = gradients.adaptive_log_softmax(
    ...     np.array([[1.0, 0.0]]), np.array([0]), head, tails, [2], div_value=2.0
    ... )
    >>> print(d_head.round(4).tolist())
    [[-0.6667, 0.0], [0.3333, 0.0], [0.3333, 0.0]]
    """
    input = _adaptive.batch_input(input)
    problem = _adaptive.adaptive_problem(
        input, head_weight, tail_weights, cutoffs, head_bias, div_value
    )
    target = _adaptive.class_indices(input, target, problem.n_classes)
    return _adaptive.gradient(problem, input, target, grad_output)


# --- counts and uncertainty -------------------------------------------------------
#
# From here on, a loss of several arrays a model produces returns a tuple of
# gradients in argument order; PyTorch's clamp_min passes the gradient at
# exactly zero (the subgradient 1 of the hinge at its kink), while its
# multi-class kernels count a term only where it is positive.


def poisson_nll_loss(
    input, target, *, log_input=True, full=False, eps=1e-8, reduction="mean", grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.poisson_nll_loss` with respect to ``input``.

    Derived in chapter 7, *Beyond the Gaussian: likelihoods for counts and for uncertainty*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = \begin{cases}
            e^{x_i} - t_i & \texttt{log\_input} \\
            1 - t_i / (x_i + \epsilon) & \text{otherwise}
        \end{cases}

    The rate minus the count on the log scale: the canonical link again, as
    for the sigmoid and the softmax. ``full`` changes nothing here.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> print(gradients.poisson_nll_loss(np.log([2.0, 5.0]), [3.0, 4.0], reduction="sum").round(4))
    [-1.  1.]
    """
    reduction = check_reduction(reduction)
    check_positive(eps, "eps", allow_zero=True)
    input, target = float_pair(input, target)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    grad = np.exp(input) - target if log_input else 1 - target / (input + eps)
    return grad * outer


def gaussian_nll_loss(
    input, target, var, *, full=False, eps=1e-6, reduction="mean", grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.gaussian_nll_loss` with respect to ``(input, var)``.

    Derived in chapter 7, *Beyond the Gaussian: likelihoods for counts and for uncertainty*.

    With :math:`\bar v = \max(v, \epsilon)`:

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = \frac{x_i - y_i}{\bar v_i}, \qquad
        \frac{\partial \ell_i}{\partial v_i}
        = \frac12 \Bigl(\frac{1}{\bar v_i} - \frac{(x_i - y_i)^2}{\bar v_i^2}\Bigr)

    As in PyTorch, the clamp passes the gradient unchanged (it is applied
    without a gradient), and a variance shared by several elements gets the
    sum of their gradients, in the shape ``var`` was given (a number gives a
    0-d array).

    Examples
    --------
    >>> from lossbook import gradients
    >>> d_input, d_var = gradients.gaussian_nll_loss([0.0], [1.0], [0.5], reduction="sum")
    >>> print(d_input, d_var)
    [-2.] [-1.]
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    var, var_shape = gaussian_variance(var, input)
    var = np.maximum(var, eps)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    error = input - target
    d_input = error / var * outer
    d_var = 0.5 * (1 / var - error**2 / var**2) * outer
    # Summed over the axes the variance was broadcast along, then given its own shape.
    return d_input, sum_to_shape(d_var, var.shape).reshape(var_shape)


# --- ranking and embeddings ---------------------------------------------------------


def margin_ranking_loss(input1, input2, target, *, margin=0.0, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.margin_ranking_loss` with respect to ``(input1, input2)``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \frac{\partial \ell_i}{\partial x^{(1)}_i} = -\frac{\partial \ell_i}{\partial x^{(2)}_i}
        = -t_i \,[\, m - t_i (x^{(1)}_i - x^{(2)}_i) \ge 0 \,]

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.margin_ranking_loss([2.0, 0.5], [1.0, 1.0], [1.0, 1.0], reduction="sum"))
    (array([ 0., -1.]), array([-0.,  1.]))
    """
    reduction = check_reduction(reduction)
    input1, input2, target = float_arrays((input1, input2, target), ("input1", "input2", "target"))
    outer = upstream(grad_output, reduction, input1.shape, input1.dtype)
    active = margin - target * (input1 - input2) >= 0
    grad = np.where(active, -target, 0) * outer
    return grad, -grad


def hinge_embedding_loss(input, target, *, margin=1.0, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.hinge_embedding_loss` with respect to ``input``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    .. math::

        \frac{\partial \ell_i}{\partial x_i} = \begin{cases}
            1 & t_i = 1 \\
            -[\, m - x_i \ge 0 \,] & t_i = -1
        \end{cases}

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.hinge_embedding_loss([0.3, 0.3, 2.0], [1.0, -1.0, -1.0], reduction="sum"))
    [ 1. -1.  0.]
    """
    reduction = check_reduction(reduction)
    input, target = float_pair(input, target)
    outer = upstream(grad_output, reduction, input.shape, input.dtype)
    pushed = np.where((target != 1) & (margin - input >= 0), -1, 0)
    pulled = np.where(target != -1, 1, 0)
    return (pushed + pulled).astype(input.dtype) * outer


def cosine_embedding_loss(
    input1, input2, target, *, margin=0.0, reduction="mean", grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.cosine_embedding_loss` with respect to ``(input1, input2)``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    With :math:`s_a = \lVert a \rVert^2 + 10^{-12}` and likewise :math:`s_b`:

    .. math::

        \frac{\partial \cos}{\partial a} = \frac{b}{\sqrt{s_a s_b}} - \frac{\cos}{s_a}\, a,
        \qquad
        \frac{\partial \ell}{\partial \cos} = \begin{cases}
            -1 & t = 1 \\
            [\, \cos - m \ge 0 \,] & t = -1
        \end{cases}

    The gradient is orthogonal to :math:`a` (up to the guard): scaling a
    vector does not change its cosine.

    Examples
    --------
    >>> from lossbook import gradients
    >>> d1, d2 = gradients.cosine_embedding_loss([[1.0, 0.0]], [[1.0, 1.0]], [1.0])
    >>> print(d1.round(4), d2.round(4))
    [[-0.     -0.7071]] [[-0.3536  0.3536]]
    """
    reduction = check_reduction(reduction)
    input1, input2, target = embedding_pair(input1, input2, target)
    cos, square1, square2 = cosine_similarity(input1, input2)
    outer = upstream(grad_output, reduction, cos.shape, input1.dtype)
    slope = np.where(target == 1, -1, 0) + np.where((target == -1) & (cos - margin >= 0), 1, 0)
    slope = (slope.astype(input1.dtype) * outer)[..., np.newaxis]
    norms = np.sqrt(square1 * square2)[..., np.newaxis]
    # An infinite entry makes inf / inf: NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        d1 = input2 / norms - (cos / square1)[..., np.newaxis] * input1
        d2 = input1 / norms - (cos / square2)[..., np.newaxis] * input2
        return slope * d1, slope * d2


def multi_margin_loss(
    input, target, *, p=1, margin=1.0, weight=None, reduction="mean", grad_output=None
):
    r"""Gradient of :func:`lossbook.losses.multi_margin_loss` with respect to ``input``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    With :math:`h_c = m - x_y + x_c` for each wrong class :math:`c`:

    .. math::

        \frac{\partial \ell}{\partial x_c} = \frac{w_y}{C}\, [h_c > 0]\, p\, h_c^{p - 1},
        \qquad
        \frac{\partial \ell}{\partial x_y} = -\sum_{c \ne y} \frac{\partial \ell}{\partial x_c}

    A term exactly at its kink (:math:`h_c = 0`) gets 0, as PyTorch's kernel
    counts only positive terms.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.multi_margin_loss([[2.0, 1.5, 0.0]], [0]).round(4))
    [[-0.3333  0.3333  0.    ]]
    """
    reduction = check_reduction(reduction)
    check_power(p)
    rows, indices, weight = margin_class_targets(input, target, weight)
    hinge = multi_margin_terms(rows, indices, margin)
    grad = np.where(hinge > 0, 1.0 if p == 1 else 2 * hinge, 0).astype(rows.dtype, copy=False)
    if weight is not None:
        grad *= weight[indices][:, np.newaxis]
    np.put_along_axis(grad, indices[:, np.newaxis], -np.sum(grad, axis=1, keepdims=True), axis=1)
    outer = upstream(grad_output, reduction, np.shape(target), rows.dtype)
    grad *= np.reshape(outer, (-1, 1)) / rows.dtype.type(rows.shape[1])
    return grad.reshape(np.shape(input))


def multilabel_margin_loss(input, target, *, reduction="mean", grad_output=None):
    r"""Gradient of :func:`lossbook.losses.multilabel_margin_loss` with respect to ``input``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    Each active pair (target :math:`j`, other class :math:`c`, with
    :math:`1 - x_j + x_c > 0`) adds :math:`1/C` to :math:`\partial \ell / \partial x_c`
    and :math:`-1/C` to :math:`\partial \ell / \partial x_j`.

    Examples
    --------
    >>> from lossbook import gradients
    >>> print(gradients.multilabel_margin_loss([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]))
    [[-0.5  0.5  0.5 -0.5]]
    """
    reduction = check_reduction(reduction)
    shape = np.shape(input)
    rows, slots, listed, is_target = multilabel_targets(input, target)
    active = (multilabel_terms(rows, slots, listed, is_target) > 0).astype(rows.dtype)
    grad = np.sum(active, axis=1)  # +1 on each other class, once per target that it crowds
    samples = np.repeat(np.arange(rows.shape[0]), slots.shape[1])
    np.add.at(grad, (samples, slots.ravel()), -np.sum(active, axis=2).ravel())
    outer = upstream(grad_output, reduction, shape[:-1], rows.dtype)
    grad *= np.reshape(outer, (-1, 1)) / rows.dtype.type(rows.shape[1])
    return grad.reshape(shape)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    *,
    margin=1.0,
    p=2.0,
    eps=1e-6,
    swap=False,
    reduction="mean",
    grad_output=None,
):
    r"""Gradient of :func:`lossbook.losses.triplet_margin_loss` by ``(anchor, positive, negative)``.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    Where the hinge is active (:math:`m + d(a, p) - d(a, n) \ge 0`), with
    :math:`g(u, v) = \partial d(u, v) / \partial u`:

    .. math::

        \frac{\partial \ell}{\partial a} = g(a, p) - g(a, n), \quad
        \frac{\partial \ell}{\partial p} = -g(a, p), \quad
        \frac{\partial \ell}{\partial n} = g(a, n)

    and 0 elsewhere. With ``swap``, the negative's distance is the smaller of
    :math:`d(a, n)` and :math:`d(p, n)`; where they tie the gradient is split
    in halves, as PyTorch's minimum does.

    Examples
    --------
    >>> from lossbook import gradients
    >>> grads = gradients.triplet_margin_loss([[0.0, 0.0]], [[0.0, 1.0]], [[1.5, 0.0]])
    >>> print([g.round(4) for g in grads])
    [array([[ 1., -1.]]), array([[-0.,  1.]]), array([[-1.,  0.]])]
    """
    reduction = check_reduction(reduction)
    distance, distance_gradient = _pairwise(p, eps)
    triplet = (anchor, positive, negative)
    return _triplet_gradients(
        triplet, distance, distance_gradient, margin, swap, reduction, grad_output
    )


def triplet_margin_with_distance_loss(
    anchor,
    positive,
    negative,
    *,
    distance_function=None,
    distance_gradient=None,
    margin=1.0,
    swap=False,
    reduction="mean",
    grad_output=None,
):
    r"""Gradient of :func:`lossbook.losses.triplet_margin_with_distance_loss` by its three arrays.

    Derived in chapter 8, *Margins: from the hinge to metric learning*.

    The formulas of :func:`triplet_margin_loss` with the given distance.
    autograd differentiates a custom distance by itself; here its gradient is
    asked for: ``distance_gradient(u, v)`` returns
    :math:`(\partial d / \partial u, \partial d / \partial v)`, each of the
    arrays' shape. It may be left out only with the default distance.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> def squared(u, v):
    ...     return np.sum((u - v) ** 2, axis=-1)
    >>> def squared_gradient(u, v):
    ...     return 2 * (u - v), 2 * (v - u)
    >>> grads = gradients.triplet_margin_with_distance_loss(
    ...     [[0.0]], [[1.0]], [[1.2]], distance_function=squared,
    ...     distance_gradient=squared_gradient)
    >>> print([round(g.item(), 4) for g in grads])
    [0.4, 2.0, -2.4]
    """
    reduction = check_reduction(reduction)
    check_positive(margin, "margin", allow_zero=False)
    if distance_function is None:
        distance_function, distance_gradient = _pairwise(2.0, 1e-6)
    elif distance_gradient is None:
        raise InvalidInputError(
            "'distance_gradient' is needed with a custom 'distance_function' "
            f"(got distance_function={distance_function!r})"
        )
    triplet = (anchor, positive, negative)
    return _triplet_gradients(
        triplet, distance_function, distance_gradient, margin, swap, reduction, grad_output
    )


def _pairwise(p, eps):
    """``torch.pairwise_distance`` with ``p`` and ``eps``, and its gradient in both arrays."""

    def distance(u, v):
        return pairwise_distance(u, v, p, eps)

    def distance_gradient(u, v):
        grad = pairwise_distance_gradient(u, v, p, eps)
        return grad, -grad

    return distance, distance_gradient


def _triplet_gradients(triplet, distance, distance_gradient, margin, swap, reduction, grad_output):
    """The three gradients of the triplet hinge for any distance and its gradient."""
    shape = np.shape(triplet[0])
    anchor, positive, negative = triplet_inputs(*triplet)
    near = distance(anchor, positive)
    far = distance(anchor, negative)
    if swap:
        swapped = distance(positive, negative)
        # PyTorch's minimum splits the gradient in halves where the two tie.
        share = np.where(far < swapped, 1.0, np.where(far == swapped, 0.5, 0.0)).astype(
            anchor.dtype
        )
        far = np.minimum(far, swapped)
    outer = upstream(grad_output, reduction, np.shape(near), anchor.dtype)
    active = np.where(margin + near - far >= 0, outer, 0)[..., np.newaxis]
    near_anchor, near_positive = distance_gradient(anchor, positive)
    far_anchor, far_negative = distance_gradient(anchor, negative)
    if not swap:
        grads = (
            active * (near_anchor - far_anchor),
            active * near_positive,
            -active * far_negative,
        )
    else:
        share = share[..., np.newaxis]
        swap_positive, swap_negative = distance_gradient(positive, negative)
        grads = (
            active * (near_anchor - share * far_anchor),
            active * (near_positive - (1 - share) * swap_positive),
            -active * (share * far_negative + (1 - share) * swap_negative),
        )
    return tuple(grad.reshape(shape) for grad in grads)  # a 0-d triplet was made (1,)


# --- sequences (chapter 9) ------------------------------------------------------------


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    *,
    blank=0,
    reduction="mean",
    zero_infinity=False,
    grad_output=None,
):
    r"""Gradient of :func:`lossbook.losses.ctc_loss` with respect to ``log_probs``.

    Derived in chapter 9, *Sequences and large vocabularies*.

    With the forward variable :math:`\alpha_t(s)` (alignment prefixes up to
    step t at position s of the extended labels, emission at t included) and
    the backward variable :math:`\beta_t(s)` (the suffixes from position s
    after step t, emission at t excluded), :math:`p = \sum_s \alpha_t(s)
    \beta_t(s)` at every step and
    :math:`\partial p / \partial y_t(k) = \sum_{s: l'_s = k} \alpha_t(s)
    \beta_t(s) / y_t(k)`. Since :math:`\partial y / \partial \log y = y`:

    .. math::

        \frac{\partial \ell_n}{\partial \log y_t^n(k)}
        = -\gamma_t^n(k)
        = -\frac{1}{p_n} \sum_{s:\, l'_s = k} \alpha_t(s) \beta_t(s),

    minus the posterior probability that step t emits class k (each row of
    :math:`\gamma` sums to 1 before the sample's input length, and is 0 at
    and beyond it), times the upstream weight of the sample: ``grad_output``
    for 'none'; divided by the batch size and the sample's target length (at
    least 1) for 'mean'. :math:`\gamma` is formed in log space,
    :math:`\exp(\log\alpha + \log\beta - \log p)`, an exponent never above 0.

    Notes
    -----
    **This is not what PyTorch's autograd returns.** PyTorch's
    ``ctc_loss`` backward computes :math:`\bigl(y_t(k) - \gamma_t(k)\bigr) w_n`,
    the gradient with respect to the logits *behind a log_softmax*, and hands
    it on as the gradient with respect to ``log_probs``. Autograd's gradient
    therefore equals this function's plus :math:`e^{\texttt{log\_probs}}\, w_n`
    (before each input length), where :math:`w_n` is the upstream weight of
    sample n's loss (1 for one sample with ``reduction='sum'``). The extra term
    cancels exactly when ``log_probs = log_softmax(z)``: the Jacobian of
    log_softmax maps any g to :math:`g - \operatorname{softmax}(z) \sum_k g_k`,
    and :math:`\sum_k e^{\log y_t(k)} w_n = w_n` is absorbed into that sum, so
    both roads give :math:`(y - \gamma) w_n` with respect to the logits. With
    ``log_probs`` that are not normalised (or are differentiated directly),
    only this function's value agrees with finite differences.

    An impossible target (p = 0) has a gradient of NaN before its input
    length (0/0, as in PyTorch), unless ``zero_infinity`` makes its loss and
    gradient 0.

    See Also
    --------
    lossbook.losses.ctc_loss : the loss, and the edge cases it shares.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook import gradients
    >>> probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1]])
    >>> grad = gradients.ctc_loss(np.log(probs), [1], 3, 1, reduction="sum")
    >>> print(grad.round(4) + 0.0)  # minus the posterior of blank and "1" at each step
    [[-0.6605 -0.3395  0.    ]
     [-0.1209 -0.8791  0.    ]
     [-0.5349 -0.4651  0.    ]]
    """
    reduction = check_reduction(reduction)
    inputs = ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank)
    dtype = inputs.log_probs.dtype
    outer = upstream(grad_output, reduction, inputs.shape, np.dtype(np.float64))
    weights = np.asarray(outer, np.float64).reshape(-1)
    if reduction == "mean":
        weights = weights / ctc_mean_denominators(inputs)
    gamma, log_p = ctc_occupation(inputs)
    if zero_infinity:
        weights = np.where(log_p == -np.inf, 0.0, weights)
        gamma = np.where((log_p == -np.inf)[:, np.newaxis], 0.0, gamma)
    grad = -gamma * weights[:, np.newaxis]
    if inputs.unbatched:
        grad = grad[:, 0, :]
    return grad.astype(dtype, copy=False)
