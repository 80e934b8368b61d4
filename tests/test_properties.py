"""Properties of the package that must hold for every input Hypothesis can generate.

Each property states its tolerance and why. The Hypothesis profile (a fixed
number of examples, derandomised) is in conftest.py.
"""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossbook import activations, gradients, information, losses
from parity import COSINE_DISTANCE, check_gradient, check_value, lossbook_options
from registry import BY_NAME

DTYPES = st.sampled_from([np.float32, np.float64])
# Logits over the whole range the package promises to handle, with the extremes
# themselves and exact zeros drawn often.
LOGIT = st.one_of(
    st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([-1e4, -800.0, -100.0, -30.0, 0.0, 30.0, 100.0, 800.0, 1e4]),
)
REDUCTION = st.sampled_from(["none", "mean", "sum"])


@st.composite
def logits(draw, min_dims=1, max_dims=3, min_side=1, max_side=5, dtype=None):
    """An array of logits of a random shape and float dtype."""
    dtype = dtype or draw(DTYPES)
    shape = draw(
        hnp.array_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
        )
    )
    return draw(hnp.arrays(dtype, shape, elements=LOGIT))


@st.composite
def distributions(draw, classes=None, batch=None):
    """A batch of probability distributions along the last axis, with exact zeros allowed."""
    classes = classes or draw(st.integers(1, 6))
    batch = batch or draw(st.integers(1, 4))
    weights = draw(
        hnp.arrays(
            np.float64, (batch, classes), elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0))
        )
    )
    weights[:, 0] += 1e-3  # at least one possible outcome per row
    return weights / weights.sum(axis=-1, keepdims=True)


class TestInformationProperties:
    @given(distributions(), st.data())
    def test_gibbs_and_pinsker(self, p, data):
        """KL(P||Q) >= 0, and zero only for P = Q: |P - Q|_1 <= sqrt(2 KL) (Pinsker); tolerance 1e-12 for rounding."""
        q = data.draw(distributions(classes=p.shape[-1], batch=p.shape[0]))
        kl = information.kl_divergence(p, q)
        assert np.all(kl >= -1e-12)
        finite = np.isfinite(kl)
        l1 = np.abs(p - q).sum(axis=-1)
        assert np.all(l1[finite] <= np.sqrt(2 * np.maximum(kl[finite], 0)) + 1e-7)
        np.testing.assert_array_equal(information.kl_divergence(p, p), 0.0)

    @given(distributions(), st.data())
    def test_cross_entropy_is_entropy_plus_kl(self, p, data):
        """H(P, Q) = H(P) + KL(P||Q) to 1e-10 relative (three sums of C rounded terms each)."""
        q = data.draw(distributions(classes=p.shape[-1], batch=p.shape[0]))
        ce = information.cross_entropy(p, q)
        total = information.entropy(p) + information.kl_divergence(p, q)
        np.testing.assert_allclose(ce, total, rtol=1e-10, atol=1e-12)

    @given(distributions())
    def test_entropy_at_most_log_classes(self, p):
        """0 <= H(P) <= log C, up to 1e-12 of rounding."""
        h = information.entropy(p)
        assert np.all(h >= -1e-12) and np.all(h <= np.log(p.shape[-1]) + 1e-12)


class TestActivationProperties:
    @given(logits())
    def test_softmax_is_a_distribution(self, x):
        """softmax is in [0, 1] and sums to 1 within C ulps of the dtype."""
        s = activations.softmax(x)
        eps = np.finfo(x.dtype).eps
        assert np.all((s >= 0) & (s <= 1))
        np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=x.shape[-1] * eps * 2)

    @given(logits(dtype=np.float64), st.floats(-1e3, 1e3))
    def test_softmax_shift_invariant(self, x, shift):
        """softmax(x + c) = softmax(x): rounding x + c moves each exponent by ulp(1.1e4) ~ 2e-12, hence atol 1e-10."""
        np.testing.assert_allclose(
            activations.softmax(x + shift), activations.softmax(x), rtol=1e-9, atol=1e-10
        )

    @given(logits(dtype=np.float64))
    def test_log_softmax_is_log_of_softmax(self, x):
        """log_softmax = log(softmax) wherever softmax is not rounded to 0, to 1e-12 absolute."""
        s = activations.softmax(x)
        keep = s > 1e-300
        np.testing.assert_allclose(
            activations.log_softmax(x)[keep], np.log(s[keep]), rtol=1e-12, atol=1e-12
        )

    @given(logits())
    def test_finite_for_finite_input(self, x):
        """Every activation of finite logits is finite (log_sigmoid and log_softmax included)."""
        for f in (
            activations.sigmoid,
            activations.log_sigmoid,
            activations.softmax,
            activations.log_softmax,
        ):
            assert np.all(np.isfinite(f(x))), f.__name__
        assert np.all(np.isfinite(activations.logsumexp(x)))


class TestLossProperties:
    @given(logits(dtype=np.float64), st.data())
    def test_bce_with_logits_is_bce_of_sigmoid(self, x, data):
        """BCE-with-logits = BCE(sigmoid) for |x| <= 15, to 1e-6: beyond it 1 - sigmoid(x) loses e^|x| ulps."""
        x = np.clip(x, -15, 15)
        y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0, 1)))
        np.testing.assert_allclose(
            losses.binary_cross_entropy_with_logits(x, y, reduction="none"),
            losses.binary_cross_entropy(activations.sigmoid(x), y, reduction="none"),
            rtol=1e-6,
            atol=1e-9,
        )

    @given(logits(min_dims=2), st.data())
    def test_losses_finite_for_finite_input(self, x, data):
        """Every logit loss and its gradient are finite for finite logits, however large."""
        classes = x.shape[1]
        target = data.draw(
            hnp.arrays(np.int64, x.shape[:1] + x.shape[2:], elements=st.integers(0, classes - 1))
        )
        labels = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.sampled_from([0.0, 1.0])))
        smoothing = data.draw(st.sampled_from([0.0, 0.1]))
        for value in (
            losses.cross_entropy(x, target, label_smoothing=smoothing),
            gradients.cross_entropy(x, target, label_smoothing=smoothing),
            losses.binary_cross_entropy_with_logits(x, labels),
            gradients.binary_cross_entropy_with_logits(x, labels),
            losses.soft_margin_loss(x, 2 * labels - 1),
            losses.multilabel_soft_margin_loss(x, labels),
        ):
            assert np.all(np.isfinite(value))


