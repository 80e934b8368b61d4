r"""Likelihoods, their logarithms and their maximisers, derived with SymPy.

Coin (binomial), Bernoulli labels, Gaussian and Laplace noise, a
categorical draw; Poisson counts (with Stirling's series for log y!) and
Gaussians whose variance is predicted too. Every function returns SymPy expressions. Functions over a
sample take **sequences** of SymPy expressions (or numbers), one entry per
observation, and return the explicit finite sum, so that
``sympy.lambdify([y, p], expr)`` turns the result into a numeric function of
two arrays. A single expression is treated as a sample of size one.

>>> import sympy as sp
>>> from lossbook.derive import bernoulli_log_likelihood
>>> y = sp.symbols("y0:2")
>>> p = sp.symbols("p0:2")
>>> bernoulli_log_likelihood(y, p)
y0*log(p0) + y1*log(p1) + (1 - y0)*log(1 - p0) + (1 - y1)*log(1 - p1)
"""

import functools

import sympy as sp

from .._docs import fill_doc
from ._symbols import _sample

__all__ = [
    "bernoulli_pmf",
    "bernoulli_log_likelihood",
    "bernoulli_mle",
    "binomial_likelihood",
    "binomial_mle",
    "gaussian_negative_log_likelihood",
    "gaussian_variance_mle",
    "laplace_negative_log_likelihood",
    "laplace_scale_mle",
    "categorical_log_likelihood",
    "poisson_negative_log_likelihood",
    "stirling_log_factorial",
    "gaussian_heteroscedastic_nll",
    "gaussian_nll_maximisers",
]


def bernoulli_pmf(y, p):
    r"""Probability mass of a Bernoulli label ``y`` whose 1 has probability ``p``.

    .. math::

        P(Y = y) = p^{y} (1 - p)^{1 - y}, \qquad y \in \{0, 1\}

    One expression for both outcomes: it is :math:`p` at :math:`y = 1` and
    :math:`1 - p` at :math:`y = 0`.

    Parameters
    ----------
    y, p : sympy.Expr or number
        The label and the probability of a 1.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    bernoulli_log_likelihood : the log of a product of these pmfs. Derived in chapter 1, "How
        loss functions are designed" (the cat classifier).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import bernoulli_pmf
    >>> y, p = sp.symbols("y p")
    >>> bernoulli_pmf(y, p)
    p**y*(1 - p)**(1 - y)
    >>> bernoulli_pmf(1, p), bernoulli_pmf(0, p)
    (p, 1 - p)
    """
    y, p = sp.sympify(y), sp.sympify(p)
    return p**y * (1 - p) ** (1 - y)


@fill_doc
def bernoulli_log_likelihood(y, p):
    r"""Log-likelihood of binary labels under predicted probabilities, derived from the pmf.

    The likelihood of independent labels is the product of their
    :func:`bernoulli_pmf`; SymPy takes its logarithm and expands it with the
    rules :math:`\log ab = \log a + \log b` and :math:`\log a^k = k \log a`:

    .. math::

        \log \prod_{i=1}^{n} p_i^{y_i} (1 - p_i)^{1 - y_i}
        = \sum_{i=1}^{n} \left[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \right]

    Parameters
    ----------
    y, p : sequence of sympy.Expr, or sympy.Expr
        Labels (0 or 1) and predicted probabilities, one per observation; a
        single expression is a sample of one. Same length.

    <<sum_returns>>

    See Also
    --------
    lossbook.derive.information.binary_cross_entropy : its negative, from the definition of
        cross-entropy.
    lossbook.losses.binary_cross_entropy : the numeric loss (its mean form). Derived in chapter
        1, "How loss functions are designed" (the cat classifier).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import bernoulli_log_likelihood
    >>> p = sp.Symbol("p")
    >>> bernoulli_log_likelihood([1, 0, 1], [p, p, p])  # one coin, three flips
    2*log(p) + log(1 - p)
    >>> print(round(float(bernoulli_log_likelihood([1, 0], [0.8, 0.3])), 6))
    -0.579818
    """
    y, p = _sample(y, p)
    likelihood = sp.Mul(*[bernoulli_pmf(yi, pi) for yi, pi in zip(y, p)])
    # force=True: the log rules hold for probabilities in (0, 1), which SymPy cannot assume.
    return sp.expand_log(sp.log(likelihood), force=True)


