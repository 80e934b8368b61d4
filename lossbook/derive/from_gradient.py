r"""A loss recovered from the gradient one wants, and the backward pass (chapters 3 and 4).

Every function returns SymPy expressions (or a small dict of them). Functions
over a sample or a layer take **sequences** of SymPy expressions and return
explicit finite sums, so that ``sympy.lambdify`` turns them into numeric
functions of arrays.

>>> import sympy as sp
>>> from lossbook.derive import loss_from_gradient
>>> y_hat, y = sp.symbols("y_hat y", real=True)
>>> loss_from_gradient(y_hat, y)["loss"]
-y*log(y_hat) - (1 - y)*log(1 - y_hat)
"""

import sympy as sp

from .likelihood import _sample, _sigmoid, binary_cross_entropy_sum

__all__ = [
    "loss_from_gradient",
    "logits_form",
    "stable_logits_form",
    "top_layer_backward",
    "neuron_batch_gradients",
    "cross_entropy_decomposition",
]


def loss_from_gradient(y_hat, y, *, factor=1):
    r"""Integrate the wished-for logit gradient back to a loss.

    Asking for :math:`\partial L/\partial a = c(\hat y - y)` at the logit
    :math:`a`, with :math:`\hat y = \sigma(a)` and
    :math:`d\hat y/da = \hat y(1 - \hat y)`, the chain rule requires

    .. math::

        \frac{\partial L}{\partial \hat y} = \frac{c(\hat y - y)}{\hat y(1 - \hat y)}
        = c\left(\frac{1 - y}{1 - \hat y} - \frac{y}{\hat y}\right),
        \qquad
        L = -c\left[y \log\hat y + (1 - y)\log(1 - \hat y)\right] + C.

    SymPy's antiderivative of :math:`1/(1 - \hat y)` is
    :math:`-\log(\hat y - 1)`, complex on :math:`0 < \hat y < 1`; since
    :math:`\log(\hat y - 1) = \log(1 - \hat y) + i\pi` there, the two differ by
    the constant :math:`(1 - y)\,c\,i\pi`, which the integration constant
    absorbs.

    Parameters
    ----------
    y_hat, y : sympy.Symbol
        The prediction :math:`\hat y = \sigma(a)` and the label.
    factor : sympy.Expr, default 1
        The multiple :math:`c` of :math:`\hat y - y` that is wished for.

    Returns
    -------
    dict
        ``"dL_dyhat"``: the required derivative in :math:`\hat y`;
        ``"raw"``: SymPy's antiderivative, as it comes;
        ``"constant"``: ``raw - loss``, free of :math:`\hat y`;
        ``"loss"``: the real antiderivative, :math:`c` times the binary cross-entropy.

    See Also
    --------
    logits_form, lossbook.losses.binary_cross_entropy
    Chapter 3 (the derivation step by step).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import loss_from_gradient
    >>> y_hat, y = sp.symbols("y_hat y", real=True)
    >>> r = loss_from_gradient(y_hat, y, factor=2)
    >>> sp.simplify(sp.diff(r["constant"], y_hat))
    0
    >>> print(round(float(r["loss"].subs({y_hat: 0.25, y: 1})), 6))
    2.772589
    """
    y_hat, y, c = sp.sympify(y_hat), sp.sympify(y), sp.sympify(factor)
    dL_dyhat = sp.apart(c * (y_hat - y) / (y_hat * (1 - y_hat)), y_hat)
    raw = sum(sp.integrate(term, y_hat) for term in sp.Add.make_args(dL_dyhat))
    loss = c * binary_cross_entropy_sum(y, y_hat)
    constant = sp.simplify(sp.expand_log(raw - loss, force=True))
    return {"dL_dyhat": dL_dyhat, "raw": raw, "constant": constant, "loss": loss}


def logits_form(a, y):
    r"""Binary cross-entropy of :math:`\sigma(a)` written in the logit.

    .. math::

        -y\log\sigma(a) - (1 - y)\log(1 - \sigma(a)) = \log(1 + e^{-a}) + a(1 - y)

    It overflows in floating point for large negative :math:`a`
    (:math:`e^{-a}`); see :func:`stable_logits_form`.

    Parameters
    ----------
    a, y : sympy.Expr
        Logit and label.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    stable_logits_form, lossbook.losses.binary_cross_entropy_with_logits
    Chapter 3.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import logits_form
    >>> a, y = sp.symbols("a y", real=True)
    >>> logits_form(a, y)
    a*(1 - y) + log(1 + exp(-a))
    """
    a, y = sp.sympify(a), sp.sympify(y)
    return sp.log(1 + sp.exp(-a)) + a * (1 - y)


def stable_logits_form(a, y):
    r"""The overflow-free form of the logit cross-entropy.

    .. math::

        \max(a, 0) - a y + \log(1 + e^{-|a|})

    equal to :func:`logits_form` for every real :math:`a` (split at
    :math:`a = 0`), and :math:`e^{-|a|} \le 1` never overflows. This is the
    form PyTorch's ``binary_cross_entropy_with_logits`` uses.

    Parameters
    ----------
    a, y : sympy.Expr
        Logit and label.

    Returns
    -------
    sympy.Expr

    See Also
    --------
    logits_form, lossbook.losses.binary_cross_entropy_with_logits
    Chapter 3.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import stable_logits_form
    >>> print(round(float(stable_logits_form(-800, 1)), 6))
    800.0
    """
    a, y = sp.sympify(a), sp.sympify(y)
    return sp.Max(a, 0) - a * y + sp.log(1 + sp.exp(-sp.Abs(a)))


