r"""Margin losses and metric learning, derived with SymPy.

The multi-class hinge of Weston and Watkins (PyTorch's ``multi_margin_loss``)
and its subgradient, the hinge of Crammer and Singer, the softmax
cross-entropy as its smooth version at a temperature, the triplet loss with
Euclidean distances and its gradients, and the cosine similarity with its
gradient. Vectors are sequences of SymPy expressions (a class's score, one
coordinate of an embedding each); every function returns SymPy expressions
(or a list or tuple of them).

>>> import sympy as sp
>>> from lossbook.derive import crammer_singer_hinge
>>> z = sp.symbols("z0:3", real=True)
>>> crammer_singer_hinge(z, 0)
Max(0, -z0 + Max(z1, z2) + 1)
"""

import sympy as sp

from .._docs import fill_doc
from ._symbols import _vector, _vectors

__all__ = [
    "multi_margin_hinge",
    "multi_margin_subgradient",
    "crammer_singer_hinge",
    "smooth_multiclass_hinge",
    "triplet_margin",
    "triplet_margin_gradients",
    "cosine_similarity",
    "cosine_similarity_gradient",
]


def _scores_and_class(z, y):
    z = _vector(z, "z")
    if len(z) < 2:
        raise ValueError(f"a multi-class hinge needs at least 2 scores, got {len(z)}")
    if not 0 <= int(y) < len(z):
        raise IndexError(f"target {y!r} is out of bounds for {len(z)} classes")
    return z, int(y)


@fill_doc
def multi_margin_hinge(z, y, *, p=1, margin=1, weight=1):
    r"""The multi-class hinge of Weston and Watkins, as PyTorch's ``multi_margin_loss``.

    .. math::

        \ell(z, y) = \frac{w_y}{C} \sum_{i \ne y}
        \max(0,\ \Delta - z_y + z_i)^p

    for the scores :math:`z = (z_0, \dots, z_{C-1})`, the target class
    :math:`y`, the margin :math:`\Delta` (``margin``) and the class weight
    :math:`w_y` (``weight``, applied after the power). Every wrong class
    whose score comes within :math:`\Delta` of the target's pays its own
    hinge; PyTorch divides the sum by :math:`C`, the number of classes.

    Parameters
    ----------
    z : sequence of sympy.Expr
        The scores of the :math:`C \ge 2` classes.
    y : int
        The target class, :math:`0 \le y < C`.
    p : {1, 2}, default 1
        The power of each hinge.
    margin, weight : sympy.Expr or number
        :math:`\Delta` and :math:`w_y`.

    Returns
    -------
    sympy.Expr
        The loss of one example; 0 once the target's score leads every other
        by at least :math:`\Delta`.

    Raises
    ------
    ValueError
        If ``p`` is not 1 or 2, or there are fewer than two scores.
    IndexError
        If ``y`` is not a class index.

    See Also
    --------
    multi_margin_subgradient : its subgradient in the scores.
    crammer_singer_hinge : the hinge on the largest wrong score only.
    lossbook.losses.multi_margin_loss : the numeric loss.
        <<chapter_8>>

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import multi_margin_hinge
    >>> z = sp.symbols("z0:3", real=True)
    >>> multi_margin_hinge(z, 0)
    Max(0, -z0 + z1 + 1)/3 + Max(0, -z0 + z2 + 1)/3
    >>> multi_margin_hinge([2, 1.5, -1], 0)
    0.166666666666667
    """
    if p not in (1, 2):
        raise ValueError(f"only p = 1 and p = 2 are supported, got p={p!r}")
    z, y = _scores_and_class(z, y)
    margin, weight = sp.sympify(margin), sp.sympify(weight)
    hinges = [sp.Max(0, margin - z[y] + z[i]) ** p for i in range(len(z)) if i != y]
    return sp.Add(*[weight * h / len(z) for h in hinges])


