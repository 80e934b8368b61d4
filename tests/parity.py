"""Run a lossbook loss and its torch.nn.functional twin on the same data, and compare.

The parity cases of tests/test_losses.py (values) and tests/test_gradients.py
(gradients) share this module, so a case is written once and checked twice.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import gradients, losses

# float64 must agree to 1e-12 relative (the package's promise); the absolute
# floor only matters for terms that are exactly 0 in one library and 1e-17 in
# the other. float32 agrees to a few units in the last place of float32.
TOLERANCES = {
    np.float64: {"rtol": 1e-12, "atol": 1e-14},
    np.float32: {"rtol": 2e-6, "atol": 2e-6},
}

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


def torch_run(name, input, target, options, grad_output=None):
    """The value of ``F.<name>`` and, when ``grad_output`` is given, its gradient by autograd."""
    tensor_input = _to_torch(input).requires_grad_(grad_output is not None)
    torch_options = {
        key: _to_torch(value) if key in _TENSOR_OPTIONS and value is not None else value
        for key, value in options.items()
    }
    value = getattr(F, name)(tensor_input, _to_torch(target), **torch_options)
    if grad_output is None:
        return value.detach().numpy(), None
    value.backward(_to_torch(grad_output).to(value.dtype))
    return value.detach().numpy(), tensor_input.grad.numpy()


def assert_close(actual, expected, dtype):
    """Same dtype, same shape, same numbers (NaN matching NaN) within the dtype's tolerance."""
    actual = np.asarray(actual)
    assert actual.dtype == np.asarray(expected).dtype, (actual.dtype, np.asarray(expected).dtype)
    assert actual.shape == np.shape(expected), (actual.shape, np.shape(expected))
    np.testing.assert_allclose(actual, expected, **TOLERANCES[dtype])


def check_value(name, input, target, dtype, **options):
    """``losses.<name>`` equals ``F.<name>`` on the same arguments."""
    expected, _ = torch_run(name, input, target, options)
    assert_close(getattr(losses, name)(input, target, **options), expected, dtype)


def check_gradient(name, input, target, dtype, rng, **options):
    """``gradients.<name>`` equals autograd's gradient of ``F.<name>`` for a random upstream gradient."""
    value, _ = torch_run(name, input, target, options)
    grad_output = rng.uniform(0.5, 2.0, size=np.shape(value)).astype(dtype)
    _, expected = torch_run(name, input, target, options, grad_output=grad_output)
    actual = getattr(gradients, name)(input, target, grad_output=grad_output, **options)
    assert_close(actual, expected, dtype)


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
                    options = {"reduction": reduction, "weight": _bce_weight(rng, weight, shape, dtype)}
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
        target.flat[:: 2] = ignore_index
    return target


def _classification_cases(rng, dtype, *, name):
    for shape_id, shape in SHAPES.items():
        classes = shape[0] if len(shape) == 1 else shape[1]
        for reduction in REDUCTIONS:
            for weighted in (False, True):
                for target_kind in ("index", "index-ignored", "probabilities") if name == "cross_entropy" else (
                    "index",
                    "index-ignored",
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
                            input = (logits - np.log(np.exp(logits).sum(axis=axis, keepdims=True))).astype(dtype)
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
                yield f"{shape_id}-{reduction}-log_target={log_target}", log_q.astype(dtype), target.astype(dtype), options


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
    "smooth_l1_loss": lambda rng, dtype: _regression_cases(rng, dtype, option_name="beta", option_values=(0.0, 0.5, 1.0, 2.0)),
    "huber_loss": lambda rng, dtype: _regression_cases(
        rng, dtype, option_name="delta", option_values=(0.5, 1.0, 2.0), weighted=True
    ),
    "binary_cross_entropy": lambda rng, dtype: _bce_cases(rng, dtype, logits=False),
    "binary_cross_entropy_with_logits": lambda rng, dtype: _bce_cases(rng, dtype, logits=True),
    "nll_loss": lambda rng, dtype: _classification_cases(rng, dtype, name="nll_loss"),
    "cross_entropy": lambda rng, dtype: _classification_cases(rng, dtype, name="cross_entropy"),
    "kl_div": _kl_cases,
    "soft_margin_loss": lambda rng, dtype: _soft_margin_cases(rng, dtype, multilabel=False),
    "multilabel_soft_margin_loss": lambda rng, dtype: _soft_margin_cases(rng, dtype, multilabel=True),
}


def cases(name):
    """The parity cases of one loss, as pytest parameters ``(input, target, dtype, options)``."""
    params = []
    for dtype in DTYPES:
        rng = np.random.default_rng(20261123)
        for case_id, input, target, options in CASE_MAKERS[name](rng, dtype):
            params.append(pytest.param(input, target, dtype, options, id=f"{np.dtype(dtype).name}-{case_id}"))
    return params
