"""Input conversion and checks shared by every module.

Every message names the offending argument and its value or shape, in the
style of attrs' validators: ``'reduction' must be one of ... (got 'avg')``.
"""

import numpy as np


class InvalidInputError(ValueError, RuntimeError):
    """Bad input to a lossbook function: a ``ValueError`` that is also a ``RuntimeError``.

    PyTorch reports most bad input to its losses as ``RuntimeError`` and some as
    ``ValueError``; this one class lets code written for either keep working
    when ``torch.nn.functional`` is swapped for ``lossbook.losses``.
    """


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


def result_dtype(*arrays):
    """The float dtype a computation on ``arrays`` runs in: float32 only if all are float32."""
    return np.result_type(*arrays)


def check_same_shape(input, target, target_name="target", input_name="input"):
    """Raise ``InvalidInputError`` unless ``target`` has exactly the shape of ``input``: nothing is broadcast."""
    if input.shape != target.shape:
        raise InvalidInputError(
            f"'{target_name}' must have the same shape as '{input_name}' {tuple(input.shape)} "
            f"(got {tuple(target.shape)}); lossbook does not broadcast"
        )


def check_broadcastable(value, shape, name):
    """Raise ``InvalidInputError`` unless ``value`` broadcasts to ``shape`` without growing it."""
    try:
        broadcast = np.broadcast_shapes(value.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(shape):
        raise InvalidInputError(
            f"'{name}' of shape {tuple(value.shape)} must broadcast to the shape "
            f"of 'input' {tuple(shape)}"
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
        raise InvalidInputError(f"'{name}' must be one of {', '.join(map(repr, allowed))} (got {value!r})")


def check_base(base):
    """Raise ``InvalidInputError`` unless ``base`` is a valid logarithm base: positive and not 1."""
    if not (np.isscalar(base) and np.isreal(base) and base > 0 and base != 1):
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
        raise InvalidInputError(f"'{name}' must have at least one dimension (got a scalar {array!r})")
    tolerance = np.sqrt(np.finfo(array.dtype).eps)
    sums = np.sum(array, axis=axis, dtype=np.float64)
    wrong = np.abs(sums - 1) > tolerance
    if wrong.any():
        raise InvalidInputError(
            f"'{name}' must sum to 1 along axis {axis} within {tolerance:.2g} "
            f"(got {sums[wrong].flat[0].item()!r} at index {np.argwhere(wrong)[0].tolist()})"
        )
