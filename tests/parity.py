"""Run a lossbook loss and its torch.nn.functional twin on the same data, and compare.

The parity cases that tests/registry.py assigns to each loss live here, with
the checks that tests/test_parity.py (and the loss-specific tests) run on
them: values and gradients, float64 to 1e-12 relative, float32 in ulps of a
float64 reference (lossbook.testing).
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import special

from lossbook import activations, gradients, losses
from lossbook.testing import assert_close

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["none", "mean", "sum"]

_TENSOR_OPTIONS = ("weight", "pos_weight", "linear_bias")
#: lossbook's options that PyTorch lacks: ``chunk_size`` stands in for
#: ``linear_cross_entropy``'s ``options``, which changes only the memory.
_LOSSBOOK_ONLY = ("chunk_size",)

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
        if key in _LOSSBOOK_ONLY:
            continue
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
    gradients of the ``differentiable`` arguments (a tuple). A name among
    ``differentiable`` is a keyword option (``linear_bias``), included when given."""
    tensors = [
        _to_torch(arg) if isinstance(arg, np.ndarray) or np.ndim(arg) else arg for arg in args
    ]
    torch_options = _torch_options(options)
    present = [
        p for p in differentiable if not isinstance(p, str) or torch_options.get(p) is not None
    ]
    chosen = [torch_options[p] if isinstance(p, str) else tensors[p] for p in present]
    if grad_output is not None:
        for tensor in chosen:
            tensor.requires_grad_(True)
    value = getattr(F, name)(*tensors, **torch_options)
    if grad_output is None:
        return value.detach().numpy(), None
    value.backward(_to_torch(grad_output).to(value.dtype))
    return value.detach().numpy(), tuple(tensor.grad.numpy() for tensor in chosen)


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
    if name in MODULE_TWINS:
        return check_adaptive_value(args, dtype, **options)
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
    name,
    args,
    dtype,
    rng,
    *,
    differentiable=(0,),
    float32_scale=0.0,
    through=None,
    condition=None,
    **options,
):
    """``gradients.<name>`` equals autograd's gradients of ``F.<name>`` for a random upstream
    gradient, one array per differentiable argument (behind ``through``, if given: see
    :class:`Through`).

    A gradient is judged as a vector: each entry in ulps (or relative error)
    of the largest, since sigma(x) - y and softmax - one-hot cancel by nature;
    ``condition(args, options)``, if given, multiplies that scale where the
    gradient is ill-conditioned by nature (``Loss.condition``).
    """
    factor = 1.0 if condition is None else condition(args, options)
    if through is not None:
        return check_gradient_through(
            name,
            args,
            dtype,
            rng,
            through,
            differentiable=differentiable,
            float32_scale=float32_scale,
            factor=factor,
            **options,
        )
    if name in MODULE_TWINS:
        return check_adaptive_gradient(args, dtype, rng, **options)
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
        assert_close(got, want, scale=_largest(want) * factor)
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


# --- sequences (chapter 9) ------------------------------------------------------------


@dataclass(frozen=True)
class Through:
    """A map the model's output passes through before the loss, for the gradient test of a
    loss whose autograd gradient is right only behind that map (``Loss.through``).

    PyTorch's ``ctc_loss`` backward returns the gradient with respect to the logits of
    a ``log_softmax`` as if it were the gradient with respect to ``log_probs``. Its
    gradient is then compared on ``F.<name>(torch_function(x))`` with respect to x,
    against lossbook's gradient at ``numpy_function(x)`` chained back to x by
    ``numpy_vjp(x, g)``, the product of g with the map's Jacobian.
    """

    name: str
    torch_function: Callable
    numpy_function: Callable
    numpy_vjp: Callable

    def __repr__(self):
        return self.name


def log_softmax_vjp(x, g):
    """g times the Jacobian of log_softmax over the last axis: g - softmax(x) sum(g)."""
    return g - activations.softmax(x, axis=-1) * np.sum(g, axis=-1, keepdims=True)