@fill_doc
def multi_margin_subgradient(z, y, *, p=1, margin=1, weight=1, at_kink=0):
    r"""The subgradient of the Weston-Watkins hinge in each score.

    Differentiating :func:`multi_margin_hinge` term by term, with
    :math:`h_i = \Delta - z_y + z_i` and :math:`H` the step function:

    .. math::

        \frac{\partial \ell}{\partial z_i} &= \frac{w_y}{C}\,
        p \max(0, h_i)^{p-1} H(h_i) \quad (i \ne y), \\
        \frac{\partial \ell}{\partial z_y} &= -\sum_{i \ne y}
        \frac{\partial \ell}{\partial z_i} .

    At a kink (:math:`h_i = 0`, only for :math:`p = 1`) any value of
    :math:`H(0)` in :math:`[0, 1]` gives a subgradient; ``at_kink`` picks
    it. PyTorch picks 0 (its backward tests :math:`h_i > 0`). For
    :math:`p = 2` the factor :math:`\max(0, h_i)` is 0 there, and the loss
    is differentiable.

    Parameters
    ----------
    z, y, p, margin, weight
        As in :func:`multi_margin_hinge`.
    at_kink : sympy.Expr or number, default 0
        The value of the step function at 0, in :math:`[0, 1]`.

    Returns
    -------
    list of sympy.Expr
        :math:`\partial \ell / \partial z_c` for :math:`c = 0, \dots, C-1`.

    Raises
    ------
    ValueError
        As :func:`multi_margin_hinge`, or if ``at_kink`` is outside [0, 1].

    See Also
    --------
    multi_margin_hinge : the loss it differentiates.
    lossbook.gradients.multi_margin_loss : the numeric gradient (``at_kink=0``).
        <<chapter_8>>

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import multi_margin_hinge, multi_margin_subgradient
    >>> z = sp.symbols("z0:3", real=True)
    >>> sp.diff(multi_margin_hinge(z, 0), z[1])  # SymPy leaves H(0) open
    Heaviside(-z0 + z1 + 1)/3
    >>> multi_margin_subgradient(z, 0)[1]
    Heaviside(-z0 + z1 + 1, 0)/3
    >>> multi_margin_subgradient([2, 1.5, -1], 0)
    [-1/3, 1/3, 0]
    >>> multi_margin_subgradient([2, 1, -1], 0, at_kink=1)
    [-1/3, 1/3, 0]
    """
    at_kink = sp.sympify(at_kink)
    if at_kink.is_number and not 0 <= at_kink <= 1:
        raise ValueError(f"at_kink must lie in [0, 1], got {at_kink}")
    z_symbols = sp.symbols(f"_z0:{len(list(z))}", real=True)
    loss = multi_margin_hinge(z_symbols, y, p=p, margin=margin, weight=weight)
    grads = []
    for symbol in z_symbols:
        g = sp.diff(loss, symbol)
        # SymPy's derivative of Max(0, h) is Heaviside(h); name its value at 0.
        g = g.replace(
            lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], at_kink)
        )
        grads.append(g.subs(dict(zip(z_symbols, _vector(z, "z"))), simultaneous=True))
    return grads


@fill_doc
def crammer_singer_hinge(z, y, *, margin=1):
    r"""The multi-class hinge of Crammer and Singer: the largest wrong score only.

    .. math::

        \ell(z, y) = \max\bigl(0,\ \Delta + \max_{i \ne y} z_i - z_y\bigr)
        = \max_{i \ne y} \max(0,\ \Delta - z_y + z_i)

    Where Weston and Watkins sum a hinge over every wrong class, Crammer and
    Singer charge only the worst one. PyTorch has no function for it.

    Parameters
    ----------
    z : sequence of sympy.Expr
        The scores of the :math:`C \ge 2` classes.
    y : int
        The target class.
    margin : sympy.Expr or number, default 1
        :math:`\Delta`.

    Returns
    -------
    sympy.Expr
        0 once the target's score leads the largest wrong score by at least
        :math:`\Delta`.

    Raises
    ------
    ValueError
        If there are fewer than two scores.
    IndexError
        If ``y`` is not a class index.

    See Also
    --------
    multi_margin_hinge : the sum over wrong classes.
    smooth_multiclass_hinge : its smooth version; the softmax cross-entropy
        at temperature 1 and margin 0.
        <<chapter_8>>

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import crammer_singer_hinge
    >>> crammer_singer_hinge([2, 1.5, 1.8], 0)
    0.800000000000000
    """
    z, y = _scores_and_class(z, y)
    wrong = [z[i] for i in range(len(z)) if i != y]
    return sp.Max(0, sp.sympify(margin) + sp.Max(*wrong) - z[y])


