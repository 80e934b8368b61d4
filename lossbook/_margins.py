"""The distances and hinge terms of the margin losses, shared by ``losses`` and ``gradients``.

``torch.pairwise_distance`` adds ``eps`` to the difference before taking the
norm, so two equal vectors are ``eps * d**(1/p)`` apart, never exactly 0, and
the norm's gradient is always defined. ``cosine_embedding_loss`` adds 1e-12 to
each squared norm for the same reason.
"""

import numpy as np

#: Added to each squared norm by ``cosine_embedding_loss``: PyTorch's EPSILON,
#: 1e-12 rounded to float32 (9.99999996e-13), in every dtype; with 1e-12 itself the
#: gradient at a zero vector, about 1e6, would differ from PyTorch's by 2e-9 relative.
COSINE_EPS = float(np.float32(1e-12))


def pairwise_distance(x1, x2, p, eps):
    r""":math:`\lVert x_1 - x_2 + \epsilon \rVert_p` along the last axis."""
    return np.linalg.norm(x1 - x2 + eps, ord=p, axis=-1)


def pairwise_distance_gradient(x1, x2, p, eps):
    r"""The gradient of :func:`pairwise_distance` with respect to ``x1`` (minus it for ``x2``).

    .. math::

        \frac{\partial \lVert d \rVert_p}{\partial d_k}
        = \operatorname{sign}(d_k) \frac{|d_k|^{p - 1}}{\lVert d \rVert_p^{p - 1}}

    0 where the distance is 0, the subgradient PyTorch picks.
    """
    difference = x1 - x2 + eps
    norm = np.linalg.norm(difference, ord=p, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        grad = np.sign(difference) * (np.abs(difference) / norm) ** (p - 1)
    return np.where(norm == 0, 0, grad)


def cosine_similarity(x1, x2):
    """``(cos, squared norm of x1, squared norm of x2)`` along the last axis, as PyTorch forms them."""
    dot = np.sum(x1 * x2, axis=-1)
    square1 = np.sum(x1 * x1, axis=-1) + COSINE_EPS
    square2 = np.sum(x2 * x2, axis=-1) + COSINE_EPS
    # An infinite entry makes inf / inf: NaN, as in PyTorch, without a warning.
    with np.errstate(invalid="ignore"):
        return dot / np.sqrt(square1 * square2), square1, square2


def _positive_part(z):
    """``z`` where it is positive, else 0: a NaN term counts as 0.

    PyTorch's multi-class hinge kernels add a term only ``if (z > 0)``, so a NaN
    score drops out of the sum (a NaN at the target drops the whole sample),
    where ``np.maximum(z, 0)`` would carry the NaN into the loss.
    """
    with np.errstate(invalid="ignore"):
        return np.where(z > 0, z, 0)


def multi_margin_terms(input, indices, margin):
    r""":math:`\max(0, m - x_y + x_c)` for every class, 0 at the target's own class."""
    right = np.take_along_axis(input, indices[:, np.newaxis], axis=1)
    hinge = _positive_part(margin - right + input)
    np.put_along_axis(hinge, indices[:, np.newaxis], 0, axis=1)
    return hinge


def multilabel_terms(input, slots, listed, is_target):
    r"""(N, slot, class) array of :math:`\max(0, 1 - x_j + x_c)` for listed targets j and
    non-target classes c, else 0."""
    scores = np.take_along_axis(input, slots, axis=1)
    # inf - inf at a listed target's own class is masked below; NaN counts as 0.
    with np.errstate(invalid="ignore"):
        hinge = _positive_part(1 - scores[:, :, np.newaxis] + input[:, np.newaxis, :])
    return np.where(listed[:, :, np.newaxis] & ~is_target[:, np.newaxis, :], hinge, 0)
