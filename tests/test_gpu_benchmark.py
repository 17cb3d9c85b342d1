"""benchmarks/gpu.py runs (quick mode) and, without a usable GPU, says plainly that it needs one."""
import subprocess
import sys
from pathlib import Path

from tinygen import backend

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu.py"


def test_gpu_benchmark_runs_and_says_what_it_needs():
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    try:
        backend.set_backend("cupy")
        gpu_here = True
    except RuntimeError:
        gpu_here = False
    finally:
        backend.set_backend("numpy")
    assert ("THIS BENCHMARK NEEDS A GPU" in result.stdout) != gpu_here
    assert "conv layer, fwd+bwd" in result.stdout and "one epoch (s)" in result.stdout
