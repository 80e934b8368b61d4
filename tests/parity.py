"""Run a lossbook loss and its torch.nn.functional twin on the same data, and compare.

The parity cases that tests/registry.py assigns to each loss live here, with
the checks that tests/test_parity.py (and the loss-specific tests) run on
them: values and gradients, float64 to 1e-12 relative, float32 in ulps of a
float64 reference (lossbook.testing).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import gradients, losses
from lossbook.testing import assert_close

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["none", "mean", "sum"]

_TENSOR_OPTIONS = ("weight", "pos_weight")

# What an ignored target's row may hold: PyTorch skips the row, so none of
# these may reach the loss (a masked logit of -inf is common in practice).
IGNORED_ROWS = {
    "one -inf": [-np.inf, 0.0, 0.5],
    "all -inf": [-np.inf, -np.inf, -np.inf],
    "nan": [np.nan, 0.0, 0.5],
}


def with_ignored_row(row, dtype):
    """Two kept rows and one ignored row holding ``row``, with their class-index targets."""
    input = np.array([[-1.2, -0.3, -2.0], row, [-0.1, -3.0, -2.5]], dtype)
    return input, np.array([1, -100, 0])


def _to_torch(value):
    return torch.from_numpy(np.array(value))


class Distance:
    """A distance for ``triplet_margin_with_distance_loss`` in both libraries: the NumPy
    function and its gradient for lossbook, the same formula in torch for PyTorch."""

    def __init__(self, name, numpy_function, numpy_gradient, torch_function):
        self.name = name
        self.numpy_function = numpy_function
        self.numpy_gradient = numpy_gradient
        self.torch_function = torch_function

    def __repr__(self):
        return self.name


def _torch_options(options):
    converted = {}
    for key, value in options.items():
        if isinstance(value, Distance):
            converted[key] = value.torch_function
        elif key in _TENSOR_OPTIONS and value is not None:
            converted[key] = _to_torch(value)
        else:
            converted[key] = value
    return converted


def lossbook_options(options, *, gradient=False):
    """``options`` for lossbook: a :class:`Distance` becomes its NumPy function (and gradient)."""
    converted = {}
    for key, value in options.items():
        if isinstance(value, Distance):
            converted[key] = value.numpy_function
            if gradient:
                converted["distance_gradient"] = value.numpy_gradient
        else:
            converted[key] = value
    return converted


def torch_run_args(name, args, options, grad_output=None, differentiable=(0,)):
    """The value of ``F.<name>(*args)`` and, when ``grad_output`` is given, the autograd
    gradients of the ``differentiable`` arguments (a tuple)."""
    tensors = [
        _to_torch(arg) if isinstance(arg, np.ndarray) or np.ndim(arg) else arg for arg in args
    ]
    if grad_output is not None:
        for position in differentiable:
            tensors[position].requires_grad_(True)
    value = getattr(F, name)(*tensors, **_torch_options(options))
    if grad_output is None:
        return value.detach().numpy(), None
    value.backward(_to_torch(grad_output).to(value.dtype))
    return value.detach().numpy(), tuple(tensors[p].grad.numpy() for p in differentiable)


def torch_run(name, input, target, options, grad_output=None):
    """The value of ``F.<name>`` and, when ``grad_output`` is given, its gradient by autograd."""
    value, grads = torch_run_args(name, (input, target), options, grad_output)
    return value, None if grads is None else grads[0]


def _upcast(value):
    """float32 arrays as float64 (exactly), anything else unchanged."""
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        return value.astype(np.float64)
    return value


def reference_args(name, args, options, grad_output=None, differentiable=(0,)):
    """``F.<name>`` (and its autograd gradients) in float64 on the arguments upcast: for a
    float32 case, the float64 reference lossbook's float32 result is judged against."""
    options = {key: _upcast(value) for key, value in options.items()}
    return torch_run_args(
        name,
        tuple(_upcast(arg) for arg in args),
        options,
        None if grad_output is None else _upcast(grad_output),
        differentiable,
    )