LOG_SOFTMAX = Through(
    "log_softmax",
    lambda x: F.log_softmax(x, dim=-1),
    lambda x: activations.log_softmax(x, axis=-1),
    log_softmax_vjp,
)


def check_gradient_through(
    name,
    args,
    dtype,
    rng,
    through,
    *,
    differentiable=(0,),
    float32_scale=0.0,
    factor=1.0,
    **options,
):
    """:func:`check_args_gradient` for a loss behind ``through``: lossbook's gradient chained
    through the map's Jacobian equals autograd's through the map itself."""
    value = torch_run_args(name, args, options)[0]
    grad_output = rng.uniform(0.5, 2.0, size=np.shape(value)).astype(dtype)
    tensors = [_to_torch(_upcast(arg)) for arg in args]
    for position in differentiable:
        tensors[position].requires_grad_(True)
    mapped = [
        through.torch_function(tensor) if position in differentiable else tensor
        for position, tensor in enumerate(tensors)
    ]
    upcast = {key: _upcast(value) for key, value in options.items()}
    loss = getattr(F, name)(*mapped, **_torch_options(upcast))
    loss.backward(_to_torch(_upcast(grad_output)).to(loss.dtype))
    expected = [tensors[position].grad.numpy() for position in differentiable]

    def chained(arguments, upstream, opts):
        inputs = [
            through.numpy_function(arg) if position in differentiable else arg
            for position, arg in enumerate(arguments)
        ]
        grads = _as_tuple(getattr(gradients, name)(*inputs, grad_output=upstream, **opts))
        return [
            through.numpy_vjp(arguments[position], grad)
            for position, grad in zip(differentiable, grads, strict=True)
        ]

    float64 = chained([_upcast(arg) for arg in args], _upcast(grad_output), upcast)
    for got, want in zip(float64, expected, strict=True):
        _same_dtype(got, np.float64)
        assert_close(got, want, scale=_largest(want) * factor)
    if np.dtype(dtype) == np.float64:
        return
    for got, want in zip(chained(args, grad_output, options), float64, strict=True):
        _same_dtype(got, dtype)
        assert_close(got, want, scale=max(_largest(want), float32_scale))


def ctc_condition(args, options):
    """How ill-conditioned CTC's gradient is: the posterior exp(log alpha + log beta - log p)
    subtracts log-probabilities as large as the loss itself, so a rounding error of a few
    ulps of |log p| in each is a relative error of the gradient (PyTorch's as much as
    lossbook's: up to 1e-11 apart at |log p| = 3000). The scale grows past 1 from
    |log p| = 100."""
    upcast = [_upcast(arg) for arg in args]
    per_sample = losses.ctc_loss(*upcast, blank=options.get("blank", 0), reduction="none")
    return max(1.0, _largest(per_sample) / 100)


# Each batch mixes what CTC must handle: labels repeated back to back (the
# blank between them is compulsory), an empty target, an input shorter than T,
# and an impossible target ("aaa" needs 5 steps, its input has 4).
_CTC_STEPS, _CTC_CLASSES = 12, 6
_CTC_INPUT_LENGTHS = np.array([12, 7, 9, 4, 12])


def _ctc_labels(rng, blank, classes):
    """Five targets over the classes other than ``blank``: (repeats, empty, random,
    impossible, random)."""
    labels = np.array([c for c in range(classes) if c != blank])
    a, b = rng.choice(labels, 2, replace=False)
    return [
        np.array([a, a, b, b]),
        np.array([], int),
        rng.choice(labels, 3),
        np.array([a, a, a]),
        rng.choice(labels, 5),
    ]


def _ctc_batch(rng, dtype, *, steps, classes, blank, layout, input_lengths, targets):
    batch = len(targets)
    logits = rng.normal(0, 2, (steps, batch, classes))
    log_probs = (logits - special.logsumexp(logits, axis=-1, keepdims=True)).astype(dtype)
    lengths = np.array([len(t) for t in targets])
    if layout == "concatenated":
        flat = np.concatenate([np.asarray(t, np.int64) for t in targets])
    else:
        # Padding past each length holds the blank; it is never read.
        flat = np.full((batch, max(lengths.max(), 1)), blank, np.int64)
        for row, target in zip(flat, targets, strict=True):
            row[: len(target)] = target
    return log_probs, flat, np.asarray(input_lengths, np.int64), lengths