def top_layer_backward(W, b, x, y, *, loss):
    r"""Backward pass of a sigmoid output layer :math:`\hat y = \sigma(W x + b)`.

    With :math:`a = W x + b` and :math:`\delta = \partial L/\partial a`,

    .. math::

        \frac{\partial L}{\partial W} = \delta\, x^\top, \qquad
        \frac{\partial L}{\partial b} = \delta,

    where for :math:`L = \tfrac12\lVert \hat y - y\rVert^2` (``loss="l2"``)
    :math:`\delta = (\hat y - y)\odot\hat y\odot(1 - \hat y)`, and for the
    summed binary cross-entropy (``loss="ce"``) :math:`\delta = \hat y - y`.

    Parameters
    ----------
    W : sympy.Matrix, shape (m, n)
    b, y : sympy.Matrix, shape (m, 1)
    x : sympy.Matrix, shape (n, 1)
    loss : {"l2", "ce"}

    Returns
    -------
    dict
        ``"loss"`` (expression), ``"delta"`` (m x 1, from the formula above),
        ``"dW"`` (= delta x^T), ``"db"`` (= delta), ``"dW_direct"`` and
        ``"db_direct"`` (differentiating the loss entry by entry, for checking).

    See Also
    --------
    neuron_batch_gradients, lossbook.gradients.binary_cross_entropy_with_logits
    Chapter 3 (checked against torch autograd).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import top_layer_backward
    >>> W, b = sp.Matrix([[sp.Symbol("w")]]), sp.Matrix([sp.Symbol("b")])
    >>> r = top_layer_backward(W, b, sp.Matrix([1]), sp.Matrix([0]), loss="ce")
    >>> sp.simplify(r["dW"] - r["dW_direct"])
    Matrix([[0]])
    """
    W, b, x, y = (sp.Matrix(M) for M in (W, b, x, y))
    a = W * x + b
    y_hat = a.applyfunc(_sigmoid)
    if loss == "l2":
        L = sum((y_hat[i] - y[i]) ** 2 for i in range(len(y))) / 2
        delta = sp.Matrix([(y_hat[i] - y[i]) * y_hat[i] * (1 - y_hat[i]) for i in range(len(y))])
    elif loss == "ce":
        L = binary_cross_entropy_sum(list(y), list(y_hat))
        delta = y_hat - y
    else:
        raise ValueError(f"loss must be 'l2' or 'ce', not {loss!r}")
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

    For :math:`\hat y_i = \sigma(w x_i + b)`, :math:`i = 1..n`:

    .. math::

        \text{MSE} = \frac1n\sum_i(\hat y_i - y_i)^2:\quad
        \frac{\partial}{\partial w} = \frac2n\sum_i(\hat y_i - y_i)\hat y_i(1 - \hat y_i)x_i,\quad
        \frac{\partial}{\partial b} = \frac2n\sum_i(\hat y_i - y_i)\hat y_i(1 - \hat y_i)

        \text{CE} = -\frac1n\sum_i[y_i\log\hat y_i + (1 - y_i)\log(1 - \hat y_i)]:\quad
        \frac{\partial}{\partial w} = \frac1n\sum_i(\hat y_i - y_i)x_i,\quad
        \frac{\partial}{\partial b} = \frac1n\sum_i(\hat y_i - y_i)

    Parameters
    ----------
    w, b : sympy.Symbol
    x, y : sequence of sympy.Expr
        Inputs and labels, same length :math:`n`.
    loss : {"mse", "ce"}

    Returns
    -------
    dict
        ``"loss"``, ``"dw"``, ``"db"`` (the closed forms above) and
        ``"dw_direct"``, ``"db_direct"`` (``sympy.diff`` of the loss).

    See Also
    --------
    top_layer_backward, lossbook.gradients.mse_loss, lossbook.gradients.binary_cross_entropy
    Chapter 4 (the learning-slowdown experiment).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import neuron_batch_gradients
    >>> w, b = sp.symbols("w b", real=True)
    >>> r = neuron_batch_gradients(w, b, [1], [0], loss="ce")
    >>> print(round(float(r["dw"].subs({w: 2, b: 2})), 6))
    0.982014
    """
    w, b = sp.sympify(w), sp.sympify(b)
    x, y = _sample(x, y)
    n = len(x)
    y_hat = [_sigmoid(w * xi + b) for xi in x]
    if loss == "mse":
        L = sum((p - t) ** 2 for p, t in zip(y_hat, y)) / n
        g = [2 * (p - t) * p * (1 - p) for p, t in zip(y_hat, y)]
    elif loss == "ce":
        L = binary_cross_entropy_sum(y, y_hat) / n
        g = [p - t for p, t in zip(y_hat, y)]
    else:
        raise ValueError(f"loss must be 'mse' or 'ce', not {loss!r}")
    return {
        "loss": L,
        "dw": sum(gi * xi for gi, xi in zip(g, x)) / n,
        "db": sum(g) / n,
        "dw_direct": sp.diff(L, w),
        "db_direct": sp.diff(L, b),
    }


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

    See Also
    --------
    lossbook.information.cross_entropy, lossbook.information.kl_divergence
    Chapters 1 and 3.

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
