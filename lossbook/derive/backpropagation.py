r"""The backward pass through a sigmoid, and a loss recovered from its gradient, with SymPy.

The top layer's backward pass (:math:`\delta`, :math:`\partial L/\partial W`,
:math:`\partial L/\partial b`), a single neuron's batch gradients, and the
loss whose logit gradient is a multiple of :math:`\hat y - y`. Functions over
a sample or a layer take **sequences** (or matrices) of SymPy expressions and
return explicit finite sums, so that ``sympy.lambdify`` turns them into
numeric functions of arrays. The losses are named alike everywhere:
``loss="mse"`` (squared error) or ``loss="cross_entropy"``.

>>> import sympy as sp
>>> from lossbook.derive import loss_from_gradient
>>> y_hat, y = sp.symbols("y_hat y", real=True)
>>> loss_from_gradient(y_hat, y)["cross_entropy"]
-y*log(y_hat) + (y - 1)*log(1 - y_hat)
"""

import sympy as sp

from ._symbols import _sample, _sigmoid
from .information import binary_cross_entropy

__all__ = [
    "top_layer_backward",
    "neuron_batch_gradients",
    "loss_from_gradient",
]

_LOSSES = ("mse", "cross_entropy")


def _check_loss(loss):
    """Raise ValueError naming ``loss`` unless it is one of the two names."""
    if loss not in _LOSSES:
        raise ValueError(f"loss must be 'mse' or 'cross_entropy', not {loss!r}")


def top_layer_backward(W, b, x, y, *, loss):
    r"""Backward pass of a sigmoid output layer :math:`\hat y = \sigma(W x + b)`.

    With :math:`a = W x + b` and :math:`\delta = \partial L/\partial a`,

    .. math::

        \frac{\partial L}{\partial W} = \delta\, x^\top, \qquad
        \frac{\partial L}{\partial b} = \delta,

    where for the squared error :math:`L = \tfrac12\lVert \hat y - y\rVert^2`
    (``loss="mse"``; the factor :math:`\tfrac12` cancels the 2 of the
    derivative) :math:`\delta = (\hat y - y)\odot\hat y\odot(1 - \hat y)`,
    and for the summed binary cross-entropy (``loss="cross_entropy"``)
    :math:`\delta = \hat y - y`.

    Parameters
    ----------
    W : sympy.Matrix, shape (m, n)
    b, y : sympy.Matrix, shape (m, 1)
    x : sympy.Matrix, shape (n, 1)
    loss : {"mse", "cross_entropy"}

    Returns
    -------
    dict
        ``"loss"`` (expression), ``"delta"`` (m x 1, from the formula above),
        ``"dW"`` (= delta x^T), ``"db"`` (= delta), ``"dW_direct"`` and
        ``"db_direct"`` (differentiating the loss entry by entry, for checking).

    Raises
    ------
    ValueError
        If ``loss`` is not ``"mse"`` or ``"cross_entropy"``.

    See Also
    --------
    neuron_batch_gradients : one neuron, a batch, the mean loss.
    lossbook.gradients.binary_cross_entropy_with_logits : the numeric delta. Derived in chapter
        3, "A loss from its gradient" (checked against torch autograd).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import top_layer_backward
    >>> W, b = sp.Matrix([[sp.Symbol("w")]]), sp.Matrix([sp.Symbol("b")])
    >>> r = top_layer_backward(W, b, sp.Matrix([1]), sp.Matrix([0]), loss="cross_entropy")
    >>> sp.simplify(r["dW"] - r["dW_direct"])
    Matrix([[0]])
    """
    _check_loss(loss)
    W, b, x, y = (sp.Matrix(M) for M in (W, b, x, y))
    a = W * x + b
    y_hat = a.applyfunc(_sigmoid)
    m = len(y)
    if loss == "mse":
        L = sum((y_hat[i] - y[i]) ** 2 for i in range(m)) / 2
        delta = sp.Matrix([(y_hat[i] - y[i]) * y_hat[i] * (1 - y_hat[i]) for i in range(m)])
    else:
        L = binary_cross_entropy(list(y), list(y_hat))
        delta = y_hat - y
    return {
        "loss": L,
        "delta": delta,
        "dW": delta * x.T,
        "db": delta,
        "dW_direct": W.applyfunc(lambda w: sp.diff(L, w)),
        "db_direct": b.applyfunc(lambda c: sp.diff(L, c)),
    }