def bernoulli_mle(y, p=None):
    r"""Maximum-likelihood estimate of a Bernoulli parameter from a sample.

    Sets the derivative of the log-likelihood (one shared :math:`p`) to zero:

    .. math::

        \frac{\partial}{\partial p} \sum_{i=1}^{n}
        \left[ y_i \log p + (1 - y_i) \log(1 - p) \right] = 0
        \quad\Longrightarrow\quad \hat p = \frac{1}{n} \sum_{i=1}^{n} y_i

    Parameters
    ----------
    y : sequence of sympy.Expr
        The observations (0 or 1, or symbols), one per draw; not empty.
    p : sympy.Symbol, optional
        The parameter symbol; a fresh positive ``p`` by default.

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
    binomial_mle : the same estimate from the count of ones (chapter 1).
    bernoulli_log_likelihood : the log-likelihood differentiated here. Derived in chapter 5,
        "Sigmoid, softmax and PyTorch's losses" (the Bernoulli MLE).

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


def binomial_likelihood(k, n, p, *, coefficient=False):
    r"""Likelihood of ``k`` heads in ``n`` flips of a coin with heads-probability ``p``.

    .. math::

        L(p) = p^k (1 - p)^{n - k}
        \quad\text{or, with } \texttt{coefficient=True}\text{,}\quad
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
        Multiply by :math:`\binom{n}{k}` (the probability of *some* sequence
        with ``k`` heads). Default False.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    binomial_mle : its maximiser, ``k/n``. Derived in chapter 1, "How loss functions are
        designed" (the 7-heads-in-10 coin).

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
    binomial_likelihood : the likelihood it maximises. Derived in chapter 1, "How loss
        functions are designed" (the coin).

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


@fill_doc
def gaussian_negative_log_likelihood(y, mu, sigma):
    r"""Negative log-likelihood of observations ``y`` under Gaussian noise around ``mu``.

    .. math::

        -\log \prod_{i=1}^n \frac{1}{\sqrt{2\pi}\,\sigma}
        \exp\!\left(-\frac{(y_i - \mu_i)^2}{2\sigma^2}\right)
        = \frac{n}{2}\log(2\pi\sigma^2)
        + \frac{1}{2\sigma^2}\sum_{i=1}^n (y_i - \mu_i)^2

    For a fixed :math:`\sigma` it is a constant plus a positive multiple of
    the sum of squared errors, so minimising it over the predictions is least
    squares.

    <<y_mu_parameters>>
    sigma : sympy.Expr or number
        The noise standard deviation (positive).

    <<sum_returns>>

    See Also
    --------
    gaussian_variance_mle : its minimiser in :math:`\sigma^2`.
    lossbook.losses.mse_loss : the mean of the squared errors. Derived in chapter 2, "Loss
        functions from a probabilistic view" (Gaussian noise to MSE).

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
    density = [
        sp.exp(-((yi - mi) ** 2) / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma)
        for yi, mi in zip(y, mu)
    ]
    return sp.Add(*[-sp.expand_log(sp.log(d), force=True) for d in density])


@fill_doc
def gaussian_variance_mle(y, mu):
    r"""Maximum-likelihood noise variance under Gaussian noise: the mean squared residual.

    .. math::

        \frac{\partial}{\partial \sigma^2}\left[\frac{n}{2}\log(2\pi\sigma^2)
        + \frac{1}{2\sigma^2}\sum_i (y_i - \mu_i)^2\right] = 0

    .. math::

        \hat\sigma^2 = \frac{1}{n}\sum_{i=1}^n (y_i - \mu_i)^2

    <<y_mu_parameters>>

    Returns
    -------
    sympy.Expr
        :math:`\hat\sigma^2`, solved by SymPy from
        :func:`gaussian_negative_log_likelihood`.

    <<sample_raises>>

    See Also
    --------
    gaussian_negative_log_likelihood : the negative log-likelihood it minimises.
    lossbook.losses.mse_loss : the same number, ``mse_loss(mu, y)``. Derived in chapter 2,
        "Loss functions from a probabilistic view".

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import gaussian_variance_mle
    >>> gaussian_variance_mle(sp.symbols("y0:2"), sp.symbols("mu0:2"))
    (mu0 - y0)**2/2 + (mu1 - y1)**2/2
    >>> gaussian_variance_mle([1, 2, 4], [1, 1, 1])
    10/3
    """
    y, mu = _sample(y, mu)
    v = sp.Symbol("v", positive=True)  # the variance sigma**2
    nll = sp.expand_log(gaussian_negative_log_likelihood(y, mu, sp.sqrt(v)), force=True)
    squares = [(yi - mi) ** 2 for yi, mi in zip(y, mu)]
    return sp.simplify(_stationary_through_sum(nll, v, squares, 1 / (2 * v)))


@fill_doc
def laplace_negative_log_likelihood(y, mu, b):
    r"""Negative log-likelihood of observations ``y`` under Laplace noise of scale ``b``.

    .. math::

        -\log \prod_{i=1}^n \frac{1}{2b}\exp\!\left(-\frac{|y_i - \mu_i|}{b}\right)
        = n \log(2b) + \frac{1}{b}\sum_{i=1}^n |y_i - \mu_i|

    For a fixed :math:`b` it is a constant plus a positive multiple of the sum
    of absolute errors: minimising it is least absolute deviations (L1).

    <<y_mu_parameters>>
    b : sympy.Expr or number
        The noise scale (positive).

    <<sum_returns>>

    See Also
    --------
    laplace_scale_mle : its minimiser in :math:`b`.
    lossbook.losses.l1_loss : the mean absolute error. Derived in chapter 2, "Loss functions
        from a probabilistic view" (Laplace noise to L1).

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