class TestTorchParityProperties:
    @given(logits(min_dims=2, max_dims=4), REDUCTION, st.data())
    def test_cross_entropy(self, x, reduction, data):
        """cross_entropy and its gradient equal PyTorch's for generated shapes, logits, weights, smoothing."""
        classes = x.shape[1]
        target = data.draw(
            hnp.arrays(
                np.int64, x.shape[:1] + x.shape[2:], elements=st.integers(-100, classes - 1)
            )
        )
        target[(target < 0) & (target != -100)] = 0
        options = {
            "reduction": reduction,
            "label_smoothing": data.draw(st.sampled_from([0.0, 0.05, 1.0])),
        }
        if data.draw(st.booleans()):
            options["weight"] = data.draw(
                hnp.arrays(x.dtype, (classes,), elements=st.floats(0.125, 2.0, width=32))
            )
        check_value("cross_entropy", x, target, x.dtype.type, **options)
        check_gradient(
            "cross_entropy", x, target, x.dtype.type, np.random.default_rng(0), **options
        )

    @given(logits(), REDUCTION, st.data())
    def test_bce_with_logits(self, x, reduction, data):
        """binary_cross_entropy_with_logits and its gradient equal PyTorch's, with pos_weight."""
        y = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(0, 1, width=32)))
        options = {"reduction": reduction}
        if data.draw(st.booleans()):
            options["pos_weight"] = data.draw(
                hnp.arrays(x.dtype, x.shape[-1:], elements=st.floats(0.125, 5.0, width=32))
            )
        # PyTorch's (1 - y) x + log(1 + e^{-x}) cancels two terms of size |x|.
        torch_scale = float(np.abs(x).max())
        check_value(
            "binary_cross_entropy_with_logits",
            x,
            y,
            x.dtype.type,
            torch_scale=torch_scale,
            **options,
        )
        check_gradient(
            "binary_cross_entropy_with_logits",
            x,
            y,
            x.dtype.type,
            np.random.default_rng(0),
            **options,
        )

    @given(logits(), REDUCTION, st.data())
    def test_bce_of_probabilities(self, x, reduction, data):
        """binary_cross_entropy and its gradient equal PyTorch's, probabilities 0 and 1 included."""
        p = np.clip(activations.sigmoid(x / 10), 0, 1)
        y = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.sampled_from([0.0, 0.3, 1.0])))
        check_value("binary_cross_entropy", p, y, x.dtype.type, reduction=reduction)
        check_gradient(
            "binary_cross_entropy",
            p,
            y,
            x.dtype.type,
            np.random.default_rng(0),
            reduction=reduction,
        )

    @given(
        logits(),
        REDUCTION,
        st.sampled_from(["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]),
        st.data(),
    )
    def test_regression(self, x, reduction, name, data):
        """The regression losses and gradients equal PyTorch's on any finite input."""
        y = data.draw(hnp.arrays(x.dtype, x.shape, elements=LOGIT))
        options = {"reduction": reduction}
        if name == "smooth_l1_loss":
            options["beta"] = data.draw(st.sampled_from([0.0, 0.5, 1.0, 100.0]))
        if name == "huber_loss":
            options["delta"] = data.draw(st.sampled_from([0.5, 1.0, 100.0]))
        check_value(name, x, y, x.dtype.type, **options)
        check_gradient(name, x, y, x.dtype.type, np.random.default_rng(0), **options)

    @given(st.data(), st.sampled_from(["none", "mean", "sum", "batchmean"]), st.booleans())
    def test_kl_div(self, data, reduction, log_target):
        """kl_div and its gradient equal PyTorch's on generated distributions."""
        p, q = data.draw(distributions()), None
        q = data.draw(distributions(classes=p.shape[-1], batch=p.shape[0]))
        with np.errstate(divide="ignore"):
            target = np.log(p) if log_target else p
            log_q = np.log(q)
        options = {"reduction": reduction, "log_target": log_target}
        check_value("kl_div", log_q, target, np.float64, **options)
        check_gradient("kl_div", log_q, target, np.float64, np.random.default_rng(0), **options)


def _finite_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


MODERATE = st.floats(-5, 5, allow_nan=False)


class TestFiniteDifferences:
    @given(
        st.data(),
        st.sampled_from(
            [
                "cross_entropy",
                "binary_cross_entropy_with_logits",
                "mse_loss",
                "soft_margin_loss",
                "multilabel_soft_margin_loss",
            ]
        ),
    )
    def test_gradient_matches_central_difference(self, data, name):
        """The analytic gradient equals a central difference (h = 1e-6) to 1e-6: its truncation error
        is O(h^2), rounding O(eps/h) ~ 1e-10.
        """
        shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4))
        x = data.draw(hnp.arrays(np.float64, shape, elements=MODERATE))
        if name == "cross_entropy":
            target = data.draw(
                hnp.arrays(np.int64, shape[:1], elements=st.integers(0, shape[1] - 1))
            )
        elif name == "soft_margin_loss":
            target = data.draw(
                hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))
            )
        else:
            target = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0, 1)))
        loss = getattr(losses, name)
        numeric = _finite_difference(lambda z: loss(z, target), x)
        np.testing.assert_allclose(
            getattr(gradients, name)(x, target), numeric, rtol=1e-6, atol=1e-7
        )


# --- the likelihood, margin and embedding losses of chapters 7 and 8 -------------------
#
# One strategy per loss draws its arguments (float64, |x| <= 3, small shapes) and
# options; the tables after them say which property holds for which loss.

SCORE = st.floats(-3, 3, allow_nan=False)
SIGN = st.sampled_from([-1.0, 1.0])
MARGIN = st.floats(0, 2)
SLACK = st.floats(1e-3, 1)  # how far inside its margin a satisfied term is put
KINK_GAP = 1e-3  # finite differences only at points this far from every kink


def _array(draw, shape, elements=SCORE, dtype=np.float64):
    return draw(hnp.arrays(dtype, shape, elements=elements))


def _shape(draw, min_dims=1, max_dims=2, min_side=1):
    return draw(
        hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=4)
    )


@st.composite
def _poisson_args(draw):
    shape = _shape(draw)
    log_input = draw(st.booleans())
    input = _array(draw, shape, st.floats(-4, 4) if log_input else st.floats(0.05, 20))
    counts = st.one_of(st.integers(0, 20).map(float), st.floats(0, 20))
    options = {"log_input": log_input, "full": draw(st.booleans())}
    return (input, _array(draw, shape, counts)), options


@st.composite
def _gaussian_args(draw):
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    var_shape = draw(st.sampled_from([(n, d), (n,), (n, 1), (1, d)]))
    var = _array(draw, var_shape, st.floats(0.1, 5))
    return (_array(draw, (n, d)), _array(draw, (n, d)), var), {"full": draw(st.booleans())}


@st.composite
def _margin_ranking_args(draw):
    shape = _shape(draw)
    args = (_array(draw, shape), _array(draw, shape), _array(draw, shape, SIGN))
    return args, {"margin": draw(MARGIN)}


@st.composite
def _hinge_embedding_args(draw):
    shape = _shape(draw)
    # The input is a distance: the loss is >= 0 only for input >= 0.
    args = (_array(draw, shape, st.floats(0, 4)), _array(draw, shape, SIGN))
    return args, {"margin": draw(MARGIN)}


@st.composite
def _cosine_embedding_args(draw):
    shape = _shape(draw)
    args = (_array(draw, shape), _array(draw, shape), _array(draw, shape[:-1], SIGN))
    return args, {"margin": draw(st.floats(-1, 1))}


@st.composite
def _multi_margin_args(draw):
    shape = _shape(draw)
    classes = shape[-1]
    target = _array(draw, shape[:-1], st.integers(0, classes - 1), np.int64)
    options = {"p": draw(st.sampled_from([1, 2])), "margin": draw(MARGIN)}
    if draw(st.booleans()):
        options["weight"] = _array(draw, (classes,), st.floats(0.25, 2))
    return (_array(draw, shape), target), options


