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
    9: "Sequences and large vocabularies",
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
    #: Public functions of ``losses`` that go with this loss and are no losses
    #: themselves (the adaptive softmax's full log-probabilities and prediction).
    companions: tuple = ()
    #: Where PyTorch's autograd gradient is right only behind a map (ctc_loss's, behind
    #: log_softmax), a ``parity.Through``: the gradient test then differentiates
    #: ``F.<name>(map(x))`` with respect to x and chains lossbook's gradient through
    #: the map's Jacobian. None compares the gradients directly.
    through: object = None
    #: (args, options) -> a factor >= 1 on the scale a float64 gradient is judged in,
    #: where the gradient is ill-conditioned by nature (ctc_loss's posteriors are exp of
    #: a difference of log-probabilities as large as the loss); None is 1.
    condition: Callable | None = None


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
         r"'input' must have shape \(\), \(C,\) or \(N, C\) \(got shape \(1, 2, 3\)\)"),
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

# Chapter 9: the fused linear cross-entropy and the adaptive softmax.
_FEATURES = _rng.normal(size=(2, 4))
_LINEAR = _rng.normal(size=(3, 4))
_HEAD = _rng.normal(size=(3, 4))  # shortlist 2 + one cluster
_TAILS = ((_rng.normal(size=(2, 4)), _rng.normal(size=(2, 2))),)  # classes 2, 3
_DIV2 = {"div_value": 2.0}
_Y2 = np.array([0, 1])
_VOCABULARY_BAD_INPUT = {
    "linear_cross_entropy": (
        ("three-dimensional-input", (_FEATURES[None], _LINEAR, np.array([[0, 1]])), {}, RuntimeError,
         r"'input' must have shape \(in_features,\) or \(N, in_features\) \(got shape \(1, 2, 4\)\)"),
        ("one-dimensional-weight", (_FEATURES, _LINEAR[0], np.array([0, 1])), {}, RuntimeError,
         r"'linear_weight' must have shape \(C, in_features\) .* \(got shape \(4,\)\)"),
        ("in-features-differ", (_FEATURES, _LINEAR[:, :3], np.array([0, 1])), {}, RuntimeError,
         r"must end in the input's in_features, 4 \(got 3\)"),
        ("bias-wrong-shape", (_FEATURES, _LINEAR, np.array([0, 1])), {"linear_bias": np.ones(2)}, RuntimeError,
         r"'linear_bias' must have shape \(3,\) \(got \(2,\)\)"),
        ("k-dimensional-unbatched", (_FEATURES[0], _LINEAR[:, None], np.array(0)), {}, RuntimeError,
         r"needs a batched 'input' \(N, 4\) \(got shape \(4,\)\)"),
        ("class-index-too-large", (_FEATURES, _LINEAR, np.array([0, 3])), {}, IndexError,
         r"'target' holds class index 3, out of bounds for 3 classes"),
        ("weight-wrong-length", (_FEATURES, _LINEAR, np.array([0, 1])), {"weight": np.ones(2)}, RuntimeError,
         r"'weight' must hold one value per class, shape \(3,\) \(got shape \(2,\)\)"),
        ("ignore-index-with-probabilities", (_FEATURES, _LINEAR, np.full((2, 3), 1 / 3)), {"ignore_index": 1},
         RuntimeError,
         r"'ignore_index' is not supported for class-probability targets \(got 1\)"),
        ("label-smoothing-above-one", (_FEATURES, _LINEAR, np.array([0, 1])), {"label_smoothing": 1.5}, RuntimeError,
         r"'label_smoothing' must be between 0.0 and 1.0 \(got 1.5\)"),
        ("unknown-reduction", (_FEATURES, _LINEAR, np.array([0, 1])), {"reduction": "avg"}, ValueError,
         r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    ),
    "adaptive_log_softmax": (
        ("cutoffs-empty", (_FEATURES, _Y2, _HEAD, (), []), {}, ValueError,
         r"'cutoffs' should be a sequence of length larger than 0 \(got \[\]\)"),
        ("cutoffs-unsorted", (_FEATURES, _Y2, _HEAD, _TAILS * 2, [3, 2]), _DIV2, ValueError,
         r"'cutoffs' should be a sequence of unique, positive integers .* \(got \[3, 2\]"),
        ("cutoffs-repeated", (_FEATURES, _Y2, _HEAD, _TAILS * 2, [2, 2]), _DIV2, ValueError,
         r"\(got \[2, 2\] for n_classes=4"),
        ("cutoff-zero", (_FEATURES, _Y2, _HEAD, _TAILS, [0]), _DIV2, ValueError,
         r"\(got \[0\] for n_classes=2"),
        ("target-out-of-range", (_FEATURES, np.array([0, 4]), _HEAD, _TAILS, [2]), _DIV2, RuntimeError,
         r"'target' values should be in \[0, 3\] \(got 4\)"),
        ("target-negative", (_FEATURES, np.array([-1, 0]), _HEAD, _TAILS, [2]), _DIV2, RuntimeError,
         r"'target' values should be in \[0, 3\] \(got -1\)"),
        ("two-dimensional-target", (_FEATURES, np.array([[0, 1]]), _HEAD, _TAILS, [2]), _DIV2, RuntimeError,
         r"'target' must be 0-d or 1-d, multi-target not supported \(got shape \(1, 2\)\)"),
        ("batched-target-unbatched-input", (_FEATURES[0], _Y2, _HEAD, _TAILS, [2]), _DIV2, RuntimeError,
         r"a 1-d 'target' expects a 2-d 'input' \(got shape \(4,\)\)"),
        ("batch-sizes-differ", (_FEATURES, np.array([0, 1, 2]), _HEAD, _TAILS, [2]), _DIV2, RuntimeError,
         r"must have the same size in the batch dimension \(got 2 and 3\)"),
        ("head-weight-wrong-shape", (_FEATURES, _Y2, _HEAD[:2], _TAILS, [2]), _DIV2, RuntimeError,
         r"'head_weight' must have shape \(3, 4\) \(got \(2, 4\)\)"),
        ("tail-of-other-div-value", (_FEATURES, _Y2, _HEAD, _TAILS, [2]), {"div_value": 4.0}, RuntimeError,
         r"'tail_weights\[0\]\[0\]' must have shape \(1, 4\) \(got \(2, 4\)\)"),
    ),
}

# ctc_loss: (T, N, C) = (6, 3, 5), padded targets of lengths 3, 1 and 0.
_CTC_LOG_PROBS = _rng.normal(size=(6, 3, 5))
_CTC_LOG_PROBS -= np.log(np.exp(_CTC_LOG_PROBS).sum(-1, keepdims=True))
_CTC_TARGETS = np.array([[1, 2, 2], [3, 1, 1], [1, 1, 4]])
_CTC_IN, _CTC_OUT = np.array([6, 5, 6]), np.array([3, 1, 0])


def _ctc(targets=_CTC_TARGETS, input_lengths=_CTC_IN, target_lengths=_CTC_OUT):
    return (_CTC_LOG_PROBS, targets, input_lengths, target_lengths)


_CTC_LENGTHS = r"must lie in \[0, 6\], the number of steps of 'log_probs' "
_CTC_BAD_INPUT = (
    ("input-length-above-T", _ctc(input_lengths=np.array([7, 5, 6])), {}, RuntimeError,
     r"'input_lengths' " + _CTC_LENGTHS + r"\(got 7 for sample 0\)"),
    ("negative-input-length", _ctc(input_lengths=np.array([6, -1, 6])), {}, RuntimeError,
     r"'input_lengths' " + _CTC_LENGTHS + r"\(got -1 for sample 1\)"),
    ("negative-target-length", _ctc(target_lengths=np.array([3, -1, 0])), {}, RuntimeError,
     r"'target_lengths' must be non-negative \(got -1 for sample 1\)"),
    ("target-length-above-padding", _ctc(target_lengths=np.array([4, 1, 0])), {}, RuntimeError,
     r"'target_lengths' must be at most the targets' length 3 \(got 4 for sample 0\)"),
    ("input-lengths-of-other-size", _ctc(input_lengths=np.array([6, 5])), {}, RuntimeError,
     r"'input_lengths' must hold one length per sample, shape \(3,\) \(got shape \(2,\)\)"),
    ("target-lengths-of-other-size", _ctc(target_lengths=np.array([3, 1, 0, 0])), {},
     RuntimeError,
     r"'target_lengths' must hold one length per sample, shape \(3,\) \(got shape \(4,\)\)"),
    ("blank-out-of-range", _ctc(), {"blank": 5}, RuntimeError,
     r"'blank' must be a class index in \[0, 5\) \(got 5\)"),
    ("blank-negative", _ctc(), {"blank": -1}, RuntimeError,
     r"'blank' must be a class index in \[0, 5\) \(got -1\)"),
    ("float-input-lengths", _ctc(input_lengths=np.array([6.0, 5.0, 6.0])), {}, RuntimeError,
     r"'input_lengths' must hold integers \(got dtype float64\)"),
    ("float-target-lengths", _ctc(target_lengths=np.array([3.0, 1.0, 0.0])), {}, RuntimeError,
     r"'target_lengths' must hold integers \(got dtype float64\)"),
    ("concatenated-too-long", _ctc(targets=np.array([1, 2, 2, 3, 1])), {}, RuntimeError,
     r"concatenated 'targets' must hold sum\(target_lengths\) = 4 labels \(got 5\)"),
    ("padded-rows-of-other-batch", _ctc(targets=_CTC_TARGETS[:2]), {}, RuntimeError,
     r"padded 'targets' must have one row per sample, shape \(3, S\) \(got shape \(2, 3\)\)"),
    ("four-dimensional-log-probs", (_CTC_LOG_PROBS[None],) + _ctc()[1:], {}, RuntimeError,
     r"'log_probs' must have shape \(T, N, C\) or, unbatched, \(T, C\) "
     r"\(got shape \(1, 6, 3, 5\)\)"),
    ("three-dimensional-targets", _ctc(targets=_CTC_TARGETS[None]), {}, RuntimeError,
     r"'targets' must be padded, shape \(N, S\), or concatenated"),
    ("empty-log-probs", (_CTC_LOG_PROBS[:0], _CTC_TARGETS, np.zeros(3, int), _CTC_OUT), {},
     RuntimeError, r"'log_probs' must not be empty \(got shape \(0, 3, 5\)\)"),
    ("unbatched-padded-targets", (_CTC_LOG_PROBS[:, 0], _CTC_TARGETS, np.array(6), np.array(3)),
     {}, RuntimeError,
     r"'targets' of one unbatched sample must have shape \(S,\) \(got shape \(3, 3\)\)"),
    ("unknown-reduction", _ctc(), {"reduction": "avg"}, ValueError,
     r"'reduction' must be one of 'none', 'mean', 'sum' \(got 'avg'\)"),
    # PyTorch's CPU kernel reads labels without checking them; lossbook refuses a label
    # out of range (5 here reads the next sample's blank column: in bounds, so safe to run),
    # a label equal to the blank (PyTorch's documentation forbids it) and float labels.
    ("label-out-of-range", _ctc(targets=np.array([[1, 2, 5], [3, 1, 1], [1, 1, 4]])), {}, None,
     r"'targets' holds class index 5 \(sample 0, label 2\), out of range for 5 classes"),
    ("label-is-blank", _ctc(targets=np.array([[1, 0, 2], [3, 1, 1], [1, 1, 4]])), {}, None,
     r"'targets' holds the blank index 0 \(sample 0, label 1\): a label cannot be the blank"),
    ("float-labels", _ctc(targets=_CTC_TARGETS.astype(float)), {}, None,
     r"'targets' must hold integers \(got dtype float64\)"),
)
# fmt: on


BAD_INPUT |= _NEW_BAD_INPUT | _VOCABULARY_BAD_INPUT | {"ctc_loss": _CTC_BAD_INPUT}


def _entry(name, chapter, *, cases=None, benchmarks=None, **fields):
    """The ``Loss`` of ``name``: by default its cases are ``parity.CASE_MAKERS[name]``, its
    benchmark case is named like it, and its bad-input rows are ``BAD_INPUT[name]``."""
    cases = cases or parity.CASE_MAKERS[name]
    return Loss(name, chapter, cases, benchmarks or (name,), BAD_INPUT[name], **fields)


#: A value or gradient formed from terms of size about 1 that cancel to far less (a
#: Gaussian NLL near 0 with ``full``, the cosine gradient of two parallel vectors).
_UNIT_TERMS = {"cancels": True, "float32_scale": 1.0}

LOSSES = (
    _entry("mse_loss", 2),
    _entry("l1_loss", 2),
    _entry("smooth_l1_loss", 5),
    _entry("huber_loss", 5),
    _entry("binary_cross_entropy", 1),
    _entry("binary_cross_entropy_with_logits", 3),
    _entry("nll_loss", 5, benchmarks=("nll_loss (C=10)",)),
    _entry(
        "cross_entropy",
        2,
        cases=_cross_entropy_cases,
        benchmarks=("cross_entropy (C=10)", "cross_entropy (C=1000)"),
        exact=_exact_cross_entropy,
        exact_cases=_deep_confident_logits,
    ),
    _entry("kl_div", 2, benchmarks=("kl_div (batchmean, C=10)",), cancels=True),
    _entry("soft_margin_loss", 5),
    _entry("multilabel_soft_margin_loss", 5),
    _entry("poisson_nll_loss", 7, cases=parity.poisson_cases, cancels=True),
    _entry(
        "gaussian_nll_loss", 7, cases=parity.gaussian_cases, differentiable=(0, 2), **_UNIT_TERMS
    ),
    _entry("margin_ranking_loss", 8, cases=parity.margin_ranking_cases, differentiable=(0, 1)),
    _entry("hinge_embedding_loss", 8, cases=parity.hinge_embedding_cases),
    _entry(
        "cosine_embedding_loss",
        8,
        cases=parity.cosine_embedding_cases,
        differentiable=(0, 1),
        **_UNIT_TERMS,
    ),
    _entry("multi_margin_loss", 8, cases=parity.multi_margin_cases),
    _entry("multilabel_margin_loss", 8, cases=parity.multilabel_margin_cases),
    _entry(
        "triplet_margin_loss",
        8,
        cases=parity.triplet_cases,
        differentiable=(0, 1, 2),
        cancels=True,
    ),
    _entry(
        "triplet_margin_with_distance_loss",
        8,
        cases=lambda rng, dtype: parity.triplet_cases(rng, dtype, with_distance=True),
        differentiable=(0, 1, 2),
        cancels=True,
    ),
    _entry(
        "ctc_loss",
        9,
        cases=parity.ctc_cases,
        benchmarks=("ctc_loss (C=32)",),
        through=parity.LOG_SOFTMAX,
        condition=parity.ctc_condition,
    ),
    _entry(
        "linear_cross_entropy",
        9,
        cases=parity.linear_cross_entropy_cases,
        benchmarks=("linear_cross_entropy (C=1000)",),
        differentiable=(0, 1, "linear_bias"),
    ),
    _entry(
        "adaptive_log_softmax",
        9,
        cases=parity.adaptive_cases,
        benchmarks=("adaptive_log_softmax (C=1000)",),
        differentiable=(0, 2, 3, "head_bias"),
        companions=("adaptive_log_prob", "adaptive_predict"),
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
