"""`tinygen evaluate --json` says what each model's likelihood is: its kind and its number on one scale;
and the realnvp recipe from the command line (train, evaluate, sample, export)."""
import json

import numpy as np
import pytest

from test_recipes import cli
from tinygen.likelihood_kind import declared_likelihood
from tinygen.models import get_recipe

QUICK = ["--limit", "64", "--epochs", "1", "--no-progress"]
RUNS = {"realnvp": ["-m", "hidden=4", "-m", "couplings=1"],
        "vae": ["-m", "hidden=32", "-t", "iwae_images=5"],
        "rbm": ["-m", "n_hidden=16", "-t", "ais_runs=20", "-t", "ais_temperatures=100"],
        "ae": []}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A folder where each test trains the run it needs once (the runs take capsys, a per-test fixture)."""
    return tmp_path_factory.mktemp("runs")


def evaluated(capsys, folder, name):
    out = folder / name
    if not (out / "checkpoint.npz").exists():
        code, _, err = cli(capsys, "train", name, *QUICK, *RUNS[name], "--out", out)
        assert code in (0, None), err
    code, text, err = cli(capsys, "evaluate", out, "--json")
    assert code in (0, None), err
    return json.loads(text)


def test_realnvp_reports_exact_bits_per_dim(runs, capsys):
    report = evaluated(capsys, runs, "realnvp")
    assert report["likelihood_kind"] == "exact"
    assert report["bits_per_dim"] == report["metrics"]["bits_per_dim"]
    assert 0 < report["bits_per_dim"] < 16 and "nll_nats" not in report


def test_the_vae_reports_an_upper_bound_on_binarized_digits(runs, capsys):
    report = evaluated(capsys, runs, "vae")
    metrics = report["metrics"]
    assert report["likelihood_kind"] == "upper_bound" and report["nll_nats"] == metrics["nll_nats"]
    assert metrics["nll_nats_k"] == 1000
    # the importance-weighted bound at K = 1,000 is tighter than the ELBO of the same (binarized) images
    assert metrics["nll_nats"] < metrics["neg_elbo_binarized"] + 5
    assert metrics["nll_nats"] != pytest.approx(metrics["iwae_nll_k1000"], abs=1e-3)   # not the grey-level one


def test_the_rbm_reports_an_estimate_with_its_spread_and_a_rigorous_bound(runs, capsys):
    report = evaluated(capsys, runs, "rbm")
    metrics = report["metrics"]
    assert report["likelihood_kind"] == "estimate"
    assert report["nll_nats"] == pytest.approx(-metrics["avg_log_likelihood"])
    assert report["nll_nats_std"] == metrics["log_z_std"] >= 0
    assert report["nll_nats_lower_bound"] <= report["nll_nats"] + 1e-9


def test_a_model_without_a_likelihood_reports_none(runs, capsys):
    report = evaluated(capsys, runs, "ae")
    assert "likelihood_kind" not in report and declared_likelihood(get_recipe("ae")) is None


def test_realnvp_samples_and_exports_from_the_command_line(runs, tmp_path, capsys):
    evaluated(capsys, runs, "realnvp")
    code, _, err = cli(capsys, "sample", runs / "realnvp", "--n", 3, "--out", tmp_path / "s.npy")
    assert code in (0, None), err
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (3, 28, 28) and samples.min() >= 0 and samples.max() <= 1
    code, _, err = cli(capsys, "export", runs / "realnvp", "--out", tmp_path / "w.safetensors")
    assert code in (0, None), err
    code, _, err = cli(capsys, "train", "realnvp", "--dataset", "ring8", *QUICK, "--out", tmp_path / "r")
    assert code == 2 and "images" in err


def test_compare_puts_the_runs_on_one_table(runs, capsys):
    for name in ("realnvp", "vae", "rbm"):
        evaluated(capsys, runs, name)
    code, text, err = cli(capsys, "compare", runs / "realnvp", runs / "vae", runs / "rbm", "--samples", 20, "--json")
    assert code in (0, None), err
    rows = json.loads(text)
    assert [row["model"] for row in rows] == ["realnvp", "vae", "rbm"]
    assert [row["likelihood_kind"] for row in rows] == ["exact", "upper_bound", "estimate"]
    assert all(row["fd"] > 0 and row["parameters"] > 0 and row["train_seconds"] > 0 for row in rows)
    code, text, _ = cli(capsys, "compare", runs / "vae", runs / "rbm", "--samples", 0)
    lines = text.splitlines()
    assert lines[0].startswith("| model | likelihood | nll (nats)") and "≤ " in lines[2] and " ± " in lines[3]
    code, _, err = cli(capsys, "compare", runs / "vae", runs / "vae")
    assert code == 2 and "twice" in err


def test_every_model_with_a_likelihood_declares_its_kind():
    from tinygen.models import RECIPES
    declared = {name: declared_likelihood(recipe) for name, recipe in RECIPES.items()}
    assert {name: value["kind"] for name, value in declared.items() if value} == {
        "rbm": "estimate", "vae": "upper_bound", "conv-vae": "upper_bound", "made": "exact", "pixelcnn": "exact",
        "realnvp": "exact"}
    assert declared["realnvp"]["unit"] == "bits_per_dim" and declared["made"]["unit"] == "nats"
