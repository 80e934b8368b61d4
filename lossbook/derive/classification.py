"""Sigmoid against softmax, and the Bernoulli maximum-likelihood estimate (chapter 5).

Every function returns SymPy expressions (or a small tuple of them).

>>> import sympy as sp
>>> from lossbook.derive import two_class_softmax_as_sigmoid
>>> softmax_first, sigmoid_diff = two_class_softmax_as_sigmoid(*sp.symbols("z1 z2", real=True))
>>> sp.simplify(softmax_first - sigmoid_diff)
0
"""

import sympy as sp

from .likelihood import bernoulli_log_likelihood

__all__ = [
    "two_class_softmax_as_sigmoid",
    "bernoulli_mle",
]


def two_class_softmax_as_sigmoid(z1, z2):
    r"""The first output of a two-class softmax, and the sigmoid of the logit difference.

    .. math::

        \frac{e^{z_1}}{e^{z_1} + e^{z_2}} = \frac{1}{1 + e^{-(z_1 - z_2)}} = \sigma(z_1 - z_2)

    Dividing numerator and denominator by :math:`e^{z_1}` turns the left side
    into the right one, so a two-output softmax layer and a one-output sigmoid
    layer fed with :math:`z_1 - z_2` predict the same probabilities.

    Parameters
    ----------
    z1, z2 : sympy.Expr
        The two logits.

    Returns
    -------
    tuple of sympy.Expr
        ``(softmax_first, sigmoid_of_difference)``; their difference simplifies to 0.

    See Also
    --------
    lossbook.activations.softmax, lossbook.activations.sigmoid : the numeric twins.
    Chapter 5, "Sigmoid, softmax and PyTorch's losses".

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import two_class_softmax_as_sigmoid
    >>> a, b = two_class_softmax_as_sigmoid(sp.Integer(2), sp.Integer(-1))
    >>> print(round(float(a), 6), round(float(b), 6))
    0.952574 0.952574
    """
    z1, z2 = sp.sympify(z1), sp.sympify(z2)
    softmax_first = sp.exp(z1) / (sp.exp(z1) + sp.exp(z2))
    sigmoid_of_difference = 1 / (1 + sp.exp(-(z1 - z2)))
    return softmax_first, sigmoid_of_difference


def bernoulli_mle(y, p=None):
    r"""Maximum-likelihood estimate of a Bernoulli parameter from a sample.

    Sets the derivative of the log-likelihood (one shared :math:`p`) to zero:

    .. math::

        \frac{\partial}{\partial p} \sum_{i=1}^{n} \left[ y_i \log p + (1 - y_i) \log(1 - p) \right] = 0
        \quad\Longrightarrow\quad \hat p = \frac{1}{n} \sum_{i=1}^{n} y_i

    Parameters
    ----------
    y : sequence of sympy.Expr
        The observations (0 or 1, or symbols), one per draw; not empty.
    p : sympy.Symbol, optional
        The parameter symbol; a fresh ``p`` by default.

    Returns
    -------
    sympy.Expr
        The unique stationary point, the sample mean.

    Raises
    ------
    ValueError
        If ``y`` is empty, or the stationary point is not unique.

    See Also
    --------
    lossbook.derive.bernoulli_log_likelihood : the log-likelihood differentiated here.
    lossbook.derive.binomial_mle : the same estimate from the count of ones (chapter 1).
    Chapter 5, "Maximum likelihood for a Bernoulli variable".

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import bernoulli_mle
    >>> bernoulli_mle(sp.symbols("y0:3"))
    y0/3 + y1/3 + y2/3
    >>> bernoulli_mle([1, 0, 1, 1])
    3/4
    """
    y = [sp.sympify(v) for v in (y if isinstance(y, (list, tuple)) else [y])]
    if not y:
        raise ValueError("the sample is empty")
    p = sp.Symbol("p", positive=True) if p is None else p
    log_l = bernoulli_log_likelihood(y, [p] * len(y))
    numerator = sp.numer(sp.together(sp.diff(log_l, p)))
    roots = sp.solve(numerator, p)
    if len(roots) != 1:
        raise ValueError(f"expected one stationary point, found {roots}")
    return sp.expand(roots[0])