@fill_doc
def smooth_multiclass_hinge(z, y, *, margin=0, temperature=1):
    r"""The Crammer-Singer hinge with its maxima replaced by a log-sum-exp.

    .. math::

        \ell_T(z, y) = T \log\Bigl(1 + \sum_{i \ne y}
        e^{(\Delta + z_i - z_y)/T}\Bigr)

    The term 1 is :math:`e^{0/T}`, the hinge's 0. The log-sum-exp is a soft
    maximum: :math:`\max_k a_k \le T \log \sum_k e^{a_k/T} \le \max_k a_k +
    T \log K` for :math:`K` terms, so :math:`\ell_T` tends to
    :func:`crammer_singer_hinge` as :math:`T \to 0^+`. At :math:`T = 1` and
    :math:`\Delta = 0` it is the softmax cross-entropy
    :math:`-\log \operatorname{softmax}(z)_y`: divide the softmax's
    numerator and denominator by :math:`e^{z_y}`.

    Parameters
    ----------
    z : sequence of sympy.Expr
        The scores (logits) of the :math:`C \ge 2` classes.
    y : int
        The target class.
    margin : sympy.Expr or number, default 0
        :math:`\Delta`.
    temperature : sympy.Expr or number, default 1
        :math:`T > 0`.

    Returns
    -------
    sympy.Expr
        Positive for finite scores: unlike the hinge, it never reaches 0.

    Raises
    ------
    ValueError
        If there are fewer than two scores or a numeric temperature is not positive.
    IndexError
        If ``y`` is not a class index.

    See Also
    --------
    crammer_singer_hinge : the limit :math:`T \to 0^+`.
    lossbook.losses.cross_entropy : the case :math:`T = 1`,
        :math:`\Delta = 0`.
        <<chapter_8>>

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.derive import smooth_multiclass_hinge
    >>> z, T = sp.symbols("z0:2", real=True), sp.Symbol("T", positive=True)
    >>> smooth_multiclass_hinge(z, 0, temperature=T)
    T*log(exp((-z0 + z1)/T) + 1)
    >>> sp.limit(smooth_multiclass_hinge([2, 1, 3], 0, margin=1, temperature=T), T, 0, "+")
    2
    """
    z, y = _scores_and_class(z, y)
    T = sp.sympify(temperature)
    if T.is_number and not T > 0:
        raise ValueError(f"the temperature must be positive, got {T}")
    margin = sp.sympify(margin)
    terms = [sp.exp((margin + z[i] - z[y]) / T) for i in range(len(z)) if i != y]
    return T * sp.log(1 + sp.Add(*terms))


def _distance(u, v, eps):
    """Euclidean norm of u - v + eps, as PyTorch's pairwise_distance with p = 2."""
    return sp.sqrt(sp.Add(*[(a - b + eps) ** 2 for a, b in zip(u, v)]))


@fill_doc
def triplet_margin(anchor, positive, negative, *, margin=1, eps=0):
    r"""The triplet loss with Euclidean distances, as PyTorch's ``triplet_margin_loss`` (p = 2).

    .. math::

        \ell(a, p, n) = \max\bigl(0,\ \Delta + d(a, p) - d(a, n)\bigr),
        \qquad d(u, v) = \lVert u - v + \epsilon \rVert_2

    where :math:`\epsilon` (``eps``) is added to every coordinate of the
    difference, as PyTorch's ``pairwise_distance`` does (1e-6 there), so
    that the norm of a zero difference has a derivative.

    Parameters
    ----------
    anchor, positive, negative : sequence of sympy.Expr
        Three embeddings of one length.
    margin : sympy.Expr or number, default 1
        :math:`\Delta`.
    eps : sympy.Expr or number, default 0
        :math:`\epsilon`.

    Returns
    -------
    sympy.Expr
        0 once the negative is farther from the anchor than the positive by
        at least :math:`\Delta`.

    <<vectors_raises>>

    See Also
    --------
    triplet_margin_gradients : the gradients where the hinge is active.
    lossbook.losses.triplet_margin_loss : the numeric loss (at its default ``p=2``).
        <<chapter_8>>

    Examples
    --------
    >>> from lossbook.derive import triplet_margin
    >>> triplet_margin([0, 0], [3, 4], [6, 8])
    0
    >>> triplet_margin([0, 0], [3, 4], [0, 5.5])
    0.500000000000000
    """
    a, p, n = _vectors(anchor=anchor, positive=positive, negative=negative)
    eps = sp.sympify(eps)
    return sp.Max(0, sp.sympify(margin) + _distance(a, p, eps) - _distance(a, n, eps))


