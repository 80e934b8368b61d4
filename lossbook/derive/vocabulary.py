r"""Large vocabularies with SymPy: the linear layer's cross-entropy gradient, adaptive softmax.

The gradient of the cross-entropy of a linear layer with respect to its
weights, built as a sum of one outer product per row (so that chunks of rows
add up) next to the same gradient by direct differentiation; the adaptive
softmax's factorisation of a class's probability into the head's probability
of its cluster and the cluster's probability of the class; and the adaptive
softmax's cost in multiply-adds per sample (chapter 9).

>>> import sympy as sp
>>> from lossbook.derive import adaptive_softmax_factorisation
>>> h = sp.symbols("h0:3", real=True)
>>> t = [sp.symbols("t0:2", real=True)]
>>> adaptive_softmax_factorisation(h, t)["total"]
1
"""

import sympy as sp

__all__ = [
    "linear_cross_entropy_gradient",
    "adaptive_softmax_factorisation",
    "adaptive_softmax_cost",
]


def _softmax(logits):
    """The softmax of a list of SymPy expressions, as a list (no shift: exact arithmetic)."""
    exponentials = [sp.exp(z) for z in logits]
    total = sp.Add(*exponentials)
    return [e / total for e in exponentials]


def linear_cross_entropy_gradient(x, W, y, *, b=None, chunk_size=1):
    r"""The summed cross-entropy of logits :math:`z_n = W x_n + b` and its weight gradient.

    With :math:`s_n = \operatorname{softmax}(z_n)` and :math:`e_{y_n}` the
    one-hot vector of row :math:`n`'s class, the loss
    :math:`L = \sum_n \bigl(\log \sum_c e^{z_{n,c}} - z_{n,y_n}\bigr)` has

    .. math::

        \frac{\partial L}{\partial W} = \sum_n (s_n - e_{y_n})\, x_n^\top, \qquad
        \frac{\partial L}{\partial b} = \sum_n (s_n - e_{y_n}),

    one outer product per row: the rows can be taken a chunk at a time and
    the chunks' partial sums added, which is what
    :func:`lossbook.gradients.linear_cross_entropy` does.

    Parameters
    ----------
    x : sympy.Matrix, shape (N, H)
        One row of features per sample.
    W : sympy.Matrix, shape (C, H)
        The linear weight.
    y : sequence of int
        The class of each row, in [0, C).
    b : sympy.Matrix, shape (C, 1), optional
        The bias.
    chunk_size : int
        The rows per chunk of ``"chunks"``.

    Returns
    -------
    dict
        ``"loss"``; ``"row_terms"`` (the N outer products, C x H);
        ``"chunks"`` (their partial sums over consecutive chunks of
        ``chunk_size`` rows); ``"dW"`` (the sum of the row terms) and
        ``"dW_direct"`` (the loss differentiated entry by entry); ``"db"``
        and ``"db_direct"`` likewise.

    Raises
    ------
    ValueError
        If the shapes disagree, a class is outside [0, C), or ``chunk_size``
        is not a positive integer.

    See Also
    --------
    lossbook.gradients.linear_cross_entropy : the numeric gradient, accumulated by chunks.
        Derived in :doc:`chapter 9 </chapters/09_sequences_vocabularies>`,
        *Sequences and large vocabularies*, with why the chunks add.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import linear_cross_entropy_gradient
    >>> x = sp.Matrix([[sp.Symbol("x", real=True)]])
    >>> W = sp.Matrix(sp.symbols("w0:2", real=True))
    >>> r = linear_cross_entropy_gradient(x, W, [0])
    >>> sp.simplify(r["dW"] - r["dW_direct"])
    Matrix([
    [0],
    [0]])
    """
    x, W = sp.Matrix(x), sp.Matrix(W)
    rows, features = x.shape
    classes = W.shape[0]
    if W.shape[1] != features:
        raise ValueError(f"W must have {features} columns, as x has (got shape {W.shape})")
    y = list(y)
    if len(y) != rows or any(not 0 <= int(c) < classes for c in y):
        raise ValueError(f"y must hold {rows} classes in [0, {classes}) (got {y!r})")
    if int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer (got {chunk_size!r})")
    b = sp.zeros(classes, 1) if b is None else sp.Matrix(b)
    loss, row_terms, bias_terms = sp.S.Zero, [], []
    for n in range(rows):
        z = list(W * x[n, :].T + b)
        loss += sp.log(sp.Add(*[sp.exp(v) for v in z])) - z[y[n]]
        residual = sp.Matrix(_softmax(z))
        residual[y[n]] -= 1
        row_terms.append(residual * x[n, :])
        bias_terms.append(residual)
    chunks = [
        sum(row_terms[start : start + chunk_size], sp.zeros(classes, features))
        for start in range(0, rows, chunk_size)
    ]
    dW_direct = W.applyfunc(lambda w: sp.diff(loss, w))
    db_direct = b.applyfunc(lambda v: sp.diff(loss, v) if v.is_Symbol else sp.S.Zero)
    return {
        "loss": loss,
        "row_terms": row_terms,
        "chunks": chunks,
        "dW": sum(chunks, sp.zeros(classes, features)),
        "dW_direct": dW_direct,
        "db": sum(bias_terms, sp.zeros(classes, 1)),
        "db_direct": db_direct,
    }


