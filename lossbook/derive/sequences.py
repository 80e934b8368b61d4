r"""Connectionist temporal classification (CTC) on a tiny lattice, with SymPy.

A label such as "cat" is read from :math:`T` steps of per-step class
probabilities :math:`y_t(k)`. An *alignment* picks one class per step,
the blank included; the many-to-one map :math:`\mathcal{B}` merges repeated
classes and then drops the blanks ("-cc-aat" and "caaaa-t" both give "cat").
The probability of the label is the sum over its alignments of the product
of their probabilities. This module builds that sum twice, by brute force
over every alignment and by the forward recursion :math:`\alpha`, so that a
test (and chapter 9) sees them equal as polynomials; and the backward
recursion :math:`\beta`, whose product with :math:`\alpha` gives the gradient.

Convention (the one :mod:`lossbook.gradients` uses): :math:`\alpha_t(s)`
includes the emission :math:`y_t(l'_s)` at step t, :math:`\beta_t(s)`
excludes it. Then :math:`p = \sum_s \alpha_t(s)\beta_t(s)` at every step and

.. math::

    \frac{\partial p}{\partial y_t(k)}
    = \frac{1}{y_t(k)} \sum_{s:\, l'_s = k} \alpha_t(s)\, \beta_t(s).

Steps and positions count from 0. Classes are the characters of a string
label (or the items of a sequence); the blank is ``"-"`` unless told
otherwise and may not occur in the label.

>>> from lossbook.derive import ctc_alignments
>>> ctc_alignments("aa", 3)
['a-a']
"""

import itertools

import sympy as sp

__all__ = [
    "ctc_collapse",
    "ctc_classes",
    "ctc_extended_labels",
    "ctc_probability_symbols",
    "ctc_alignments",
    "ctc_lattice_paths",
    "ctc_brute_force",
    "ctc_alpha",
    "ctc_beta",
    "ctc_likelihood",
    "ctc_gradient_identity",
]

#: The most alignments (classes ** steps) :func:`ctc_brute_force` enumerates.
MAX_PATHS = 10**6


def _label(label, blank):
    items = tuple(label)
    if not items:
        raise ValueError("the label is empty: give at least one class")
    if blank in items:
        raise ValueError(f"the label {label!r} contains the blank {blank!r}")
    return items


def _steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"'steps' must be a positive integer (got {steps!r})")
    return steps


def _join(items, like):
    return "".join(items) if isinstance(like, str) else tuple(items)


def ctc_collapse(path, *, blank="-"):
    """The map B: merge runs of a repeated class, then drop the blanks.

    A string gives a string, any other sequence a tuple.

    >>> ctc_collapse("-cc-aa-t")
    'cat'
    >>> ctc_collapse("a-a")
    'aa'
    """
    merged = [key for key, _ in itertools.groupby(path)]
    return _join([item for item in merged if item != blank], path)


def ctc_classes(label, *, blank="-"):
    """The classes of a lattice: the blank, then the label's distinct classes in order.

    Index k of this tuple is class k of the log-probabilities handed to
    :func:`lossbook.losses.ctc_loss` with ``blank=0``.

    >>> ctc_classes("cat")
    ('-', 'c', 'a', 't')
    """
    items = _label(label, blank)
    return (blank,) + tuple(dict.fromkeys(items))


def ctc_extended_labels(label, *, blank="-"):
    """The extended label l' = (b, l_1, b, l_2, ..., l_S, b), of length 2S + 1.

    >>> ctc_extended_labels("cat")
    '-c-a-t-'
    """
    items = _label(label, blank)
    extended = [blank]
    for item in items:
        extended += [item, blank]
    return _join(extended, label)