def reference(name, input, target, options, grad_output=None):
    """:func:`reference_args` for a loss of ``(input, target)``."""
    value, grads = reference_args(name, (input, target), options, grad_output)
    return value, None if grads is None else grads[0]


def _largest(values):
    """The largest finite magnitude in ``values`` (0 if none)."""
    values = np.abs(np.asarray(values))
    return values[np.isfinite(values)].max(initial=0.0)


def _same_dtype(actual, dtype):
    actual = np.asarray(actual)
    assert actual.dtype == np.dtype(dtype), f"dtype {actual.dtype}, expected {np.dtype(dtype)}"


def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def check_args_value(
    name, args, dtype, *, cancels=False, torch_scale=0.0, float32_scale=0.0, **options
):
    """``losses.<name>(*args)`` equals ``F.<name>``: float64 to 1e-12, float32 in ulps of the
    float64 result.

    PyTorch's own float64 forms cancel where lossbook's do not (its BCE with
    logits at x = -30 keeps one digit), so the float64 tolerance's absolute
    floor absorbs its error, and lossbook's float64 result is the reference a
    float32 result is judged against, in ulps. With ``cancels`` (a value that
    subtracts nearly equal terms) float32 is judged in ulps of the largest
    value; ``torch_scale`` is the size of the terms PyTorch's own float64 form
    cancels, where it is the less accurate.
    """
    compute = getattr(losses, name)
    expected = reference_args(name, args, options)[0]
    upcast = {key: _upcast(value) for key, value in lossbook_options(options).items()}
    float64 = compute(*(_upcast(arg) for arg in args), **upcast)
    assert_close(float64, expected, scale=torch_scale)
    if np.dtype(dtype) == np.float64:
        _same_dtype(float64, dtype)
        return
    actual = compute(*args, **lossbook_options(options))
    _same_dtype(actual, dtype)
    scale = max(_largest(float64), float32_scale) if cancels else float32_scale
    assert_close(actual, float64, scale=scale)


def check_args_gradient(
    name, args, dtype, rng, *, differentiable=(0,), float32_scale=0.0, **options
):
    """``gradients.<name>`` equals autograd's gradients of ``F.<name>`` for a random upstream
    gradient, one array per differentiable argument.

    A gradient is judged as a vector: each entry in ulps (or relative error)
    of the largest, since sigma(x) - y and softmax - one-hot cancel by nature.
    """
    value = torch_run_args(name, args, options)[0]
    grad_output = rng.uniform(0.5, 2.0, size=np.shape(value)).astype(dtype)
    compute = getattr(gradients, name)
    expected = reference_args(name, args, options, grad_output, differentiable)[1]
    upcast = {
        key: _upcast(value) for key, value in lossbook_options(options, gradient=True).items()
    }
    float64 = _as_tuple(
        compute(*(_upcast(arg) for arg in args), grad_output=_upcast(grad_output), **upcast)
    )
    assert len(float64) == len(expected), (len(float64), len(expected))
    for got, want in zip(float64, expected, strict=True):
        assert_close(got, want, scale=_largest(want))
    if np.dtype(dtype) == np.float64:
        for got in float64:
            _same_dtype(got, dtype)
        return
    actual = _as_tuple(
        compute(*args, grad_output=grad_output, **lossbook_options(options, gradient=True))
    )
    for got, want in zip(actual, float64, strict=True):
        _same_dtype(got, dtype)
        assert_close(got, want, scale=max(_largest(want), float32_scale))


def check_value(name, input, target, dtype, *, cancels=False, torch_scale=0.0, **options):
    """:func:`check_args_value` for a loss of ``(input, target)``."""
    check_args_value(
        name, (input, target), dtype, cancels=cancels, torch_scale=torch_scale, **options
    )