def ctc_cases(rng, dtype):
    for layout in ("padded", "concatenated"):
        for blank in (0, _CTC_CLASSES - 1):
            for reduction in REDUCTIONS:
                for zero_infinity in (False, True):
                    args = _ctc_batch(
                        rng,
                        dtype,
                        steps=_CTC_STEPS,
                        classes=_CTC_CLASSES,
                        blank=blank,
                        layout=layout,
                        input_lengths=_CTC_INPUT_LENGTHS,
                        targets=_ctc_labels(rng, blank, _CTC_CLASSES),
                    )
                    options = {
                        "blank": blank,
                        "reduction": reduction,
                        "zero_infinity": zero_infinity,
                    }
                    yield (
                        f"{layout}-blank={blank}-{reduction}-zero_infinity={zero_infinity}",
                        args,
                        options,
                    )
    for reduction in REDUCTIONS:
        log_probs, targets, _, _ = _ctc_batch(
            rng,
            dtype,
            steps=8,
            classes=4,
            blank=0,
            layout="padded",
            input_lengths=[8],
            targets=[np.array([2, 2, 3])],
        )
        yield (
            f"unbatched-{reduction}",
            (log_probs[:, 0], targets[0], np.array(7), np.array(3)),
            {"reduction": reduction},
        )
    # T = 1000: the likelihoods are about e^-2900 and e^-2600, far below the smallest float64.
    long_targets = [rng.integers(1, 20, 200), rng.integers(1, 20, 50)]
    yield (
        "T=1000",
        _ctc_batch(
            rng,
            dtype,
            steps=1000,
            classes=20,
            blank=0,
            layout="padded",
            input_lengths=[1000, 730],
            targets=long_targets,
        ),
        {"reduction": "mean"},
    )


# --- large vocabularies (chapter 9) ---------------------------------------------------
#
# linear_cross_entropy yields (id, (input, linear_weight, target), options); its bias is
# the option ``linear_bias``, differentiated when given. adaptive_log_softmax has no
# torch.nn.functional twin: nn.AdaptiveLogSoftmaxWithLoss with the same weights copied
# in stands in for it (MODULE_TWINS), with its own value and gradient checks.

#: (id, batch shape, logits' trailing shape beyond C): unbatched, batched, K-dimensional.
_LINEAR_SHAPES = (("unbatched", (), ()), ("N", (7,), ()), ("Nd1", (5,), (2,)))