def neuron_batch_gradients(w, b, x, y, *, loss):
    r"""Gradients in :math:`w` and :math:`b` of a sigmoid neuron's mean loss over a batch.

    For :math:`\hat y_i = \sigma(w x_i + b)`, :math:`i = 1..n`, and
    ``loss="mse"``:

    .. math::

        \text{MSE} = \frac1n\sum_i(\hat y_i - y_i)^2:
        \\
        \frac{\partial}{\partial w}
        = \frac2n\sum_i(\hat y_i - y_i)\hat y_i(1 - \hat y_i)x_i,
        \\
        \frac{\partial}{\partial b}
        = \frac2n\sum_i(\hat y_i - y_i)\hat y_i(1 - \hat y_i)

    and ``loss="cross_entropy"``:

    .. math::

        \text{CE} = -\frac1n\sum_i[y_i\log\hat y_i + (1 - y_i)\log(1 - \hat y_i)]:
        \\
        \frac{\partial}{\partial w} = \frac1n\sum_i(\hat y_i - y_i)x_i,
        \\
        \frac{\partial}{\partial b} = \frac1n\sum_i(\hat y_i - y_i)

    Parameters
    ----------
    w, b : sympy.Symbol
    x, y : sequence of sympy.Expr
        Inputs and labels, same length :math:`n`.
    loss : {"mse", "cross_entropy"}

    Returns
    -------
    dict
        ``"loss"``; ``"dz"``, the list of per-sample logit gradients
        :math:`\partial \ell_i / \partial z_i` (derived by SymPy: the
        derivative of one sample's loss in its output times
        :math:`\sigma'(z_i)`, cancelled); ``"dw"``, ``"db"`` (the closed
        forms above, built from ``"dz"``) and ``"dw_direct"``,
        ``"db_direct"`` (``sympy.diff`` of the mean loss, an independent
        road).

    Raises
    ------
    ValueError
        If ``loss`` is not ``"mse"`` or ``"cross_entropy"``, or the sequences
        are empty or differ in length.

    See Also
    --------
    top_layer_backward : a layer, one example, the summed loss.
    lossbook.gradients.mse_loss : the numeric MSE gradient.
    lossbook.gradients.binary_cross_entropy : the numeric BCE gradient. Derived in chapter 4,
        "Cross-entropy and likelihood" (the learning-slowdown experiment).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import neuron_batch_gradients
    >>> w, b = sp.symbols("w b", real=True)
    >>> r = neuron_batch_gradients(w, b, [1], [0], loss="cross_entropy")
    >>> print(round(float(r["dw"].subs({w: 2, b: 2})), 6))
    0.982014
    """
    _check_loss(loss)
    w, b = sp.sympify(w), sp.sympify(b)
    x, y = _sample(x, y)
    n = len(x)
    y_hat = [_sigmoid(w * xi + b) for xi in x]
    if loss == "mse":
        L = sum((p - t) ** 2 for p, t in zip(y_hat, y)) / n
    else:
        L = binary_cross_entropy(y, y_hat) / n
    # The per-sample logit gradient is derived, not typed in: SymPy
    # differentiates one sample's loss in its output s and multiplies by
    # sigma'(z) = s (1 - s); for cross-entropy the factor cancels to s - t.
    s, t = sp.Dummy("y_hat", positive=True), sp.Dummy("y", real=True)
    one = (s - t) ** 2 if loss == "mse" else binary_cross_entropy(t, s)
    dz = sp.factor(sp.cancel(sp.diff(one, s) * s * (1 - s)))
    g = [dz.subs({s: p, t: ti}) for p, ti in zip(y_hat, y)]
    return {
        "loss": L,
        "dz": g,
        "dw": sum(gi * xi for gi, xi in zip(g, x)) / n,
        "db": sum(g) / n,
        "dw_direct": sp.diff(L, w),
        "db_direct": sp.diff(L, b),
    }