@fill_doc
def laplace_scale_mle(y, mu):
    r"""Maximum-likelihood scale under Laplace noise: the mean absolute residual.

    .. math::

        \frac{\partial}{\partial b}\left[n \log(2b) + \frac{1}{b}\sum_i |y_i - \mu_i|\right]
        \\
        = \frac{n}{b} - \frac{1}{b^2}\sum_i |y_i - \mu_i| = 0

    .. math::

        \hat b = \frac{1}{n}\sum_{i=1}^n |y_i - \mu_i|

    <<y_mu_parameters>>

    Returns
    -------
    sympy.Expr
        :math:`\hat b`, solved by SymPy from :func:`laplace_negative_log_likelihood`.

    <<sample_raises>>

    See Also
    --------
    laplace_negative_log_likelihood : the negative log-likelihood it minimises.
    lossbook.losses.l1_loss : the same number, ``l1_loss(mu, y)``. Derived in chapter 2, "Loss
        functions from a probabilistic view".

    Examples
    --------
    >>> from lossbook.derive import laplace_scale_mle
    >>> laplace_scale_mle([1, 2, 4], [1, 1, 1])
    4/3
    """
    y, mu = _sample(y, mu)
    b = sp.Symbol("b", positive=True)
    nll = laplace_negative_log_likelihood(y, mu, b)
    absolute = [sp.Abs(yi - mi) for yi, mi in zip(y, mu)]
    return sp.simplify(_stationary_through_sum(nll, b, absolute, 1 / b))


@fill_doc
def categorical_log_likelihood(y, q):
    r"""Log-likelihood of one categorical draw with (one-hot or soft) target ``y`` under ``q``.

    .. math::

        \log \prod_{c=1}^{C} q_c^{y_c} = \sum_{c=1}^{C} y_c \log q_c

    One draw per sample is a categorical distribution (a multinomial with one
    trial). With a one-hot target (:math:`y_t = 1`) it is :math:`\log q_t`;
    its negative is the negative log-likelihood (NLL) of the true class, and
    for a soft target the cross-entropy :math:`H(y, q)`.

    Parameters
    ----------
    y, q : sequence of sympy.Expr
        The target and the predicted probabilities over the ``C`` classes of
        one example (same length).

    Returns
    -------
    sympy.Expr
        The explicit sum, one term per class.

    <<sample_raises>>

    See Also
    --------
    lossbook.derive.information.smoothed_cross_entropy : the same with a label-smoothed target.
    lossbook.losses.nll_loss : ``-log q_t`` averaged over a batch. Derived in chapter 2, "Loss
        functions from a probabilistic view" (multiclass NLL). Chapter 4 returns to it.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import categorical_log_likelihood
    >>> q = sp.symbols("q0:3")
    >>> categorical_log_likelihood([0, 1, 0], q)
    log(q1)
    """
    y, q = _sample(y, q)
    return sp.Add(*[yc * sp.log(qc) for yc, qc in zip(y, q)])


