"""Likelihoods and their logarithms, derived with SymPy (chapters 1 and 2).

Every function returns SymPy expressions (or a small dict of them). Functions
over a sample take **sequences** of SymPy expressions (or numbers), one entry
per observation, and return the explicit finite sum, so that
``sympy.lambdify([y, p], expr)`` turns the result into a numeric function of
two arrays. A single symbol is treated as a sample of size one.

>>> import sympy as sp
>>> from lossbook.derive import bernoulli_log_likelihood
>>> y = sp.symbols("y0:2")
>>> p = sp.symbols("p0:2")
>>> bernoulli_log_likelihood(y, p)
y0*log(p0) + y1*log(p1) + (1 - y0)*log(1 - p0) + (1 - y1)*log(1 - p1)
"""

import sympy as sp

__all__ = [
    "bernoulli_log_likelihood",
    "binary_cross_entropy_sum",
    "binomial_likelihood",
    "binomial_mle",
    "self_information_from_axioms",
    "gaussian_negative_log_likelihood",
    "gaussian_variance_mle",
    "laplace_negative_log_likelihood",
    "laplace_scale_mle",
    "multinomial_log_likelihood",
    "smoothed_target",
    "smoothed_cross_entropy",
    "sigmoid_mse",
    "sigmoid_cross_entropy",
    "logit_derivatives",
    "in_terms_of_sigmoid",
]


def _sample(*sequences):
    """Sympify equal-length sequences (a lone expression is a sequence of one)."""
    out = []
    for seq in sequences:
        if isinstance(seq, (list, tuple)):
            out.append([sp.sympify(v) for v in seq])
        else:
            out.append([sp.sympify(seq)])
    lengths = {len(s) for s in out}
    if len(lengths) != 1:
        raise ValueError(f"the sequences have different lengths: {sorted(len(s) for s in out)}")
    if 0 in lengths:
        raise ValueError("the sample is empty")
    return out


def _sigmoid(z):
    # The logistic function written as SymPy sees it; lossbook.activations.sigmoid is its numeric twin.
    return 1 / (1 + sp.exp(-z))


def bernoulli_log_likelihood(y, p):
    r"""Log-likelihood of binary labels under predicted probabilities.

    .. math::

        \log L = \sum_{i=1}^{n} \left[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \right]

    It is the logarithm of :math:`\prod_i p_i^{y_i} (1 - p_i)^{1 - y_i}`, the
    probability of the labels when label :math:`i` is 1 with probability
    :math:`p_i`.

    Parameters
    ----------
    y, p : sequence of sympy.Expr, or sympy.Expr
        Labels (0 or 1) and predicted probabilities, one per observation; a
        single expression is a sample of one. Same length.

    Returns
    -------
    sympy.Expr
        The explicit sum.

    Raises
    ------
    ValueError
        If the sequences are empty or differ in length.

    See Also
    --------
    binary_cross_entropy_sum : its negative.
    lossbook.losses.binary_cross_entropy : the numeric loss (its mean form).
    Chapter 1, "How loss functions are designed" (the cat classifier).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import bernoulli_log_likelihood
    >>> y, p = sp.symbols("y p")
    >>> bernoulli_log_likelihood(y, p)
    y*log(p) + (1 - y)*log(1 - p)
    >>> print(round(float(bernoulli_log_likelihood([1, 0], [0.8, 0.3])), 6))
    -0.579818
    """
    y, p = _sample(y, p)
    return sp.Add(*[yi * sp.log(pi) + (1 - yi) * sp.log(1 - pi) for yi, pi in zip(y, p)])