def loss_from_gradient(y_hat, y, *, factor=1):
    r"""Integrate the wished-for logit gradient back to a loss, step by step.

    Asking for :math:`\partial L/\partial z = c(\hat y - y)` at the logit
    :math:`z`, with :math:`\hat y = \sigma(z)`, is a differential equation
    for :math:`L(\hat y)`. The function solves it the way chapter 3 shows it:

    1. differentiate the sigmoid and write the slope in :math:`\hat y`:
       :math:`\sigma'(z) = \hat y(1 - \hat y)`;
    2. solve the chain rule :math:`\frac{\partial L}{\partial \hat y}\,
       \hat y(1 - \hat y) = c(\hat y - y)` for
       :math:`\partial L/\partial \hat y`, and write it as
       :math:`-c` times the article's integrand
       :math:`\frac{y - \hat y}{\hat y(1 - \hat y)}`;
    3. split the integrand into partial fractions,
       :math:`\frac{y}{\hat y} + \frac{y - 1}{1 - \hat y}`, and write each as a
       coefficient times :math:`d\log v/d\hat y` with :math:`v > 0` on
       :math:`(0, 1)` (``"differentials"``: :math:`(y, \hat y)` and
       :math:`(1 - y, 1 - \hat y)`);
    4. integrate term by term with SymPy (``"raw"``). SymPy returns
       :math:`\log(\hat y - 1)`, complex on :math:`0 < \hat y < 1`; on the
       principal branch :math:`\log(\hat y - 1) = \log(1 - \hat y) + i\pi`
       there, so every logarithm whose argument is negative on the interval is
       rewritten that way, and the terms free of :math:`\hat y` (here
       :math:`c(y - 1)i\pi`) are split off as ``"constant"``. What depends on
       :math:`\hat y` is the loss,

       .. math::

           L = -c\left[y \log\hat y + (1 - y)\log(1 - \hat y)\right] + C(y).

    A second road needs no branch: each fraction is integrated in a positive
    variable (:math:`\hat y` itself, and :math:`u = 1 - \hat y`), giving
    ``"loss_by_substitution"``. Nothing in the function types the answer in.
    The constant of integration may be any function :math:`C(y)` of the label;
    ``"kl"`` is the choice that vanishes at :math:`\hat y = y`, the
    (scaled) Bernoulli KL divergence.

    Parameters
    ----------
    y_hat, y : sympy.Symbol
        The prediction :math:`\hat y = \sigma(z)` and the label.
    factor : sympy.Expr, default 1
        The multiple :math:`c` of :math:`\hat y - y` that is wished for
        (the article takes :math:`c = 2`).

    Returns
    -------
    dict
        ``"slope"``: :math:`\sigma'` written in :math:`\hat y`;
        ``"wish"``: :math:`c(\hat y - y)`;
        ``"dL_dyhat"``: the required derivative in :math:`\hat y`;
        ``"integrand"``: :math:`(y - \hat y)/(\hat y(1 - \hat y))`, so that
        :math:`L = -c\int` integrand;
        ``"fractions"``: the integrand in partial fractions;
        ``"differentials"``: list of ``(coefficient, v)``, each fraction as
        coefficient times :math:`d\log v/d\hat y`;
        ``"raw"``: SymPy's antiderivative as it comes, :math:`-c\int`;
        ``"constant"``: ``raw - loss``, free of :math:`\hat y`;
        ``"cross_entropy"``: ``loss / c``, collected in the two logarithms;
        ``"loss"``: the real antiderivative (:math:`c` times binary
        cross-entropy);
        ``"loss_by_substitution"``: the same, integrated in positive variables;
        ``"kl"``: ``loss`` minus its value at :math:`\hat y = y`.

    See Also
    --------
    lossbook.derive.logits.sigmoid_cross_entropy : the result written in the logit.
    lossbook.losses.binary_cross_entropy : the numeric loss. Derived in chapter 3, "A loss from
        its gradient" (the derivation step by step).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import loss_from_gradient
    >>> y_hat, y = sp.symbols("y_hat y", real=True)
    >>> r = loss_from_gradient(y_hat, y, factor=2)
    >>> r["fractions"]
    y/y_hat - (y - 1)/(y_hat - 1)
    >>> r["raw"]
    -2*y*log(y_hat) - 2*(1 - y)*log(y_hat - 1)
    >>> r["cross_entropy"]
    -y*log(y_hat) + (y - 1)*log(1 - y_hat)
    >>> r["constant"]
    2*I*pi*(y - 1)
    >>> print(round(float(r["loss"].subs({y_hat: 0.25, y: 1})), 6))
    2.772589
    """
    y_hat, y, c = sp.sympify(y_hat), sp.sympify(y), sp.sympify(factor)
    z = sp.Dummy("z", real=True)
    # Step 1: sigma'(z) by differentiation, then in y_hat via
    # e^{-z} = (1 - y_hat) / y_hat.
    slope = sp.factor(sp.simplify(sp.diff(_sigmoid(z), z).subs(sp.exp(-z), (1 - y_hat) / y_hat)))
    wish = c * (y_hat - y)
    # Step 2: the chain rule dL/dz = dL/dy_hat * slope, solved for dL/dy_hat.
    g = sp.Dummy("g")
    dL_dyhat = sp.solve(sp.Eq(g * slope, wish), g)[0]
    integrand = sp.cancel(-dL_dyhat / c)
    # Step 3: partial fractions, each k / (y_hat - r) as k' d log(v) / d y_hat
    # with v = s (y_hat - r) > 0 on (0, 1) (s = +1 left of the interval's
    # middle, -1 right of it).
    fractions = sp.apart(integrand, y_hat)
    terms = sp.Add.make_args(fractions)
    middle = sp.Rational(1, 2)
    differentials, by_substitution = [], 0
    v = sp.Dummy("v", positive=True)
    for term in terms:
        pole = sp.solve(sp.denom(sp.together(term)), y_hat)[0]
        side = sp.sign(middle - pole)
        argument = side * (y_hat - pole)
        coefficient = sp.simplify(term / sp.diff(sp.log(argument), y_hat))
        differentials.append((coefficient, argument))
        # Integrating in v > 0 (y_hat = pole + side * v) leaves no branch.
        by_substitution += sp.integrate(term.subs(y_hat, pole + side * v) * side, v).subs(
            v, argument
        )
    # Step 4: SymPy's antiderivative as it comes, term by term.
    raw = -c * sum(sp.integrate(term, y_hat) for term in terms)

    def real_branch(log):
        # log(w) with w < 0 on the interval: log(-w) + i pi (principal branch).
        if log.args[0].subs(y_hat, middle).is_negative:
            return sp.log(sp.expand(-log.args[0])) + sp.I * sp.pi
        return log

    real = sp.expand(raw.replace(lambda e: isinstance(e, sp.log), real_branch))
    loss = sum(t for t in sp.Add.make_args(real) if t.has(y_hat))
    constant = sp.simplify(real - loss)
    logs = sorted(loss.atoms(sp.log), key=sp.default_sort_key)
    cross_entropy = sp.collect(sp.expand(loss / c), logs)
    return {
        "slope": slope,
        "wish": wish,
        "dL_dyhat": dL_dyhat,
        "integrand": integrand,
        "fractions": fractions,
        "differentials": differentials,
        "raw": raw,
        "constant": constant,
        "cross_entropy": cross_entropy,
        "loss": loss,
        "loss_by_substitution": sp.expand(-c * by_substitution),
        "kl": loss - loss.subs(y_hat, y),
    }
