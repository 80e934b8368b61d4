"""Numerically stable primitives shared by ``activations`` and ``losses``.

Each is the formula a reader would write, rearranged only where the plain
form overflows, underflows or rounds away a small term; the comment beside
each rearrangement says which. They take float arrays (already converted by
``lossbook._inputs``) and allocate at most two input-sized temporaries.
"""

import functools

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

__all__ = ["in_float64", "softplus", "softplus_tail", "row_peak", "log_sum_exp_shifted"]


def in_float64(function):
    """Evaluate ``function`` on float32 input in float64 and round its result to float32 once.

    A float64 evaluation errs by about 1e-16, far below float32's half-ulp of
    6e-8, so the float32 result is correctly rounded except in rare near-ties
    (chapter 6 measures at most 0.5 ulp over millions of logits, where the
    same formulas in float32 reach 3 ulps, NumPy's float32 ``exp`` alone 2.5;
    and for softmax 53 ulps, from the rounding of ``x - max`` in float32).
    The cost is one conversion each way (benchmarks/RESULTS.md). Other dtypes
    pass through unchanged.
    """

    @functools.wraps(function)
    def wrapper(x, *args, **options):
        if x.dtype == np.float32:
            result = function(x.astype(np.float64), *args, **options)
            return result.astype(np.float32)
        return function(x, *args, **options)

    return wrapper


@in_float64
def softplus(z):
    r""":math:`\log(1 + e^{z})`, element-wise, for any finite or infinite ``z``.

    >>> import numpy as np
    >>> print(softplus(np.array([-1e4, 0.0, 1e4])))
    [0.00000000e+00 6.93147181e-01 1.00000000e+04]
    """
    # log(1 + e^z) = max(z, 0) + log(1 + e^{-|z|}): the linear part carries
    # what e^z alone would overflow (from z = 710 in float64). The tail comes
    # first so that the sum reuses its array.
    return softplus_tail(z) + np.maximum(z, 0)


@in_float64
def softplus_tail(z):
    r""":math:`\log(1 + e^{-|z|})`, the bounded part of ``softplus(z)`` and ``softplus(-z)``.

    >>> import numpy as np
    >>> print(softplus_tail(np.array([-40.0, 0.0, 40.0])))
    [4.24835426e-18 6.93147181e-01 4.24835426e-18]
    """
    # The exponent -|z| is never positive, so exp cannot overflow; log1p keeps
    # e^{-|z|} where it is below the machine epsilon and 1 + e^{-|z|} would
    # round to 1 (the tail at 40 is 4e-18, not 0). exp and log1p overwrite
    # -|z| in place: a fresh array for each cost soft_margin_loss 20 to 45% of
    # its time at 10^7 elements (benchmarks/RESULTS.md).
    tail = np.asarray(-np.abs(z))  # an array also for 0-d z, to write into
    np.exp(tail, out=tail)
    return np.log1p(tail, out=tail)


def row_peak(x, axis):
    """The maximum of ``x`` along ``axis`` and its index (both with the axis kept).

    Subtracting the maximum before exponentiating makes every exponent <= 0,
    so ``exp`` cannot overflow. Taken through ``argmax``, it costs the one
    pass ``max`` would, and the index spares :func:`log_sum_exp_shifted` a
    second. An empty axis has the maximum -inf and no index (None). A NaN is
    the maximum of its slice. A bad ``axis`` raises ``AxisError``.

    >>> import numpy as np
    >>> peak, top = row_peak(np.array([[1.0, 3.0, 2.0]]), 1)
    >>> print(peak, top)
    [[3.]] [[1]]
    """
    if x.shape[normalize_axis_index(axis, x.ndim)] == 0:
        return np.max(x, axis=axis, keepdims=True, initial=-np.inf), None
    top = np.argmax(x, axis=axis, keepdims=True)
    return np.take_along_axis(x, top, axis=axis), top


@in_float64
def log_sum_exp_shifted(shifted, axis, top, *, keepdims=True, overwrite=False):
    """``log(sum(exp(shifted)))`` along ``axis``, given ``x - max(x)`` and ``top = argmax(x)``.

    Where the maximum was finite, ``shifted`` is exactly 0 at ``top``. With
    ``overwrite`` the exponentials replace ``shifted``: a fresh array there
    cost ``cross_entropy`` 18 to 22% of its time at 10^7 logits
    (benchmarks/RESULTS.md).

    >>> import numpy as np
    >>> x = np.array([[0.0, -40.0]])
    >>> print(log_sum_exp_shifted(x, 1, np.array([[0]])))
    [[4.24835426e-18]]
    """
    exponentials = np.exp(shifted, out=shifted if overwrite else None)
    if shifted.shape[axis] == 0:
        return np.log(np.sum(exponentials, axis=axis, keepdims=keepdims))
    # The maximum's term is exactly 1, so the result is log1p of the other
    # terms' sum: accurate even when that sum is below the machine epsilon,
    # where log(1 + rest) would round to 0 (the log-probability of a
    # near-certain class, the loss of a confident right answer).
    largest = np.take_along_axis(exponentials, top, axis=axis)
    np.put_along_axis(exponentials, top, 0, axis=axis)
    rest = np.sum(exponentials, axis=axis, keepdims=True)
    total = np.log1p(rest)
    # Where the maximum was not finite its term is 0 or inf instead of 1, and
    # the plain logarithm applies; only those rows pay for it.
    unusual = largest != 1
    if unusual.any():
        total[unusual] = np.log(largest[unusual] + rest[unusual])
    return total if keepdims else np.squeeze(total, axis=axis)