@st.composite
def _multilabel_margin_args(draw):
    shape = _shape(draw)
    classes = shape[-1]
    rows = []
    for _ in range(int(np.prod(shape[:-1]))):
        labels = draw(st.permutations(range(classes)))[: draw(st.integers(0, classes))]
        rows.append(labels + [-1] * (classes - len(labels)))
    return (_array(draw, shape), np.array(rows, np.int64).reshape(shape)), {}


@st.composite
def _triplet_args(draw):
    shape = _shape(draw, max_dims=3)
    options = {
        "margin": draw(st.floats(0.01, 2)),
        "p": draw(st.sampled_from([1.0, 2.0, 3.0])),
        "eps": draw(st.sampled_from([0.0, 1e-6, 1e-3])),
        "swap": draw(st.booleans()),
    }
    return tuple(_array(draw, shape) for _ in range(3)), options


@st.composite
def _triplet_with_distance_args(draw):
    shape = _shape(draw, max_dims=3)
    options = {
        "distance_function": draw(st.sampled_from([None, COSINE_DISTANCE])),
        "margin": draw(st.floats(0.01, 2)),
        "swap": draw(st.booleans()),
    }
    args = tuple(_array(draw, shape) for _ in range(3))
    if options["distance_function"] is not None:
        args = tuple(_replace_short_rows(x) for x in args)  # the cosine of 0 is 0 / 0
    return args, options


# --- the sequence and vocabulary losses of chapter 9 ----------------------------------


def _ctc_steps_needed(labels):
    """The fewest steps that can emit ``labels``: one per label, plus the compulsory blank
    between two equal neighbours."""
    return len(labels) + int(np.sum(labels[1:] == labels[:-1]))


@st.composite
def _ctc_args(draw):
    """Normalised log-probabilities (T, N, C), T <= 5, padded targets of up to 2 labels, and
    input lengths from each target's fewest steps to T: every target is possible."""
    classes, batch = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    blank = draw(st.integers(0, classes - 1))
    others = [c for c in range(classes) if c != blank]
    targets = [
        np.array(draw(st.lists(st.sampled_from(others), max_size=2)), np.int64)
        for _ in range(batch)
    ]
    needed = [_ctc_steps_needed(t) for t in targets]
    steps = draw(st.integers(max(1, *needed), 5))
    input_lengths = np.array([draw(st.integers(n, steps)) for n in needed], np.int64)
    # The padding past each length is never read: any class index will do.
    padded = np.full((batch, 2), draw(st.integers(0, classes - 1)), np.int64)
    for row, target in zip(padded, targets, strict=True):
        row[: target.size] = target
    logits = _array(draw, (steps, batch, classes), st.floats(-4, 4))
    log_probs = activations.log_softmax(logits, axis=-1)
    lengths = np.array([t.size for t in targets], np.int64)
    options = {"blank": blank, "zero_infinity": draw(st.booleans())}
    return (log_probs, padded, input_lengths, lengths), options


@st.composite
def _linear_cross_entropy_args(draw):
    """Features (N, in_features), a weight (C, in_features), class indices, and the options
    of the fused loss, chunk sizes from 1 to beyond N included."""
    batch, features, classes = (draw(st.integers(1, n)) for n in (6, 4, 5))
    args = (
        _array(draw, (batch, features)),
        _array(draw, (classes, features)),
        _array(draw, (batch,), st.integers(0, classes - 1), np.int64),
    )
    options = {
        "chunk_size": draw(st.integers(1, 8)),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 1.0])),
    }
    if draw(st.booleans()):
        options["linear_bias"] = _array(draw, (classes,))
    if draw(st.booleans()):
        options["weight"] = _array(draw, (classes,), st.floats(0.25, 2))
    return args, options