@fill_doc
def triplet_margin_gradients(anchor, positive, negative, *, margin=1, eps=0):
    r"""The gradients of the triplet loss (p = 2) where its hinge is active.

    Where :math:`\Delta + d(a, p) - d(a, n) > 0` the loss is that expression,
    and with :math:`\nabla_u \lVert u - v + \epsilon\rVert = (u - v +
    \epsilon)/d(u, v)` (the unit vector from :math:`v` to :math:`u`):

    .. math::

        \nabla_a \ell &= \frac{a - p + \epsilon}{d(a, p)}
        - \frac{a - n + \epsilon}{d(a, n)}, \\
        \nabla_p \ell &= -\frac{a - p + \epsilon}{d(a, p)}, \qquad
        \nabla_n \ell = \frac{a - n + \epsilon}{d(a, n)} .

    The positive is pulled towards the anchor and the negative pushed away,
    each by a unit vector: the size of the step does not depend on the
    distances. Where the hinge is inactive every gradient is 0.

    Parameters
    ----------
    anchor, positive, negative, margin, eps
        As in :func:`triplet_margin`.

    Returns
    -------
    tuple of three lists of sympy.Expr
        The gradients with respect to anchor, positive and negative, each
        coordinate by coordinate, of the active branch.

    <<vectors_raises>>

    See Also
    --------
    triplet_margin : the loss; where its hinge is inactive, every gradient is 0.
    lossbook.gradients.triplet_margin_loss : the numeric gradients.
        <<chapter_8>>

    Examples
    --------
    >>> from lossbook.derive import triplet_margin_gradients
    >>> triplet_margin_gradients([0, 0], [3, 4], [0, 5])
    ([-3/5, 1/5], [3/5, 4/5], [0, -1])
    """
    a, p, n = _vectors(anchor=anchor, positive=positive, negative=negative)
    symbols = [sp.symbols(f"_{name}0:{len(a)}", real=True) for name in "apn"]
    eps_ = sp.sympify(eps)
    active = (
        sp.sympify(margin)
        + _distance(symbols[0], symbols[1], eps_)
        - _distance(symbols[0], symbols[2], eps_)
    )
    values = dict(zip([s for group in symbols for s in group], a + p + n))
    return tuple(
        [sp.simplify(sp.diff(active, s).subs(values, simultaneous=True)) for s in group]
        for group in symbols
    )


@fill_doc
def cosine_similarity(x1, x2, *, eps=0):
    r"""The cosine similarity of two vectors, as PyTorch's ``cosine_embedding_loss`` computes it.

    .. math::

        \cos(x_1, x_2) = \frac{x_1 \cdot x_2}
        {\sqrt{(\lVert x_1\rVert^2 + \epsilon)(\lVert x_2\rVert^2 + \epsilon)}}

    PyTorch's ``cosine_embedding_loss`` adds :math:`\epsilon = 10^{-12}` to
    each squared norm, so that a zero vector gives a cosine of 0 rather than
    0/0. With :math:`\epsilon = 0` the cosine does not change when either
    vector is scaled by a positive number.

    Parameters
    ----------
    x1, x2 : sequence of sympy.Expr
        Two vectors of one length.
    eps : sympy.Expr or number, default 0
        :math:`\epsilon`.

    Returns
    -------
    sympy.Expr
        In :math:`[-1, 1]`; 0 for orthogonal vectors, and for a zero vector
        when :math:`\epsilon > 0`.

    <<vectors_raises>>

    See Also
    --------
    cosine_similarity_gradient : its gradient in :math:`x_1`.
    lossbook.losses.cosine_embedding_loss : the loss built on it.
        <<chapter_8>>

    Examples
    --------
    >>> from lossbook.derive import cosine_similarity
    >>> cosine_similarity([1, 0], [1, 1])
    sqrt(2)/2
    """
    x1, x2 = _vectors(x1=x1, x2=x2)
    eps = sp.sympify(eps)
    dot = sp.Add(*[a * b for a, b in zip(x1, x2)])
    sq1 = sp.Add(*[a**2 for a in x1]) + eps
    sq2 = sp.Add(*[b**2 for b in x2]) + eps
    return dot / sp.sqrt(sq1 * sq2)


@fill_doc
def cosine_similarity_gradient(x1, x2, *, eps=0):
    r"""The gradient of the cosine similarity with respect to its first vector.

    With :math:`s_k = \lVert x_k\rVert^2 + \epsilon`, the quotient rule gives

    .. math::

        \nabla_{x_1} \cos(x_1, x_2) = \frac{x_2}{\sqrt{s_1 s_2}}
        - \cos(x_1, x_2)\, \frac{x_1}{s_1} .

    For :math:`\epsilon = 0` it is orthogonal to :math:`x_1`
    (:math:`x_1 \cdot \nabla = \cos - \cos = 0`): the cosine is constant
    along :math:`x_1`, so only turning :math:`x_1` changes it. The gradient
    in :math:`x_2` is the same with the roles swapped.

    Parameters
    ----------
    x1, x2, eps
        As in :func:`cosine_similarity`.

    Returns
    -------
    list of sympy.Expr
        :math:`\partial \cos / \partial x_{1,k}`, coordinate by coordinate.

    <<vectors_raises>>

    See Also
    --------
    cosine_similarity : the similarity.
    lossbook.gradients.cosine_embedding_loss : the numeric gradients.
        <<chapter_8>>

    Examples
    --------
    >>> from lossbook.derive import cosine_similarity_gradient
    >>> cosine_similarity_gradient([1, 0], [1, 1])
    [0, sqrt(2)/2]
    """
    x1, x2 = _vectors(x1=x1, x2=x2)
    u = sp.symbols(f"_u0:{len(x1)}", real=True)
    cos = cosine_similarity(u, x2, eps=eps)
    return [sp.simplify(sp.diff(cos, s).subs(dict(zip(u, x1)), simultaneous=True)) for s in u]
