r"""Information and cross-entropy, derived with SymPy.

Self-information solved from its axioms; the cross-entropy of two Bernoulli
distributions built from the definition :math:`H(P, Q) = -\sum_x P(x)\log Q(x)`;
cross-entropy split into entropy plus KL divergence; label smoothing. Every
function returns SymPy expressions (or a small dict or list of them).

>>> import sympy as sp
>>> from lossbook.derive import binary_cross_entropy
>>> y, p = sp.symbols("y p")
>>> binary_cross_entropy(y, p)
-y*log(p) - (1 - y)*log(1 - p)
"""

import sympy as sp

from .._docs import fill_doc
from ._symbols import _sample

__all__ = [
    "self_information_from_axioms",
    "binary_cross_entropy",
    "cross_entropy_decomposition",
    "smoothed_target",
    "smoothed_cross_entropy",
]


def _cross_entropy(P, Q):
    """-sum_x P(x) log Q(x) over the outcomes of two equal-length sequences."""
    return -sp.Add(*[px * sp.log(qx) for px, qx in zip(P, Q)])


def self_information_from_axioms(p=None, base=None):
    r"""Solve for self-information from its two requirements.

    Requirements on :math:`f`, the information of an event of probability
    :math:`p`: additivity over independent events, :math:`f(xy) = f(x) + f(y)`,
    and :math:`f` decreasing. Differentiating the functional equation with
    respect to :math:`x` and setting :math:`x = 1` gives
    :math:`y f'(y) = f'(1) = c`; setting :math:`x = y = 1` in it gives
    :math:`f(1) = 0`. SymPy solves the ODE :math:`f'(p) = c/p` with
    :math:`f(1) = 0`, giving :math:`c \log p`; decreasing needs :math:`c < 0`,
    written :math:`c = -1/\log b` with :math:`b > 1` the unit's base:

    .. math::

        f(p) = -\log_b p

    Parameters
    ----------
    p, base : sympy.Symbol, optional
        The probability and the base; default positive symbols ``p`` and ``b``.

    Returns
    -------
    dict of sympy objects
        ``'functional_equation'``: :math:`f(xy) - f(x) - f(y) = 0`;
        ``'differentiated'``: its derivative in :math:`x`, at :math:`x = 1`;
        ``'ode'``: :math:`f'(p) = c/p`; ``'general'``: the solution with
        :math:`f(1) = 0`, :math:`c \log p`; ``'information'``:
        :math:`-\log p / \log b`.

    See Also
    --------
    lossbook.information.self_information : the numeric function. Derived in chapter 1, "How
        loss functions are designed" (self-information).

    Examples
    --------
    >>> from lossbook.derive import self_information_from_axioms
    >>> steps = self_information_from_axioms()
    >>> steps["general"]
    c*log(p)
    >>> steps["information"]
    -log(p)/log(b)
    >>> import sympy as sp
    >>> p, b = sp.symbols("p b", positive=True)
    >>> sp.simplify(steps["information"].subs({p: sp.Rational(1, 8), b: 2}))
    3
    """
    p = sp.Symbol("p", positive=True) if p is None else p
    base = sp.Symbol("b", positive=True) if base is None else base
    x, y, c = sp.symbols("x y c", positive=True)
    f = sp.Function("f")
    functional = sp.Eq(f(x * y) - f(x) - f(y), 0)
    differentiated = sp.Eq(sp.diff(functional.lhs, x).subs(x, 1).doit(), 0)
    ode = sp.Eq(f(p).diff(p), c / p)
    general = sp.dsolve(ode, f(p), ics={f(1): 0}).rhs
    information = general.subs(c, -1 / sp.log(base))
    return {
        "functional_equation": functional,
        "differentiated": differentiated,
        "ode": ode,
        "general": general,
        "information": information,
    }


@fill_doc
def binary_cross_entropy(y, p):
    r"""Binary cross-entropy summed over a sample, built from the definition of cross-entropy.

    For each sample, :math:`P = \mathrm{Bernoulli}(y_i)` and
    :math:`Q = \mathrm{Bernoulli}(p_i)`, and the cross-entropy
    :math:`H(P, Q) = -\sum_{x \in \{0, 1\}} P(x) \log Q(x)` runs over the two
    outcomes; the samples' cross-entropies are summed:

    .. math::

        \mathrm{BCE} = \sum_{i=1}^{n} H(P_i, Q_i)
        = -\sum_{i=1}^{n} \left[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \right]

    No likelihood enters here, so that "BCE is the negative Bernoulli
    log-likelihood" is a check between two independent roads (see
    :func:`lossbook.derive.likelihoods.bernoulli_log_likelihood`).

    Parameters
    ----------
    y, p : sequence of sympy.Expr, or sympy.Expr
        Targets (labels in {0, 1}, or soft labels in [0, 1]) and predicted
        probabilities, one per sample; a single expression is a sample of one.

    Returns
    -------
    sympy.Expr
        The explicit sum; divided by ``n`` it is
        ``lossbook.losses.binary_cross_entropy(p, y)`` (reduction ``'mean'``).

    <<sample_raises>>

    See Also
    --------
    lossbook.derive.likelihoods.bernoulli_log_likelihood : its negative, from the likelihood.
    lossbook.losses.binary_cross_entropy : the numeric loss. Derived in chapter 1, "How loss
        functions are designed". Chapter 4 returns to it.

    Examples
    --------
    >>> from lossbook.derive import binary_cross_entropy
    >>> print(round(float(binary_cross_entropy([1, 0], [0.8, 0.3])), 6))
    0.579818
    """
    y, p = _sample(y, p)
    # Outcomes x = 1 and x = 0: P(1) = y, P(0) = 1 - y; Q(1) = p, Q(0) = 1 - p.
    return sp.Add(*[_cross_entropy([yi, 1 - yi], [pi, 1 - pi]) for yi, pi in zip(y, p)])


