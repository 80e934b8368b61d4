"""Accuracy promises of the stable forms, in ulps per dtype (chapter 6).

An error in ulps is ``|computed - exact|`` divided by the spacing of the dtype
at the exact value (``np.spacing``; at 1 that spacing is the machine epsilon
eps, and the unit roundoff is u = eps / 2). A correctly rounded result is
within 0.5 ulp. The bounds asserted here, with the worst values the generated
samples below reach (1,000,000 float32 and 200,000 float64 logits per 1-D
form; rows of 2 to 50,000 classes with spreads 0.1 to 1e4; rows shifted to a
log-sum-exp near 0):

===============================  ======================  ======================
function                         float32 (worst)         float64 (worst)
===============================  ======================  ======================
sigmoid, log_sigmoid             0.5 ulp (0.5)           3 ulps (1.9)
softplus as BCE on logits        1 ulp (1.0)             3 ulps (1.4)
softmax, log_softmax             0.5 ulp (0.5)           C (1 + kappa) ulps
logsumexp                        0.5 ulp + A (0.5)       C (1 + kappa) ulps, A
cross_entropy (class indices)    0.5 ulp (0.5)           C (1 + kappa) ulps
BCE gradient, y = 0: sigma(z)    0.5 ulp (0.5)           3 ulps (1.7)
BCE gradient, y = 1              eps absolute (0.38)     eps absolute (0.72)
CE gradient, other classes       0.5 ulp (0.5)           6 (1 + kappa_g) ulps
CE gradient, target class        4 ulps (2.0)            6 (1 + kappa) ulps
===============================  ======================  ======================

"0.5 ulp" is asserted as 0.5 + 1e-6: float32 is computed in float64 and
rounded once, a double rounding that can exceed half an ulp by about 1e-9 ulp
where the exact value lies within about 1e-16 (relative) of a float32 midpoint.
The float32 cross-entropy has been computed that way since it formed x - max in
float32 (63 ulps before).

For logsumexp, kappa is its relative condition number with respect to the
logits z (Blanchard, Higham and Higham 2021), sum_j g_j |z_j| / |logsumexp(z)|
with g the softmax. For softmax_i and log_softmax_i, kappa is the same
argument applied to perturbations of the shifted logits s_j = z_j - max z,
which a shift-based algorithm rounds: |s_i| + sum_j g_j |s_j| (kappa_g), and
that over |log g_i|. It is an error-propagation factor of such algorithms, not
the condition number in z. The cross-entropy and the gradient's target entry
use kappa of log_softmax at the target. The constants C are in
``KAPPA_FACTOR``, with the measured worst ratios beside them.

A is the absolute term near a log-sum-exp of 0, where kappa is unbounded:
|error| <= 3 u_64 sum_j g_j |z_j| with u_64 = 2^-53 (a relative error of
3 kappa u_64). The factor 3 is measured, not proved: the error analysis of the
shifted log1p algorithm gives about (2 + c_exp + c_log1p + log2 C) u_64 sum g|z|
(the shift, exp, log1p and the pairwise sum), while the rows below reach 2.0,
a sweep of about a million such rows 2.6 (50 classes), and (-ln 3, -ln 3,
-ln 3) 1.08. The float32 path, computed in float64, adds the same absolute term
to its half ulp: near a log-sum-exp of 0 its result is a tiny number whose
float32 spacing is below 1e-16, and the rows below reach 2,600 float32 ulps
there (8,700 in a larger sweep). These algorithms are mixed forward-backward
stable (the result is the exact value at slightly perturbed inputs plus a small
error in the output), which is why the error is judged over 1 + kappa and not
over kappa.

Two kinds of evidence:

* ``SCALAR`` and ``VECTOR`` below are 50-digit references at inputs that are
  exact in float32 and float64, generated once with mpmath 1.3.0 by this
  script (its output pasted below)::

    import mpmath
    mpmath.mp.dps = 60
    POINTS = [-1000, -745, -720, -104, -100, -88, -40, -36, -17, -1, -2**-20, 0,
              2**-20, 1, 17, 36, 40, 88, 100, 720, 1000]
    def softplus(x):
        x = mpmath.mpf(x)
        return mpmath.log1p(mpmath.exp(x))
    def sigmoid(x):
        x = mpmath.mpf(x)
        return 1 / (1 + mpmath.exp(-x))
    VECTORS = [[0, -40], [1000, 0], [0.5, -80.25, 3], [-30, -30.5, -100, 2.75],
               [1e4, 1e4 + 0.5, -1e4], [-0.6931471824645996, -0.6931471824645996]]
    def lse(v):
        return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(t)) for t in v))
    print("SCALAR = {")
    for x in POINTS:
        print(f"    {x!r}: ({mpmath.nstr(sigmoid(x), 50)!r}, {mpmath.nstr(softplus(x), 50)!r}),")
    print("}")
    print("VECTOR = [")
    for v in VECTORS:
        l = lse(v)
        logs = [mpmath.nstr(mpmath.mpf(t) - l, 50) for t in v]
        print(f"    ({v!r}, {mpmath.nstr(l, 50)!r}, {logs!r}),")
    print("]")

* Generated samples: dense random logits whose references are computed in
  long double (x86-64: 64 significant bits, 11 more than float64) with the
  shift z - max made exact by a two-sum; those tests are skipped where long
  double is no wider than float64.

Each test fails when a stable form is replaced by its naive form or by a
needless cancellation (``log(1 + r)`` for ``log1p(r)``); chapter 6 lists the
mutations tried and the test that caught each.
"""

