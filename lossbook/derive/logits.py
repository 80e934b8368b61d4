r"""Losses as functions of the logit :math:`z`, derived with SymPy.

The sigmoid's analysis: binary cross-entropy of :math:`\sigma(z)` in its three
forms (probability, logit, overflow-free), squared error through a sigmoid,
their first and second derivatives in :math:`z`, rewriting in
:math:`\sigma`, and the two-class softmax as a sigmoid. Every function returns
SymPy expressions (or a small dict or tuple of them).

>>> import sympy as sp
>>> from lossbook.derive import sigmoid_cross_entropy
>>> z, y = sp.symbols("z y", real=True)
>>> sigmoid_cross_entropy(z, y, form="logit")
z*(1 - y) + log(1 + exp(-z))
"""

import sympy as sp

from .._docs import fill_doc
from ._symbols import _sigmoid
from .information import binary_cross_entropy

__all__ = [
    "sigmoid_cross_entropy",
    "sigmoid_mse",
    "in_terms_of_sigmoid",
    "logit_derivatives",
    "two_class_softmax_as_sigmoid",
]

_FORMS = ("probability", "logit", "stable")


@fill_doc
def sigmoid_cross_entropy(z, y, *, form="probability"):
    r"""Binary cross-entropy of a sigmoid output against a label, as a function of the logit.

    Three forms of one function, equal for every real :math:`z`:

    .. math::

        \text{probability:}\quad & -y \log\sigma(z) - (1 - y)\log(1 - \sigma(z)) \\
        \text{logit:}\quad & \log(1 + e^{-z}) + z(1 - y) \\
        \text{stable:}\quad & \max(z, 0) - z y + \log(1 + e^{-|z|})

    The ``"probability"`` form is
    :func:`lossbook.derive.information.binary_cross_entropy` of
    :math:`\sigma(z) = 1/(1 + e^{-z})`. The ``"logit"`` form follows from
    :math:`\log\sigma(z) = -\log(1 + e^{-z})` and
    :math:`\log(1 - \sigma(z)) = -z - \log(1 + e^{-z})`; in floating point its
    :math:`e^{-z}` overflows for large negative :math:`z`. The ``"stable"``
    form splits at :math:`z = 0` (for :math:`z < 0`, write
    :math:`\log(1 + e^{-z}) = -z + \log(1 + e^{z})`), so that the exponent
    :math:`e^{-|z|} \le 1` never overflows; it is the form PyTorch's
    ``binary_cross_entropy_with_logits`` uses.

    Parameters
    ----------
    <<logit_label>>
    form : {"probability", "logit", "stable"}, default "probability"
        Which of the three forms to return.

    Returns
    -------
    sympy.Expr
        The loss in the chosen form; the three agree for every real ``z``.

    Raises
    ------
    ValueError
        If ``form`` is not one of the three names.

    See Also
    --------
    sigmoid_mse : the squared error through a sigmoid.
    logit_derivatives : its derivatives in the logit.
    lossbook.losses.binary_cross_entropy_with_logits : the numeric loss. Derived in chapter 2,
        "Loss functions from a probabilistic view". Chapter 3 derives the logit and stable
        forms.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import sigmoid_cross_entropy
    >>> z, y = sp.symbols("z y", real=True)
    >>> sigmoid_cross_entropy(z, y)
    -y*log(1/(1 + exp(-z))) - (1 - y)*log(1 - 1/(1 + exp(-z)))
    >>> sigmoid_cross_entropy(z, y, form="stable")
    -y*z + log(1 + exp(-Abs(z))) + Max(0, z)
    >>> print(round(float(sigmoid_cross_entropy(-800, 1, form="stable")), 6))
    800.0
    """
    if form not in _FORMS:
        raise ValueError(f"form must be one of {_FORMS}, not {form!r}")
    z, y = sp.sympify(z), sp.sympify(y)
    if form == "probability":
        return binary_cross_entropy(y, _sigmoid(z))
    if form == "logit":
        return sp.log(1 + sp.exp(-z)) + z * (1 - y)
    return sp.Max(z, 0) - z * y + sp.log(1 + sp.exp(-sp.Abs(z)))