@fill_doc
def cross_entropy_decomposition(p, q):
    r"""Cross-entropy, entropy and KL divergence of two discrete distributions.

    .. math::

        H(p, q) = -\sum_k p_k\log q_k = H(p) + D_{\mathrm{KL}}(p\,\Vert\,q)

    :math:`H(p)` does not depend on :math:`q`, so minimising the cross-entropy
    over :math:`q` and minimising the KL divergence have the same minimiser.

    Parameters
    ----------
    p, q : sequence of sympy.Expr
        Probabilities, same length.

    Returns
    -------
    dict
        ``"cross_entropy"``, ``"entropy"``, ``"kl"`` (explicit sums).

    <<sample_raises>>

    See Also
    --------
    lossbook.information.kl_divergence : the numeric KL divergence.
    lossbook.information.cross_entropy : the numeric cross-entropy. Derived in chapter 1, "How
        loss functions are designed". Chapter 3 returns to it.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import cross_entropy_decomposition
    >>> p, q = sp.symbols("p0:2", positive=True), sp.symbols("q0:2", positive=True)
    >>> r = cross_entropy_decomposition(p, q)
    >>> sp.simplify(sp.expand_log(r["entropy"] + r["kl"] - r["cross_entropy"], force=True))
    0
    """
    p, q = _sample(p, q)
    return {
        "cross_entropy": -sum(pk * sp.log(qk) for pk, qk in zip(p, q)),
        "entropy": -sum(pk * sp.log(pk) for pk in p),
        "kl": sum(pk * sp.log(pk / qk) for pk, qk in zip(p, q)),
    }


def smoothed_target(y, epsilon):
    r"""The label-smoothed target: the one-hot target mixed with the uniform distribution.

    .. math::

        \tilde y_c = (1 - \varepsilon)\, y_c + \frac{\varepsilon}{C}

    This is PyTorch's convention for ``label_smoothing`` (the uniform part
    includes the true class).

    Parameters
    ----------
    y : sequence of sympy.Expr
        The target over the ``C`` classes.
    epsilon : sympy.Expr or number
        The smoothing weight, in [0, 1].

    Returns
    -------
    list of sympy.Expr

    See Also
    --------
    smoothed_cross_entropy : the cross-entropy against this target. Derived in chapter 2, "Loss
        functions from a probabilistic view" (label smoothing).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import smoothed_target
    >>> smoothed_target([0, 1, 0, 0], sp.Rational(1, 10))
    [1/40, 37/40, 1/40, 1/40]
    """
    (y,) = _sample(y)
    epsilon = sp.sympify(epsilon)
    return [(1 - epsilon) * yc + epsilon / len(y) for yc in y]


def smoothed_cross_entropy(y, q, epsilon):
    r"""Cross-entropy of predicted probabilities ``q`` against the label-smoothed target.

    .. math::

        -\sum_{c=1}^{C} \left[(1 - \varepsilon) y_c + \frac{\varepsilon}{C}\right] \log q_c
        = (1 - \varepsilon)\,\mathrm{NLL}
        + \varepsilon \left(-\frac{1}{C}\sum_c \log q_c\right)

    Parameters
    ----------
    y, q : sequence of sympy.Expr
        One-hot target and predicted probabilities (same length ``C``).
    epsilon : sympy.Expr or number
        The smoothing weight.

    Returns
    -------
    sympy.Expr
        :math:`H(\tilde y, q)` with :math:`\tilde y` = ``smoothed_target(y, epsilon)``.

    See Also
    --------
    smoothed_target : the target it uses.
    lossbook.losses.cross_entropy : with ``label_smoothing=epsilon``, on logits. Derived in
        chapter 2, "Loss functions from a probabilistic view" (label smoothing).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import smoothed_cross_entropy
    >>> q = sp.symbols("q0:2")
    >>> smoothed_cross_entropy([1, 0], q, sp.Rational(1, 5))
    -9*log(q0)/10 - log(q1)/10
    """
    target = smoothed_target(y, epsilon)
    (q,) = _sample(q)
    if len(q) != len(target):
        raise ValueError(f"the target has {len(target)} classes but q has {len(q)} probabilities")
    return _cross_entropy(target, q)