def check_gradient(name, input, target, dtype, rng, **options):
    """:func:`check_args_gradient` for a loss of ``(input, target)``."""
    check_args_gradient(name, (input, target), dtype, rng, **options)


# --- the cases ------------------------------------------------------------------
#
# One function per loss yields (id, input, target, options) for one dtype; the
# data come from a generator seeded by the case's position, so every case is
# reproducible on its own.

SHAPES = {"C": (5,), "NC": (4, 3), "NCd1d2": (2, 3, 4, 2)}


def _regression_cases(rng, dtype, *, option_name=None, option_values=(None,), weighted=False):
    for shape_id, shape in SHAPES.items():
        for reduction in REDUCTIONS:
            for value in option_values:
                for weight in (False, True) if weighted else (False,):
                    options = {"reduction": reduction}
                    if option_name is not None:
                        options[option_name] = value
                    if weight:
                        options["weight"] = rng.uniform(0.1, 2.0, shape).astype(dtype)
                    case_id = f"{shape_id}-{reduction}-{option_name}={value}-weight={weight}"
                    # Spread the errors across both sides of beta / delta.
                    input = rng.normal(0, 2, shape).astype(dtype)
                    target = rng.normal(0, 2, shape).astype(dtype)
                    yield case_id, input, target, options


def _bce_weight(rng, kind, shape, dtype):
    if kind == "none":
        return None
    if kind == "per-class":
        return rng.uniform(0.1, 2.0, shape[-1:]).astype(dtype)
    return rng.uniform(0.1, 2.0, shape).astype(dtype)


def _bce_cases(rng, dtype, *, logits):
    for shape_id, shape in SHAPES.items():
        for reduction in REDUCTIONS:
            for weight in ("none", "per-class", "full"):
                for pos_weight in (False, True) if logits else (False,):
                    options = {
                        "reduction": reduction,
                        "weight": _bce_weight(rng, weight, shape, dtype),
                    }
                    if pos_weight:
                        options["pos_weight"] = rng.uniform(0.5, 4.0, shape[-1:]).astype(dtype)
                    input = rng.normal(0, 3, shape)
                    if not logits:
                        input = 1 / (1 + np.exp(-input))
                    # Soft targets in [0, 1], with exact 0s and 1s among them.
                    target = np.clip(rng.uniform(-0.3, 1.3, shape), 0, 1)
                    case_id = f"{shape_id}-{reduction}-weight={weight}-pos_weight={pos_weight}"
                    yield case_id, input.astype(dtype), target.astype(dtype), options


def _class_index_target(rng, shape, ignore_index):
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = rng.integers(0, classes, target_shape)
    if ignore_index is not None and target.size > 1:
        target.flat[::2] = ignore_index
    return target


def _classification_cases(rng, dtype, *, name):
    for shape_id, shape in SHAPES.items():
        classes = shape[0] if len(shape) == 1 else shape[1]
        for reduction in REDUCTIONS:
            for weighted in (False, True):
                for target_kind in (
                    ("index", "index-ignored", "probabilities")
                    if name == "cross_entropy"
                    else (
                        "index",
                        "index-ignored",
                    )
                ):
                    for smoothing in (0.0, 0.1, 1.0) if name == "cross_entropy" else (None,):
                        options = {"reduction": reduction}
                        if weighted:
                            options["weight"] = rng.uniform(0.1, 2.0, classes).astype(dtype)
                        if smoothing is not None:
                            options["label_smoothing"] = smoothing
                        logits = rng.normal(0, 2, shape).astype(dtype)
                        if target_kind == "probabilities":
                            target = np.exp(logits - logits.max()) * rng.uniform(0, 1, shape)
                            axis = 0 if len(shape) == 1 else 1
                            target = (target / target.sum(axis=axis, keepdims=True)).astype(dtype)
                        else:
                            ignore_index = 1 if target_kind == "index-ignored" else None
                            if ignore_index is not None:
                                options["ignore_index"] = ignore_index
                            target = _class_index_target(rng, shape, ignore_index)
                        input = logits
                        if name == "nll_loss":
                            axis = 0 if len(shape) == 1 else 1
                            input = (
                                logits - np.log(np.exp(logits).sum(axis=axis, keepdims=True))
                            ).astype(dtype)
                        case_id = f"{shape_id}-{reduction}-weight={weighted}-{target_kind}-smoothing={smoothing}"
                        yield case_id, input, target, options


