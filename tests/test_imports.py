"""Every package and every metric module imports first in a fresh interpreter: the models and the metrics
import each other, and an import cycle shows only when a script imports one of them before the other."""
import subprocess
import sys
from pathlib import Path

import pytest

import tinygen

PACKAGE = Path(tinygen.__file__).parent
FIRST_IMPORTS = ["tinygen", "tinygen.cli", "tinygen.models", "tinygen.metrics", "tinygen.course",
                 "tinygen.models.rbm.model", "tinygen.models.vae.recipe", "tinygen.models.autoencoders.variants"] + sorted(
    f"tinygen.metrics.{path.stem}" for path in (PACKAGE / "metrics").glob("*.py") if path.stem != "__init__")


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_the_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
