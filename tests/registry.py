"""One entry per loss: what its parity tests, bad-input rows, benchmark and chapter are.

Adding a loss to ``lossbook.losses`` (and its gradient to ``lossbook.gradients``)
means adding one ``Loss`` here; ``tests/test_registry.py`` fails until the
package's ``__all__``, this registry and ``benchmarks/cases.py`` agree.
CONTRIBUTING.md has the checklist.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
import numpy as np

import parity
from parity import SHAPES

CHAPTERS = {
    1: "How loss functions are designed",
    2: "Loss functions from a probabilistic view",
    3: "A loss from its gradient",
    4: "Cross-entropy and likelihood",
    5: "Sigmoid, softmax and PyTorch's losses",
    6: "When the formulas meet floating point",
    7: "Beyond the Gaussian: likelihoods for counts and for uncertainty",
    8: "Margins: from the hinge to metric learning",
}


@dataclass(frozen=True)
class Loss:
    """A loss of ``lossbook.losses`` named as in ``torch.nn.functional``, with its gradient."""

    name: str  #: the function's name in losses, gradients and torch.nn.functional
    chapter: int  #: the chapter that derives it (a key of CHAPTERS)
    #: (rng, dtype) -> iterable of (id, input, target, options), or of
    #: (id, args, options) for a loss of other arguments than (input, target)
    cases: Callable
    benchmarks: tuple  #: the names of its cases in benchmarks/cases.py
    bad_input: tuple = ()  #: rows (id, args, options, PyTorch's exception or None, message regex)
    #: Its value subtracts nearly equal terms (t log t - t log q): float32 is
    #: judged in ulps of the largest value, not of each element.
    cancels: bool = False
    #: The element-wise loss in exact arithmetic, for inputs where PyTorch's
    #: float64 itself rounds away the answer: (input, target) -> float64 array.
    exact: Callable | None = None
    exact_cases: Callable | None = field(default=None, repr=False)  #: dtype -> (input, target)
    #: The positions of the arguments a model produces, whose gradients
    #: ``gradients.<name>`` returns (a bare array for one, a tuple for several).
    differentiable: tuple = (0,)
    #: The size of the terms a float32 value or gradient is formed from, where
    #: they cancel to far less (a Gaussian NLL near 0 with ``full``, the cosine
    #: gradient of two parallel vectors): float32 is judged in ulps of at least this.
    float32_scale: float = 0.0


# --- inputs where float64 is not enough for a reference -----------------------------


def _confident_cases(rng, dtype):
    """Correct, confident logits: losses from 3e-5 down to 1e-8, and probabilities of
    1e-5 to 1e-9 in the gradient, mixed with ordinary rows."""
    gaps = np.array(
        [
            [0.0, -11.0, -12.0, -13.0, -30.0],
            [0.0, -18.5, -19.0, -20.0, -25.0],
            [0.0, -10.5, -15.0, -16.0, -17.0],
        ]
    )
    for reduction in parity.REDUCTIONS:
        for smoothing in (0.0, 0.1):
            shift = rng.normal(0, 3, (3, 1))
            ordinary = rng.normal(0, 2, (2, 5))
            logits = np.concatenate([gaps + shift, ordinary])
            target = np.concatenate([np.zeros(3, int), rng.integers(0, 5, 2)])
            yield (
                f"confident-{reduction}-smoothing={smoothing}",
                logits.astype(dtype),
                target,
                {"reduction": reduction, "label_smoothing": smoothing},
            )


def _cross_entropy_cases(rng, dtype):
    yield from parity.CASE_MAKERS["cross_entropy"](rng, dtype)
    yield from _confident_cases(rng, dtype)


def _exact_cross_entropy(input, target):
    """-log softmax(x)_y per row, in 50-digit arithmetic, rounded to float64."""
    mpmath.mp.dps = 50
    rows = []
    for logits, y in zip(np.asarray(input, np.float64), target, strict=True):
        total = mpmath.fsum(
            mpmath.exp(mpmath.mpf(float(x)) - mpmath.mpf(float(logits[y]))) for x in logits
        )
        rows.append(float(mpmath.log(total)))
    return np.array(rows)


def _deep_confident_logits(dtype):
    """Rows whose loss is 1e-8, 1e-12, 1e-20 and 1e-30: PyTorch's log(1 + 1e-12) in
    float64 is off by 1e-4 relative, so only exact arithmetic can judge them."""
    gaps = np.array([-18.42, -27.63, -46.05, -69.08])
    logits = np.zeros((4, 3))
    logits[:, 1] = gaps
    logits[:, 2] = gaps - 1.0
    return logits.astype(dtype), np.zeros(4, int)


# --- bad input ------------------------------------------------------------------------
#
# One row per case: the call, the exception PyTorch raises for the same call
# (None where PyTorch accepts the input, a deliberate difference), and the
# message lossbook gives, which names the offending value or shape. lossbook's
# InvalidInputError is both ValueError and RuntimeError, so each row asserts
# that lossbook raises an instance of PyTorch's exception type.

_rng = np.random.default_rng(5)
LOGITS = _rng.normal(size=(2, 3))
PROBS = np.array([0.2, 0.7])
VALUES = np.array([1.0, 2.0, 3.0])

_SHAPE = r"'target' must have the same shape as 'input'"
_INDEX_SHAPE = r"'target' of class indices must have shape \(2,\) for 'input' of shape \(2, 3\) "
_INTEGERS = r"'target' of class indices must hold integers \(got dtype float64\)"

# fmt: off
BAD_INPUT = {
    "mse_loss": (
        ("shape-mismatch", (VALUES, VALUES[:2]), {}, RuntimeError,
         _SHAPE + r" \(3,\) \(got \(2,\)\); lossbook does not broadcast"),
        ("broadcastable-shape", (VALUES, VALUES[:1]), {}, None,
         _SHAPE + r" \(3,\) \(got \(1,\)\)"),
        ("weight-wrong-shape", (VALUES, VALUES), {"weight": np.ones(1)}, ValueError,
         r"'weight' must have the same shape as 'input' \(3,\) \(got \(1,\)\)"),
        ("unknown-reduction", (VALUES, VALUES), {"reduction": "batchmean"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'batchmean'\)"),
    ),
    "l1_loss": (
        ("shape-mismatch", (VALUES, VALUES[:2]), {}, RuntimeError,
         _SHAPE + r" \(3,\) \(got \(2,\)\)"),
    ),
    "smooth_l1_loss": (
        ("negative-beta", (VALUES, VALUES), {"beta": -1.0}, RuntimeError,
         r"'beta' must be a non-negative number \(got -1.0\)"),
    ),
    "huber_loss": (
        ("zero-delta", (VALUES, VALUES), {"delta": 0.0}, RuntimeError,
         r"'delta' must be a positive number \(got 0.0\)"),
        ("negative-delta", (VALUES, VALUES), {"delta": -2.0}, RuntimeError,
         r"'delta' must be a positive number \(got -2.0\)"),
    ),
    "binary_cross_entropy": (
        ("shape-mismatch", (PROBS, np.array([0.0, 1.0, 1.0])), {}, ValueError,
         _SHAPE + r" \(2,\) \(got \(3,\)\)"),
        ("input-above-one", (np.array([0.5, 1.5]), np.array([0.0, 1.0])), {}, RuntimeError,
         r"all elements of 'input' must be between 0 and 1 \(got 1.5 at index \[1\]\)"),
        ("input-negative", (np.array([-0.1, 0.5]), np.array([0.0, 1.0])), {}, RuntimeError,
         r"all elements of 'input' must be between 0 and 1 \(got -0.1 at index \[0\]\)"),
        ("target-above-one", (PROBS, np.array([0.0, 2.0])), {}, RuntimeError,
         r"all elements of 'target' must be between 0 and 1 \(got 2.0 at index \[1\]\)"),
        ("nan-input", (np.array([0.5, np.nan]), np.array([0.0, 1.0])), {}, RuntimeError,
         r"all elements of 'input' must be between 0 and 1 \(got nan at index \[1\]\)"),
        ("weight-not-broadcastable", (PROBS[None], np.array([[0.0, 1.0]])), {"weight": np.ones((2, 1))}, RuntimeError,
         r"'weight' of shape \(2, 1\) must broadcast to the shape of 'input' \(1, 2\)"),
    ),
    "binary_cross_entropy_with_logits": (
        ("shape-mismatch", (PROBS, np.array([[0.0, 1.0]])), {}, ValueError,
         _SHAPE + r" \(2,\) \(got \(1, 2\)\)"),
        ("pos-weight-wrong-length", (LOGITS, np.ones((2, 3))), {"pos_weight": np.ones(2)}, RuntimeError,
         r"'pos_weight' of shape \(2,\) must broadcast to the shape of 'input' \(2, 3\)"),
    ),
    "nll_loss": (
        ("float-class-indices", (LOGITS, np.array([0.0, 1.0])), {}, RuntimeError, _INTEGERS),
        ("class-index-negative", (LOGITS, np.array([-1, 0])), {}, IndexError,
         r"'target' holds class index -1, out of bounds for 3 classes"),
        ("weight-wrong-length", (LOGITS, np.array([0, 1])), {"weight": np.ones(4)}, RuntimeError,
         r"'weight' must hold one value per class, shape \(3,\) \(got shape \(4,\)\)"),
    ),
    "cross_entropy": (
        ("float-class-indices", (LOGITS, np.array([0.0, 1.0])), {}, RuntimeError, _INTEGERS),
        ("bool-class-indices", (LOGITS, np.array([True, False])), {}, RuntimeError,
         r"must hold integers \(got dtype bool\)"),
        ("integer-probabilities", (LOGITS, np.zeros((2, 3), int)), {}, RuntimeError,
         _INDEX_SHAPE + r"\(got \(2, 3\)\)"),
        ("class-index-too-large", (LOGITS, np.array([0, 3])), {}, IndexError,
         r"'target' holds class index 3, out of bounds for 3 classes"),
        ("wrong-target-batch", (LOGITS, np.array([0, 1, 1])), {}, ValueError,
         _INDEX_SHAPE + r"\(got \(3,\)\)"),
        ("label-smoothing-above-one", (LOGITS, np.array([0, 1])), {"label_smoothing": 1.5}, RuntimeError,
         r"'label_smoothing' must be between 0.0 and 1.0 \(got 1.5\)"),
        # PyTorch 2.13 accepts a negative label_smoothing and returns a number; lossbook refuses
        # it.
        ("label-smoothing-negative", (LOGITS, np.array([0, 1])), {"label_smoothing": -0.1}, None,
         r"'label_smoothing' must be between 0.0 and 1.0 \(got -0.1\)"),
        ("weight-wrong-length", (LOGITS, np.array([0, 1])), {"weight": np.ones(2)}, RuntimeError,
         r"'weight' must hold one value per class, shape \(3,\) \(got shape \(2,\)\)"),
        ("unknown-reduction", (LOGITS, np.array([0, 1])), {"reduction": "avg"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
        ("ignore-index-with-probabilities", (LOGITS, np.full((2, 3), 1 / 3)), {"ignore_index": 1}, RuntimeError,
         r"'ignore_index' is not supported for class-probability targets \(got 1\)"),
    ),
    "kl_div": (
        ("unknown-reduction", (LOGITS, LOGITS), {"reduction": "average"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum', 'batchmean' \(got 'average'\)"),
        ("shape-mismatch", (LOGITS, LOGITS[:, :2]), {}, RuntimeError,
         _SHAPE + r" \(2, 3\) \(got \(2, 2\)\)"),
    ),
    "soft_margin_loss": (
        ("shape-mismatch", (VALUES, VALUES[:2]), {}, RuntimeError,
         _SHAPE + r" \(3,\) \(got \(2,\)\)"),
    ),
    "multilabel_soft_margin_loss": (
        ("unknown-reduction", (LOGITS, np.ones((2, 3))), {"reduction": "avg"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    ),
}

# The losses of chapters 7 and 8.
_EMBEDDINGS = _rng.normal(size=(3, 4))
_SIGNS = np.array([1.0, -1.0, 1.0])
_NEW_BAD_INPUT = {
    "poisson_nll_loss": (
        # PyTorch broadcasts a target of shape (3,) against (2, 3); lossbook refuses.
        ("broadcastable-shape", (LOGITS, VALUES), {}, None,
         _SHAPE + r" \(2, 3\) \(got \(3,\)\)"),
        ("unknown-reduction", (VALUES, VALUES), {"reduction": "avg"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    ),
    "gaussian_nll_loss": (
        ("negative-variance", (VALUES, VALUES, np.array([1.0, -0.5, 1.0])), {}, ValueError,
         r"'var' must be non-negative \(got -0.5 at index \[1\]\)"),
        ("variance-of-wrong-shape", (LOGITS, LOGITS, np.ones(2 * 2)), {}, ValueError,
         r"'var' of shape \(4,\) must have the shape of 'input' \(2, 3\)"),
        ("unknown-reduction", (VALUES, VALUES, np.ones(3)), {"reduction": "avg"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    ),
    "margin_ranking_loss": (
        ("target-of-other-rank", (VALUES, VALUES, VALUES[None]), {}, RuntimeError,
         r"'target' must have the same shape as 'input1' \(3,\) \(got \(1, 3\)\)"),
        ("input2-of-other-length", (VALUES, VALUES[:2], VALUES), {}, RuntimeError,
         r"'input2' must have the same shape as 'input1' \(3,\) \(got \(2,\)\)"),
    ),
    "hinge_embedding_loss": (
        ("shape-mismatch", (VALUES, VALUES[:2]), {}, RuntimeError,
         _SHAPE + r" \(3,\) \(got \(2,\)\)"),
    ),
    "cosine_embedding_loss": (
        ("target-per-coordinate", (_EMBEDDINGS, _EMBEDDINGS, np.ones((3, 1))), {}, RuntimeError,
         r"'target' must have the same shape as 'input1 without its last axis' \(3,\)"),
        ("embedding-sizes-differ", (_EMBEDDINGS, _EMBEDDINGS[:, :3], _SIGNS), {}, RuntimeError,
         r"'input2' must have the same shape as 'input1' \(3, 4\) \(got \(3, 3\)\)"),
    ),
    "multi_margin_loss": (
        ("power-three", (LOGITS, np.array([0, 1])), {"p": 3}, ValueError,
         r"'p' must be 1 or 2 \(got 3\)"),
        ("class-index-out-of-range", (LOGITS, np.array([0, 3])), {}, RuntimeError,
         r"'target' holds class index 3, out of range for 3 classes"),
        ("weight-wrong-length", (LOGITS, np.array([0, 1])), {"weight": np.ones(2)}, RuntimeError,
         r"'weight' must hold one value per class, shape \(3,\) \(got shape \(2,\)\)"),
        ("three-dimensional-input", (LOGITS[None], np.array([[0, 1]])), {}, RuntimeError,
         r"'input' must have shape \(C,\) or \(N, C\) \(got shape \(1, 2, 3\)\)"),
        ("float-class-indices", (LOGITS, np.array([0.0, 1.0])), {}, RuntimeError,
         r"'target' of class indices must hold integers \(got dtype float64\)"),
    ),
    "multilabel_margin_loss": (
        ("class-index-out-of-range", (LOGITS, np.array([[3, -1, 0], [0, 1, -1]])), {}, RuntimeError,
         r"'target' holds class index 3, out of range for 3 classes"),
        ("index-below-minus-one", (LOGITS, np.array([[-2, -1, 0], [0, 1, -1]])), {}, RuntimeError,
         r"'target' holds class index -2, out of range for 3 classes"),
        ("shape-mismatch", (LOGITS, np.array([[0, -1], [1, -1]])), {}, RuntimeError,
         _SHAPE + r" \(2, 3\) \(got \(2, 2\)\)"),
    ),
    "triplet_margin_loss": (
        ("negative-of-other-rank", (_EMBEDDINGS, _EMBEDDINGS, _EMBEDDINGS[0]), {}, RuntimeError,
         r"'negative' must have the same shape as 'anchor' \(3, 4\) \(got \(4,\)\)"),
    ),
    "triplet_margin_with_distance_loss": (
        ("zero-margin", (_EMBEDDINGS, _EMBEDDINGS, _EMBEDDINGS), {"margin": 0.0}, ValueError,
         r"'margin' must be a positive number \(got 0.0\)"),
        ("negative-of-other-rank", (_EMBEDDINGS, _EMBEDDINGS, _EMBEDDINGS[0]), {}, RuntimeError,
         r"'negative' must have the same shape as 'anchor' \(3, 4\) \(got \(4,\)\)"),
    ),
}
# fmt: on


def _make(name):
    return parity.CASE_MAKERS[name]


LOSSES = (
    Loss("mse_loss", 2, _make("mse_loss"), ("mse_loss",), BAD_INPUT["mse_loss"]),
    Loss("l1_loss", 2, _make("l1_loss"), ("l1_loss",), BAD_INPUT["l1_loss"]),
    Loss(
        "smooth_l1_loss",
        5,
        _make("smooth_l1_loss"),
        ("smooth_l1_loss",),
        BAD_INPUT["smooth_l1_loss"],
    ),
    Loss("huber_loss", 5, _make("huber_loss"), ("huber_loss",), BAD_INPUT["huber_loss"]),
    Loss(
        "binary_cross_entropy",
        1,
        _make("binary_cross_entropy"),
        ("binary_cross_entropy",),
        BAD_INPUT["binary_cross_entropy"],
    ),
    Loss(
        "binary_cross_entropy_with_logits",
        3,
        _make("binary_cross_entropy_with_logits"),
        ("binary_cross_entropy_with_logits",),
        BAD_INPUT["binary_cross_entropy_with_logits"],
    ),
    Loss("nll_loss", 5, _make("nll_loss"), ("nll_loss (C=10)",), BAD_INPUT["nll_loss"]),
    Loss(
        "cross_entropy",
        2,
        _cross_entropy_cases,
        ("cross_entropy (C=10)", "cross_entropy (C=1000)"),
        BAD_INPUT["cross_entropy"],
        exact=_exact_cross_entropy,
        exact_cases=_deep_confident_logits,
    ),
    Loss(
        "kl_div",
        2,
        _make("kl_div"),
        ("kl_div (batchmean, C=10)",),
        BAD_INPUT["kl_div"],
        cancels=True,
    ),
    Loss(
        "soft_margin_loss",
        5,
        _make("soft_margin_loss"),
        ("soft_margin_loss",),
        BAD_INPUT["soft_margin_loss"],
    ),
    Loss(
        "multilabel_soft_margin_loss",
        5,
        _make("multilabel_soft_margin_loss"),
        ("multilabel_soft_margin_loss",),
        BAD_INPUT["multilabel_soft_margin_loss"],
    ),
    Loss(
        "poisson_nll_loss",
        7,
        parity.poisson_cases,
        ("poisson_nll_loss",),
        _NEW_BAD_INPUT["poisson_nll_loss"],
        cancels=True,
    ),
    Loss(
        "gaussian_nll_loss",
        7,
        parity.gaussian_cases,
        ("gaussian_nll_loss",),
        _NEW_BAD_INPUT["gaussian_nll_loss"],
        differentiable=(0, 2),
        cancels=True,
        float32_scale=1.0,
    ),
    Loss(
        "margin_ranking_loss",
        8,
        parity.margin_ranking_cases,
        ("margin_ranking_loss",),
        _NEW_BAD_INPUT["margin_ranking_loss"],
        differentiable=(0, 1),
    ),
    Loss(
        "hinge_embedding_loss",
        8,
        parity.hinge_embedding_cases,
        ("hinge_embedding_loss",),
        _NEW_BAD_INPUT["hinge_embedding_loss"],
    ),
    Loss(
        "cosine_embedding_loss",
        8,
        parity.cosine_embedding_cases,
        ("cosine_embedding_loss",),
        _NEW_BAD_INPUT["cosine_embedding_loss"],
        differentiable=(0, 1),
        cancels=True,
        float32_scale=1.0,
    ),
    Loss(
        "multi_margin_loss",
        8,
        parity.multi_margin_cases,
        ("multi_margin_loss",),
        _NEW_BAD_INPUT["multi_margin_loss"],
    ),
    Loss(
        "multilabel_margin_loss",
        8,
        parity.multilabel_margin_cases,
        ("multilabel_margin_loss",),
        _NEW_BAD_INPUT["multilabel_margin_loss"],
    ),
    Loss(
        "triplet_margin_loss",
        8,
        parity.triplet_cases,
        ("triplet_margin_loss",),
        _NEW_BAD_INPUT["triplet_margin_loss"],
        differentiable=(0, 1, 2),
        cancels=True,
    ),
    Loss(
        "triplet_margin_with_distance_loss",
        8,
        lambda rng, dtype: parity.triplet_cases(rng, dtype, with_distance=True),
        ("triplet_margin_with_distance_loss",),
        _NEW_BAD_INPUT["triplet_margin_with_distance_loss"],
        differentiable=(0, 1, 2),
        cancels=True,
    ),
)

BY_NAME = {loss.name: loss for loss in LOSSES}

#: The margin losses of ``lossbook.losses`` that PyTorch lacks as plain functions
#: (optax's names), with the chapter deriving them; tests/test_losses.py checks
#: each against an independent PyTorch composition or hand values.
MARGIN_LOSSES = {
    "zero_one_loss": 5,
    "hinge_loss": 5,
    "perceptron_loss": 5,
    "exponential_loss": 5,
    "logistic_loss": 5,
    "squared_margin_loss": 5,
    "absolute_margin_loss": 5,
}


def parity_cases():
    """Every (loss, case) pair as pytest parameters ``(loss, args, dtype, options)``."""
    import pytest

    params = []
    for loss in LOSSES:
        for dtype in parity.DTYPES:
            rng = np.random.default_rng(20261123)
            for case in loss.cases(rng, dtype):
                case_id, *args, options = case
                args = tuple(args[0]) if len(args) == 1 else tuple(args)
                params.append(
                    pytest.param(
                        loss,
                        args,
                        dtype,
                        options,
                        id=f"{loss.name}-{np.dtype(dtype).name}-{case_id}",
                    )
                )
    return params


def bad_input_rows():
    """Every bad-input row as pytest parameters ``(name, args, options, torch_error, message)``."""
    import pytest

    return [
        pytest.param(loss.name, *row[1:], id=f"{loss.name}-{row[0]}")
        for loss in LOSSES
        for row in loss.bad_input
    ]


__all__ = [
    "CHAPTERS",
    "Loss",
    "LOSSES",
    "BY_NAME",
    "MARGIN_LOSSES",
    "SHAPES",
    "parity_cases",
    "bad_input_rows",
]