@fill_doc
def poisson_negative_log_likelihood(y, rate, *, log_input=False, factorial=True):
    r"""Negative log-likelihood of counts ``y`` under Poisson rates, derived from the pmf.

    The Poisson pmf :math:`P(Y = y) = \lambda^{y} e^{-\lambda} / y!` is
    multiplied over the sample and SymPy expands the negative logarithm:

    .. math::

        -\log \prod_{i=1}^{n} \frac{\lambda_i^{y_i} e^{-\lambda_i}}{y_i!}
        = \sum_{i=1}^{n} \left[\lambda_i - y_i \log \lambda_i
        + \log y_i!\right]

    With ``log_input=True`` the second argument is the log-rate
    :math:`\eta = \log \lambda` (the log link), and the term reads
    :math:`e^{\eta_i} - y_i \eta_i + \log y_i!`. Without the
    :math:`\log y_i!` term (``factorial=False``) it is PyTorch's
    ``poisson_nll_loss`` with ``full=False``, summed.

    Parameters
    ----------
    y : sequence of sympy.Expr, or sympy.Expr
        The counts (non-negative integers, or symbols), one per observation.
    rate : sequence of sympy.Expr, or sympy.Expr
        The rates :math:`\lambda_i > 0`, or the log-rates :math:`\eta_i` if
        ``log_input``. Same length as ``y``.
    log_input : bool, optional
        Read ``rate`` as :math:`\log \lambda`. Default False.
    factorial : bool, optional
        Keep :math:`\log y_i!`, the term that does not depend on the rate.
        Default True (the whole negative log-likelihood).

    <<sum_returns>>

    See Also
    --------
    stirling_log_factorial : the approximation of :math:`\log y!` that
        PyTorch's ``full=True`` adds.
    lossbook.losses.poisson_nll_loss : the numeric loss (its mean form).
        Derived in chapter 7, "Beyond the Gaussian: likelihoods for counts
        and for uncertainty" (Poisson regression).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import poisson_negative_log_likelihood
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> poisson_negative_log_likelihood(y, lam)
    lambda - y*log(lambda) + log(factorial(y))
    >>> eta = sp.Symbol("eta", real=True)
    >>> poisson_negative_log_likelihood(y, eta, log_input=True, factorial=False)
    -eta*y + exp(eta)
    """
    y, rate = _sample(y, rate)
    terms = []
    for yi, ri in zip(y, rate):
        lam = sp.exp(ri) if log_input else ri
        pmf = lam**yi * sp.exp(-lam) / sp.factorial(yi)
        # force=True: the log rules hold for a positive rate, which SymPy
        # cannot assume of an arbitrary expression.
        term = -sp.expand_log(sp.log(pmf), force=True)
        if not factorial:
            term = term - sp.log(sp.factorial(yi))
        # power_exp=False: keep exp(a + b) whole (a log-rate stays one exponent).
        terms.append(sp.expand(term, power_exp=False))
    return sp.Add(*terms)


@functools.cache
def _stirling_series(terms):
    """Stirling's series of log n! in a positive Dummy n, ``terms`` corrections kept."""
    n = sp.Dummy("n", positive=True)
    # The asymptotic expansion of log Gamma(n + 1) at n = oo, to O(n**-(2 terms)):
    # the corrections are the odd powers 1/n, 1/n**3, ...
    series = sp.series(sp.loggamma(n + 1), n, sp.oo, 2 * terms + 1).removeO()
    # SymPy writes log(1/n) for -log(n); expand it back.
    return n, sp.expand(sp.expand_log(series, force=True))


