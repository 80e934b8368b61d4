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


# `make test` runs pytest-xdist with --dist loadgroup. Each notebook's cells
# share one kernel and each module's fixtures are built once per worker, so a
# file stays on one worker, except the files below: their tests are
# independent and long enough that spreading them over both cores pays for a
# second browser or a second import.
SPREAD_OVER_WORKERS = {"test_browser.py", "test_parity.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name not in SPREAD_OVER_WORKERS:
            item.add_marker(pytest.mark.xdist_group(str(item.path)))