def _kl_cases(rng, dtype):
    for shape_id, shape in SHAPES.items():
        for reduction in REDUCTIONS + ["batchmean"]:
            for log_target in (False, True):
                log_q = np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
                p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
                p.flat[0] = 0.0  # a zero target probability: 0 log 0 = 0
                with np.errstate(divide="ignore"):
                    target = np.log(p) if log_target else p
                options = {"reduction": reduction, "log_target": log_target}
                yield (
                    f"{shape_id}-{reduction}-log_target={log_target}",
                    log_q.astype(dtype),
                    target.astype(dtype),
                    options,
                )


def _soft_margin_cases(rng, dtype, *, multilabel):
    for shape_id, shape in SHAPES.items():
        for reduction in REDUCTIONS:
            for weighted in (False, True) if multilabel else (False,):
                options = {"reduction": reduction}
                if weighted:
                    options["weight"] = rng.uniform(0.1, 2.0, shape[-1:]).astype(dtype)
                input = rng.normal(0, 3, shape).astype(dtype)
                labels = rng.integers(0, 2, shape)
                target = (labels if multilabel else 2 * labels - 1).astype(dtype)
                yield f"{shape_id}-{reduction}-weight={weighted}", input, target, options


CASE_MAKERS = {
    "mse_loss": lambda rng, dtype: _regression_cases(rng, dtype, weighted=True),
    "l1_loss": lambda rng, dtype: _regression_cases(rng, dtype, weighted=True),
    "smooth_l1_loss": lambda rng, dtype: _regression_cases(
        rng, dtype, option_name="beta", option_values=(0.0, 0.5, 1.0, 2.0)
    ),
    "huber_loss": lambda rng, dtype: _regression_cases(
        rng, dtype, option_name="delta", option_values=(0.5, 1.0, 2.0), weighted=True
    ),
    "binary_cross_entropy": lambda rng, dtype: _bce_cases(rng, dtype, logits=False),
    "binary_cross_entropy_with_logits": lambda rng, dtype: _bce_cases(rng, dtype, logits=True),
    "nll_loss": lambda rng, dtype: _classification_cases(rng, dtype, name="nll_loss"),
    "cross_entropy": lambda rng, dtype: _classification_cases(rng, dtype, name="cross_entropy"),
    "kl_div": _kl_cases,
    "soft_margin_loss": lambda rng, dtype: _soft_margin_cases(rng, dtype, multilabel=False),
    "multilabel_soft_margin_loss": lambda rng, dtype: _soft_margin_cases(
        rng, dtype, multilabel=True
    ),
}


def cases(name):
    """The parity cases of one loss, as pytest parameters ``(input, target, dtype, options)``."""
    params = []
    for dtype in DTYPES:
        rng = np.random.default_rng(20261123)
        for case_id, input, target, options in CASE_MAKERS[name](rng, dtype):
            params.append(
                pytest.param(input, target, dtype, options, id=f"{np.dtype(dtype).name}-{case_id}")
            )
    return params


# --- the likelihood, margin and embedding losses (chapters 7 and 8) -----------------
#
# These yield (id, args, options): their arguments are not (input, target).


