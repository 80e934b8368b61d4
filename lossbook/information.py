"""Self-information, entropy, cross-entropy and KL divergence of discrete distributions.

Every function takes ``base``: 2 measures in bits, ``e`` (the default, as in
``scipy.stats.entropy`` and PyTorch's losses) in nats. Distributions lie along
``axis`` and are checked: each element in [0, 1], each slice summing to 1
within the square root of the dtype's machine epsilon. The convention
:math:`0 \\log 0 = 0` holds throughout.
"""

import numpy as np
from scipy import special

from ._docs import fill_doc
from ._inputs import (
    as_float_array,
    check_base,
    check_distribution,
    check_in_unit_interval,
    check_same_shape,
)

__all__ = ["self_information", "entropy", "cross_entropy", "kl_divergence", "binary_entropy"]


def _in_base(nats, base):
    """``nats`` converted to the logarithm ``base`` (checked by the caller, before computing)."""
    return nats / nats.dtype.type(np.log(base))


def _total(terms, axis, base):
    """The sum of ``terms`` (in nats) along ``axis``, converted to the logarithm ``base``."""
    return _in_base(np.sum(terms, axis=axis), base)


def _distributions(p, q, axis, base):
    """``p`` and ``q`` checked as distributions of one shape along ``axis``, in one dtype."""
    check_base(base)
    p = as_float_array(p, "p")
    q = as_float_array(q, "q")
    check_same_shape(q.shape, p.shape, "q", "p")
    check_distribution(p, "p", axis)
    check_distribution(q, "q", axis)
    dtype = np.result_type(p, q)
    return p.astype(dtype, copy=False), q.astype(dtype, copy=False)


@fill_doc
def self_information(p, *, base=np.e):
    r"""The self-information (surprise) of an event of probability ``p``.

    Introduced in chapter 1, *How loss functions are designed*.

    .. math::

        I(p) = -\log_b p

    The unique decreasing function, up to the choice of base, that adds over
    independent events: :math:`I(pq) = I(p) + I(q)`.

    <<probabilities_parameters>>

    Returns
    -------
    ndarray
        Non-negative; ``inf`` where ``p == 0`` and ``0`` where ``p == 1``.

    Raises
    ------
    ValueError
        If an element of ``p`` lies outside [0, 1], or ``base`` is not positive or is 1.

    See Also
    --------
    entropy : the expected self-information.

    Examples
    --------
    >>> from lossbook.information import self_information
    >>> print(self_information([1 / 8, 1 / 4, 1 / 2], base=2))
    [3. 2. 1.]
    """
    check_base(base)
    p = as_float_array(p, "p")
    check_in_unit_interval(p, "p")
    with np.errstate(divide="ignore"):
        return _in_base(-np.log(p), base)


@fill_doc
def entropy(p, *, base=np.e, axis=-1):
    r"""The Shannon entropy of the distributions along ``axis``.

    Introduced in chapter 1, *How loss functions are designed*.

    .. math::

        H(P) = -\sum_i p_i \log_b p_i, \qquad 0 \log 0 = 0

    Parameters
    ----------
    p : array_like
        Probability distributions along ``axis``.
    <<base>>
    <<outcome_axis>>

    Returns
    -------
    ndarray
        Between 0 (a certain outcome) and :math:`\log_b C` (uniform over C outcomes).

    Raises
    ------
    ValueError
        If ``p`` is not a distribution along ``axis``.

    Examples
    --------
    >>> from lossbook.information import entropy
    >>> print(entropy([0.5, 0.25, 0.125, 0.125], base=2))
    1.75
    """
    check_base(base)
    p = as_float_array(p, "p")
    check_distribution(p, "p", axis)
    # entr(p) = -p log p with entr(0) = 0, so impossible outcomes contribute nothing.
    return _total(special.entr(p), axis, base)


