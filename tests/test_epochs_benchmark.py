"""benchmarks/epochs.py runs: a twin for every recipe it names, and a markdown table row for each (a smoke
test with tiny epochs; it times nothing)."""
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "epochs.py"


def test_every_model_named_gets_a_row():
    pytest.importorskip("torch")
    models = ["ae", "conv-vae", "dcgan", "wgan", "rbm", "flow-matching", "made", "realnvp"]
    result = subprocess.run([sys.executable, str(SCRIPT), "--models", ",".join(models), "--limit", "128",
                             "--epochs", "1", "--threads", "1"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "load average" in result.stdout
    rows = [line.split("|")[1].strip() for line in result.stdout.splitlines() if line.startswith("| ") and
            not line.startswith("| model")]
    assert rows == models