@fill_doc
def sigmoid_mse(z, y):
    r"""Squared error of a sigmoid output against a label, as a function of the logit.

    .. math::

        \ell(z) = (\sigma(z) - y)^2, \qquad \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    <<logit_label>>

    Returns
    -------
    sympy.Expr
        At most 1 for a label in [0, 1], however wrong the logit: a confident
        mistake costs no more than a hesitant one.

    See Also
    --------
    sigmoid_cross_entropy : the cross-entropy through a sigmoid.
    logit_derivatives : its derivatives in the logit.
    lossbook.losses.mse_loss : on ``sigmoid(z)``. Derived in chapter 2, "Loss functions from a
        probabilistic view" (why MSE is a poor classification loss).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import sigmoid_mse
    >>> z = sp.Symbol("z", real=True)
    >>> loss = sigmoid_mse(z, 1)
    >>> loss
    (-1 + 1/(1 + exp(-z)))**2
    >>> sp.limit(loss, z, -sp.oo)  # the most confident mistake
    1
    """
    return (_sigmoid(sp.sympify(z)) - sp.sympify(y)) ** 2


def in_terms_of_sigmoid(expr, z, s):
    r"""Rewrite an expression in the logit ``z`` in terms of ``s = sigmoid(z)``.

    Substitutes :math:`z = \log\frac{s}{1 - s}` (the logit function, inverse
    of the sigmoid) and factors, so that derivatives read as polynomials in
    :math:`\sigma`.

    Parameters
    ----------
    expr : sympy.Expr
    z : sympy.Symbol
        The logit.
    s : sympy.Symbol
        The symbol to stand for :math:`\sigma(z)`; declare it positive.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    logit_derivatives : the derivatives it rewrites. Derived in chapter 2, "Loss functions from
        a probabilistic view".

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import in_terms_of_sigmoid
    >>> z = sp.Symbol("z", real=True)
    >>> s = sp.Symbol("sigma", positive=True)
    >>> in_terms_of_sigmoid(sp.diff(1 / (1 + sp.exp(-z)), z), z, s)
    -sigma*(sigma - 1)
    """
    return sp.factor(sp.simplify(expr.subs(z, sp.log(s / (1 - s)))))


@fill_doc
def logit_derivatives(z, y):
    r"""First and second derivatives, in the logit, of MSE and cross-entropy through a sigmoid.

    With :math:`\sigma = \sigma(z)` and :math:`\sigma' = \sigma(1 - \sigma)`:

    .. math::

        \frac{d}{dz}(\sigma - y)^2 &= 2(\sigma - y)\,\sigma(1 - \sigma) \\
        \frac{d^2}{dz^2}(\sigma - y)^2 &= 2\sigma(1 - \sigma)
        \left[\sigma(1 - \sigma) + (\sigma - y)(1 - 2\sigma)\right] \\
        \frac{d}{dz}\,\mathrm{CE} &= \sigma - y \\
        \frac{d^2}{dz^2}\,\mathrm{CE} &= \sigma(1 - \sigma) > 0

    The MSE gradient carries the factor :math:`\sigma(1 - \sigma)`, which
    vanishes for a confident wrong answer, and its second derivative changes
    sign (MSE through a sigmoid is not convex in :math:`z`); the
    cross-entropy's second derivative never does (it is convex).

    Parameters
    ----------
    <<logit_label>>

    Returns
    -------
    dict
        ``{'mse': (loss, first, second), 'cross_entropy': (loss, first, second)}``,
        each derivative simplified, as expressions in ``z`` and ``y``; the
        losses are :func:`sigmoid_mse` and :func:`sigmoid_cross_entropy`
        (probability form).

    See Also
    --------
    in_terms_of_sigmoid : to read the derivatives as polynomials in sigma.
    lossbook.gradients.binary_cross_entropy_with_logits : the numeric gradient. Derived in
        chapter 2, "Loss functions from a probabilistic view".

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import logit_derivatives, in_terms_of_sigmoid
    >>> z, y = sp.symbols("z y", real=True)
    >>> s = sp.Symbol("sigma", positive=True)
    >>> d = logit_derivatives(z, y)
    >>> in_terms_of_sigmoid(d["cross_entropy"][1], z, s)
    sigma - y
    >>> in_terms_of_sigmoid(d["cross_entropy"][2], z, s)
    -sigma*(sigma - 1)
    """
    z, y = sp.sympify(z), sp.sympify(y)
    out = {}
    for name, loss in (("mse", sigmoid_mse(z, y)), ("cross_entropy", sigmoid_cross_entropy(z, y))):
        first = sp.simplify(sp.diff(loss, z))
        second = sp.simplify(sp.diff(first, z))
        out[name] = (loss, first, second)
    return out


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
    lossbook.activations.softmax : the numeric softmax.
    lossbook.activations.sigmoid : the numeric sigmoid. Derived in chapter 5, "Sigmoid, softmax
        and PyTorch's losses".

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
    return softmax_first, _sigmoid(z1 - z2)