def adaptive_softmax_factorisation(head_logits, cluster_logits):
    r"""Every class's probability under an adaptive softmax, from the head's and clusters' logits.

    The head's softmax over its :math:`c_0 + m` logits gives the shortlist's
    classes directly and cluster :math:`i` the probability
    :math:`p_\text{head}(c_0 + i)`; cluster :math:`i`'s own softmax splits it:

    .. math::

        p(y) = p_\text{head}(c_0 + i)\; p_i(y - c_i)
        \quad (c_i \le y < c_{i+1}),

        \sum_{y} p(y) &= \sum_{k < c_0} p_\text{head}(k) \\
        &\quad + \sum_i p_\text{head}(c_0 + i) \underbrace{\sum_j p_i(j)}_{=1} = 1.

    Parameters
    ----------
    head_logits : sequence of sympy expressions
        The head's :math:`c_0 + m` logits: the shortlist's, then one per cluster.
    cluster_logits : sequence of sequences of sympy expressions
        Each cluster's logits (its size is the cluster's number of classes).

    Returns
    -------
    dict
        ``"probabilities"`` (one per class, in class order), ``"log_probabilities"``
        (head log-softmax plus cluster log-softmax), ``"total"`` (their sum,
        simplified: 1) and ``"shortlist"`` (:math:`c_0`).

    Raises
    ------
    ValueError
        If there is no cluster, a cluster is empty, or the head has fewer
        logits than clusters.

    See Also
    --------
    lossbook.losses.adaptive_log_prob : the numeric log-probabilities.
        Derived in :doc:`chapter 9 </chapters/09_sequences_vocabularies>`,
        *Sequences and large vocabularies*, with the cutoffs.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import adaptive_softmax_factorisation
    >>> r = adaptive_softmax_factorisation([0, 0, 0], [[0, 0]])
    >>> r["probabilities"]
    [1/3, 1/3, 1/6, 1/6]
    """
    head_logits = [sp.sympify(v) for v in head_logits]
    clusters = [[sp.sympify(v) for v in cluster] for cluster in cluster_logits]
    if not clusters or any(not cluster for cluster in clusters):
        raise ValueError(f"cluster_logits must hold non-empty clusters (got {cluster_logits!r})")
    shortlist = len(head_logits) - len(clusters)
    if shortlist < 0:
        raise ValueError(
            f"head_logits must hold one logit per cluster and the shortlist's "
            f"(got {len(head_logits)} for {len(clusters)} clusters)"
        )
    head = _softmax(head_logits)
    head_log = [z - sp.log(sp.Add(*[sp.exp(v) for v in head_logits])) for z in head_logits]
    probabilities, log_probabilities = head[:shortlist], head_log[:shortlist]
    for index, cluster in enumerate(clusters):
        inner = _softmax(cluster)
        inner_log = [z - sp.log(sp.Add(*[sp.exp(v) for v in cluster])) for z in cluster]
        probabilities += [head[shortlist + index] * p for p in inner]
        log_probabilities += [head_log[shortlist + index] + lp for lp in inner_log]
    return {
        "probabilities": probabilities,
        "log_probabilities": log_probabilities,
        "total": sp.simplify(sp.Add(*probabilities)),
        "shortlist": shortlist,
    }


