"""The registry, the package and the benchmarks name the same losses."""

import re

import pytest

from benchmarks.cases import all_cases
from lossbook import gradients, losses
from registry import BY_NAME, CHAPTERS, LOSSES, MARGIN_LOSSES

BENCHMARKED = {case.name for case in all_cases()}


def test_every_torch_named_loss_has_one_entry():
    """losses.__all__ = the registry's losses, their companions and the margin losses, once."""
    names = [loss.name for loss in LOSSES]
    assert len(names) == len(set(names))
    companions = [name for loss in LOSSES for name in loss.companions]
    assert sorted(losses.__all__) == sorted(names + companions + list(MARGIN_LOSSES))


def test_every_entry_has_a_gradient():
    """gradients.__all__ = the registry's losses."""
    assert sorted(gradients.__all__) == sorted(BY_NAME)


def test_benchmarks_time_exactly_the_registry():
    """Every entry's benchmark cases exist, and every loss benchmarked has an entry."""
    named = {case for loss in LOSSES for case in loss.benchmarks}
    assert named <= BENCHMARKED, named - BENCHMARKED
    timed_losses = {
        name.split(" ")[0] for name in BENCHMARKED if not name.startswith("information.")
    }
    assert timed_losses == set(BY_NAME)
    assert {name for name in BENCHMARKED if name.split(" ")[0] in BY_NAME} == named


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.name)
def test_entry_is_complete(loss):
    """Each entry has parity cases in both dtypes, a bad-input row and a chapter."""
    assert loss.chapter in CHAPTERS
    assert loss.bad_input, f"{loss.name} has no bad-input row"
    import numpy as np

    for dtype in (np.float32, np.float64):
        assert list(loss.cases(np.random.default_rng(0), dtype)), (
            f"{loss.name} has no {dtype} case"
        )


@pytest.mark.parametrize("module", [losses, gradients], ids=lambda m: m.__name__)
def test_docstrings_name_the_deriving_chapter(module):
    """Every public function's docstring names a chapter that derives it."""
    titles = "|".join(re.escape(title) for title in CHAPTERS.values())
    for name in module.__all__:
        doc = getattr(module, name).__doc__
        assert re.search(r"[Cc]hapter \d", doc) and re.search(titles, doc), (
            f"{module.__name__}.{name}"
        )