def binary_cross_entropy_sum(y, p):
    r"""Binary cross-entropy summed over a sample: the negative Bernoulli log-likelihood.

    .. math::

        \mathrm{BCE} = -\sum_{i=1}^{n} \left[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \right]

    Parameters
    ----------
    y, p : sequence of sympy.Expr, or sympy.Expr
        As in :func:`bernoulli_log_likelihood`.

    Returns
    -------
    sympy.Expr
        ``-bernoulli_log_likelihood(y, p)``; divided by ``n`` it is
        ``lossbook.losses.binary_cross_entropy(p, y)`` (reduction ``'mean'``).

    See Also
    --------
    bernoulli_log_likelihood
    Chapter 1, and chapter 2 ("Bernoulli to BCE").

    Examples
    --------
    >>> from lossbook.derive import binary_cross_entropy_sum
    >>> print(round(float(binary_cross_entropy_sum([1, 0], [0.8, 0.3])), 6))
    0.579818
    """
    return -bernoulli_log_likelihood(y, p)


def binomial_likelihood(k, n, p, *, coefficient=False):
    r"""Likelihood of ``k`` heads in ``n`` flips of a coin with heads-probability ``p``.

    .. math::

        L(p) = p^k (1 - p)^{n - k}
        \quad\text{or, with ``coefficient=True``,}\quad
        \binom{n}{k} p^k (1 - p)^{n - k}

    The coefficient does not depend on ``p``, so it moves neither the
    maximiser nor the shape of the curve; by default it is left out (the
    probability of one particular sequence of flips).

    Parameters
    ----------
    k, n : int or sympy.Expr
        Heads and flips.
    p : sympy.Expr or number
        The probability of heads.
    coefficient : bool, optional
        Multiply by :math:`\binom{n}{k}` (the probability of *some* sequence with
        ``k`` heads). Default False.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    binomial_mle : its maximiser, ``k/n``.
    Chapter 1 (the 7-heads-in-10 coin).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import binomial_likelihood
    >>> p = sp.Symbol("p")
    >>> binomial_likelihood(7, 10, p)
    p**7*(1 - p)**3
    >>> binomial_likelihood(7, 10, sp.Rational(7, 10), coefficient=True)
    66706983/250000000
    """
    k, n, p = sp.sympify(k), sp.sympify(n), sp.sympify(p)
    likelihood = p**k * (1 - p) ** (n - k)
    if coefficient:
        return sp.binomial(n, k) * likelihood
    return likelihood


def binomial_mle(k, n):
    r"""The maximum-likelihood heads-probability for ``k`` heads in ``n`` flips, solved by SymPy.

    Sets the derivative of the log-likelihood to zero,

    .. math::

        \frac{d}{dp}\left[k \log p + (n - k)\log(1 - p)\right]
        = \frac{k}{p} - \frac{n - k}{1 - p} = 0
        \quad\Longrightarrow\quad \hat p = \frac{k}{n},

    and returns the unique root in (0, 1) (a maximum: the log-likelihood is
    concave in ``p``). For ``k = 0`` or ``k = n`` the maximum sits on the
    boundary, 0 or 1, which is still ``k/n``.

    Parameters
    ----------
    k, n : int or sympy.Expr
        Heads and flips (symbols are taken as positive, with ``0 < k < n``).

    Returns
    -------
    sympy.Expr
        ``k/n``.

    See Also
    --------
    binomial_likelihood
    Chapter 1 (the coin).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import binomial_mle
    >>> binomial_mle(7, 10)
    7/10
    >>> k, n = sp.symbols("k n", positive=True)
    >>> binomial_mle(k, n)
    k/n
    """
    k, n = sp.sympify(k), sp.sympify(n)
    if k.is_number and n.is_number and (k == 0 or k == n):
        return k / n
    p = sp.Dummy("p", positive=True)
    score = sp.diff(k * sp.log(p) + (n - k) * sp.log(1 - p), p)
    (root,) = sp.solve(sp.together(score), p)
    return sp.simplify(root)


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
        :math:`f(1) = 0`, :math:`c \log p`; ``'information'``: :math:`-\log p / \log b`.

    See Also
    --------
    lossbook.information.self_information : the numeric function.
    Chapter 1 (self-information).

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