def linear_cross_entropy_cases(rng, dtype):
    hidden, classes = 4, 6
    variants = (
        {"chunk_size": 2},
        {"chunk_size": 3, "weight": True, "linear_bias": True, "label_smoothing": 0.1},
        {"chunk_size": 1024, "weight": True, "label_smoothing": 1.0},
    )
    for shape_id, batch, extra in _LINEAR_SHAPES:
        for reduction in REDUCTIONS:
            for kind in ("index", "index-ignored", "probabilities"):
                for variant in variants:
                    options = {"reduction": reduction, "chunk_size": variant["chunk_size"]}
                    options["label_smoothing"] = variant.get("label_smoothing", 0.0)
                    out = (classes, *extra)
                    weight_matrix = rng.normal(0, 0.7, out + (hidden,))
                    if variant.get("weight"):
                        options["weight"] = rng.uniform(0.1, 2.0, classes).astype(dtype)
                    if variant.get("linear_bias"):
                        options["linear_bias"] = rng.normal(0, 1, out).astype(dtype)
                    input = rng.normal(0, 1.5, batch + (hidden,))
                    logits_shape = batch + out
                    if kind == "probabilities":
                        target = rng.dirichlet(np.ones(classes), size=batch + extra)
                        target = np.moveaxis(target, -1, len(batch)).reshape(logits_shape)
                        target = target.astype(dtype)
                    else:
                        target = rng.integers(0, classes, batch + extra)
                        if kind == "index-ignored" and target.size > 1:
                            # The first rows ignored: with chunk_size 2 a whole chunk is.
                            target.reshape(-1)[: target.size // 2] = 1
                            options["ignore_index"] = 1
                    label = "-".join(f"{k}={v}" for k, v in variant.items())
                    yield (
                        f"{shape_id}-{reduction}-{kind}-{label}",
                        (input.astype(dtype), weight_matrix.astype(dtype), target),
                        options,
                    )
    # Every target ignored: 'mean' is 0 / 0 = NaN in both, the gradient 0.
    for reduction in REDUCTIONS:
        yield (
            f"all-ignored-{reduction}",
            (
                rng.normal(size=(3, 4)).astype(dtype),
                rng.normal(size=(5, 4)).astype(dtype),
                np.array([2, 2, 2]),
            ),
            {"reduction": reduction, "ignore_index": 2, "chunk_size": 2},
        )


def _tree(value, convert):
    """``convert`` applied to every array of a nested tuple or list of arrays."""
    if isinstance(value, (tuple, list)):
        return type(value)(_tree(item, convert) for item in value)
    return convert(value) if isinstance(value, np.ndarray) else value


def _flat(value):
    """The arrays of a nested tuple or list, in order."""
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in _flat(item)]
    return [value]


def adaptive_module(input, head_weight, tail_weights, cutoffs, *, head_bias=None, div_value=4.0):
    """``nn.AdaptiveLogSoftmaxWithLoss`` in float64 with these weights copied in, and the
    parameters in the order of ``gradients.adaptive_log_softmax``'s result."""
    tail_weights, cutoffs = list(tail_weights), list(cutoffs)
    # n_classes as lossbook reads it: the last cutoff plus the last cluster's size.
    n_classes = (
        cutoffs[-1] + np.shape(tail_weights[-1][1])[0]
        if cutoffs and tail_weights
        else np.shape(head_weight)[0]
    )
    with warnings.catch_warnings():  # a tail of hidden size 0 warns that init is a no-op
        warnings.simplefilter("ignore", UserWarning)
        module = torch.nn.AdaptiveLogSoftmaxWithLoss(
            np.shape(input)[-1],
            n_classes,
            cutoffs,
            div_value=div_value,
            head_bias=head_bias is not None,
        ).double()
    parameters = [module.head.weight, *(layer.weight for tail in module.tail for layer in tail)]
    values = [head_weight, *(array for pair in tail_weights for array in pair)]
    if head_bias is not None:
        parameters.append(module.head.bias)
        values.append(head_bias)
    with torch.no_grad():
        for parameter, value in zip(parameters, values, strict=True):
            parameter.copy_(torch.from_numpy(np.asarray(value, np.float64)))
    return module, parameters


def torch_adaptive_log_softmax(
    input, target, head_weight, tail_weights, cutoffs, *, head_bias=None, div_value=4.0
):
    """The module's forward, ``(output, loss)``, as a function of the weights."""
    module, _ = adaptive_module(
        input, head_weight, tail_weights, cutoffs, head_bias=head_bias, div_value=div_value
    )
    return module(torch.from_numpy(np.asarray(input, np.float64)), torch.from_numpy(target))


#: The losses PyTorch has only as a module, and a function of the module standing in
#: for ``F.<name>`` (tests/test_parity.py's bad-input test calls it).
MODULE_TWINS = {"adaptive_log_softmax": torch_adaptive_log_softmax}


def check_adaptive_value(args, dtype, **options):
    """``losses.adaptive_log_softmax`` equals the module's ``(output, loss)``: float64 to
    1e-12, float32 in ulps of lossbook's float64 result."""
    upcast_args = _tree(args, _upcast)
    upcast_options = _tree(options, _upcast)
    expected = torch_adaptive_log_softmax(*upcast_args, **upcast_options)
    float64 = losses.adaptive_log_softmax(*upcast_args, **upcast_options)
    for got, want in zip(float64, expected, strict=True):
        assert_close(got, want.detach().numpy())
        _same_dtype(got, np.float64)
    if np.dtype(dtype) == np.float64:
        return
    actual = losses.adaptive_log_softmax(*args, **options)
    for got, want in zip(actual, float64, strict=True):
        _same_dtype(got, dtype)
        assert_close(got, want)