@fill_doc
def cross_entropy(p, q, *, base=np.e, axis=-1):
    r"""The cross-entropy of ``q`` relative to ``p``, along ``axis``.

    Introduced in chapter 1, *How loss functions are designed* and chapter 2, *Loss functions from
    a probabilistic view*.

    .. math::

        H(P, Q) = -\sum_i p_i \log_b q_i = H(P) + D_{\mathrm{KL}}(P \,\|\, Q)

    Parameters
    ----------
    p : array_like
        The true distributions.
    q : array_like
        The model's distributions, of the same shape as ``p``.
    <<base>>
    <<outcome_axis>>

    Returns
    -------
    ndarray
        At least ``entropy(p)``; ``inf`` where some :math:`q_i = 0 < p_i`.

    <<distributions_raises>>

    See Also
    --------
    lossbook.losses.cross_entropy : the loss on logits, as in PyTorch.

    Examples
    --------
    >>> from lossbook.information import cross_entropy
    >>> print(round(float(cross_entropy([1.0, 0.0], [0.8, 0.2], base=2)), 4))
    0.3219
    """
    p, q = _distributions(p, q, axis, base)
    # xlogy(0, q) = 0 even for q = 0, so outcomes that P rules out cost nothing.
    with np.errstate(divide="ignore"):
        return _total(-special.xlogy(p, q), axis, base)


@fill_doc
def kl_divergence(p, q, *, base=np.e, axis=-1):
    r"""The Kullback-Leibler divergence (relative entropy) of ``q`` from ``p``, along ``axis``.

    Introduced in chapter 1, *How loss functions are designed* and chapter 2, *Loss functions from
    a probabilistic view*.

    .. math::

        D_{\mathrm{KL}}(P \,\|\, Q) = \sum_i p_i \log_b \frac{p_i}{q_i}

    Non-negative, and zero only when :math:`P = Q` (Gibbs' inequality); not
    symmetric in its arguments.

    Parameters
    ----------
    p : array_like
        The true distributions.
    q : array_like
        The approximating distributions, of the same shape as ``p``.
    <<base>>
    <<outcome_axis>>

    Returns
    -------
    ndarray
        Non-negative; ``inf`` where some :math:`q_i = 0 < p_i`.

    <<distributions_raises>>

    See Also
    --------
    lossbook.losses.kl_div : the loss on log-probabilities, as in PyTorch.

    Examples
    --------
    >>> from lossbook.information import kl_divergence
    >>> p, q = [0.5, 0.5], [0.9, 0.1]
    >>> print(round(float(kl_divergence(p, q, base=2)), 4))
    0.737
    >>> print(round(float(kl_divergence(q, p, base=2)), 4))  # not symmetric
    0.531
    """
    p, q = _distributions(p, q, axis, base)
    # rel_entr computes p log(p / q) in one logarithm: accurate when p is close
    # to q, where p log p - p log q would cancel; and 0 where p = 0.
    return _total(special.rel_entr(p, q), axis, base)


@fill_doc
def binary_entropy(p, *, base=np.e):
    r"""The entropy of a Bernoulli variable with success probability ``p``, element-wise.

    Introduced in chapter 1, *How loss functions are designed*.

    .. math::

        H_b(p) = -p \log_b p - (1 - p) \log_b (1 - p)

    <<probabilities_parameters>>

    Returns
    -------
    ndarray
        0 at ``p`` of 0 or 1; the maximum, one bit, at ``p = 0.5``.

    Raises
    ------
    ValueError
        If an element of ``p`` lies outside [0, 1].

    Examples
    --------
    >>> from lossbook.information import binary_entropy
    >>> print(binary_entropy([0.0, 0.5, 0.9], base=2).round(4))
    [0.     1.     0.469]
    """
    check_base(base)
    p = as_float_array(p, "p")
    check_in_unit_interval(p, "p")
    # entr gives 0 log 0 = 0 at both ends; 1 - p is exact for p in [0.5, 1].
    return _in_base(special.entr(p) + special.entr(1 - p), base)