def gaussian_negative_log_likelihood(y, mu, sigma):
    r"""Negative log-likelihood of observations ``y`` under Gaussian noise around predictions ``mu``.

    .. math::

        -\log \prod_{i=1}^n \frac{1}{\sqrt{2\pi}\,\sigma}
        \exp\!\left(-\frac{(y_i - \mu_i)^2}{2\sigma^2}\right)
        = \frac{n}{2}\log(2\pi\sigma^2) + \frac{1}{2\sigma^2}\sum_{i=1}^n (y_i - \mu_i)^2

    For a fixed :math:`\sigma` it is a constant plus a positive multiple of
    the sum of squared errors, so minimising it over the predictions is least
    squares.

    Parameters
    ----------
    y, mu : sequence of sympy.Expr, or sympy.Expr
        Observations and predictions (same length).
    sigma : sympy.Expr or number
        The noise standard deviation (positive).

    Returns
    -------
    sympy.Expr
        The logarithm expanded: the right-hand side above, as an explicit sum.

    See Also
    --------
    gaussian_variance_mle : its minimiser in :math:`\sigma^2`.
    lossbook.losses.mse_loss : the mean of the squared errors.
    Chapter 2 (Gaussian noise to MSE).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import gaussian_negative_log_likelihood
    >>> y, mu = sp.symbols("y mu")
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> gaussian_negative_log_likelihood(y, mu, sigma)
    log(sigma) + log(2)/2 + log(pi)/2 + (-mu + y)**2/(2*sigma**2)
    """
    y, mu = _sample(y, mu)
    sigma = sp.sympify(sigma)
    density = [sp.exp(-((yi - mi) ** 2) / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma) for yi, mi in zip(y, mu)]
    return sp.Add(*[-sp.expand_log(sp.log(d), force=True) for d in density])


def gaussian_variance_mle(y, mu):
    r"""Maximum-likelihood noise variance under Gaussian noise: the mean squared residual.

    .. math::

        \frac{\partial}{\partial \sigma^2}\left[\frac{n}{2}\log(2\pi\sigma^2)
        + \frac{1}{2\sigma^2}\sum_i (y_i - \mu_i)^2\right] = 0
        \quad\Longrightarrow\quad
        \hat\sigma^2 = \frac{1}{n}\sum_{i=1}^n (y_i - \mu_i)^2

    Parameters
    ----------
    y, mu : sequence of sympy.Expr, or sympy.Expr
        Observations and predictions (same length).

    Returns
    -------
    sympy.Expr
        :math:`\hat\sigma^2`, solved by SymPy from
        :func:`gaussian_negative_log_likelihood`.

    See Also
    --------
    gaussian_negative_log_likelihood
    lossbook.losses.mse_loss : the same number, ``mse_loss(mu, y)``.
    Chapter 2.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import gaussian_variance_mle
    >>> gaussian_variance_mle([1, 2, 4], [1, 1, 1])
    10/3
    """
    y, mu = _sample(y, mu)
    v = sp.Symbol("v", positive=True)  # the variance sigma**2
    nll = gaussian_negative_log_likelihood(y, mu, sp.sqrt(v))
    squares = sp.Add(*[(yi - mi) ** 2 for yi, mi in zip(y, mu)])
    nll = sp.expand_log(nll, force=True)
    s = sp.Dummy("S", positive=True)
    # The squared errors enter only through their sum; a positive stand-in keeps the solver on the real branch.
    nll = nll.subs(sp.Add(*[(yi - mi) ** 2 / (2 * v) for yi, mi in zip(y, mu)]), s / (2 * v))
    (root,) = sp.solve(sp.diff(nll, v), v)
    return sp.simplify(root.subs(s, squares))