@st.composite
def _adaptive_args(draw):
    """Features, targets over every cluster, head and tail weights in the module's layout
    (a tail's hidden size may be 0), optional head bias; div_value 1 or 2."""
    features, batch = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    cutoffs = draw(st.sampled_from([[1], [2], [1, 3], [2, 4]]))
    div_value = draw(st.sampled_from([1.0, 2.0]))
    bounds = [*cutoffs, cutoffs[-1] + draw(st.integers(1, 3))]
    head = _array(draw, (cutoffs[0] + len(cutoffs), features), st.floats(-2, 2))
    tails = []
    for index in range(len(cutoffs)):
        hidden = int(features // div_value ** (index + 1))
        size = bounds[index + 1] - bounds[index]
        tails.append(
            (
                _array(draw, (hidden, features), st.floats(-2, 2)),
                _array(draw, (size, hidden), st.floats(-2, 2)),
            )
        )
    target = _array(draw, (batch,), st.integers(0, bounds[-1] - 1), np.int64)
    options = {"div_value": div_value}
    if draw(st.booleans()):
        options["head_bias"] = _array(draw, (head.shape[0],), st.floats(-2, 2))
    input = _array(draw, (batch, features), st.floats(-2, 2))
    return (input, target, head, tuple(tails), cutoffs), options


#: The arguments and options of each new loss; ``parity.Distance`` options become
#: NumPy functions in :func:`_loss` and :func:`_gradients`.
NEW_ARGS = {
    "poisson_nll_loss": _poisson_args,
    "gaussian_nll_loss": _gaussian_args,
    "margin_ranking_loss": _margin_ranking_args,
    "hinge_embedding_loss": _hinge_embedding_args,
    "cosine_embedding_loss": _cosine_embedding_args,
    "multi_margin_loss": _multi_margin_args,
    "multilabel_margin_loss": _multilabel_margin_args,
    "triplet_margin_loss": _triplet_args,
    "triplet_margin_with_distance_loss": _triplet_with_distance_args,
    "ctc_loss": _ctc_args,
    "linear_cross_entropy": _linear_cross_entropy_args,
}

#: The losses that are >= 0 wherever their strategy draws, with the options that make
#: them so. Not here: the Poisson NLL without ``full`` (e^x - t x has its minimum
#: t - t log t < 0 for t > e) and the Gaussian NLL (log v < 0 for v < 1; with ``full``
#: for v < 1 / (2 pi)), both densities, not probabilities: see test_can_be_negative.
NON_NEGATIVE = {
    "poisson_nll_loss": {"full": True},  # -log of a probability, Stirling's log t! from below
    "margin_ranking_loss": {},
    "hinge_embedding_loss": {},  # for distances, input >= 0
    "cosine_embedding_loss": {},
    "multi_margin_loss": {},
    "multilabel_margin_loss": {},
    "triplet_margin_loss": {},
    "triplet_margin_with_distance_loss": {},
    "ctc_loss": {},  # -log of a sum of products of probabilities (log_softmax input)
    "linear_cross_entropy": {},  # -log softmax, with positive class weights
}

#: The direction in which each loss moves as its margin grows (+1 up, -1 down), and
#: which of its terms depend on the margin at all (None: every term).
MARGIN_DIRECTION = {
    "margin_ranking_loss": (1, None),
    "hinge_embedding_loss": (1, lambda args: args[1] == -1),
    "cosine_embedding_loss": (-1, lambda args: args[2] == -1),
    "multi_margin_loss": (1, None),
    "triplet_margin_loss": (1, None),
    "triplet_margin_with_distance_loss": (1, None),
}


def _loss(name, args, options):
    return getattr(losses, name)(*args, **lossbook_options(options))


def _gradients(name, args, options):
    grads = getattr(gradients, name)(*args, **lossbook_options(options, gradient=True))
    return grads if isinstance(grads, tuple) else (grads,)


def _norms(x, p=2.0):
    return np.linalg.norm(x, ord=p, axis=-1)


def _replace_short_rows(x, shortest=0.5):
    """Rows of ``x`` shorter than ``shortest`` become rows of ones: the cosine's 1e-12
    guard is then at most 4e-12 relative, and no row is a zero vector."""
    return np.where(_norms(x)[..., np.newaxis] < shortest, 1.0, x)


# --- points where every margin holds, with ``slack`` to spare ------------------------


def _ranking_satisfied(args, options, slack):
    x1, _, t = args
    return (x1, x1 - t * (options["margin"] + slack), t), options


def _hinge_embedding_satisfied(args, options, slack):
    _, t = args
    return (np.where(t == 1, 0.0, options["margin"] + slack), t), options


def _cosine_satisfied(args, options, slack):
    """Dissimilar pairs (t = -1) of opposite vectors: cos = -1 below any margin > -1."""
    x1 = _replace_short_rows(args[0])
    margin = max(options["margin"], -1 + slack)
    return (x1, -2 * x1, -np.ones_like(args[2])), {**options, "margin": margin}


def _multi_margin_satisfied(args, options, slack):
    x, y = args
    rows, labels = np.array(x, ndmin=2), np.reshape(y, -1)
    picked = np.arange(rows.shape[0]), labels
    others = rows.copy()
    others[picked] = -np.inf
    best = others.max(axis=1)
    rows[picked] = np.where(np.isfinite(best), best + options["margin"] + slack, rows[picked])
    return (rows.reshape(np.shape(x)), y), options


def _multilabel_satisfied(args, options, slack):
    x, target = args
    rows, labels = np.array(x, ndmin=2), np.array(target, ndmin=2)
    for row, listed in zip(rows, labels, strict=True):
        chosen = listed[: np.argmax(np.append(listed, -1) == -1)]
        others = np.setdiff1d(np.arange(row.size), chosen)
        if chosen.size and others.size:
            row[chosen] = row[others].max() + 1 + slack
    return (rows.reshape(np.shape(x)), target), options


def _triplet_satisfied(args, options, slack):
    """The negative moved along the first axis by 2 |a - p|_1 + margin + 10 or more: farther
    than d(a, p) + margin from both the anchor and the positive, for every p and eps."""
    anchor, positive, _ = args
    reach = 2 * _norms(anchor - positive, 1) + options["margin"] + 10 * (1 + slack)
    negative = anchor.copy()
    negative[..., 0] += reach
    return (anchor, positive, negative), options


def _triplet_with_distance_satisfied(args, options, slack):
    if options["distance_function"] is None:
        return _triplet_satisfied(args, options, slack)
    # Cosine distance: a positive along the anchor (0), a negative opposite (2).
    anchor = _replace_short_rows(args[0])
    margin = min(options["margin"], 2 - slack)
    return (anchor, 3 * anchor, -anchor), {**options, "margin": margin}


SATISFIED = {
    "margin_ranking_loss": _ranking_satisfied,
    "hinge_embedding_loss": _hinge_embedding_satisfied,
    "cosine_embedding_loss": _cosine_satisfied,
    "multi_margin_loss": _multi_margin_satisfied,
    "multilabel_margin_loss": _multilabel_satisfied,
    "triplet_margin_loss": _triplet_satisfied,
    "triplet_margin_with_distance_loss": _triplet_with_distance_satisfied,
}


# --- invariances: (arguments, transformed arguments, absolute tolerance) ------------------

EPS = np.finfo(np.float64).eps


def _common_shift(data, args):
    """The first two arguments shifted by one constant: their difference moves by rounding."""
    shift = data.draw(st.floats(-100, 100))
    moved = (args[0] + shift, args[1] + shift, *args[2:])
    return args, moved, 64 * EPS * (abs(shift) + 3)


def _row_shift(data, args):
    """Every score of a sample shifted by the sample's own constant."""
    x = args[0]
    shift = _array(data.draw, np.shape(x)[:-1] + (1,), st.floats(-100, 100))
    return args, (x + shift, *args[1:]), 64 * EPS * (np.abs(shift).max() + 3)


def _positive_scaling(data, args):
    """Each embedding of both inputs scaled by its own positive factor."""
    x1, x2 = _replace_short_rows(args[0]), _replace_short_rows(args[1])
    batch = np.shape(x1)[:-1] + (1,)
    c1, c2 = (_array(data.draw, batch, st.floats(0.5, 4)) for _ in range(2))
    return (x1, x2, *args[2:]), (c1 * x1, c2 * x2, *args[2:]), 1e-10  # the 1e-12 guard


def _triplet_translation(data, args):
    """Anchor, positive and negative translated by one vector."""
    shift = _array(data.draw, np.shape(args[0])[-1:], st.floats(-100, 100))
    moved = tuple(x + shift for x in args)
    return args, moved, 64 * EPS * (np.abs(shift).max() + 3) * args[0].shape[-1]


def _triplet_rotation(data, args):
    """Anchor, positive and negative multiplied by one orthogonal matrix."""
    size = np.shape(args[0])[-1]
    q, _ = np.linalg.qr(_array(data.draw, (size, size), st.floats(-1, 1)) + 3 * np.eye(size))
    return args, tuple(x @ q for x in args), 1e-12


def _triplet_cosine_scaling(data, args):
    """Each anchor, positive and negative scaled by its own positive factor."""
    kept = tuple(_replace_short_rows(x) for x in args)
    batch = np.shape(kept[0])[:-1] + (1,)
    moved = tuple(_array(data.draw, batch, st.floats(0.5, 4)) * x for x in kept)
    return kept, moved, 1e-12


def _weight_rows_shift(data, args):
    """One vector v added to every row of the linear weight: each logit of sample n moves by
    the same v . x_n, which the softmax ignores."""
    x, w = args[0], args[1]
    shift = _array(data.draw, w.shape[-1:], st.floats(-10, 10))
    # The logits of a row move by v . x_n, rounded in each of in_features products, and the
    # 'sum' adds N rows' errors (weights up to 2).
    scale = (np.abs(shift).max() + 3) * 3 * w.shape[-1] * x.shape[0] * 2
    return args, (x, w + shift, *args[2:]), 64 * EPS * scale


#: (id, loss, options imposed, transform): the loss does not change under the transform.
INVARIANCES = [
    ("margin-ranking-common-shift", "margin_ranking_loss", {}, _common_shift),
    ("multi-margin-row-shift", "multi_margin_loss", {}, _row_shift),
    ("multilabel-margin-row-shift", "multilabel_margin_loss", {}, _row_shift),
    ("gaussian-common-translation", "gaussian_nll_loss", {}, _common_shift),
    ("cosine-positive-scaling", "cosine_embedding_loss", {}, _positive_scaling),
    # eps is added to the difference u - v, so a common translation cancels for any eps.
    ("triplet-translation", "triplet_margin_loss", {}, _triplet_translation),
    ("triplet-rotation-eps-0", "triplet_margin_loss", {"p": 2.0, "eps": 0.0}, _triplet_rotation),
    (
        "triplet-distance-translation",
        "triplet_margin_with_distance_loss",
        {"distance_function": None},
        _triplet_translation,
    ),
    (
        "triplet-cosine-distance-scaling",
        "triplet_margin_with_distance_loss",
        {"distance_function": COSINE_DISTANCE},
        _triplet_cosine_scaling,
    ),
    ("linear-cross-entropy-weight-rows-shift", "linear_cross_entropy", {}, _weight_rows_shift),
]


# --- minimisers -----------------------------------------------------------------------
#
# Each draws a problem: (the arguments as a function of z, the minimiser z*, the size of
# a step away from it, the largest |gradient| rounding leaves at z*, the options).


def _poisson_log_rate(data):
    t = data.draw(st.floats(0.01, 1e3))
    return lambda z: (z, t), np.log(t), 1.0, 8 * EPS * t, {"log_input": True}


def _poisson_rate(data):
    # The exact minimiser is t - eps; at t the gradient is eps / (t + eps).
    t = data.draw(st.floats(0.01, 1e3))
    return lambda z: (z, t), t, t, 2e-8 / t, {"log_input": False}


def _gaussian_variance(data):
    r = data.draw(st.one_of(st.floats(-10, -0.1), st.floats(0.1, 10)))
    return lambda z: (0.0, r, z), r * r, r * r, 8 * EPS / (r * r), {}


def _gaussian_mean(data):
    y, v = data.draw(SCORE), data.draw(st.floats(0.01, 5))
    return lambda z: (z, y, v), y, 1.0, 0.0, {}


#: (id, loss, problem, the position of z's gradient among the loss's gradients).
MINIMISERS = [
    ("poisson-at-log-target", "poisson_nll_loss", _poisson_log_rate, 0),
    ("poisson-rate-at-target", "poisson_nll_loss", _poisson_rate, 0),
    ("gaussian-variance-at-squared-residual", "gaussian_nll_loss", _gaussian_variance, 1),
    ("gaussian-mean-at-target", "gaussian_nll_loss", _gaussian_mean, 0),
]


# --- how far a point is from every kink of its loss ------------------------------------


def _no_kink(args, options):
    return np.inf


def _ranking_kinks(args, options):
    x1, x2, t = args
    return np.abs(options["margin"] - t * (x1 - x2)).min(initial=np.inf)


def _hinge_embedding_kinks(args, options):
    x, t = args
    return np.abs(options["margin"] - x[t == -1]).min(initial=np.inf)


def _cosine_kinks(args, options):
    """|cos - m| of the dissimilar pairs; a vector shorter than 0.1 counts as a kink (the
    cosine's curvature grows as 1 / |a|^2)."""
    x1, x2, t = args
    cos = np.sum(x1 * x2, -1) / (_norms(x1) * _norms(x2) + 1e-300)
    gaps = np.abs(cos - options["margin"])[t == -1]
    return min(gaps.min(initial=np.inf), _norms(x1).min() - 0.1, _norms(x2).min() - 0.1)


def _multi_margin_kinks(args, options):
    x, y = args
    rows, labels = np.array(x, ndmin=2), np.reshape(y, -1)
    right = rows[np.arange(rows.shape[0]), labels][:, np.newaxis]
    hinge = options["margin"] - right + rows
    hinge[np.arange(rows.shape[0]), labels] = np.inf
    return np.abs(hinge).min()


def _multilabel_kinks(args, options):
    x, target = args
    gaps = [np.inf]
    for row, listed in zip(np.array(x, ndmin=2), np.array(target, ndmin=2), strict=True):
        chosen = listed[: np.argmax(np.append(listed, -1) == -1)]
        others = np.setdiff1d(np.arange(row.size), chosen)
        for j in chosen:
            gaps.extend(np.abs(1 - row[j] + row[others]))
    return min(gaps)


def _distances(args, options):
    """d(a, p), d(a, n), d(p, n) as the loss forms them, and the gaps to their own kinks."""
    function = options.get("distance_function")
    p, eps = options.get("p", 2.0), options.get("eps", 1e-6)
    pairs = [(0, 1), (0, 2), (1, 2)]
    if function is not None:
        kept = [_norms(x).min() - 0.1 for x in args]  # cosine of a short vector
        return [function.numpy_function(args[i], args[j]) for i, j in pairs], kept
    differences = [args[i] - args[j] + eps for i, j in pairs]
    gaps = [_norms(d, p).min() - 0.1 for d in differences]  # curvature 1 / d at d -> 0
    if p == 1.0:
        gaps += [np.abs(d).min() for d in differences]  # |d_k| in the 1-norm
    return [_norms(d, p) for d in differences], gaps


def _triplet_kinks(args, options):
    (near, far, swapped), gaps = _distances(args, options)
    if options["swap"]:
        gaps.append(np.abs(far - swapped).min())
        far = np.minimum(far, swapped)
    gaps.append(np.abs(options["margin"] + near - far).min())
    return min(gaps)


#: The distance of a point from the nearest kink of each loss (rates, variances and
#: vectors are drawn away from 0, the only other places where a loss is not smooth).
KINKS = {
    "poisson_nll_loss": _no_kink,
    "gaussian_nll_loss": _no_kink,
    "margin_ranking_loss": _ranking_kinks,
    "hinge_embedding_loss": _hinge_embedding_kinks,
    "cosine_embedding_loss": _cosine_kinks,
    "multi_margin_loss": _multi_margin_kinks,
    "multilabel_margin_loss": _multilabel_kinks,
    "triplet_margin_loss": _triplet_kinks,
    "triplet_margin_with_distance_loss": _triplet_kinks,
    "ctc_loss": _no_kink,  # every drawn target is possible
    "linear_cross_entropy": _no_kink,
}


#: 70 parametrised properties: 30 examples each keep them within seconds.
FEWER = settings(max_examples=30)


class TestNewLossProperties:
    @pytest.mark.parametrize("name", sorted(NON_NEGATIVE))
    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_non_negative(self, name, data, reduction):
        """The losses that are -log of a probability or a sum of hinges are >= 0 everywhere."""
        args, options = data.draw(NEW_ARGS[name]())
        value = _loss(name, args, {**options, **NON_NEGATIVE[name], "reduction": reduction})
        assert np.all(value >= 0), value

    @pytest.mark.parametrize(
        "name, args, options, expected",
        [
            ("poisson_nll_loss", (np.log(2.0), 3.0), {}, 2 - 3 * np.log(2)),
            ("poisson_nll_loss", (2.0, 3.0), {"log_input": False}, 2 - 3 * np.log(2 + 1e-8)),
            ("gaussian_nll_loss", (1.0, 1.0, 0.25), {}, 0.5 * np.log(0.25)),
            (
                "gaussian_nll_loss",
                (0.0, 0.1, 0.01),
                {"full": True},
                0.5 * (np.log(0.01) + 1 + np.log(2 * np.pi)),
            ),
        ],
        ids=["poisson-log-rate", "poisson-rate", "gaussian", "gaussian-full"],
    )
    def test_can_be_negative(self, name, args, options, expected):
        """The Poisson NLL without full and the Gaussian NLL (even with full) go below 0."""
        value = _loss(name, args, options)
        assert value < 0
        np.testing.assert_allclose(value, expected, rtol=1e-12)

    @pytest.mark.parametrize("name", sorted(SATISFIED))
    @FEWER
    @given(data=st.data(), slack=SLACK, reduction=REDUCTION)
    def test_zero_where_every_margin_holds(self, name, data, slack, reduction):
        """With every margin satisfied by at least 1e-3 the loss and its gradients are exactly 0."""
        args, options = SATISFIED[name](*data.draw(NEW_ARGS[name]()), slack)
        options["reduction"] = reduction
        assert np.all(_loss(name, args, options) == 0)
        # A similar pair at distance 0 sits on the edge of x >= 0: its slope stays 1.
        flat = args[1] != 1 if name == "hinge_embedding_loss" else ...
        for grad in _gradients(name, args, options):
            assert np.all(grad[flat] == 0)

    @FEWER
    @given(data=st.data(), scale=st.floats(0.5, 4))
    def test_cosine_of_identical_directions(self, data, scale):
        """Pairs along one direction with target 1 cost only the guard, 1 - |a|^2 / (|a|^2 + 1e-12)."""
        x1 = _replace_short_rows(_array(data.draw, _shape(data.draw)))
        value = losses.cosine_embedding_loss(
            x1, scale * x1, np.ones(x1.shape[:-1]), reduction="none"
        )
        bound = 2e-12 / np.minimum(1, scale**2) / _norms(x1) ** 2 + 4 * EPS
        assert np.all((value >= 0) & (value <= bound)), (value, bound)

    @pytest.mark.parametrize(
        "name, imposed, transform",
        [row[1:] for row in INVARIANCES],
        ids=[r[0] for r in INVARIANCES],
    )
    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_invariance(self, name, imposed, transform, data, reduction):
        """The loss is unchanged (to the rounding of the transformed input) by its invariances."""
        args, options = data.draw(NEW_ARGS[name]())
        options = {**options, **imposed, "reduction": reduction}
        kept, moved, atol = transform(data, args)
        np.testing.assert_allclose(
            _loss(name, moved, options), _loss(name, kept, options), rtol=1e-12, atol=atol
        )

    @pytest.mark.parametrize("eps", [0.0, 0.5])
    def test_triplet_eps_breaks_reflection(self, eps):
        """eps is added to u - v, not to |u - v|: x -> -x keeps the loss only for eps = 0."""
        anchor, positive, negative = np.array([[1.0, 0.0]]), np.zeros((1, 2)), np.array([[2.0, 0]])
        values = [
            losses.triplet_margin_loss(sign * anchor, positive, sign * negative, eps=eps)
            for sign in (1, -1)
        ]
        assert (values[0] == values[1]) == (eps == 0.0), values

    @FEWER
    @given(data=st.data())
    def test_cosine_gradient_orthogonal_to_input(self, data):
        """The cosine loss's gradient in each input is orthogonal to that input, as scaling it changes nothing."""
        args, options = data.draw(_cosine_embedding_args())
        x1, x2 = (_replace_short_rows(x) for x in args[:2])
        grads = _gradients("cosine_embedding_loss", (x1, x2, args[2]), options)
        for x, grad in zip((x1, x2), grads, strict=True):
            # x . grad = slope cos 1e-12 / (|x|^2 + 1e-12), at most 4e-12 for |x| >= 0.5.
            np.testing.assert_allclose(np.sum(x * grad, -1), 0, atol=5e-12)

    @pytest.mark.parametrize(
        "name, problem, position", [row[1:] for row in MINIMISERS], ids=[r[0] for r in MINIMISERS]
    )
    @FEWER
    @given(data=st.data(), step=st.floats(1e-3, 0.5))
    def test_minimiser(self, name, problem, position, data, step):
        """The likelihoods are smallest at their maximum-likelihood point, where the gradient is 0."""
        arguments, best, scale, tolerance, options = problem(data)
        at_best = _loss(name, arguments(best), options)
        for sign in (1, -1):
            assert at_best < _loss(name, arguments(best + sign * step * scale), options)
        grad = _gradients(name, arguments(best), options)[position]
        assert abs(grad) <= tolerance, (grad, tolerance)

    @pytest.mark.parametrize("name", sorted(MARGIN_DIRECTION))
    @FEWER
    @given(data=st.data(), step=st.floats(1e-3, 1))
    def test_monotone_in_margin(self, name, data, step):
        """A larger margin raises every term it touches that is positive (lowers, for cosine)."""
        args, options = data.draw(NEW_ARGS[name]())
        direction, touched = MARGIN_DIRECTION[name]
        small = _loss(name, args, {**options, "reduction": "none"})
        large = _loss(
            name, args, {**options, "margin": options["margin"] + step, "reduction": "none"}
        )
        lower, upper = (small, large) if direction > 0 else (large, small)
        assert np.all(lower <= upper)
        touched = np.ones(np.shape(small), bool) if touched is None else touched(args)
        assert np.all(lower[touched & (upper > 0)] < upper[touched & (upper > 0)])

    @pytest.mark.parametrize("name", sorted(NEW_ARGS))
    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_gradient_matches_central_difference(self, name, data, reduction):
        """Each gradient equals a central difference (h = 1e-6) to 1e-6 at points 1e-3 from every kink."""
        args, options = data.draw(NEW_ARGS[name]())
        assume(KINKS[name](args, options) >= KINK_GAP)
        options["reduction"] = reduction
        shape = np.shape(_loss(name, args, options))
        weights = _array(data.draw, shape, st.floats(0.5, 2)) if reduction == "none" else 1.0
        grads = _gradients(name, args, {**options, "grad_output": weights})
        # A name among the differentiable positions is a keyword option (linear_bias).
        present = [
            p for p in BY_NAME[name].differentiable if not isinstance(p, str) or p in options
        ]
        for position, grad in zip(present, grads, strict=True):

            def weighted(z, position=position):
                if isinstance(position, str):
                    return np.sum(weights * _loss(name, args, {**options, position: z}))
                moved = args[:position] + (z,) + args[position + 1 :]
                return np.sum(weights * _loss(name, moved, options))

            start = options[position] if isinstance(position, str) else args[position]
            numeric = _finite_difference(weighted, np.asarray(start, np.float64))
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


# --- chapter 9: CTC, the fused linear cross-entropy, the adaptive softmax ---------------


def _ctc(args, options, **changes):
    return losses.ctc_loss(*args, **{**options, **changes})


def _ctc_gradient(args, options, **changes):
    return gradients.ctc_loss(*args, **{**options, **changes})


def _ctc_collapse(path, blank):
    """B(path): repeated classes merged, then blanks dropped."""
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != blank)