import warnings

import numpy as np
import pytest

from lossbook import activations, gradients, losses

LD = np.longdouble
WIDE_LONG_DOUBLE = np.finfo(LD).nmant >= 60
needs_long_double = pytest.mark.skipif(
    not WIDE_LONG_DOUBLE, reason="long double is no wider than float64 here"
)
FLOATS = (np.float32, np.float64)
# 0.5 ulp for float32 (computed in float64 and rounded once; the float64 error
# adds about 1e-9 ulp); float64: measured worst 2.26 ulps (sigmoid).
SCALAR_BOUND = {np.float32: 0.5 + 1e-6, np.float64: 3.0}
# Binary cross-entropy on logits adds max(+-x, 0) to the float32-rounded tail
# log1p(e^{-|x|}) in float32 (lossbook.losses): two roundings, 1 ulp.
BCE_FLOAT32_BOUND = 1.0 + 1e-6


def scalar_bound(name, dtype):
    """The asserted bound in ulps of a 1-D form."""
    if dtype == np.float32 and name.startswith("softplus"):
        return BCE_FLOAT32_BOUND
    return SCALAR_BOUND[dtype]


# Float64 vectors: error <= C (1 + kappa); worst ratios of the samples below: softmax 3.83,
# log_softmax 1.44, logsumexp 1.31, cross_entropy 1.25 (worst errors 513, 511, 8784, 511 ulps).
KAPPA_FACTOR = {"softmax": 6.0, "log_softmax": 4.0, "logsumexp": 3.0, "cross_entropy": 4.0}
# Near a log-sum-exp of 0: |error| <= NEAR_ZERO_FACTOR u_64 sum_j g_j |z_j|; the rows below reach
# 2.0, about a million such rows of 2 to 1,000 classes 2.6 (chapter 6).
NEAR_ZERO_FACTOR = 3.0
# Gradients of cross-entropy in float64: C (1 + kappa) for every entry (measured 2.0 for the
# other classes, 2.2 for the target; worst errors 513 and 459 ulps).
GRADIENT_KAPPA_FACTOR = 6.0
# The target entry -sum_{j != y} g_j in float32: a float32 sum of float32-rounded terms.
GRADIENT_TARGET_FLOAT32_BOUND = 4.0


def ulps(computed, exact, dtype):
    """Error in ulps of ``dtype`` at the exact value; inf/NaN count as infinite.

    The spacing is taken at the exact value rounded to ``dtype``: just below a power of two
    that rounding can reach the power, whose spacing is twice as large, so such errors may
    read up to 2 times low.
    """
    exact = np.asarray(exact, LD)
    got = np.asarray(computed).astype(LD)
    with np.errstate(all="ignore"):
        step = np.spacing(np.abs(exact.astype(dtype))).astype(LD)
        step = np.maximum(step, LD(np.finfo(dtype).smallest_subnormal))
        error = (np.abs(got - exact) / step).astype(np.float64)
    return np.where(np.isfinite(got), error, np.inf)