def laplace_negative_log_likelihood(y, mu, b):
    r"""Negative log-likelihood of observations ``y`` under Laplace noise of scale ``b`` around ``mu``.

    .. math::

        -\log \prod_{i=1}^n \frac{1}{2b}\exp\!\left(-\frac{|y_i - \mu_i|}{b}\right)
        = n \log(2b) + \frac{1}{b}\sum_{i=1}^n |y_i - \mu_i|

    For a fixed :math:`b` it is a constant plus a positive multiple of the sum
    of absolute errors: minimising it is least absolute deviations (L1).

    Parameters
    ----------
    y, mu : sequence of sympy.Expr, or sympy.Expr
        Observations and predictions (same length).
    b : sympy.Expr or number
        The noise scale (positive).

    Returns
    -------
    sympy.Expr

    See Also
    --------
    laplace_scale_mle : its minimiser in :math:`b`.
    lossbook.losses.l1_loss : the mean absolute error.
    Chapter 2 (Laplace noise to L1).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import laplace_negative_log_likelihood
    >>> y, mu = sp.symbols("y mu", real=True)
    >>> b = sp.Symbol("b", positive=True)
    >>> laplace_negative_log_likelihood(y, mu, b)
    log(b) + log(2) + Abs(mu - y)/b
    """
    y, mu = _sample(y, mu)
    b = sp.sympify(b)
    density = [sp.exp(-sp.Abs(yi - mi) / b) / (2 * b) for yi, mi in zip(y, mu)]
    return sp.Add(*[-sp.expand_log(sp.log(d), force=True) for d in density])


def laplace_scale_mle(y, mu):
    r"""Maximum-likelihood scale under Laplace noise: the mean absolute residual.

    .. math::

        \frac{\partial}{\partial b}\left[n \log(2b) + \frac{1}{b}\sum_i |y_i - \mu_i|\right]
        = \frac{n}{b} - \frac{1}{b^2}\sum_i |y_i - \mu_i| = 0
        \quad\Longrightarrow\quad
        \hat b = \frac{1}{n}\sum_{i=1}^n |y_i - \mu_i|

    Parameters
    ----------
    y, mu : sequence of sympy.Expr, or sympy.Expr
        Observations and predictions (same length).

    Returns
    -------
    sympy.Expr
        :math:`\hat b`, solved by SymPy from :func:`laplace_negative_log_likelihood`.

    See Also
    --------
    laplace_negative_log_likelihood
    lossbook.losses.l1_loss : the same number, ``l1_loss(mu, y)``.
    Chapter 2.

    Examples
    --------
    >>> from lossbook.derive import laplace_scale_mle
    >>> laplace_scale_mle([1, 2, 4], [1, 1, 1])
    4/3
    """
    y, mu = _sample(y, mu)
    b = sp.Symbol("b", positive=True)
    s = sp.Dummy("S", positive=True)
    absolute = sp.Add(*[sp.Abs(yi - mi) for yi, mi in zip(y, mu)])
    nll = laplace_negative_log_likelihood(y, mu, b)
    # The absolute errors enter only through their sum; a positive stand-in avoids Abs in the solver.
    nll = nll.subs(sp.Add(*[sp.Abs(yi - mi) / b for yi, mi in zip(y, mu)]), s / b)
    (root,) = sp.solve(sp.diff(nll, b), b)
    return sp.simplify(root.subs(s, absolute))


