"""Activations that turn logits into probabilities, in numerically stable forms.

Every function accepts anything array-like; float32 input stays float32 and
everything else is computed in float64. Float32 input is evaluated in float64
and rounded once, so float32 results are correctly rounded in practice
(chapter 6 measures every bound; tests/test_accuracy.py asserts them).
None of them overflows, warns or returns NaN for finite input, however
large. As in PyTorch, ``softmax``, ``log_softmax`` and ``logsumexp`` treat a
0-d input as one logit along axis 0 or -1.
"""

import functools

import numpy as np

from ._docs import fill_doc
from ._inputs import as_float_array
from ._stable import in_float64, log_sum_exp_shifted, row_peak, softplus

__all__ = ["sigmoid", "log_sigmoid", "logsumexp", "softmax", "log_softmax"]


@fill_doc
def sigmoid(x):
    r"""The logistic sigmoid, element-wise.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}

    <<elementwise_parameters>>

    Returns
    -------
    ndarray
        Probabilities in [0, 1]; ``sigmoid(inf) = 1`` and ``sigmoid(-inf) = 0``.

    Notes
    -----
    Computed from :math:`e^{-|x|} \le 1`, which never overflows:
    :math:`1 / (1 + e^{-|x|})` for :math:`x \ge 0` and
    :math:`e^{-|x|} / (1 + e^{-|x|})` for :math:`x < 0`.

    See Also
    --------
    log_sigmoid : its logarithm, without the underflow of ``log(sigmoid(x))``.

    Examples
    --------
    >>> from lossbook.activations import sigmoid
    >>> print(sigmoid([-1e4, 0.0, 2.0]).round(4))
    [0.     0.5    0.8808]
    """
    return _sigmoid(as_float_array(x, "x"))


@in_float64
def _sigmoid(x):
    """The sigmoid of a float array (float32 evaluated in float64, see ``in_float64``)."""
    # exp(-|x|) lies in (0, 1]: no overflow for any finite x.
    decay = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + decay), decay / (1 + decay))


@fill_doc
def log_sigmoid(x):
    r"""The logarithm of the sigmoid, element-wise: ``torch.nn.functional.logsigmoid``.

    .. math::

        \log \sigma(x) = -\log(1 + e^{-x}) = \min(x, 0) - \log(1 + e^{-|x|})

    <<elementwise_parameters>>

    Returns
    -------
    ndarray
        Values in (-inf, 0]; ``log_sigmoid(-1e4) = -1e4`` exactly, where the
        naive ``log(sigmoid(x))`` gives ``-inf``.

    Examples
    --------
    >>> from lossbook.activations import log_sigmoid
    >>> print(log_sigmoid([-1e4, 0.0, 3.0]).round(4))
    [-1.000e+04 -6.931e-01 -4.860e-02]
    """
    x = as_float_array(x, "x")
    # log sigma(x) = -log(1 + e^{-x}) = -softplus(-x), overflow-free for any x.
    return -softplus(-x)


def _zero_dim_as_vector(function):
    """Convert ``x`` to a float array and reduce a 0-d one as a vector of one element.

    PyTorch lets ``softmax``, ``log_softmax`` and ``logsumexp`` of a 0-d tensor
    take ``dim`` 0 or -1, and returns a 0-d result; NumPy has no axis to reduce.
    Any other axis raises ``AxisError`` (an ``IndexError``, as in PyTorch).
    """

    function = in_float64(function)

    @functools.wraps(function)
    def wrapper(x, **options):
        x = as_float_array(x, "x")
        if x.ndim == 0:
            return function(x.reshape(1), **options).reshape(())
        return function(x, **options)

    return wrapper


@_zero_dim_as_vector
def logsumexp(x, *, axis=-1, keepdims=False):
    r"""The logarithm of the sum of exponentials along ``axis``.

    .. math::

        \operatorname{logsumexp}(x) = m + \log \sum_i e^{x_i - m},
        \qquad m = \max_i x_i

    Parameters
    ----------
    x : array_like
        Values.
    axis : int, optional
        The axis to reduce (default: the last).
    keepdims : bool, optional
        Keep the reduced axis with length one.

    Returns
    -------
    ndarray
        ``-inf`` where every value is ``-inf`` or the axis is empty, as in
        ``torch.logsumexp``.

    Examples
    --------
    >>> from lossbook.activations import logsumexp
    >>> print(logsumexp([1e4, 1e4]).round(4))
    10000.6931
    """
    # After the shift the largest term is exactly 1, so the logarithm never sees 0.
    # An infinite peak is not subtracted: inf - inf would be NaN, where the sum
    # is rightly inf (a +inf term) or its logarithm -inf (all terms -inf).
    peak, top = row_peak(x, axis)
    peak = np.where(np.isfinite(peak), peak, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = log_sum_exp_shifted(x - peak, axis, top) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


@_zero_dim_as_vector
@fill_doc
def softmax(x, *, axis=-1):
    r"""The softmax along ``axis``: a probability distribution from logits.

    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}
        = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    <<class_axis_parameters>>

    Returns
    -------
    ndarray
        Non-negative values summing to one along ``axis``; unchanged when a
        constant is added to every logit.

    See Also
    --------
    log_softmax : its logarithm, computed without taking ``log`` of a rounded 0.

    Examples
    --------
    >>> from lossbook.activations import softmax
    >>> print(softmax([1e4, 1e4 + 1.0, 0.0]).round(4))
    [0.2689 0.7311 0.    ]
    """
    # The shift leaves the ratio unchanged. A +inf logit, or a slice of only
    # -inf, gives NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        exponentials = np.exp(x - row_peak(x, axis)[0])
        return exponentials / np.sum(exponentials, axis=axis, keepdims=True)


@_zero_dim_as_vector
@fill_doc
def log_softmax(x, *, axis=-1):
    r"""The logarithm of the softmax along ``axis``.

    .. math::

        \log \operatorname{softmax}(x)_i &= x_i - \operatorname{logsumexp}(x) \\
        &= (x_i - m) - \log \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    <<class_axis_parameters>>

    Returns
    -------
    ndarray
        Values in (-inf, 0]; finite for finite input even where the softmax
        itself rounds to 0.

    Examples
    --------
    >>> from lossbook.activations import log_softmax
    >>> print(log_softmax([0.0, 1e4]).round(4))
    [-10000.      0.]
    """
    # (x - m) - log(sum(e^{x - m})) avoids log(softmax), whose small entries
    # round to 0; and it never forms m + log(...), which would round the small
    # logarithm to the spacing of a large m (in float32, 6e-5 at m = 512).
    # A +inf logit, or a slice of only -inf, gives NaN, as in PyTorch, without a warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        peak, top = row_peak(x, axis)
        shifted = x - peak
        return shifted - log_sum_exp_shifted(shifted, axis, top)