def poisson_cases(rng, dtype):
    for shape_id, shape in SHAPES.items():
        for reduction in REDUCTIONS:
            for log_input in (True, False):
                for full in (False, True):
                    rate = rng.gamma(2.0, 2.0, shape)
                    # Counts 0, 1 (where the Stirling term is masked) and larger ones.
                    counts = rng.poisson(rate).astype(float)
                    counts.flat[:2] = [0.0, 1.0]
                    input = np.log(rate) if log_input else rate
                    options = {"log_input": log_input, "full": full, "reduction": reduction}
                    yield (
                        f"{shape_id}-{reduction}-log_input={log_input}-full={full}",
                        (input.astype(dtype), counts.astype(dtype)),
                        options,
                    )
    rates = np.array([0.0, 1e-12, 1e-3, 1.0, 1e3, 1e8])
    # With ``full``, t log t cancels against t log(rate) at t = rate = 1e8: terms of
    # 2e9 leave about 10, which float32 cannot resolve; float64 is judged with it.
    yield (
        "extreme-rates",
        (rates.astype(dtype), np.array([0, 1, 2, 0, 1e3, 1e8]).astype(dtype)),
        {"log_input": False, "full": dtype == np.float64, "reduction": "none"},
    )
    yield (
        "extreme-log-rates",
        (
            np.array([-30.0, -5.0, 0.0, 5.0, 30.0]).astype(dtype),
            np.array([0, 3, 1, 150, 2.0]).astype(dtype),
        ),
        {"log_input": True, "full": True, "reduction": "sum"},
    )


def gaussian_cases(rng, dtype):
    shape = (4, 3)
    variances = {
        "per-element": shape,
        "per-sample": (4,),
        "per-sample-kept-axis": (4, 1),
        "per-feature": (1, 3),
    }
    for var_id, var_shape in variances.items():
        for reduction in REDUCTIONS:
            for full in (False, True):
                var = rng.uniform(0.05, 3.0, var_shape)
                var.flat[0] = 1e-9  # below eps: clamped, the gradient passed through
                options = {"full": full, "reduction": reduction}
                input, target = rng.normal(0, 2, (2,) + shape)
                yield (
                    f"{var_id}-{reduction}-full={full}",
                    (input.astype(dtype), target.astype(dtype), var.astype(dtype)),
                    options,
                )
    huge = np.array([1e-12, 0.0, 1e8, 1.0])
    yield (
        "zero-and-huge-variances",
        (np.array([0.0, 1.0, 5.0, 0.0]).astype(dtype), np.zeros(4, dtype), huge.astype(dtype)),
        {"reduction": "none"},
    )


def _signs(rng, shape):
    return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


def margin_ranking_cases(rng, dtype):
    for shape_id, shape in (("N", (6,)), ("NM", (3, 4))):
        for reduction in REDUCTIONS:
            for margin in (0.0, 0.5):
                x1, x2 = rng.normal(0, 1, (2,) + shape)
                target = _signs(rng, shape)
                # One pair exactly at the hinge: -t (x1 - x2) + margin = 0.
                x2.flat[0] = x1.flat[0] - margin * target.flat[0]
                yield (
                    f"{shape_id}-{reduction}-margin={margin}",
                    (x1.astype(dtype), x2.astype(dtype), target.astype(dtype)),
                    {"margin": margin, "reduction": reduction},
                )


def hinge_embedding_cases(rng, dtype):
    for shape_id, shape in (("N", (7,)), ("NM", (3, 4))):
        for reduction in REDUCTIONS:
            for margin in (1.0, 2.0):
                distance = rng.uniform(0, 3, shape)
                distance.flat[0] = margin  # exactly at the hinge
                target = _signs(rng, shape)
                target.flat[0] = -1.0
                yield (
                    f"{shape_id}-{reduction}-margin={margin}",
                    (distance.astype(dtype), target.astype(dtype)),
                    {"margin": margin, "reduction": reduction},
                )