def multinomial_log_likelihood(y, q):
    r"""Log-likelihood of a (one-hot or soft) target ``y`` under predicted class probabilities ``q``.

    .. math::

        \log \prod_{c=1}^{C} q_c^{y_c} = \sum_{c=1}^{C} y_c \log q_c

    With a one-hot target (:math:`y_t = 1`) it is :math:`\log q_t`; its
    negative is the negative log-likelihood (NLL) of the true class, and for a
    soft target the cross-entropy :math:`H(y, q)`.

    Parameters
    ----------
    y, q : sequence of sympy.Expr
        The target and the predicted probabilities over the ``C`` classes of
        one example (same length).

    Returns
    -------
    sympy.Expr

    See Also
    --------
    lossbook.losses.nll_loss : ``-log q_t`` averaged over a batch.
    smoothed_cross_entropy : the same with a label-smoothed target.
    Chapter 2 (multiclass NLL).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import multinomial_log_likelihood
    >>> q = sp.symbols("q0:3")
    >>> multinomial_log_likelihood([0, 1, 0], q)
    log(q1)
    """
    y, q = _sample(y, q)
    return sp.Add(*[yc * sp.log(qc) for yc, qc in zip(y, q)])


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
    smoothed_cross_entropy
    Chapter 2 (label smoothing).

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
        = (1 - \varepsilon)\,\mathrm{NLL} + \varepsilon \left(-\frac{1}{C}\sum_c \log q_c\right)

    Parameters
    ----------
    y, q : sequence of sympy.Expr
        One-hot target and predicted probabilities (same length ``C``).
    epsilon : sympy.Expr or number
        The smoothing weight.

    Returns
    -------
    sympy.Expr
        ``-multinomial_log_likelihood(smoothed_target(y, epsilon), q)``.

    See Also
    --------
    lossbook.losses.cross_entropy : with ``label_smoothing=epsilon``, on logits.
    Chapter 2 (label smoothing).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import smoothed_cross_entropy
    >>> q = sp.symbols("q0:2")
    >>> smoothed_cross_entropy([1, 0], q, sp.Rational(1, 5))
    -9*log(q0)/10 - log(q1)/10
    """
    return -multinomial_log_likelihood(smoothed_target(y, epsilon), q)


def sigmoid_mse(z, y):
    r"""Squared error of a sigmoid output against a label, as a function of the logit.

    .. math::

        \ell(z) = (\sigma(z) - y)^2, \qquad \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    z, y : sympy.Expr
        The logit and the label.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    sigmoid_cross_entropy, logit_derivatives
    lossbook.losses.mse_loss : on ``sigmoid(z)``.
    Chapter 2 (why MSE is a poor classification loss).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import sigmoid_mse
    >>> z, y = sp.symbols("z y", real=True)
    >>> sigmoid_mse(z, y)
    (-y + 1/(1 + exp(-z)))**2
    """
    return (_sigmoid(sp.sympify(z)) - sp.sympify(y)) ** 2


def sigmoid_cross_entropy(z, y):
    r"""Binary cross-entropy of a sigmoid output against a label, as a function of the logit.

    .. math::

        \ell(z) = -y \log\sigma(z) - (1 - y)\log(1 - \sigma(z))

    Parameters
    ----------
    z, y : sympy.Expr
        The logit and the label.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    sigmoid_mse, logit_derivatives
    lossbook.losses.binary_cross_entropy_with_logits : the numeric loss.
    Chapter 2.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import sigmoid_cross_entropy
    >>> z = sp.Symbol("z", real=True)
    >>> print(round(float(sigmoid_cross_entropy(0, 1)), 6))
    0.693147
    """
    return binary_cross_entropy_sum(sp.sympify(y), _sigmoid(sp.sympify(z)))


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
    logit_derivatives
    Chapter 2.

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


def logit_derivatives(z, y):
    r"""First and second derivatives, in the logit, of MSE and cross-entropy through a sigmoid.

    With :math:`\sigma = \sigma(z)` and :math:`\sigma' = \sigma(1 - \sigma)`:

    .. math::

        \frac{d}{dz}(\sigma - y)^2 &= 2(\sigma - y)\,\sigma(1 - \sigma) \\
        \frac{d^2}{dz^2}(\sigma - y)^2 &= 2\sigma(1 - \sigma)\left[\sigma(1 - \sigma) + (\sigma - y)(1 - 2\sigma)\right] \\
        \frac{d}{dz}\,\mathrm{CE} &= \sigma - y \\
        \frac{d^2}{dz^2}\,\mathrm{CE} &= \sigma(1 - \sigma) > 0

    The MSE gradient carries the factor :math:`\sigma(1 - \sigma)`, which
    vanishes for a confident wrong answer, and its second derivative changes
    sign (MSE through a sigmoid is not convex in :math:`z`); the
    cross-entropy's second derivative never does (it is convex).

    Parameters
    ----------
    z, y : sympy.Expr
        The logit and the label.

    Returns
    -------
    dict
        ``{'mse': (loss, first, second), 'cross_entropy': (loss, first, second)}``,
        each derivative simplified, as expressions in ``z`` and ``y``.

    See Also
    --------
    sigmoid_mse, sigmoid_cross_entropy, in_terms_of_sigmoid
    lossbook.gradients.binary_cross_entropy_with_logits : the numeric gradient.
    Chapter 2.

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