def adaptive_softmax_cost(cutoffs, n_classes, in_features, div_value, probabilities):
    r"""Multiply-adds per sample of an adaptive softmax's loss, against a full softmax's.

    The head's product costs :math:`d (c_0 + m)`. Cluster :math:`i`'s tail,
    a projection to :math:`h_i = \lfloor d / \text{div}^{\,i+1} \rfloor`
    features and an output layer of :math:`c_{i+1} - c_i` classes, costs
    :math:`d\,h_i + h_i (c_{i+1} - c_i)` and runs only for the samples whose
    target is in the cluster, a fraction :math:`p_i`:

    .. math::

        \text{cost} = d (c_0 + m)
        + \sum_{i} p_i \, h_i \bigl(d + c_{i+1} - c_i\bigr),
        \qquad \text{full softmax: } d\, C.

    Parameters
    ----------
    cutoffs : sequence of int or sympy expressions
        :math:`c_0 < \dots < c_{m-1}`.
    n_classes : int or sympy expression
        :math:`C` (:math:`= c_m`).
    in_features : int or sympy expression
        :math:`d`.
    div_value : number or sympy expression
        The divisor of the tails' sizes.
    probabilities : sequence
        :math:`p_i`, the fraction of samples whose target is in cluster
        :math:`i` (one per cutoff).

    Returns
    -------
    dict
        ``"head"``, ``"tails"`` (one expected cost per cluster),
        ``"hidden"`` (the :math:`h_i`), ``"adaptive"`` (the total),
        ``"full"`` (:math:`d C`) and ``"ratio"`` (adaptive over full).

    Raises
    ------
    ValueError
        If there are not as many probabilities as cutoffs.

    See Also
    --------
    lossbook.losses.adaptive_log_softmax : evaluates each tail only for its targets.
        Derived in :doc:`chapter 9 </chapters/09_sequences_vocabularies>`,
        *Sequences and large vocabularies*, which chooses cutoffs from the cost.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import adaptive_softmax_cost
    >>> cost = adaptive_softmax_cost([2000], 10**5, 512, 4, [sp.Rational(1, 4)])
    >>> cost["adaptive"], cost["full"], cost["ratio"]
    (4176896, 51200000, 4079/50000)
    """
    cutoffs, probabilities = list(cutoffs), list(probabilities)
    if len(probabilities) != len(cutoffs):
        raise ValueError(
            f"probabilities must hold one value per cutoff, {len(cutoffs)} "
            f"(got {len(probabilities)})"
        )
    d, div = sp.sympify(in_features), sp.sympify(div_value)
    bounds = [sp.sympify(c) for c in cutoffs] + [sp.sympify(n_classes)]
    head = d * (bounds[0] + len(cutoffs))
    hidden = [sp.floor(d / div ** (i + 1)) for i in range(len(cutoffs))]
    tails = [
        sp.sympify(p) * h * (d + bounds[i + 1] - bounds[i])
        for i, (p, h) in enumerate(zip(probabilities, hidden, strict=True))
    ]
    adaptive = head + sp.Add(*tails)
    full = d * bounds[-1]
    return {
        "head": head,
        "tails": tails,
        "hidden": hidden,
        "adaptive": adaptive,
        "full": full,
        "ratio": adaptive / full,
    }
