"""Fixtures and the Hypothesis profile shared by every test module."""

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Every property runs a fixed number of examples, derandomised, so that CI
# sees the same inputs every run and the suite stays within seconds.
settings.register_profile(
    "lossbook",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("lossbook")


@pytest.fixture
def rng():
    """A generator seeded the same way for every test."""
    return np.random.default_rng(20261123)
