"""No traceback reaches a user: every failure of the command line and of the package's `python -m` entry
points is one line with exit code 2 (usage), 1 (runtime) or 130 (Ctrl-C); TINYGEN_DEBUG=1 shows the
traceback. Contradictory flags are refused; a diverged run exits 1; NaN samples and metrics are refused."""
import dataclasses
import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygen import commands
from tinygen.checkpoint import load_checkpoint
from cli_run import cli
from tinygen.cli import main
from tinygen.console import describe
from tinygen.models import RECIPES
from tinygen.progress import Progress, heartbeat

QUICK = ["--limit", "32", "--batch-size", "32", "--no-progress"]  # 1 batch an epoch
REPOSITORY = Path(__file__).resolve().parent.parent


def one_line(err):
    return len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def ae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "ae"
    assert main(["train", "ae", "--epochs", "1", *QUICK, "-m", "code_size=2", "--out", str(out)]) == 0
    return out


def python_m(module, *argv, **env):
    """(exit code, stderr) of `python -m module *argv` in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-m", module, *argv], capture_output=True, text=True, timeout=300,
                            cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": str(REPOSITORY), **env})
    return result.returncode, result.stderr


# --- environments: missing packages, data and disks ---------------------------------------------------------
def test_a_missing_cupy_is_one_line_with_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # as where it is not installed
    code, _, err = cli(capsys, "train", "ae", "--backend", "cupy", *QUICK, "--out", tmp_path / "run")
    assert code == 2 and one_line(err) and "--backend cupy: backend 'cupy' needs the cupy package" in err


def test_sample_below_a_file_is_one_line(ae_run, tmp_path, capsys):
    (tmp_path / "file").write_text("in the way")
    code, _, err = cli(capsys, "sample", ae_run, "--out", tmp_path / "file" / "grid.png")
    assert code == 2 and one_line(err) and "file" in err


def test_export_to_a_full_disk_exits_1_saying_so(ae_run, tmp_path, capsys, monkeypatch):
    safetensors = pytest.importorskip("safetensors.numpy")

    def full_disk(tensors, path, metadata=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
    monkeypatch.setattr(safetensors, "save_file", full_disk)
    code, _, err = cli(capsys, "export", ae_run, "--out", tmp_path / "ae.safetensors")
    assert code == 1 and one_line(err) and "ae.safetensors: No space left on device" in err


def test_export_below_a_file_exits_2(ae_run, tmp_path, capsys):
    pytest.importorskip("safetensors")
    (tmp_path / "file").write_text("in the way")
    code, _, err = cli(capsys, "export", ae_run, "--out", tmp_path / "file" / "ae.safetensors")
    assert code == 2 and one_line(err)


def test_a_missing_optional_package_says_how_to_install_it():
    code, message = describe(ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib"))
    assert code == 2 and "pip install -e '.[plot]'" in message


def test_an_unexpected_error_is_one_line_with_exit_1(ae_run, capsys, monkeypatch):
    def broken(model, run):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setitem(RECIPES, "ae", dataclasses.replace(RECIPES["ae"], evaluate=broken))
    code, _, err = cli(capsys, "evaluate", ae_run)
    assert code == 1 and one_line(err) and "internal error: ZeroDivisionError: division by zero" in err
    assert "TINYGEN_DEBUG=1" in err


def test_calibration_without_its_data_is_one_line_and_debug_shows_the_traceback(tmp_path):
    env = {"TINYGEN_OFFLINE": "1", "TINYGEN_DATA": str(tmp_path), "HOME": str(tmp_path)}
    code, err = python_m("tinygen.metrics.calibration", "--dataset", "mnist", **env)
    assert code == 2 and one_line(err) and "Traceback" not in err and "dataset 'mnist' needs the IDX files" in err
    code, err = python_m("tinygen.metrics.calibration", "--dataset", "mnist", TINYGEN_DEBUG="1", **env)
    assert code == 2 and "Traceback" in err


# --- Ctrl-C --------------------------------------------------------------------------------------------------
def test_ctrl_c_before_training_began_says_nothing_was_saved(tmp_path, capsys, monkeypatch):
    def interrupted(recipe, settings):
        raise KeyboardInterrupt
    monkeypatch.setattr(commands, "build_model", interrupted)
    code, _, err = cli(capsys, "train", "ae", *QUICK, "--out", tmp_path)
    assert code == 130 and "nothing was saved" in err and "--resume" not in err
    assert not (tmp_path / "checkpoint.npz").exists()


def test_ctrl_c_before_a_resumed_run_began_says_the_checkpoint_is_unchanged(ae_run, capsys, monkeypatch):
    before = (ae_run / "checkpoint.npz").read_bytes()
    monkeypatch.setattr(commands, "build_model", lambda recipe, settings: (_ for _ in ()).throw(KeyboardInterrupt))
    code, _, err = cli(capsys, "train", "ae", "--resume", "--epochs", "2", "--out", ae_run)
    assert code == 130 and "is as it was" in err and (ae_run / "checkpoint.npz").read_bytes() == before


# --- contradictory or empty requests -------------------------------------------------------------------------
def test_resume_with_overwrite_is_refused(ae_run, capsys):
    code, _, err = cli(capsys, "train", "ae", "--resume", "--overwrite", "--out", ae_run)
    assert code == 2 and "give one of them" in err


@pytest.mark.parametrize("epochs", [["--epochs", "1"], []])
def test_resume_with_nothing_left_to_do_is_refused(ae_run, capsys, epochs):
    code, _, err = cli(capsys, "train", "ae", "--resume", *epochs, "--out", ae_run)
    assert code == 2 and "has done 1 epochs already" in err and "give --epochs 2 or more" in err


def test_datasets_refuses_a_data_dir_that_is_not_there(tmp_path, capsys):
    code, _, err = cli(capsys, "datasets", "--data-dir", tmp_path / "absent")
    assert code == 2 and "is not a folder" in err


def test_the_autoencoders_latent_maps_refuse_a_png_name(ae_run, tmp_path, capsys):
    code, _, err = cli(capsys, "latent", ae_run, "--out", tmp_path / "x.png")
    assert code == 2 and "two pictures, written into a folder" in err and not (tmp_path / "x.png").exists()


# --- NaN ---------------------------------------------------------------------------------------------------
def test_a_huge_learning_rate_exits_1_and_leaves_no_nan_checkpoint(tmp_path, capsys):
    code, _, err = cli(capsys, "train", "ae", "--lr", "1e300", "--epochs", "2", *QUICK, "--out", tmp_path)
    assert code == 1 and one_line(err) and "at epoch 1, batch 1 of 1" in err and "lower learning rate" in err
    assert not (tmp_path / "checkpoint.npz").exists()


def test_sample_and_evaluate_refuse_outputs_that_are_not_finite(ae_run, tmp_path, capsys, monkeypatch):
    nan_samples = lambda model, run, n, labels: np.full((n, 1, 28, 28), np.nan, np.float32)
    nan_metrics = lambda model, run: {"mse": 0.1, "bce": float("nan")}
    monkeypatch.setitem(RECIPES, "ae", dataclasses.replace(RECIPES["ae"], sample=nan_samples, evaluate=nan_metrics))
    code, _, err = cli(capsys, "sample", ae_run, "--n", "4", "--out", tmp_path / "s.npy")
    assert code == 1 and "the samples of ae: samples holds nan" in err and not (tmp_path / "s.npy").exists()
    code, out, err = cli(capsys, "evaluate", ae_run, "--json")
    assert code == 1 and "bce became nan" in err and out == ""


def test_a_checkpoint_holding_nan_is_refused_by_sample(ae_run, tmp_path, capsys, monkeypatch):
    from tinygen import checkpoint as checkpoint_module
    from tinygen.checkpoint import save_checkpoint
    from tinygen.models import Autoencoder
    saved = load_checkpoint(ae_run / "checkpoint.npz")
    model = Autoencoder(code_size=2)
    model.load_state_dict(saved.model_state)
    model.decoder[0].weight.data[...] = np.nan
    monkeypatch.setattr(checkpoint_module, "_refuse_not_finite", lambda arrays, why: None)
    save_checkpoint(tmp_path / "checkpoint.npz", model, config=saved.config)
    monkeypatch.undo()
    code, _, err = cli(capsys, "sample", tmp_path, "--out", tmp_path / "s.npy")
    assert code == 1 and "model/decoder.0.weight became nan" in err and "lower learning rate" in err


# --- signs of life ---------------------------------------------------------------------------------------------
def test_off_a_terminal_a_long_loop_prints_where_it_is_and_what_is_left(capsys):
    progress = Progress(4, "epoch 1/3", later=8, wanted=None, every=0)
    for _ in range(3):
        progress.update({"loss": 0.5})
    progress.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3: batch 1/4, 0 s elapsed, about 0 s left (")
    assert lines[2].startswith("epoch 1/3: batch 3/4")


def test_a_heartbeat_says_the_work_goes_on(capsys):
    import time
    with heartbeat("evaluate", every=0.02):
        time.sleep(0.1)
    assert "evaluate: working, 0 s elapsed" in capsys.readouterr().err


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.35, 0.6])
def test_a_ctrl_c_while_the_command_line_starts_is_one_line_and_exit_130(delay, tmp_path):
    """Early Ctrl-Cs: while Python imports tinygen and NumPy, then inside the run. Whenever it lands after
    Python has begun on tinygen's code, the answer is one line and 130 (an interrupt inside the
    interpreter's own start-up, before any tinygen code, is beyond the package's reach)."""
    import signal
    import time
    root = Path(__file__).resolve().parent.parent
    # 30 epochs: still running at the last delay on a fast machine (one epoch of 64 images ends before 0.8 s)
    process = subprocess.Popen([sys.executable, "-m", "tinygen", "train", "ae", "--epochs", "30", "--limit", "64",
                                "--no-progress", "--out", str(tmp_path / "run")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)})
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    if "Traceback" in err:
        assert "tinygen" not in err.split("Traceback", 1)[1], err   # no traceback through tinygen's code
        return
    assert process.returncode == 130, err
    assert err.strip().count("\n") == 0 and err.startswith("tinygen"), err