def stirling_log_factorial(y, *, terms=0):
    r"""Stirling's series for :math:`\log y!`, from SymPy's asymptotic expansion.

    .. math::

        \log y! \approx y \log y - y + \tfrac{1}{2}\log(2\pi y)
        + \frac{1}{12 y} - \frac{1}{360 y^3} + \frac{1}{1260 y^5} - \cdots

    SymPy expands :math:`\log \Gamma(y + 1)` at :math:`y \to \infty`; the
    leading three terms (``terms=0``) are what PyTorch's
    ``poisson_nll_loss(..., full=True)`` adds where the target exceeds 1;
    ``terms=k`` keeps the first ``k`` corrections :math:`1/(12y), \dots`.

    Parameters
    ----------
    y : sympy.Expr or number
        The argument (positive).
    terms : int, optional
        How many correction terms after :math:`\tfrac12 \log(2\pi y)`;
        0 (default) to 3.

    Returns
    -------
    sympy.Expr
        The series in ``y``; a number for a numeric ``y``.

    Raises
    ------
    ValueError
        If ``terms`` is not an integer from 0 to 3.

    See Also
    --------
    poisson_negative_log_likelihood : whose :math:`\log y!` this approximates.
    lossbook.losses.poisson_nll_loss : ``full=True`` adds the ``terms=0`` form.
        Derived in chapter 7, "Beyond the Gaussian: likelihoods for counts
        and for uncertainty" (the ``full`` term).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import stirling_log_factorial
    >>> y = sp.Symbol("y", positive=True)
    >>> stirling_log_factorial(y)
    y*log(y) - y + log(y)/2 + log(2)/2 + log(pi)/2
    >>> stirling_log_factorial(y, terms=1) - stirling_log_factorial(y)
    1/(12*y)
    >>> print(round(float(stirling_log_factorial(5) - sp.log(120)), 6))
    -0.016645
    """
    if not isinstance(terms, int) or isinstance(terms, bool) or not 0 <= terms <= 3:
        raise ValueError(f"'terms' must be an integer from 0 to 3 (got {terms!r})")
    n, series = _stirling_series(terms)
    return series.subs(n, sp.sympify(y))


@fill_doc
def gaussian_heteroscedastic_nll(y, mu, var, *, constant=True):
    r"""Negative log-likelihood of ``y`` under Gaussians of predicted means and variances.

    Each observation has its own mean :math:`\mu_i` and variance
    :math:`\sigma_i^2`; SymPy expands the negative logarithm of the product
    of the densities:

    .. math::

        -\log \prod_{i=1}^{n} \frac{1}{\sqrt{2\pi\sigma_i^2}}
        \exp\!\left(-\frac{(y_i - \mu_i)^2}{2\sigma_i^2}\right)
        \\
        = \sum_{i=1}^{n} \left[\frac{1}{2}\log \sigma_i^2
        + \frac{(y_i - \mu_i)^2}{2\sigma_i^2}
        + \frac{1}{2}\log 2\pi\right]

    Without the constant (``constant=False``) it is PyTorch's
    ``gaussian_nll_loss`` with ``full=False``, summed. Unlike
    :func:`gaussian_negative_log_likelihood` (one fixed :math:`\sigma`), the
    variance here is a prediction, and :math:`\log \sigma_i^2` no longer
    drops out.

    Parameters
    ----------
    y, mu : sequence of sympy.Expr, or sympy.Expr
        Observations and predicted means (same length).
    var : sequence of sympy.Expr, or sympy.Expr
        Predicted variances :math:`\sigma_i^2 > 0` (same length).
    constant : bool, optional
        Keep :math:`\tfrac12 \log 2\pi` per observation. Default True.

    <<sum_returns>>

    See Also
    --------
    gaussian_nll_maximisers : the mean and the variance that minimise it.
    lossbook.losses.gaussian_nll_loss : the numeric loss (its mean form).
        Derived in chapter 7, "Beyond the Gaussian: likelihoods for counts
        and for uncertainty" (heteroscedastic regression); chapter 2 has the
        fixed-variance case.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import gaussian_heteroscedastic_nll
    >>> y = sp.symbols("y0:2", real=True)
    >>> v = sp.symbols("v0:2", positive=True)  # a variance for each observation
    >>> gaussian_heteroscedastic_nll(y, [0, 0], v, constant=False)
    log(v0)/2 + log(v1)/2 + y1**2/(2*v1) + y0**2/(2*v0)
    """
    y, mu, var = _sample(y, mu, var)
    terms = []
    for yi, mi, vi in zip(y, mu, var):
        density = sp.exp(-((yi - mi) ** 2) / (2 * vi)) / sp.sqrt(2 * sp.pi * vi)
        # force=True: the log rules hold for a positive variance.
        term = -sp.expand_log(sp.log(density), force=True)
        if not constant:
            term = term - sp.log(2 * sp.pi) / 2
        terms.append(sp.expand_log(term, force=True))
    return sp.Add(*terms)


