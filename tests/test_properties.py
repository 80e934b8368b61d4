"""Properties of the package that must hold for every input Hypothesis can generate.

Each property states its tolerance and why. The Hypothesis profile (a fixed
number of examples, derandomised) is in conftest.py.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossbook import activations, gradients, information, losses
from parity import check_gradient, check_value

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