def ctc_probability_symbols(label, steps, *, blank="-"):
    """Positive symbols :math:`y_t^k` for each step t and class k of the lattice, as a dict
    ``{(t, k): symbol}``.

    >>> y = ctc_probability_symbols("ab", 2)
    >>> y[1, "a"]
    y_1^a
    """
    _steps(steps)
    return {
        (t, k): sp.Symbol(f"y_{t}^{k}", positive=True)
        for t in range(steps)
        for k in ctc_classes(label, blank=blank)
    }


def ctc_alignments(label, steps, *, blank="-"):
    """Every alignment of ``steps`` classes that collapses to ``label``, in lexicographic order
    of the classes as :func:`ctc_classes` lists them.

    Found by enumerating every path over the lattice's classes and keeping
    those that :func:`ctc_collapse` maps to the label: the brute force that the
    recursions avoid. A string label gives strings.

    >>> ctc_alignments("cat", 4)
    ['-cat', 'c-at', 'ccat', 'ca-t', 'caat', 'cat-', 'catt']
    """
    items = _label(label, blank)
    _steps(steps)
    classes = ctc_classes(label, blank=blank)
    if len(classes) ** steps > MAX_PATHS:
        raise ValueError(
            f"{len(classes)} classes over {steps} steps make {len(classes) ** steps} paths, "
            f"more than {MAX_PATHS} to enumerate"
        )
    found = [
        path
        for path in itertools.product(classes, repeat=steps)
        if tuple(ctc_collapse(path, blank=blank)) == items
    ]
    return [_join(path, label) for path in found]


def ctc_lattice_paths(label, steps, *, blank="-"):
    """Each alignment of :func:`ctc_alignments` as its positions s in the extended label, one
    per step: the path a figure of the lattice draws (the position is unique for each).

    >>> ctc_lattice_paths("aa", 3)
    [(1, 2, 3)]
    """
    paths = []
    for alignment in ctc_alignments(label, steps, blank=blank):
        emitted, positions, previous = 0, [], None
        for item in alignment:
            if item == blank:
                position = 2 * emitted
            elif item == previous:
                position = 2 * emitted - 1
            else:
                emitted += 1
                position = 2 * emitted - 1
            positions.append(position)
            previous = item
        paths.append(tuple(positions))
    return paths


def _probabilities(label, steps, y, blank):
    return ctc_probability_symbols(label, steps, blank=blank) if y is None else y


def ctc_brute_force(label, steps, y=None, *, blank="-"):
    r"""The label's probability as the sum over its alignments of their products,
    :math:`p = \sum_{\pi \in \mathcal{B}^{-1}(l)} \prod_t y_t(\pi_t)`.

    ``y`` maps ``(t, k)`` to a probability (default: the symbols of
    :func:`ctc_probability_symbols`).

    >>> ctc_brute_force("a", 2)
    y_0^-*y_1^a + y_0^a*y_1^- + y_0^a*y_1^a
    """
    y = _probabilities(label, steps, y, blank)
    return sp.Add(
        *(
            sp.Mul(*(y[t, k] for t, k in enumerate(path)))
            for path in ctc_alignments(label, steps, blank=blank)
        )
    )


def _skip(extended, s, blank):
    """Whether position s may be reached from s - 2: a label unlike the one two back."""
    return s >= 2 and extended[s] != blank and extended[s] != extended[s - 2]


def ctc_alpha(label, steps, y=None, *, blank="-"):
    r"""The forward variables :math:`\alpha_t(s)` as a ``steps`` x (2S + 1) SymPy matrix.

    .. math::

        \alpha_0(0) = y_0(b), \quad \alpha_0(1) = y_0(l_1),

        \alpha_t(s) &= y_t(l'_s)\bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1) \\
        &\qquad + [\text{skip}_s]\,\alpha_{t-1}(s-2)\bigr)

    where the skip from s - 2 is allowed onto a label that differs from the
    label at s - 2. Entries are left as the recursion builds them
    (unexpanded).

    >>> ctc_alpha("a", 2)[1, 1]
    y_1^a*(y_0^- + y_0^a)
    """
    _steps(steps)
    y = _probabilities(label, steps, y, blank)
    extended = tuple(ctc_extended_labels(label, blank=blank))
    alpha = sp.zeros(steps, len(extended))
    alpha[0, 0] = y[0, extended[0]]
    alpha[0, 1] = y[0, extended[1]]
    for t in range(1, steps):
        for s, k in enumerate(extended):
            total = alpha[t - 1, s]
            if s >= 1:
                total += alpha[t - 1, s - 1]
            if _skip(extended, s, blank):
                total += alpha[t - 1, s - 2]
            alpha[t, s] = y[t, k] * total
    return alpha