def check_adaptive_gradient(args, dtype, rng, **options):
    """``gradients.adaptive_log_softmax`` equals autograd's gradients of the module's loss
    (input, head weight, each tail's two weights, head bias), for a random upstream."""
    grad_output = np.asarray(rng.uniform(0.5, 2.0), dtype)
    upcast_args = _tree(args, _upcast)
    upcast_options = _tree(options, _upcast)
    input, target = upcast_args[:2]
    module, parameters = adaptive_module(upcast_args[0], *upcast_args[2:], **upcast_options)
    x = torch.from_numpy(input.copy()).requires_grad_(True)
    loss = module(x, torch.from_numpy(target)).loss
    loss.backward(torch.tensor(float(grad_output), dtype=x.dtype))
    # A tail that no target reaches gets no gradient from autograd (None): zeros.
    expected = [x.grad.numpy()] + [
        np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy() for p in parameters
    ]
    float64 = _flat(
        gradients.adaptive_log_softmax(
            *upcast_args, grad_output=_upcast(grad_output), **upcast_options
        )
    )
    assert len(float64) == len(expected), (len(float64), len(expected))
    for got, want in zip(float64, expected, strict=True):
        _same_dtype(got, np.float64)
        assert_close(got, want, scale=_largest(want))
    if np.dtype(dtype) == np.float64:
        return
    actual = _flat(gradients.adaptive_log_softmax(*args, grad_output=grad_output, **options))
    for got, want in zip(actual, float64, strict=True):
        _same_dtype(got, dtype)
        assert_close(got, want, scale=_largest(want))


def adaptive_tails(rng, in_features, bounds, div_value, dtype):
    """One (projection, output) pair of random weights per cluster, in the module's layout."""
    tails = []
    for index in range(len(bounds) - 1):
        hidden = int(in_features // div_value ** (index + 1))
        size = bounds[index + 1] - bounds[index]
        tails.append(
            (
                rng.normal(0, 0.8, (hidden, in_features)).astype(dtype),
                rng.normal(0, 0.8, (size, hidden)).astype(dtype),
            )
        )
    return tails


def adaptive_cases(rng, dtype):
    """Several cutoffs, div_value 1, 2, 4, head bias on and off, 1-d and 2-d input. The
    batch reaches every cluster, one of them with a single sample; with cutoffs
    [2, 5, 7] and div_value 4, the last tail's hidden size is 16 // 64 = 0."""
    in_features, n_classes = 16, 10
    for cutoffs in ([2], [3, 6], [2, 5, 7]):
        bounds = [*cutoffs, n_classes]
        for div_value in (1.0, 2.0, 4.0):
            for bias in (False, True):
                for batched in (False, True):
                    head_size = cutoffs[0] + len(cutoffs)
                    head = rng.normal(0, 0.8, (head_size, in_features)).astype(dtype)
                    tails = adaptive_tails(rng, in_features, bounds, div_value, dtype)
                    options = {"div_value": div_value}
                    if bias:
                        options["head_bias"] = rng.normal(0, 1, head_size).astype(dtype)
                    if batched:
                        # Every class below the last cluster, and one sample in it.
                        target = np.concatenate(
                            [np.arange(bounds[-2] + 1), rng.integers(0, bounds[-2], 4)]
                        )
                        input = rng.normal(0, 1, (target.size, in_features))
                    else:
                        target = np.array(rng.integers(0, n_classes))
                        input = rng.normal(0, 1, in_features)
                    yield (
                        f"cutoffs={cutoffs}-div={div_value}-bias={bias}-batched={batched}",
                        (input.astype(dtype), target, head, tails, cutoffs),
                        options,
                    )
