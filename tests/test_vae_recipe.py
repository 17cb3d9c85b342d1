"""The vae and conv-vae recipes through the command line: train, evaluate, latent, sample, optimizers, errors."""
import json

import numpy as np
import pytest
from matplotlib.image import imread

from test_recipes import cli
from tinygen import backend
from tinygen.checkpoint import load_checkpoint
from tinygen.cli import main
from tinygen.commands import trained_model

QUICK = ["--limit", "128", "--no-progress"]


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "vae2"
    assert main(["train", "vae", "--epochs", "2", *QUICK, "-m", "latent_dim=2", "-m", "hidden=64",
                 "-t", "iwae_images=10", "--out", str(out)]) in (0, None)
    return out


def test_training_reports_the_elbo_terms_and_draws_the_latent_map(vae_run):
    rows = json.loads((vae_run / "metrics.json").read_text())["epochs"]
    assert {"train_loss", "train_recon", "train_kl", "val_loss", "val_recon", "val_kl"} <= set(rows[0])
    assert rows[-1]["val_loss"] < rows[0]["val_loss"]
    assert rows[0]["val_loss"] == pytest.approx(rows[0]["val_recon"] + rows[0]["val_kl"], rel=1e-5)
    for name in ["loss_curves", "reconstructions", "samples", "latent_map"]:
        assert imread(vae_run / f"{name}.png").size > 0


def test_evaluate_reports_the_issues_keys_with_the_bounds_in_order(vae_run, capsys):
    code, out, _ = cli(capsys, "evaluate", vae_run, "--json")
    metrics = json.loads(out)["metrics"]
    assert code in (0, None)
    assert {"neg_elbo", "iwae_nll_k100", "iwae_nll_k1000", "kl", "recon"} <= set(metrics)
    assert metrics["neg_elbo"] == pytest.approx(metrics["recon"] + metrics["kl"])
    assert metrics["iwae_images"] == 10
    assert metrics["iwae_nll_k1000"] < metrics["iwae_nll_k100"] < metrics["neg_elbo"] + 5


def test_latent_writes_one_map_and_sample_draws_from_the_prior(vae_run, tmp_path, capsys):
    code, out, _ = cli(capsys, "latent", vae_run, "--out", tmp_path / "map.png")
    assert code in (0, None) and imread(tmp_path / "map.png").shape[:2] == (600, 1200)
    code, _, _ = cli(capsys, "sample", vae_run, "--n", 5, "--out", tmp_path / "s.npy")
    samples = np.load(tmp_path / "s.npy")
    assert code in (0, None) and samples.shape[0] == 5 and 0 < samples.min() and samples.max() < 1


def test_conv_vae_trains_with_rmsprop(tmp_path, capsys):
    out = tmp_path / "conv"
    code, stdout, _ = cli(capsys, "train", "conv-vae", "--epochs", "1", "--limit", "64", "--no-progress",
                          "-t", "optimizer=rmsprop", "--lr", "1e-3", "--out", out)
    assert code in (0, None), stdout
    checkpoint = load_checkpoint(out / "checkpoint.npz")
    assert checkpoint.optimizer_state["optimizer"]["class"] == "RMSprop"
    assert checkpoint.config["batch_size"] == 128   # the recipe's defaults, recorded as used:
    assert checkpoint.config["model_args"] == {"latent_dim": 2, "likelihood": "bernoulli", "kl_weight": 1.0}


@pytest.mark.parametrize("argv, message", [
    (["train", "vae", "-t", "optimizer=lbfgs"], "-t optimizer='lbfgs': optimizer must be one of 'adam', 'rmsprop', 'sgd'"),
    (["train", "vae", "-m", "latent_dim=0"], "-m latent_dim=0: latent_dim must be an integer >= 1"),
    (["train", "vae", "-m", "kl_weight=-1"], "kl_weight must be a number >= 0"),
    (["train", "vae", "-t", "iwae_k=0"], "-t iwae_k=0: iwae_k must be an integer >= 1"),
    (["train", "conv-vae", "--dataset", "ring8"], "takes images"),
])
def test_bad_settings_exit_2_with_the_rule(argv, message, tmp_path, capsys):
    code, out, err = cli(capsys, *argv, *QUICK, "--epochs", "1", "--out", tmp_path / "bad")
    assert code == 2 and message in out + err


def test_latent_of_a_20d_model_exits_2(tmp_path, capsys):
    out = tmp_path / "wide"
    assert cli(capsys, "train", "vae", "--epochs", "1", "--limit", "32", "--no-progress", "-m", "hidden=8",
               "--out", out)[0] in (0, None)
    code, stdout, stderr = cli(capsys, "latent", out, "--out", tmp_path / "m.png")
    assert code == 2 and "latent_dim=20" in stdout + stderr


def test_iwae_k_sets_the_k_of_the_binarized_bound(vae_run):
    recipe, model, run = trained_model(vae_run)
    bounds = {}
    for k in (1, 1000):
        run.settings["train_args"] = recipe.training_options({**run.settings["train_args"], "iwae_k": k})
        backend.manual_seed(0)
        metrics = recipe.evaluate(model, run)
        assert metrics["nll_nats_k"] == k
        bounds[k] = metrics["nll_nats"]
    assert bounds[1000] < bounds[1] - 0.1   # more importance samples, a tighter bound on the same images