def ctc_beta(label, steps, y=None, *, blank="-"):
    r"""The backward variables :math:`\beta_t(s)`, emission at t excluded, as a ``steps`` x
    (2S + 1) SymPy matrix.

    .. math::

        \beta_{T-1}(2S) = \beta_{T-1}(2S - 1) = 1, \quad
        \beta_t(s) = \sum_{s' \in \{s,\, s+1,\, s+2\}} y_{t+1}(l'_{s'})\, \beta_{t+1}(s')

    with s + 2 only where the skip onto it is allowed.

    >>> ctc_beta("a", 2)[0, 0]
    y_1^a
    """
    _steps(steps)
    y = _probabilities(label, steps, y, blank)
    extended = tuple(ctc_extended_labels(label, blank=blank))
    length = len(extended)
    beta = sp.zeros(steps, length)
    beta[steps - 1, length - 1] = 1
    beta[steps - 1, length - 2] = 1
    for t in range(steps - 2, -1, -1):
        for s in range(length):
            onward = [s, s + 1] + (
                [s + 2] if s + 2 < length and _skip(extended, s + 2, blank) else []
            )
            beta[t, s] = sp.Add(
                *(y[t + 1, extended[n]] * beta[t + 1, n] for n in onward if n < length)
            )
    return beta


def ctc_likelihood(label, steps, y=None, *, blank="-"):
    r"""The label's probability by the forward recursion:
    :math:`\alpha_{T-1}(2S) + \alpha_{T-1}(2S - 1)`.

    >>> import sympy as sp
    >>> from lossbook.derive import ctc_brute_force
    >>> sp.expand(ctc_likelihood("ab", 3) - ctc_brute_force("ab", 3))
    0
    """
    alpha = ctc_alpha(label, steps, y, blank=blank)
    return alpha[steps - 1, alpha.cols - 1] + alpha[steps - 1, alpha.cols - 2]


def ctc_gradient_identity(label, steps, *, blank="-"):
    r"""Both sides of :math:`\partial p / \partial y_t(k) = \sum_{s: l'_s = k}
    \alpha_t(s)\beta_t(s) / y_t(k)`, for every step t and class k.

    Returns a dict ``{(t, k): (derivative, forward_backward)}``: the
    derivative of the brute-force polynomial by SymPy, and the right-hand
    side from :func:`ctc_alpha` and :func:`ctc_beta`. Their difference expands
    to 0.

    >>> import sympy as sp
    >>> sides = ctc_gradient_identity("a", 2)
    >>> derivative, forward_backward = sides[0, "-"]
    >>> derivative, sp.expand(derivative - forward_backward)
    (y_1^a, 0)
    """
    y = ctc_probability_symbols(label, steps, blank=blank)
    p = ctc_brute_force(label, steps, y, blank=blank)
    alpha = ctc_alpha(label, steps, y, blank=blank)
    beta = ctc_beta(label, steps, y, blank=blank)
    extended = tuple(ctc_extended_labels(label, blank=blank))
    sides = {}
    for t, k in y:
        occupied = sp.Add(
            *(alpha[t, s] * beta[t, s] for s, item in enumerate(extended) if item == k)
        )
        sides[t, k] = (sp.diff(p, y[t, k]), occupied / y[t, k])
    return sides
