"""Hypothesis profiles: 'ci' (selected by CI=true) draws more examples and never times out."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygen as tg

import devicelike

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


def pytest_addoption(parser):
    parser.addoption("--devicelike", action="store_true",
                     help="start every test on the device-like backend (tests/devicelike.py) instead of numpy")


@pytest.fixture(autouse=True)
def _numpy_backend_and_seed(request):
    """Every test starts on the numpy backend (or, with --devicelike, the device-like one) with the same seed."""
    if request.config.getoption("--devicelike"):
        devicelike.install()
        tg.set_backend("cupy")
    else:
        tg.set_backend("numpy")
    tg.manual_seed(0)
    np.random.seed(0)
    yield
