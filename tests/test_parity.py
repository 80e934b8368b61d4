"""Every loss of tests/registry.py against torch.nn.functional: value, gradient and bad input."""

import warnings
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossbook import gradients, losses
from lossbook.testing import assert_close
from parity import MODULE_TWINS, check_args_gradient, check_args_value
from registry import LOSSES, bad_input_rows, parity_cases


@pytest.mark.parametrize("loss, args, dtype, options", parity_cases())
def test_value(loss, args, dtype, options):
    """losses.<name> equals F.<name> for the case."""
    check_args_value(
        loss.name,
        args,
        dtype,
        cancels=loss.cancels,
        float32_scale=loss.float32_scale,
        **options,
    )


@pytest.mark.parametrize("loss, args, dtype, options", parity_cases())
def test_gradient(loss, args, dtype, options):
    """gradients.<name> equals autograd's gradients of F.<name> for the case."""
    # crc32, not hash(): str hashes change from one process to the next.
    rng = np.random.default_rng(zlib.crc32(repr(options).encode()))
    check_args_gradient(
        loss.name,
        args,
        dtype,
        rng,
        differentiable=loss.differentiable,
        float32_scale=loss.float32_scale,
        through=loss.through,
        condition=loss.condition,
        **options,
    )


EXACT = [
    pytest.param(loss, dtype, id=f"{loss.name}-{np.dtype(dtype).name}")
    for loss in LOSSES
    if loss.exact is not None
    for dtype in (np.float32, np.float64)
]


@pytest.mark.parametrize("loss, dtype", EXACT)
def test_value_in_exact_arithmetic(loss, dtype):
    """Where PyTorch's float64 rounds the answer away, the value matches 50-digit arithmetic."""
    input, target = loss.exact_cases(dtype)
    actual = getattr(losses, loss.name)(input, target, reduction="none")
    assert_close(actual, loss.exact(input, target))


def _torch_call(name, args, options):
    if name in MODULE_TWINS:  # a loss PyTorch has only as a module
        return MODULE_TWINS[name](*args, **options)
    tensors = [torch.from_numpy(np.asarray(a)) for a in args]
    options = {
        k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in options.items()
    }
    return getattr(F, name)(*tensors, **options)


@pytest.mark.parametrize("name, args, options, torch_error, message", bad_input_rows())
def test_bad_input_raises_like_torch(name, args, options, torch_error, message):
    """lossbook raises PyTorch's exception type, with a message naming the value or shape."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if torch_error is None:
            _torch_call(name, args, options)  # PyTorch accepts it: a documented difference
        else:
            with pytest.raises(torch_error):
                _torch_call(name, args, options)
    with pytest.raises(torch_error or ValueError, match=message):
        getattr(losses, name)(*args, **options)


@pytest.mark.parametrize("name, args, options, torch_error, message", bad_input_rows())
def test_bad_input_gradient_raises_the_same(name, args, options, torch_error, message):
    """The gradient function refuses the same input with the same message."""
    with pytest.raises(torch_error or ValueError, match=message):
        getattr(gradients, name)(*args, **options)