def _ctc_alignment(labels, steps, blank):
    """One alignment of ``labels`` over ``steps`` steps: each label once, the compulsory blank
    between equal neighbours, and blanks to the end."""
    path = []
    for i, label in enumerate(labels):
        path.append(int(label))
        if i + 1 < len(labels) and labels[i + 1] == label:
            path.append(blank)
    return path + [blank] * (steps - len(path))


def _ctc_weights(reduction, grad_output, args):
    """The upstream weight of each sample's loss: 'mean' divides by N and the target length
    (at least 1), as PyTorch does."""
    target_lengths = args[3]
    weights = np.broadcast_to(grad_output, target_lengths.shape).astype(float)
    if reduction == "mean":
        weights = weights / (target_lengths.size * np.maximum(target_lengths, 1))
    return weights


def _made_impossible(data, args):
    """``args`` with some non-empty targets given one step fewer than they need, and which."""
    log_probs, padded, input_lengths, lengths = args
    impossible = np.zeros(lengths.size, bool)
    input_lengths = input_lengths.copy()
    for n, length in enumerate(lengths):
        if length and data.draw(st.booleans()):
            input_lengths[n] = _ctc_steps_needed(padded[n, :length]) - 1
            impossible[n] = True
    return (log_probs, padded, input_lengths, lengths), impossible


