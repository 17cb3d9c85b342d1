"""Hypothesis profiles: 'ci' (selected by CI=true) draws more examples and never times out."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygen as tg

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(autouse=True)
def _numpy_backend_and_seed():
    """Every test starts on the numpy backend with the same seed."""
    tg.set_backend("numpy")
    tg.manual_seed(0)
    np.random.seed(0)
    yield
