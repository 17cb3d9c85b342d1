"""The command line: a real training run end to end, resume, Ctrl-C, NaN, every --help, and bad input (exit 2)."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import imread

from tinygen.checkpoint import load_checkpoint
from tinygen.cli import main
from tinygen.models import Autoencoder

QUICK = ["--limit", "96", "--batch-size", "32", "--no-progress"]  # 3 batches an epoch
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_main(argv):
    """The exit code of main(argv), run in this process."""
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    return code


def cli(capsys, *argv):
    """(exit code, stdout, stderr) of `tinygen *argv`, run in this process."""
    code = run_main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """`python -m tinygen train ae` as a user types it (a subprocess), with a 2-D code."""
    out = tmp_path_factory.mktemp("run") / "ae2"
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", "tinygen", "train", "ae", "--epochs", "2", *QUICK,
                             "-m", "code_size=2", "--out", str(out)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_train_writes_checkpoint_metrics_and_figures(trained_run):
    out, stdout = trained_run
    assert "epoch 2/2" in stdout and str(out / "checkpoint.npz") in stdout
    checkpoint = load_checkpoint(out / "checkpoint.npz", model=Autoencoder(code_size=2), expected_model="ae")
    assert checkpoint.epoch == 2
    assert checkpoint.config["model_args"] == {"code_size": 2, "num_layers": 1, "nodes_per_layer": 128, "loss": "bce"}
    assert checkpoint.config["dataset"] == "mnist-5k" and checkpoint.config["limit"] == 96
    metrics = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["epochs"]] == [1, 2] and len(metrics["batches"]["loss"]) == 6
    assert (out / "metrics.csv").read_text().splitlines()[0] == "epoch,train_loss,val_loss,seconds"
    for name in ["loss_curves", "reconstructions", "samples", "latent_scatter", "latent_manifold"]:
        path = out / f"{name}.png"
        assert path.read_bytes()[:8] == PNG_MAGIC, name
        assert imread(path).std() > 0.01, f"{name}.png is blank"


def test_a_larger_code_gets_no_latent_plots(tmp_path, capsys):
    code, out, _ = cli(capsys, "train", "ae", "--epochs", "1", *QUICK, "--out", tmp_path)
    assert code == 0
    assert {p.name for p in tmp_path.glob("*.png")} == {"loss_curves.png", "reconstructions.png", "samples.png"}


def test_resume_through_the_cli_equals_a_straight_run(tmp_path, capsys):
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    assert cli(capsys, "train", "ae", "--epochs", "3", *QUICK, "--seed", "4", "--out", straight)[0] == 0
    assert cli(capsys, "train", "ae", "--epochs", "1", *QUICK, "--seed", "4", "--out", stopped)[0] == 0
    code, out, _ = cli(capsys, "train", "ae", "--epochs", "3", "--resume", "--no-progress", "--out", stopped)
    assert code == 0 and "epoch 2/3" in out and "epoch 1/3" not in out
    a, b = load_checkpoint(straight / "checkpoint.npz"), load_checkpoint(stopped / "checkpoint.npz")
    for name in a.model_state:
        np.testing.assert_array_equal(a.model_state[name], b.model_state[name], err_msg=name)


def fail_at(monkeypatch, call, error):
    """Make Autoencoder.loss raise ``error`` on its ``call``-th training call."""
    original, calls = Autoencoder.loss, []

    def loss(self, x):
        if self.training:
            calls.append(1)
            if len(calls) == call:
                raise error
        return original(self, x)
    monkeypatch.setattr(Autoencoder, "loss", loss)


def test_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    fail_at(monkeypatch, 5, KeyboardInterrupt())  # epoch 2, batch 2
    code, _, err = cli(capsys, "train", "ae", "--epochs", "3", *QUICK, "--out", tmp_path)
    assert code == 130 and "--resume" in err
    saved = load_checkpoint(tmp_path / "checkpoint.npz")
    assert (saved.epoch, saved.extra["position"]["batch"]) == (1, 1)
    monkeypatch.undo()
    assert cli(capsys, "train", "ae", "--epochs", "3", "--resume", "--no-progress", "--out", tmp_path)[0] == 0
    assert load_checkpoint(tmp_path / "checkpoint.npz").epoch == 3


def test_a_nan_loss_exits_1_naming_epoch_and_batch(tmp_path, capsys, monkeypatch):
    original = Autoencoder.loss
    monkeypatch.setattr(Autoencoder, "loss", lambda self, x: original(self, x) * float("nan"))
    code, _, err = cli(capsys, "train", "ae", "--epochs", "2", *QUICK, "--out", tmp_path)
    assert code == 1 and "loss became nan at epoch 1, batch 1 of 3" in err


def test_sample_writes_a_grid_of_n_images(trained_run, tmp_path, capsys):
    target = tmp_path / "grid.png"
    code, out, _ = cli(capsys, "sample", trained_run[0], "--n", "16", "--out", target)
    assert code == 0 and f"wrote 16 samples of shape (28, 28) to {target}" in out
    # 16 images in 8 columns: 2 rows of 28 px cells with 1 px gaps, magnified 3x, plus the title strip
    height, width = imread(target).shape[:2]
    assert width == (8 * 29 + 1) * 3 and height > (2 * 29 + 1) * 3


def test_reconstruct_prints_the_error_and_writes_a_png(trained_run, tmp_path, capsys):
    target = tmp_path / "recon.png"
    code, out, _ = cli(capsys, "reconstruct", trained_run[0] / "checkpoint.npz", "--n", "6", "--out", target)
    assert code == 0 and "mean squared error per pixel on the first 6 test images of mnist-5k" in out
    error = float(out.split("mnist-5k: ")[1].split()[0])
    assert 0 < error < 0.2
    assert target.read_bytes()[:8] == PNG_MAGIC


def test_datasets_and_lessons_list_what_is_there(capsys):
    code, out, _ = cli(capsys, "datasets")
    assert code == 0 and any(line.split()[:2] == ["mnist-5k", "available"] for line in out.splitlines())
    code, out, _ = cli(capsys, "lessons")
    assert code == 0
    assert any(line.startswith("01_autograd") and "Autograd" in line for line in out.splitlines())


@pytest.mark.parametrize("command", [[], ["train"], ["sample"], ["reconstruct"], ["datasets"], ["lessons"]])
def test_every_command_has_help(command, capsys):
    code, out, _ = cli(capsys, *command, "--help")
    assert code == 0 and out.startswith(f"usage: tinygen {' '.join(command)}".rstrip())


def test_sample_help_says_a_plain_autoencoder_is_not_generative(capsys):
    _, out, _ = cli(capsys, "sample", "--help")
    assert "is NOT a generative model" in " ".join(out.split())


BAD_INPUT = {
    "unknown model": (["train", "vea"], "invalid choice: 'vea' \\(choose from 'ae'(, '[a-z0-9-]+')*\\)"),
    "unknown dataset": (["train", "ae", "--dataset", "mnist-6k"], "unknown dataset 'mnist-6k'; choose one of"),
    "missing data dir": (["train", "ae", "--data-dir", "{tmp}/absent"], "is not a folder; give the folder"),
    "zero epochs": (["train", "ae", "--epochs", "0"], "--epochs: must be a positive integer, got 0"),
    "negative lr": (["train", "ae", "--lr", "-1"], "--lr: must be a positive number, got -1"),
    "text batch size": (["train", "ae", "--batch-size", "big"], "--batch-size: must be an integer, got 'big'"),
    "bad model arg": (["train", "ae", "-m", "code_size"], "must look like KEY=VALUE"),
    "unknown model arg": (["train", "ae", "-m", "size=2"], "-m size: no such setting; this model takes: code_size=32, num_layers"),
    "bad model value": (["train", "ae", "-m", "code_size=0"], "-m code_size=0: code_size must be an integer >= 1"),
    "too big a code": (["train", "ae", "-m", "code_size=784"], "code_size must be an integer in \\[1, 783\\]"),
    "text for a number": (["train", "gan", "-m", "label_smoothing=abc"],
                          "-m label_smoothing='abc': label_smoothing must be a number >= 0 and < 1"),
    "unknown training arg": (["train", "gan", "-t", "momentum=0.5"], "-t momentum: no such setting; this model takes: lr_d=None"),
    "resume with nothing": (["train", "ae", "--resume"], "no checkpoint at .*start the run without --resume"),
    "missing checkpoint": (["sample", "{tmp}/none.npz"], "no checkpoint at .*none.npz; train one first"),
    "reconstruct missing": (["reconstruct", "{tmp}"], "no checkpoint at .*checkpoint.npz; train one first"),
    "unknown backend": (["train", "ae", "--backend", "jax"], "invalid choice: 'jax'"),
    "no command": ([], "the following arguments are required: COMMAND"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_a_message(case, tmp_path, capsys):
    argv, message = BAD_INPUT[case]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if argv[:1] == ["train"]:
        argv += ["--out", str(tmp_path / "run")]
    code, out, err = cli(capsys, *argv)
    assert code == 2, err
    assert re.search(message, err), err
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


def test_a_run_folder_is_not_overwritten_by_accident(trained_run, capsys):
    code, _, err = cli(capsys, "train", "ae", "--out", trained_run[0])
    assert code == 2 and "already holds a run" in err and "--resume" in err and "--overwrite" in err


def test_resume_refuses_changed_settings(trained_run, capsys):
    code, _, err = cli(capsys, "train", "ae", "--resume", "--lr", "0.5", "--out", trained_run[0])
    assert code == 2 and "lr was 0.001, the command line says 0.5" in err


def test_a_corrupted_checkpoint_exits_2(tmp_path, trained_run, capsys):
    broken = tmp_path / "broken.npz"
    data = (trained_run[0] / "checkpoint.npz").read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    code, _, err = cli(capsys, "sample", broken)
    assert code == 2 and "truncated or corrupted" in err
