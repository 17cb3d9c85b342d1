"""The backend: one place imports numpy/cupy, switching is explicit, randomness repeats."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygen as tg
from tinygen import backend

PACKAGE = Path(tg.__file__).parent
# These touch host arrays only (files, pictures, the command line), so they may use numpy directly.
# Everything else, the course's exercise checks included, takes host numpy through tinygen.backend.
HOST_ONLY = {"backend.py", "data", "plot.py", "checkpoint.py", "cli.py"}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_only_the_backend_imports_numpy_or_cupy():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in HOST_ONLY or relative.as_posix() in HOST_ONLY:
            continue
        found = set(imported_modules(path)) & {"numpy", "cupy", "cupyx"}
        if found:
            offenders.append(f"{path.relative_to(PACKAGE)} imports {sorted(found)}")
    assert not offenders, "kernels must go through tinygen.backend.xp: " + "; ".join(offenders)


def test_the_import_check_sees_an_import(tmp_path):
    planted = tmp_path / "kernel.py"
    planted.write_text("import numpy as np\nfrom cupy import zeros\n")
    assert set(imported_modules(planted)) == {"numpy", "cupy"}


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match=r"backend must be one of \('numpy', 'cupy'\), got 'torch'"):
        tg.set_backend("torch")
    assert tg.get_backend() == "numpy"


def test_cupy_without_a_gpu_says_so():
    try:
        import cupy
    except ImportError:
        missing = "cupy package, which is not installed"
    else:  # cupy imports without a GPU (CI installs it for the namespace check): then the GPU is what is missing
        try:
            if cupy.cuda.runtime.getDeviceCount() > 0:
                pytest.skip("a GPU is here")
        except Exception:
            pass
        missing = "found no (usable )?GPU"
    with pytest.raises(RuntimeError, match=missing):
        tg.set_backend("cupy")
    assert tg.get_backend() == "numpy"


def test_environment_variable_selects_the_backend():
    env = dict(os.environ, TINYGEN_BACKEND="numpy")
    out = subprocess.run([sys.executable, "-c", "import tinygen as tg; print(tg.get_backend())"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "numpy"
    env["TINYGEN_BACKEND"] = "tpu"
    bad = subprocess.run([sys.executable, "-c", "import tinygen"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "backend must be one of" in bad.stderr


def test_numpy_method_returns_a_host_array():
    t = tg.randn(2, 3)
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().shape == (2, 3)
    assert backend.to_numpy(t.data) is t.data


def test_manual_seed_repeats_every_draw():
    tg.manual_seed(7)
    first = [tg.randn(3).numpy(), tg.rand(2, 2).numpy()]
    tg.manual_seed(7)
    second = [tg.randn(3).numpy(), tg.rand(2, 2).numpy()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(8)
    assert not np.array_equal(tg.randn(3).numpy(), first[0])


def test_rng_state_round_trip():
    tg.manual_seed(3)
    state = backend.get_rng_state()
    expected = tg.randn(4).numpy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(tg.randn(4).numpy(), expected)


def test_creation_helpers():
    assert tg.zeros(2, 3).dtype == np.float32 and tg.ones((2,)).numpy().tolist() == [1.0, 1.0]
    x = tg.tensor(np.zeros((2, 2), dtype=np.float64))
    assert tg.ones_like(x).dtype == np.float64 and tg.randn_like(x).shape == (2, 2)
    u = tg.rand(1000).numpy()
    assert 0.0 <= u.min() and u.max() < 1.0
    assert tg.full((2,), 3.5).numpy().tolist() == [3.5, 3.5]
