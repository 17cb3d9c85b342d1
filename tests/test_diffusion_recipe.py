"""The ddpm and flow-matching recipes through the command line: train, evaluate, sample, and the refusals."""
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from tinygen.cli import main
from tinygen.commands import UsageError
from tinygen.sample_command import sampling_options
from tinygen.models import get_recipe

TINY = ["--epochs", "1", "--limit", "64", "--batch-size", "32", "-m", "width=8", "-t", "fd_samples=20",
        "-t", "fd_steps=2", "-t", "eval_samples=20", "--no-progress"]


def cli(capsys, *arguments):
    code = main([str(a) for a in arguments])
    return code, capsys.readouterr()


@pytest.mark.parametrize("model, extra", [("ddpm", ["-m", "conditional=True"]), ("flow-matching", [])])
def test_train_evaluate_and_sample_through_the_command_line(model, extra, tmp_path, capsys):
    run = tmp_path / "run"
    assert cli(capsys, "train", model, *TINY, *extra, "--out", run)[0] == 0
    epochs = json.loads((run / "metrics.json").read_text())["epochs"]
    conditional = bool(extra)
    assert {"train_loss", "val_loss", "fd", "classifier_score"} <= set(epochs[0])
    assert ("class_accuracy" in epochs[0]) == conditional
    assert (run / "strip_epoch_001.png").is_file() and (run / "strip.png").is_file()

    _, output = cli(capsys, "evaluate", run, "--json")
    metrics = json.loads(output.out)["metrics"]
    assert set(metrics) == {"fd", "classifier_score"} | ({"class_accuracy"} if conditional else set())

    options = ["--label", 3, "--guidance", 2.0] if conditional else ["--sampler", "euler"]
    cli(capsys, "sample", run, "--n", 5, "--steps", 3, "--out", tmp_path / "x.npz", *options)
    saved = np.load(tmp_path / "x.npz")
    assert saved["samples"].shape == (5, 28, 28) and 0 <= saved["samples"].min() and saved["samples"].max() <= 1
    if conditional:
        assert saved["labels"].tolist() == [3] * 5
    else:
        assert "labels" not in saved


@pytest.fixture(scope="module")
def unconditional_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("ddpm") / "run"
    assert main(["train", "ddpm", *TINY, "-t", "fd_samples=0", "--out", str(run)]) == 0
    return run


@pytest.mark.parametrize("arguments, message", [
    (["--guidance", "1"], "needs a conditional model"),
    (["--label", "2"], "not conditional"),
    (["--guidance", "-1"], "needs a conditional model"),
    (["--guidance", "0"], "needs a conditional model"),
    (["--steps", "1001"], r"1 <= S <= T = 1000"),
    (["--sampler", "heun"], r"sampler must be one of \('ddpm', 'ddim'\)"),
])
def test_sampling_refusals_name_the_value_and_the_rule(unconditional_run, arguments, message, tmp_path, capsys):
    code = main(["sample", str(unconditional_run), "--n", "2", "--out", str(tmp_path / "x.png"), *arguments])
    assert code == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_recipe_without_sampling_options_refuses_them_by_name():
    args = SimpleNamespace(sampler=None, steps=10, guidance=None)
    with pytest.raises(UsageError, match="--steps: model 'dcgan' takes no such sampling option"):
        sampling_options(get_recipe("dcgan"), args)
    assert sampling_options(get_recipe("ddpm"), args) == {"steps": 10}


def test_an_image_size_the_unet_cannot_halve_twice_is_refused_at_build():
    with pytest.raises(ValueError, match="cannot be halved 2 times"):
        get_recipe("ddpm").model((1, 30, 30), width=8)


def test_negative_guidance_on_a_conditional_model_names_the_rule():
    recipe = get_recipe("flow-matching")
    model = recipe.model((1, 28, 28), width=8, conditional=True)
    with pytest.raises(ValueError, match="guidance w must be >= 0"):
        recipe.sample(model, None, 2, np.array([1, 2]), steps=1, guidance=-0.5)
