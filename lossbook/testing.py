r"""One comparison with one set of tolerances, for the tests and the chapters.

A float64 result must agree with its reference to :data:`FLOAT64_RTOL`
relative, with an absolute floor of :data:`FLOAT64_ATOL` for values that are
exactly 0 on one side and of the order of the machine epsilon on the other.
A float32 result is judged in units in the last place (ulps) of float32,
best against a float64 reference (the same formula evaluated in float64 on
the float32 inputs, upcast): an absolute tolerance against another float32
result would hide the loss of every digit of a value below it.

Where a computation subtracts nearly equal numbers by nature (a gradient
:math:`\sigma(x) - y`, a KL term :math:`t \log t - t \log q`), no float32
implementation can be accurate to a few ulps of the difference. ``scale``
then names the size of the terms: the error is measured in ulps of
:math:`\max(|\text{expected}|, \text{scale})`.
"""

import numpy as np

__all__ = [
    "FLOAT64_RTOL",
    "FLOAT64_ATOL",
    "FLOAT32_ULPS",
    "ulp_error",
    "assert_close",
]

#: The relative tolerance of a float64 result, the package's promise of parity.
FLOAT64_RTOL = 1e-12
#: The absolute floor of a float64 comparison, since PyTorch's float64 forms such
#: as ``log(1 + x)`` are themselves accurate only to about 1e-16 absolute.
FLOAT64_ATOL = 1e-14
#: The most ulps a float32 result may be off against a float64 reference. A
#: few roundings (a softmax, a weighted sum, the upstream gradient) stay
#: below it; a lost digit shows as hundreds.
FLOAT32_ULPS = 16


def ulp_error(actual, expected, *, scale=0.0):
    r"""The error of ``actual`` in units in the last place of its own dtype.

    .. math::

        \text{ulps} = \frac{|\text{actual} - \text{expected}|}
        {\operatorname{spacing}\bigl(\max(|\text{expected}|,\ \text{scale},\ \text{tiny} / \epsilon)\bigr)}

    where the spacing is that of ``actual``'s dtype, :math:`\epsilon` its
    machine epsilon and tiny its smallest normal number: an ulp is never
    smaller than tiny, where subnormal results keep fewer digits. NaN
    against NaN and an infinity against the same infinity
    count 0; any other mismatch of non-finite values counts ``inf``.

    Parameters
    ----------
    actual : array_like
        The result to judge, float32 or float64 (integers count as float64).
    expected : array_like
        The reference, of a shape that broadcasts with ``actual``; a float64
        reference for a float32 result is computed in float64, not rounded.
    scale : float or array_like, optional
        The size of the terms a cancelling computation subtracts; below it,
        errors are measured in ulps of ``scale`` instead of the result.

    Returns
    -------
    ndarray
        float64 errors in ulps, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.testing import ulp_error
    >>> print(ulp_error(np.float32(1.0) + np.float32(2.0**-23), 1.0))
    1.0
    >>> print(f"{ulp_error(np.float32(0.0), 1e-8):.3g}")
    1.13e+07
    >>> print(ulp_error(np.float32(0.0), 1e-8, scale=1.0).round(3))
    0.084
    """
    actual = np.asarray(actual)
    dtype = actual.dtype if actual.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    actual64 = actual.astype(np.float64)
    magnitude = np.maximum(np.abs(expected), np.abs(np.asarray(scale, np.float64)))
    # Below tiny / eps the spacing would fall under the smallest normal number
    # (subnormals keep fewer digits): one ulp there is at least ``tiny``.
    info = np.finfo(dtype)
    magnitude = np.maximum(magnitude, float(info.tiny) / float(info.eps))
    # Above the dtype's largest number its spacing is inf; any error is then 0 ulps
    # unless the values differ by an infinity, which the mask below catches.
    with np.errstate(over="ignore", invalid="ignore"):
        unit = np.spacing(magnitude.astype(dtype)).astype(np.float64)
        error = np.abs(actual64 - expected) / unit
    same = (actual64 == expected) | (np.isnan(actual64) & np.isnan(expected))
    error = np.where(same, 0.0, error)
    return np.where(np.isnan(error), np.inf, error)


def assert_close(actual, expected, *, scale=0.0):
    r"""Assert that ``actual`` equals ``expected`` within lossbook's one tolerance.

    The shapes must be equal (nothing is broadcast) and the non-finite
    values must match: NaN where NaN, infinities of the same sign. Then, by
    the dtype of ``actual``:

    - float64: :math:`|a - e| \le 10^{-12} \max(|e|, \text{scale}) + 10^{-14}`
      (:data:`FLOAT64_RTOL`, :data:`FLOAT64_ATOL`);
    - float32: at most :data:`FLOAT32_ULPS` ulps of float32 by
      :func:`ulp_error`, against ``expected`` in whatever precision it has
      (best, a float64 reference).

    Parameters
    ----------
    actual : array_like
        The result to judge, float32 or float64.
    expected : array_like
        The reference, of the same shape.
    scale : float or array_like, optional
        The size of the terms a cancelling computation subtracts (see
        :func:`ulp_error`); 0 judges every element by its own size.

    Raises
    ------
    AssertionError
        Naming the shapes, or the worst element, its index and its error.

    Examples
    --------
    >>> import numpy as np
    >>> from lossbook.testing import assert_close
    >>> assert_close(np.float32(1e-8), 1.0000001e-8)
    >>> assert_close(np.float32(0.0), 1e-8)
    Traceback (most recent call last):
    ...
    AssertionError: float32 result off by 1.13e+07 ulps (at most 16) at index (): got 0.0, expected
    1e-08
    >>> assert_close([1.0, 2.0 + 1e-11], [1.0, 2.0])
    Traceback (most recent call last):
    ...
    AssertionError: float64 result off by 5e-12 relative (at most 1e-12) at index (1,): got
    2.00000000001, expected 2.0
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"shape {actual.shape} differs from the expected {expected.shape}")
    dtype = actual.dtype if actual.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    expected64 = expected.astype(np.float64)
    if dtype == np.float32:
        errors = ulp_error(actual, expected64, scale=scale)
        bad = errors > FLOAT32_ULPS
        measure, limit = "ulps", FLOAT32_ULPS
    else:
        actual64 = actual.astype(np.float64)
        magnitude = np.maximum(np.abs(expected64), np.abs(np.asarray(scale, np.float64)))
        same = (actual64 == expected64) | (np.isnan(actual64) & np.isnan(expected64))
        with np.errstate(invalid="ignore", over="ignore"):
            difference = np.abs(actual64 - expected64)
            bad = ~same & ~(difference <= FLOAT64_RTOL * magnitude + FLOAT64_ATOL)
            errors = np.where(same, 0.0, difference / np.maximum(magnitude, FLOAT64_ATOL))
        errors = np.where(np.isnan(errors), np.inf, errors)
        measure, limit = "relative", FLOAT64_RTOL
    errors, bad = np.broadcast_to(errors, actual.shape), np.broadcast_to(bad, actual.shape)
    if bad.any():
        worst = np.unravel_index(np.argmax(np.where(bad, errors, -1.0)), actual.shape)
        raise AssertionError(
            f"{dtype} result off by {errors[worst]:.3g} {measure} (at most {limit:g}) at index "
            f"{tuple(int(i) for i in worst)}: got {actual[worst].item()!r}, expected "
            f"{expected[worst].item()!r}"
            + (f" ({int(bad.sum())} of {bad.size} elements off)" if bad.sum() > 1 else "")
        )