def _adaptive_flat(args, options):
    """The differentiable arrays of the adaptive softmax, in its gradient's order."""
    input, _, head, tails, _ = args
    bias = [options["head_bias"]] if "head_bias" in options else []
    return [input, head, *(array for pair in tails for array in pair), *bias]


def _adaptive_with(args, options, flat):
    """``args`` and ``options`` with the differentiable arrays replaced by ``flat``."""
    input, target, head, tails, cutoffs = args
    count = 2 * len(tails)
    pairs = tuple(zip(flat[2 : 2 + count : 2], flat[3 : 2 + count : 2], strict=True))
    if "head_bias" in options:
        options = {**options, "head_bias": flat[-1]}
    return (flat[0], target, flat[1], pairs, cutoffs), options


def _adaptive_gradient_flat(args, options, grad_output):
    d_input, d_head, d_tails, *d_bias = gradients.adaptive_log_softmax(
        *args, **options, grad_output=grad_output
    )
    return [d_input, d_head, *(array for pair in d_tails for array in pair), *d_bias]


def _adaptive_log_prob(args, options):
    input, _, head, tails, cutoffs = args
    return losses.adaptive_log_prob(input, head, tails, cutoffs, **options)


class TestSequenceAndVocabularyProperties:
    @FEWER
    @given(data=st.data())
    def test_ctc_is_minus_log_of_the_sum_over_alignments(self, data):
        """Each loss is -log of the summed probability of the paths (C^T_n <= 4^5) collapsing to its target."""
        args, options = data.draw(_ctc_args())
        log_probs, padded, input_lengths, lengths = args
        blank = options["blank"]
        expected = []
        for n, steps in enumerate(input_lengths):
            target = tuple(padded[n, : lengths[n]])
            total = sum(
                np.exp(sum(log_probs[t, n, k] for t, k in enumerate(path)))
                for path in itertools.product(range(log_probs.shape[-1]), repeat=int(steps))
                if _ctc_collapse(path, blank) == target
            )
            expected.append(-np.log(total))
        np.testing.assert_allclose(
            _ctc(args, options, reduction="none"), expected, rtol=1e-12, atol=1e-13
        )

    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_ctc_batch_permutation(self, data, reduction):
        """Permuting the samples permutes the losses and gradient columns; sum and mean move by rounding."""
        args, options = data.draw(_ctc_args())
        order = np.array(data.draw(st.permutations(range(args[1].shape[0]))), int)
        moved = (args[0][:, order], args[1][order], args[2][order], args[3][order])
        options = {**options, "reduction": reduction}
        kept_value, moved_value = _ctc(args, options), _ctc(moved, options)
        if reduction == "none":
            kept_value = kept_value[order]
        np.testing.assert_allclose(moved_value, kept_value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(
            _ctc_gradient(moved, options),
            _ctc_gradient(args, options)[:, order],
            rtol=1e-12,
            atol=1e-15,
        )

    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_zero_infinity_zeroes_exactly_the_impossible_samples(self, data, reduction):
        """Targets one step short cost inf; zero_infinity zeroes exactly their losses and gradients, nothing else."""
        args, options = data.draw(_ctc_args())
        args, impossible = _made_impossible(data, args)
        options = {"blank": options["blank"]}
        plain = _ctc(args, options, reduction="none")
        np.testing.assert_array_equal(np.isposinf(plain), impossible)
        zeroed = _ctc(args, options, reduction="none", zero_infinity=True)
        np.testing.assert_array_equal(zeroed, np.where(impossible, 0.0, plain))
        with np.errstate(invalid="ignore"):
            plain_grad = _ctc_gradient(args, options, reduction=reduction)
        grad = _ctc_gradient(args, options, reduction=reduction, zero_infinity=True)
        np.testing.assert_array_equal(grad[:, impossible], 0.0)
        np.testing.assert_array_equal(grad[:, ~impossible], plain_grad[:, ~impossible])

    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_ctc_gradient_rows_sum_to_minus_the_weight(self, data, reduction):
        """Each gradient row is -w_n times a posterior (in [-w_n, 0], sum -w_n) before the input length, then 0."""
        args, options = data.draw(_ctc_args())
        batch = args[1].shape[0]
        shape = (batch,) if reduction == "none" else ()
        grad_output = _array(data.draw, shape, st.floats(0.5, 2))
        weights = _ctc_weights(reduction, grad_output, args)
        grad = _ctc_gradient(args, options, reduction=reduction, grad_output=grad_output)
        before = np.arange(args[0].shape[0])[:, np.newaxis] < args[2]
        sums = grad.sum(axis=-1)
        np.testing.assert_allclose(sums[before], np.broadcast_to(-weights, sums.shape)[before])
        np.testing.assert_array_equal(grad[~before], 0.0)
        assert np.all((grad <= 0) & (grad >= -weights[:, np.newaxis] * (1 + 1e-12)))

    @FEWER
    @given(data=st.data(), step=st.floats(1e-3, 2))
    def test_ctc_falls_as_one_alignment_gains(self, data, step):
        """One alignment's log y_t(pi_t) raised by d: the loss falls by <= T_n d, to <= -log(p + (e^(T_n d)-1)P(pi))."""
        args, options = data.draw(_ctc_args())
        log_probs, padded, input_lengths, lengths = args
        n = data.draw(st.integers(0, lengths.size - 1))
        steps = int(input_lengths[n])
        assume(steps > 0)
        path = _ctc_alignment(padded[n, : lengths[n]], steps, options["blank"])
        raised = log_probs.copy()
        raised[np.arange(steps), n, path] += step
        before = _ctc(args, options, reduction="none")[n]
        after = _ctc((raised, *args[1:]), options, reduction="none")[n]
        path_log_prob = log_probs[np.arange(steps), n, path].sum()
        bound = -np.log(np.exp(-before) + np.expm1(steps * step) * np.exp(path_log_prob))
        tolerance = 1e-12 * (abs(before) + steps * step)
        assert before - steps * step - tolerance <= after <= bound + tolerance
        assert after < before

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_ctc_steps_past_the_input_length_are_not_read(self, bad, data, reduction):
        """NaN or inf in every step past a sample's input length changes no bit of loss or gradient."""
        args, options = data.draw(_ctc_args())
        log_probs = args[0].copy()
        log_probs[np.arange(log_probs.shape[0])[:, np.newaxis] >= args[2]] = bad
        spoiled = (log_probs, *args[1:])
        options = {**options, "reduction": reduction}
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(_ctc(spoiled, options), _ctc(args, options))
            np.testing.assert_array_equal(
                _ctc_gradient(spoiled, options), _ctc_gradient(args, options)
            )

    @pytest.mark.parametrize("module", [losses, gradients], ids=["loss", "gradient"])
    def test_ctc_unread_infinity_raises_no_warning(self, module):
        """+inf in a step its sample does not read (input length 0) raises no warning."""
        log_probs = np.log(np.full((1, 2, 2), 0.5))
        log_probs[0, 0] = np.inf
        module.ctc_loss(log_probs, np.array([[0], [1]]), np.array([0, 1]), np.array([0, 1]))

    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_ctc_empty_targets_of_pure_blanks_cost_nothing(self, data, reduction):
        """Empty targets over blanks of log-probability 0 cost 0, gradient -w_n on the blank, whatever else."""
        steps, batch, classes = (data.draw(st.integers(1, k)) for k in (5, 3, 4))
        blank = data.draw(st.integers(0, classes - 1))
        log_probs = _array(data.draw, (steps, batch, classes), st.floats(-30, 5))
        log_probs[..., blank] = 0.0
        input_lengths = _array(data.draw, (batch,), st.integers(0, steps), np.int64)
        args = (log_probs, np.full((batch, 1), blank), input_lengths, np.zeros(batch, np.int64))
        options = {"blank": blank, "reduction": reduction}
        assert np.all(_ctc(args, options) == 0)
        grad = _ctc_gradient(args, options)
        expected = np.zeros_like(log_probs)
        before = np.arange(steps)[:, np.newaxis] < input_lengths
        expected[..., blank] = np.where(before, -_ctc_weights(reduction, 1.0, args), 0.0)
        np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=0)

    @FEWER
    @given(data=st.data(), reduction=REDUCTION)
    def test_linear_cross_entropy_is_cross_entropy_of_the_layer(self, data, reduction):
        """For any chunk size (1 to > N): cross_entropy(x W^T + b); gradients: G W, G^T x, sum G for its gradient G."""
        (x, w, target), options = data.draw(_linear_cross_entropy_args())
        if data.draw(st.booleans()):
            options["ignore_index"] = int(target[0])  # at least one target ignored
        options["reduction"] = reduction
        chunk_size, bias = options.pop("chunk_size"), options.pop("linear_bias", None)
        logits = x @ w.T + (0.0 if bias is None else bias)
        fused = {**options, "chunk_size": chunk_size, "linear_bias": bias}
        np.testing.assert_allclose(
            losses.linear_cross_entropy(x, w, target, **fused),
            losses.cross_entropy(logits, target, **options),
            rtol=1e-12,
            atol=1e-14,
        )
        g = gradients.cross_entropy(logits, target, **options)
        # Each row of G sums to about 0, so the pulled-back products cancel: atol 1e-13.
        pulled_back = (g @ w, g.T @ x) + (() if bias is None else (g.sum(axis=0),))
        for got, want in zip(
            gradients.linear_cross_entropy(x, w, target, **fused), pulled_back, strict=True
        ):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)

    @FEWER
    @given(data=st.data(), shift=st.floats(-100, 100), reduction=REDUCTION)
    def test_linear_cross_entropy_ignores_a_constant_bias(self, data, shift, reduction):
        """One constant added to every bias changes no loss; bias and weight gradients sum to 0 over the classes."""
        (x, w, target), options = data.draw(_linear_cross_entropy_args())
        bias = options.get("linear_bias", np.zeros(w.shape[0]))
        options = {**options, "linear_bias": bias, "reduction": reduction}
        value = losses.linear_cross_entropy(x, w, target, **options)
        moved = losses.linear_cross_entropy(
            x, w, target, **{**options, "linear_bias": bias + shift}
        )
        # Rounding b + c moves each logit by up to ulp(|c| + 3); 'sum' adds N rows (weight <= 2).
        np.testing.assert_allclose(moved, value, rtol=1e-12, atol=8 * EPS * (abs(shift) + 3) * 12)
        _, d_w, d_b = gradients.linear_cross_entropy(x, w, target, **options)
        scale = np.abs(d_b).max() + 1e-300
        np.testing.assert_allclose(d_b.sum(), 0.0, atol=1e-14 * w.shape[0] * max(scale, 1))
        np.testing.assert_allclose(d_w.sum(axis=0), 0.0, atol=1e-13 * w.shape[0] * 3)

    @FEWER
    @given(data=st.data())
    def test_adaptive_log_prob_is_a_distribution(self, data):
        """exp(adaptive_log_prob) sums to 1 over the classes, to C ulps."""
        args, options = data.draw(_adaptive_args())
        log_prob = _adaptive_log_prob(args, options)
        assert log_prob.shape == (args[0].shape[0], args[3][-1][1].shape[0] + args[4][-1])
        np.testing.assert_allclose(np.exp(log_prob).sum(axis=-1), 1.0, rtol=0, atol=1e-14 * 8)

    @FEWER
    @given(data=st.data())
    def test_adaptive_output_is_log_prob_at_the_target(self, data):
        """The output is the full log-probability at each target, and the loss minus its mean."""
        args, options = data.draw(_adaptive_args())
        output, loss = losses.adaptive_log_softmax(*args, **options)
        log_prob = _adaptive_log_prob(args, options)
        picked = log_prob[np.arange(args[1].size), args[1]]
        np.testing.assert_allclose(output, picked, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(loss, -np.mean(output), rtol=1e-15)

    @FEWER
    @given(data=st.data())
    def test_adaptive_predict_is_the_argmax(self, data):
        """adaptive_predict is the argmax of adaptive_log_prob where the best leads by 1e-9 (ties left out)."""
        args, options = data.draw(_adaptive_args())
        log_prob = _adaptive_log_prob(args, options)
        top = np.sort(log_prob, axis=-1)
        clear = top[:, -1] - top[:, -2] > 1e-9 if log_prob.shape[-1] > 1 else np.ones(1, bool)
        input, _, head, tails, cutoffs = args
        predicted = losses.adaptive_predict(input, head, tails, cutoffs, **options)
        np.testing.assert_array_equal(predicted[clear], log_prob.argmax(axis=-1)[clear])

    @FEWER
    @given(data=st.data(), grad_output=st.floats(0.5, 2))
    def test_adaptive_gradient_matches_central_difference(self, data, grad_output):
        """Each adaptive gradient (input, head, each tail's two weights, head bias) equals a central difference."""
        args, options = data.draw(_adaptive_args())
        flat = _adaptive_flat(args, options)
        grads = _adaptive_gradient_flat(args, options, grad_output)
        assert len(grads) == len(flat)
        for index, grad in enumerate(grads):

            def loss(z, index=index):
                moved, moved_options = _adaptive_with(
                    args, options, [*flat[:index], z, *flat[index + 1 :]]
                )
                return grad_output * losses.adaptive_log_softmax(*moved, **moved_options).loss

            numeric = _finite_difference(loss, flat[index])
            np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