def strict(function, *args, **kwargs):
    """Call ``function`` with floating-point warnings as errors: a stable form never overflows."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            return function(*args, **kwargs)


def softplus(z):
    """The softplus as the losses use it: binary cross-entropy on a logit with target 0."""
    return losses.binary_cross_entropy_with_logits(z, np.zeros_like(z), reduction="none")


def softplus_of_negative(z):
    """softplus(-z) = -log sigmoid(z): binary cross-entropy on a logit with target 1."""
    return losses.binary_cross_entropy_with_logits(z, np.ones_like(z), reduction="none")


# --- stored references -----------------------------------------------------
SCALAR = {
    -1000: (
        "5.0759588975494567652918094795743369193055992828928e-435",
        "5.0759588975494567652918094795743369193055992828928e-435",
    ),
    -745: (
        "2.8223507304719370763534400820597826208243630629102e-324",
        "2.8223507304719370763534400820597826208243630629102e-324",
    ),
    -720: (
        "2.0322308024242931528666337664148122967242281660125e-313",
        "2.0322308024242931528666337664148122967242281660125e-313",
    ),
    -104: (
        "6.8135568215452985134181864052133074930732237261999e-46",
        "6.8135568215452985134181864052133074930732237285211e-46",
    ),
    -100: (
        "3.7200759760208359629596958038631183373588921539871e-44",
        "3.720075976020835962959695803863118337358892223182e-44",
    ),
    -88: (
        "6.0546018954011858845318605338105992877316888059709e-39",
        "6.0546018954011858845318605338105992877500179080268e-39",
    ),
    -40: (
        "4.2483542552915889772807209044045063714347627178862e-18",
        "4.248354255291588986304977843631582181877750679823e-18",
    ),
    -36: (
        "2.3195228302435688502936476076243634539640803270985e-16",
        "2.3195228302435691193029556086812009484425829864129e-16",
    ),
    -17: (
        "0.00000004139937547394330600923599625188375260795567917054",
        "0.000000041399376330897474477083600616702825836649590941422",
    ),
    -1: (
        "0.26894142136999512074884075817816372563485535983494",
        "0.31326168751822283404899549496785564191528008567035",
    ),
    -9.5367431640625e-07: (
        "0.49999976158142089845557003620809009710657166972449",
        "0.69314670372290079312995373317968359091155471537185",
    ),
    0: ("0.5", "0.69314718055994530941723212145817656807550013436026"),
    9.5367431640625e-07: (
        "0.50000023841857910154442996379190990289342833027551",
        "0.69314765739721719937995373317968359091155471537185",
    ),
    1: (
        "0.73105857863000487925115924182183627436514464016506",
        "1.3132616875182228340489954949678556419152800856703",
    ),
    17: (
        "0.99999995860062452605669399076400374811624739204432",
        "17.00000004139937633089747447708360061670282583665",
    ),
    36: (
        "0.99999999999999976804771697564311497063523923756365",
        "36.00000000000000023195228302435691193029556086812",
    ),
    40: (
        "0.99999999999999999575164574470841102271927909559549",
        "40.000000000000000004248354255291588986304977843632",
    ),
    88: (
        "0.9999999999999999999999999999999999999939453981046",
        "88.000000000000000000000000000000000000006054601895",
    ),
    100: (
        "0.99999999999999999999999999999999999999999996279924",
        "100.0000000000000000000000000000000000000000000372",
    ),
    720: ("1.0", "720.0"),
    1000: ("1.0", "1000.0"),
}
VECTOR = [
    (
        [0, -40],
        "4.2483542552915889863049778436315821818777506062887e-18",
        [
            "-4.2483542552915889863049778436315821818777506062887e-18",
            "-40.000000000000000004248354255291588986304977843632",
        ],
    ),
    ([1000, 0], "1000.0", ["0.0", "-1000.0"]),
    (
        [0.5, -80.25, 3],
        "3.0788897342925496233440439167175509979058094183101",
        [
            "-2.5788897342925496233440439167175509979058094183101",
            "-83.32888973429254962334404391671755099790580941831",
            "-0.078889734292549623344043916717550997905809418310123",
        ],
    ),
    (
        [-30, -30.5, -100, 2.75],
        "2.7500000000000096104724018141338890797781538540097",
        [
            "-32.75000000000000961047240181413388907977815385401",
            "-33.25000000000000961047240181413388907977815385401",
            "-102.75000000000000961047240181413388907977815385401",
            "-0.0000000000000096104724018141338890797781538540096631862453497",
        ],
    ),
    (
        [10000.0, 10000.5, -10000.0],
        "10000.974076984180106680872997355081170749755596195",
        [
            "-0.97407698418010668087299735508117074975559619466786",
            "-0.47407698418010668087299735508117074975559619466786",
            "-20000.974076984180106680872997355081170749755596195",
        ],
    ),
    (
        [-0.6931471824645996, -0.6931471824645996],
        "-0.0000000019046542999577678785418234319244998656397447458793",
        [
            "-0.69314718055994530941723212145817656807550013436026",
            "-0.69314718055994530941723212145817656807550013436026",
        ],
    ),
]


def _mp(value):
    """A stored 50-digit string as a long double (rounded once)."""
    return LD(value)


def _scalar_cases():
    """(function, z, exact) for each stored point: sigmoid, log_sigmoid and both BCE terms."""
    for z, (sigma, plus) in SCALAR.items():
        yield "sigmoid", z, _mp(sigma)
        yield "softplus", z, _mp(plus)
        if -z in SCALAR:
            minus = SCALAR[-z][1]
            yield "log_sigmoid", z, -_mp(minus)
            yield "softplus_of_negative", z, _mp(minus)


SCALAR_FUNCTIONS = {
    "sigmoid": lambda z: activations.sigmoid(z),
    "log_sigmoid": lambda z: activations.log_sigmoid(z),
    "softplus": softplus,
    "softplus_of_negative": softplus_of_negative,
}


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_stored_scalar_references(dtype):
    """Every 1-D stable form within its bound at 50-digit references, overflow bands included."""
    failures = []
    for name, z, exact in _scalar_cases():
        computed = strict(SCALAR_FUNCTIONS[name], np.array([z], dtype))[0]
        error = ulps(computed, exact, dtype)
        if not error <= scalar_bound(name, dtype):
            failures.append(f"{name}({z}) = {computed!r}: {error:.3g} ulps")
    assert not failures, "\n".join(failures)


def _kappa(z, log_g, lse):
    """Condition numbers of softmax_i, log_softmax_i and logsumexp for the shifted logits."""
    z = np.asarray(z, np.float64)
    g = np.exp(np.asarray(log_g, np.float64))
    s = np.abs(z - z.max(axis=-1, keepdims=True))
    spread = (g * s).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "softmax": s + spread,
            "log_softmax": (s + spread) / np.abs(np.asarray(log_g, np.float64)),
            "logsumexp": (g * np.abs(z)).sum(axis=-1) / np.abs(np.asarray(lse, np.float64)),
        }


def _vector_bound(name, dtype, kappa, z=None, exact=None):
    """The bound in ulps: 0.5 in float32 (computed in float64), else C (1 + kappa).

    The float32 logsumexp (given ``z`` and its ``exact`` value) adds the float64 path's absolute
    error near a log-sum-exp of 0, NEAR_ZERO_FACTOR u_64 sum_j g_j |z_j|, in float32 ulps.
    """
    if dtype == np.float32:
        if name != "logsumexp":
            return SCALAR_BOUND[np.float32]
        step = np.spacing(np.abs(np.asarray(exact, LD).astype(np.float32))).astype(np.float64)
        step = np.maximum(step, np.finfo(np.float32).smallest_subnormal)
        return SCALAR_BOUND[np.float32] + _near_zero_bound(z, np.float64) / step
    factor = KAPPA_FACTOR[name]
    kappa = np.where(np.isfinite(kappa), kappa, np.inf)
    return factor * (1 + kappa)


def _vector_forms(z):
    rows = np.arange(z.shape[0])
    forms = {
        "softmax": strict(activations.softmax, z),
        "log_softmax": strict(activations.log_softmax, z),
        "logsumexp": strict(activations.logsumexp, z),
    }
    # the loss of every class as the target, one row each
    classes = z.shape[-1]
    repeated = np.repeat(z, classes, axis=0)
    targets = np.tile(np.arange(classes), len(rows))
    forms["cross_entropy"] = strict(
        losses.cross_entropy, repeated, targets, reduction="none"
    ).reshape(z.shape)
    return forms


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", range(len(VECTOR)))
def test_stored_vector_references(dtype, case):
    """Softmax, log-softmax, log-sum-exp and cross-entropy within bounds at stored references."""
    values, lse, log_g = VECTOR[case]
    z = np.array([values], dtype)
    exact_log_g = np.array([[_mp(v) for v in log_g]])
    exact = {
        "log_softmax": exact_log_g,
        "softmax": np.exp(exact_log_g),
        "logsumexp": np.array([_mp(lse)]),
        "cross_entropy": -exact_log_g,
    }
    kappa = _kappa(z, exact_log_g.astype(np.float64), exact["logsumexp"].astype(np.float64))
    kappa["cross_entropy"] = kappa["log_softmax"]
    for name, computed in _vector_forms(z).items():
        error = ulps(computed, exact[name], dtype)
        bound = _vector_bound(name, dtype, kappa[name], z, exact[name])
        assert np.all(error <= bound), (name, values, error, bound)


def test_log1p_matters_where_the_sum_is_below_eps():
    """log_softmax of the winner and the loss of a confident right answer are tiny, not 0."""
    for dtype in FLOATS:
        z = np.array([[0.0, -40.0]], dtype)
        exact = 4.2483542552915889863049778436315821818777506062887e-18
        np.testing.assert_allclose(
            -activations.log_softmax(z)[0, 0], exact, rtol=2 * np.finfo(dtype).eps
        )
        np.testing.assert_allclose(
            activations.logsumexp(z)[0], exact, rtol=2 * np.finfo(dtype).eps
        )
        np.testing.assert_allclose(
            losses.cross_entropy(z, np.array([0]), reduction="none")[0],
            exact,
            rtol=2 * np.finfo(dtype).eps,
        )


def _near_zero_bound(z, dtype):
    """NEAR_ZERO_FACTOR u sum_j g_j |z_j| per row: a relative error of 3 kappa u for logsumexp."""
    z = np.asarray(z, np.float64)
    g = np.exp(z - z.max(axis=-1, keepdims=True))
    g /= g.sum(axis=-1, keepdims=True)
    return NEAR_ZERO_FACTOR * np.finfo(dtype).eps / 2 * (g * np.abs(z)).sum(axis=-1)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logsumexp_near_zero_is_absolutely_accurate(dtype):
    """Near a log-sum-exp of 0, the absolute error is at most 3 u sum_j g_j |z_j|.

    At the stored pair (float32(-ln 2), float32(-ln 2)), kappa ~ 4e8, a result of 0 fails the
    bound. At (fl(-ln 2), fl(-ln 2)) in float64, kappa ~ 3e16, the exact value ln 2 + fl(-ln 2)
    (ln 2 from the stored 50-digit softplus(0)) is 2.3e-17 and 0, what the package returns, is
    within it: the bound then only says the error is about one rounding of ln 2. The generated
    rows below are the ones that tell log(sum(exp(z))) apart.
    """
    ln2 = _mp(SCALAR[0][1])
    cases = [(VECTOR[-1][0], _mp(VECTOR[-1][1]))]
    if dtype == np.float64:
        minus_ln2 = -np.log(np.float64(2))
        cases.append(([minus_ln2, minus_ln2], ln2 + LD(minus_ln2)))
    for values, exact in cases:
        z = np.array([values], dtype)
        error = abs(LD(strict(activations.logsumexp, z)[0]) - exact)
        assert error <= _near_zero_bound(z, dtype)[0], (values, error)


# --- generated samples -------------------------------------------------------


def _dense_logits(dtype, count, seed):
    """Thirds: uniform on [-110, 110], uniform on [-800, 800], log-uniform magnitudes 1e-6..1e4."""
    rng = np.random.default_rng(seed)
    third = count // 3
    return np.concatenate(
        [
            rng.uniform(-110, 110, third),
            rng.uniform(-800, 800, third),
            rng.choice([-1.0, 1.0], third) * 10 ** rng.uniform(-6, 4, third),
        ]
    ).astype(dtype)


def _ld_softplus(z):
    z = np.asarray(z, LD)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


LD_REFERENCE = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-np.asarray(z, LD))),
    "log_sigmoid": lambda z: -_ld_softplus(-np.asarray(z, LD)),
    "softplus": _ld_softplus,
    "softplus_of_negative": lambda z: _ld_softplus(-np.asarray(z, LD)),
}


def dense_scalar_errors(name, dtype):
    """Errors in ulps of one 1-D form on the dense sample, and the sample."""
    z = _dense_logits(dtype, 1_000_000 if dtype == np.float32 else 200_000, seed=17)
    return ulps(strict(SCALAR_FUNCTIONS[name], z), LD_REFERENCE[name](z), dtype), z


@needs_long_double
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_dense_scalar_samples(dtype, name):
    """1,000,000 (float32) or 200,000 (float64) random logits, each within the bound."""
    error, z = dense_scalar_errors(name, dtype)
    worst = np.argmax(error)
    assert error[worst] <= scalar_bound(name, dtype), (
        f"{name}({z[worst]!r}): {error[worst]:.3g} ulps"
    )


def _ld_vector(z):
    """Long-double log_softmax and logsumexp along the last axis; the shift exact by a two-sum."""
    z = np.asarray(z, np.float64)
    peak = z.max(axis=-1, keepdims=True)
    hi = z - peak
    back = hi - z  # Knuth's two-sum: hi + lo == z - peak exactly
    lo = (z - (hi - back)) + (-peak - back)
    hi, lo = hi.astype(LD), lo.astype(LD)
    terms = np.exp(hi) * (1 + lo)
    np.put_along_axis(terms, np.argmax(z, axis=-1)[..., None], 0, axis=-1)
    log_norm = np.log1p(terms.sum(axis=-1, keepdims=True))
    return (hi - log_norm) + lo, (peak.astype(LD) + log_norm)[..., 0]


def dense_vector_errors(dtype, seed=23):
    """(name, errors in ulps, bound in ulps, kappa) per batch of random rows.

    Six batches for each of 2, 3, 5, 10, 100, 1,000, 10,000 and 50,000 classes, 20,000 logits
    a batch: offset + spread * uniform(-1, 1), spread 0.1 to 1e4, offset up to 1e4 either way.
    """
    rng = np.random.default_rng(seed)
    for classes in (2, 3, 5, 10, 100, 1000, 10_000, 50_000):
        for _ in range(6):
            spread = 10 ** rng.uniform(-1, 4)
            offset = rng.uniform(-1, 1) * 10 ** rng.uniform(-1, 4)
            shape = (max(1, 20_000 // classes), classes)
            z = (offset + spread * rng.uniform(-1, 1, shape)).astype(dtype)
            log_g, lse = _ld_vector(z)
            exact = {"log_softmax": log_g, "softmax": np.exp(log_g), "logsumexp": lse}
            kappa = _kappa(z, log_g.astype(np.float64), lse.astype(np.float64))
            rows = np.arange(z.shape[0])
            target = rng.integers(0, classes, z.shape[0])
            computed = {
                "softmax": strict(activations.softmax, z),
                "log_softmax": strict(activations.log_softmax, z),
                "logsumexp": strict(activations.logsumexp, z),
                "cross_entropy": strict(losses.cross_entropy, z, target, reduction="none"),
            }
            exact["cross_entropy"] = -log_g[rows, target]
            kappa["cross_entropy"] = kappa["log_softmax"][rows, target]
            for name, value in computed.items():
                error = ulps(value, exact[name], dtype)
                bound = _vector_bound(name, dtype, kappa[name], z, exact[name])
                yield name, error, np.broadcast_to(bound, error.shape), kappa[name]


@needs_long_double
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_dense_vector_samples(dtype):
    """Random rows of 2 to 50,000 logits, spreads 0.1 to 1e4: every entry within its bound."""
    for name, error, bound, _ in dense_vector_errors(dtype):
        bad = ~(error <= bound)
        assert not bad.any(), (name, error.shape, error[bad][:3], bound[bad][:3])


def near_zero_rows(dtype, seed=31):
    """Rows of 2 to 1,000 logits shifted to a log-sum-exp near 0, then (-ln C,) * C and pairs.

    Random rows: N(0, scale) logits, scale 0.03 to 30, minus their long-double log-sum-exp
    (rounded), as a network's logits after a normalisation would be. Then every
    (-ln C, ..., -ln C) for C = 2 .. 200 (1.08 of the bound at C = 3), and 2,000 pairs near
    (-ln 2, -ln 2).
    """
    rng = np.random.default_rng(seed)
    for classes in (2, 3, 5, 10, 20, 50, 100, 1000):
        rows = max(20, 20_000 // classes)
        scale = rng.choice([0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0], (rows, 1))
        z = rng.normal(0, 1, (rows, classes)) * scale
        yield (z - _ld_vector(z)[1][:, None].astype(np.float64)).astype(dtype)
    for classes in range(2, 201):
        yield np.full((1, classes), -np.log(classes)).astype(dtype)
    yield (-np.log(2.0) + rng.normal(0, 1e-9, (2_000, 2))).astype(dtype)


def near_zero_errors(dtype):
    """Per row: the logsumexp's error in ulps, and beyond float32's rounding over u_64 sum g|z|.

    Float64 rounds its result in the analysis itself; the float32 path rounds a float64 value
    once more, so its first half ulp (+1e-6) is set aside before the ratio.
    """
    in_ulps, ratios = [], []
    for z in near_zero_rows(dtype):
        _, lse = _ld_vector(z)
        got = strict(activations.logsumexp, z)
        error = ulps(got, lse, dtype)
        step = np.spacing(np.abs(lse.astype(dtype))).astype(np.float64)
        rounding = SCALAR_BOUND[np.float32] if dtype == np.float32 else 0.0
        beyond = np.maximum(error - rounding, 0) * step
        in_ulps.append(error)
        ratios.append(beyond / (_near_zero_bound(z, np.float64) / NEAR_ZERO_FACTOR))
    return np.concatenate(in_ulps), np.concatenate(ratios)


@needs_long_double
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logsumexp_near_zero_samples_are_absolutely_accurate(dtype):
    """|error| <= 3 u_64 sum_j g_j |z_j| (+ half a float32 ulp) on rows near a log-sum-exp of 0.

    Measured: 2.6 in float64. The float32 path, computed in float64, stays within the same
    absolute term although that is thousands of float32 ulps where the value is tiny. The
    naive log(sum(exp(z))) exceeds the bound by a factor of about 1e14 on these rows.
    """
    _, ratio = near_zero_errors(dtype)
    assert ratio.max() <= NEAR_ZERO_FACTOR, ratio.max()


# --- gradients ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logit_gradient_keeps_relative_accuracy_where_it_is_small(dtype):
    """d BCE / dz = sigma(z) - y: for y = 0, sigma(z), tiny for z << 0, accurate to a few ulps.

    A sigmoid written as 1 - 1 / (1 + e^z) (a cancellation) gives 0 there; one
    written as e^z / (1 + e^z) gives NaN at z = 1000.
    """
    z = _dense_logits(dtype, 30_000, seed=29)
    grad = strict(gradients.binary_cross_entropy_with_logits, z, np.zeros_like(z), reduction="sum")
    error = ulps(grad, LD_REFERENCE["sigmoid"](z), dtype)
    assert error.max() <= SCALAR_BOUND[dtype], error.max()


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logit_gradient_for_target_one_is_absolutely_accurate(dtype):
    """d BCE / dz = sigma(z) - 1 for y = 1: within eps absolutely (not relatively, for z >> 0)."""
    z = _dense_logits(dtype, 30_000, seed=37)
    grad = strict(gradients.binary_cross_entropy_with_logits, z, np.ones_like(z), reduction="sum")
    exact = LD_REFERENCE["sigmoid"](z) - 1
    error = np.abs(grad.astype(LD) - exact).astype(np.float64)
    assert error.max() <= np.finfo(dtype).eps, error.max() / np.finfo(dtype).eps


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logit_gradient_is_minus_one_where_bce_of_a_probability_loses_it(dtype):
    """Target 1, logit -50: the gradient is -1; through BCELoss(sigmoid) PyTorch gets -1.9e-10."""
    z = np.array([-28.0, -30.0, -50.0, -1000.0], dtype)
    grad = strict(gradients.binary_cross_entropy_with_logits, z, np.ones_like(z), reduction="sum")
    exact = (LD_REFERENCE["sigmoid"](z) - 1).astype(np.float64)
    np.testing.assert_allclose(grad, exact, rtol=0, atol=np.finfo(dtype).eps)
    assert np.all(grad < -0.99)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_cross_entropy_gradient_of_the_other_classes_is_their_probability(dtype):
    """d CE / dz_j = softmax_j for j not the target: relative accuracy, down to e^-80."""
    z = np.array([[0.0, -20.0, -80.0, -700.0]], dtype)
    grad = strict(gradients.cross_entropy, z, np.array([0]), reduction="sum")
    log_g, _ = (
        _ld_vector(z)
        if WIDE_LONG_DOUBLE
        else (np.log(activations.softmax(z.astype(np.float64))), None)
    )
    expected = np.exp(log_g[0, 1:]).astype(np.float64)
    error = ulps(grad[0, 1:], expected, dtype)
    assert error.max() <= 8, error


def cross_entropy_gradient_errors(dtype, seed=41):
    """Per sampled row: (other entries' ulps, their bound, target entry's ulps, its bound).

    Rows of 2 to 50,000 logits as in the dense vector test, with a random target. The entries
    of classes other than the target are softmax probabilities; the target's entry is
    -sum_{j != y} g_j, a sum of positive terms, relatively accurate even where g_y rounds to 1.
    """
    rng = np.random.default_rng(seed)
    for classes in (2, 3, 5, 10, 100, 1000, 50_000):
        for _ in range(3):
            spread = 10 ** rng.uniform(-1, 4)
            offset = rng.uniform(-1, 1) * 10 ** rng.uniform(-1, 4)
            shape = (max(1, 3000 // classes), classes)
            z = (offset + spread * rng.uniform(-1, 1, shape)).astype(dtype)
            rows = np.arange(z.shape[0])
            target = rng.integers(0, classes, z.shape[0])
            log_g, lse = _ld_vector(z)
            g = np.exp(log_g)
            kappa = _kappa(z, log_g.astype(np.float64), lse.astype(np.float64))
            grad = strict(gradients.cross_entropy, z, target, reduction="sum")
            others = g.copy()
            others[rows, target] = 0
            other_error = ulps(grad, g, dtype)
            other_error[rows, target] = 0
            target_error = ulps(grad[rows, target], -others.sum(axis=-1), dtype)
            if dtype == np.float32:
                other_bound = SCALAR_BOUND[np.float32]
                target_bound = GRADIENT_TARGET_FLOAT32_BOUND
            else:
                other_bound = GRADIENT_KAPPA_FACTOR * (1 + kappa["softmax"])
                # kappa is 0 / 0 where every other class underflows: no bound to assert there
                target_kappa = np.nan_to_num(kappa["log_softmax"][rows, target], nan=np.inf)
                target_bound = GRADIENT_KAPPA_FACTOR * (1 + target_kappa)
            yield other_error, other_bound, target_error, target_bound


@needs_long_double
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_cross_entropy_gradient_entries_within_their_bounds(dtype):
    """softmax(z) - e_y: float32 0.5 ulp (others) and 4 ulps (target); float64 6 (1 + kappa).

    Written as g_y - 1, the target entry is 0 for a confident right answer and fails here.
    """
    for other_error, other_bound, target_error, target_bound in cross_entropy_gradient_errors(
        dtype
    ):
        assert np.all(other_error <= other_bound), (other_error / other_bound).max()
        assert np.all(target_error <= target_bound), (target_error / target_bound).max()