def gaussian_nll_maximisers(y, mu=None, var=None):
    r"""The mean and the variance that maximise a Gaussian likelihood, solved by SymPy.

    One mean :math:`\mu` and one variance :math:`v = \sigma^2` are shared
    by the observations; each derivative of
    :func:`gaussian_heteroscedastic_nll` is set to zero:

    .. math::

        \frac{\partial}{\partial \mu} = \sum_i \frac{\mu - y_i}{v} = 0
        \;\Rightarrow\; \hat\mu = \frac{1}{n}\sum_i y_i

    .. math::

        \frac{\partial}{\partial v} = \sum_i \left[\frac{1}{2v}
        - \frac{(y_i - \mu)^2}{2v^2}\right] = 0
        \;\Rightarrow\; \hat v(\mu) = \frac{1}{n}\sum_i (y_i - \mu)^2

    :math:`\hat\mu` does not depend on :math:`v`; :math:`\hat v` is a
    function of :math:`\mu`. For one observation they are :math:`y` and
    the squared residual :math:`(y - \mu)^2`; taken together there, the
    variance is 0 and the negative log-likelihood has no minimum: it falls
    to :math:`-\infty` (the failure the ``eps`` clamp of
    ``gaussian_nll_loss`` prevents).

    Parameters
    ----------
    y : sequence of sympy.Expr, or sympy.Expr
        The observations; not empty.
    mu : sympy.Symbol, optional
        The mean's symbol, a fresh real ``mu`` by default.
    var : sympy.Symbol, optional
        The variance's symbol, a fresh positive ``v`` by default.

    Returns
    -------
    tuple of sympy.Expr
        ``(mu_hat, var_hat)``: the sample mean, and the mean squared residual
        about ``mu`` (an expression in ``mu``).

    Raises
    ------
    ValueError
        If ``y`` is empty.

    See Also
    --------
    gaussian_heteroscedastic_nll : the negative log-likelihood minimised.
    gaussian_variance_mle : the same variance, from the fixed-sigma form.
        Derived in chapter 7, "Beyond the Gaussian: likelihoods for counts
        and for uncertainty" (the maximisers and the clamp).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import gaussian_nll_maximisers
    >>> gaussian_nll_maximisers(sp.Symbol("y", real=True))
    (y, (-mu + y)**2)
    >>> gaussian_nll_maximisers([1, 2, 6])[0]
    3
    """
    (y,) = _sample(y)
    mu = sp.Symbol("mu", real=True) if mu is None else mu
    var = sp.Symbol("v", positive=True) if var is None else var
    n = len(y)
    nll = gaussian_heteroscedastic_nll(y, [mu] * n, [var] * n)
    (mu_hat,) = sp.solve(sp.diff(nll, mu), mu)
    squares = [(yi - mu) ** 2 for yi in y]
    return mu_hat, _stationary_through_sum(nll, var, squares, 1 / (2 * var))


def _stationary_through_sum(nll, scale, terms, weight):
    """The one root of d nll / d scale, where ``terms`` enter ``nll`` only as ``weight * sum``.

    The residual terms (squared or absolute errors) are replaced by one
    positive stand-in S for their sum, which keeps the solver on the real
    branch and away from Abs; the sum is put back into the root.
    """
    s = sp.Dummy("S", positive=True)
    nll = nll.subs(sp.Add(*[weight * t for t in terms]), weight * s)
    (root,) = sp.solve(sp.diff(nll, scale), scale)
    return root.subs(s, sp.Add(*terms))
