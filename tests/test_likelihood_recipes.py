"""The made and pixelcnn recipes: a short run through the command line, evaluate's exact NLL (what
log_prob gives the binarized test images), the fd where asked, samples of 0s and 1s, the settings."""
import json

import numpy as np
import pytest

import tinygen as tg
from cli_run import cli
from tinygen.data.transforms import binarize
from tinygen.models import RECIPES, RunData
from tinygen.models.made import recipe as made_recipe
from tinygen.models.pixelcnn import recipe as pixelcnn_recipe

SMALL = {"made": {"hidden": 32}, "pixelcnn": {"channels": 4, "blocks": 1, "first_kernel": 3}}


def run_data(name, limit, **train_args):
    recipe = RECIPES[name]
    settings = {"dataset": "mnist-5k", "limit": limit, "data_shape": [1, 28, 28], "seed": 0, "lr": 1e-3,
                "model_args": SMALL[name], "train_args": recipe.training_options(train_args)}
    return RunData(settings)


def test_train_made_for_one_epoch_on_64_digits_then_evaluate_as_json(tmp_path, capsys):
    out = tmp_path / "made"
    code, stdout, err = cli(capsys, "train", "made", "--epochs", 1, "--limit", 64, "--no-progress", "--out", out)
    assert code == 0, err
    assert (out / "samples.png").is_file()
    code, stdout, err = cli(capsys, "evaluate", out, "--json")
    assert code == 0, err
    metrics = json.loads(stdout)["metrics"]
    # one epoch of 64 digits moves a 784-pixel model only part of the way below the uniform model's 784 log 2
    assert 200 < metrics["nll_nats"] < 784 * np.log(2)
    assert "fd" not in metrics                     # 64 test images: too few samples for a 64-d covariance


@pytest.mark.parametrize("name", ["made", "pixelcnn"])
def test_evaluate_reports_the_mean_exact_nll_of_the_binarized_test_images(name):
    recipe, run = RECIPES[name], run_data(name, limit=20)
    tg.manual_seed(0)
    model = recipe.model((1, 28, 28), **SMALL[name])
    metrics = recipe.evaluate(model, run)
    nll = -model.log_prob(tg.tensor(binarize(run.test.images))).numpy()
    assert metrics["nll_nats"] == pytest.approx(nll.mean(), rel=1e-5)
    assert metrics["nll_nats_se"] == pytest.approx(nll.std(ddof=1) / np.sqrt(20), rel=1e-4)
    assert "fd" not in metrics                     # 20 test images: too few for the fd


@pytest.mark.parametrize("name, fd_samples", [("made", None), ("pixelcnn", 128)])
def test_the_fd_takes_as_many_samples_as_test_images_or_as_asked(name, fd_samples, monkeypatch):
    recipe, run = RECIPES[name], run_data(name, limit=128, fd_samples=fd_samples)
    tg.manual_seed(0)
    model = recipe.model((1, 28, 28), **SMALL[name])
    drawn = []
    monkeypatch.setattr(model, "sample", lambda n, draw=model.sample: drawn.append(n) or draw(n))
    metrics = recipe.evaluate(model, run)
    assert drawn == [128] and np.isfinite(metrics["fd"]) and metrics["fd"] > 0


def test_too_few_samples_for_the_fd_are_refused_by_name():
    recipe, run = RECIPES["made"], run_data("made", limit=20, fd_samples=50)
    with pytest.raises(ValueError, match="fd_samples=50: the fd needs at least 128 samples"):
        recipe.evaluate(recipe.model((1, 28, 28), **SMALL["made"]), run)


@pytest.mark.parametrize("name", ["made", "pixelcnn"])
def test_samples_are_host_float32_images_of_zeros_and_ones(name):
    recipe = RECIPES[name]
    samples = recipe.sample(recipe.model((1, 28, 28), **SMALL[name]), run_data(name, limit=4), 3)
    assert samples.dtype == np.float32 and samples.shape == (3, 1, 28, 28)
    assert set(np.unique(samples)) <= {0.0, 1.0}


def test_both_recipes_say_their_likelihood_is_exact_and_in_nats():
    assert made_recipe.LIKELIHOOD == pixelcnn_recipe.LIKELIHOOD == {"unit": "nats", "kind": "exact"}


def test_made_takes_one_or_two_hidden_layers_from_the_command_line():
    assert RECIPES["made"].model((1, 4, 4), hidden=[8, 6]).hidden_sizes == (8, 6)
    assert RECIPES["made"].model((1, 4, 4), hidden=8).hidden_sizes == (8,)
    with pytest.raises(ValueError, match="order must be one of"):
        RECIPES["made"].model((1, 4, 4), order="backwards")
    with pytest.raises(ValueError, match=r"must be \(1, H, W\)"):
        RECIPES["pixelcnn"].model((3, 8, 8))