def cosine_embedding_cases(rng, dtype):
    for shape_id, shape in (("D", (4,)), ("ND", (5, 4))):
        for reduction in REDUCTIONS:
            for margin in (0.0, 0.3):
                x1, x2 = rng.normal(0, 1, (2,) + shape)
                target = _signs(rng, shape[:-1])
                if len(shape) == 2:
                    x2[1] = 0.0  # a zero vector: similarity 0 by the 1e-12 guard
                    x2[2] = -3 * x1[2]  # opposite vectors
                    x2[3] = 2 * x1[3]  # identical directions
                yield (
                    f"{shape_id}-{reduction}-margin={margin}",
                    (x1.astype(dtype), x2.astype(dtype), target.astype(dtype)),
                    {"margin": margin, "reduction": reduction},
                )


def multi_margin_cases(rng, dtype):
    for shape_id, shape in (("C", (5,)), ("NC", (6, 4))):
        classes = shape[-1]
        for reduction in REDUCTIONS:
            for p in (1, 2):
                for margin in (1.0, 0.5):
                    for weighted in (False, True):
                        scores = rng.normal(0, 1, shape)
                        target = rng.integers(0, classes, shape[:-1])
                        options = {"p": p, "margin": margin, "reduction": reduction}
                        if weighted:
                            options["weight"] = rng.uniform(0.2, 2.0, classes).astype(dtype)
                        yield (
                            f"{shape_id}-{reduction}-p={p}-margin={margin}-weight={weighted}",
                            (scores.astype(dtype), target),
                            options,
                        )


def multilabel_margin_cases(rng, dtype):
    for shape_id, shape in (("C", (5,)), ("NC", (5, 4))):
        for reduction in REDUCTIONS:
            scores = rng.normal(0, 1, shape)
            target = np.full(shape, -1)
            rows = target.reshape(-1, shape[-1])
            for row in rows:
                count = rng.integers(0, shape[-1] + 1)
                row[:count] = rng.permutation(shape[-1])[:count]
            if rows.shape[0] > 1:
                rows[0] = -1  # every label padded: no target, no loss
                rows[1, :3] = [2, 2, -1]  # a class listed twice counts twice
            yield (
                f"{shape_id}-{reduction}",
                (scores.astype(dtype), target),
                {"reduction": reduction},
            )


def _cosine_distance_numpy(u, v):
    return 1 - np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)


def _cosine_distance_gradient(u, v):
    nu = np.linalg.norm(u, axis=-1, keepdims=True)
    nv = np.linalg.norm(v, axis=-1, keepdims=True)
    cos = np.sum(u * v, -1, keepdims=True) / (nu * nv)
    return -(v / (nu * nv) - cos * u / nu**2), -(u / (nu * nv) - cos * v / nv**2)


COSINE_DISTANCE = Distance(
    "cosine",
    _cosine_distance_numpy,
    _cosine_distance_gradient,
    lambda u, v: 1 - F.cosine_similarity(u, v, dim=-1, eps=0.0),
)


def triplet_cases(rng, dtype, *, with_distance=False):
    for shape_id, shape in (("D", (3,)), ("ND", (5, 3)), ("NMD", (2, 3, 3))):
        for reduction in REDUCTIONS:
            for swap in (False, True):
                variants = (
                    [{"distance_function": None}, {"distance_function": COSINE_DISTANCE}]
                    if with_distance
                    else [{"p": 2.0}, {"p": 1.0}, {"p": 3.0, "eps": 1e-3}]
                )
                for variant in variants:
                    for margin in (1.0, 0.2):
                        anchor, positive, negative = rng.normal(0, 1, (3,) + shape)
                        if len(shape) == 2:
                            positive[1] = anchor[1]  # identical embeddings
                            negative[2] = positive[2] + 0.1
                        options = {"margin": margin, "swap": swap, "reduction": reduction}
                        options.update(variant)
                        label = "-".join(f"{k}={v}" for k, v in variant.items())
                        yield (
                            f"{shape_id}-{reduction}-swap={swap}-{label}-margin={margin}",
                            (anchor.astype(dtype), positive.astype(dtype), negative.astype(dtype)),
                            options,
                        )
