"""The wgan / wgan-gp recipes: the data picks the networks, toy runs count modes and keep snapshots,
and a short WGAN-GP run on ring8 covers more modes than it started with."""
import itertools
import json

import numpy as np
import pytest

import tinygen as tg
from tinygen.data import DataLoader, load_dataset
from tinygen.models.recipe import RunData, check_data, get_recipe
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.toy import ToySettings
from tinygen.nn import Linear
from tinygen.nn.norm import BatchNorm

from test_recipes import cli


def toy_run(tmp_path, batch_size=64):
    return RunData({"dataset": "ring8", "batch_size": batch_size, "limit": None}, out=tmp_path)


def test_points_get_the_toy_mlps_and_images_the_dcgan_with_a_critic_without_batch_norm():
    toy = get_recipe("wgan-gp").model((2,), width=16)
    assert all(isinstance(layer, Linear) for layer in toy.discriminator.modules() if layer._parameters)
    assert toy.latent_dim == 2 and toy.n_critic == 5 and toy.game.penalty_weight == ToySettings.penalty_weight == 0.1
    assert get_recipe("wgan-gp").model((1, 28, 28), width=8).game.penalty_weight == 10.0  # the papers' lambda on images
    assert get_recipe("wgan-gp").model((2,), width=16, penalty_weight=3.0).game.penalty_weight == 3.0
    images = get_recipe("wgan").model((1, 28, 28), width=8)
    assert images.latent_dim == 100 and images.game.clip_value == 0.01
    assert not any(isinstance(layer, BatchNorm) for layer in images.discriminator.modules())
    assert any(isinstance(layer, BatchNorm) for layer in images.generator.modules())


@pytest.mark.parametrize("data_shape, architecture, match", [
    ((2,), "dcgan", r"'dcgan' takes images .* 2-D points of shape \(2,\)"),
    ((1, 28, 28), "toy", r"'toy' takes 2-D points .* shape \(1, 28, 28\)"),
    ((2,), "resnet", "-m architecture='resnet': architecture must be one of 'auto', 'dcgan', 'toy'"),
])
def test_wrong_architecture_for_the_data_is_refused(data_shape, architecture, match):
    with pytest.raises(ValueError, match=match):
        get_recipe("wgan-gp").model(data_shape, architecture=architecture)


@pytest.mark.parametrize("name, paper_rate", [("wgan", 5e-5), ("wgan-gp", 1e-4)])
def test_toy_runs_start_at_the_toy_rate_and_decay_over_the_run_images_keep_the_papers_rate(name, paper_rate):
    recipe = get_recipe(name)
    settings = {"lr": recipe.defaults["lr"], "epochs": 3, "batch_size": 128, "dataset": "ring8", "limit": 1000}
    toy = recipe.trainer(recipe.model((2,), width=8), RunData(settings))
    assert toy.optimizers["generator"].param_groups[0]["lr"] == ToySettings.lr
    assert [decay.total_steps for decay in toy.decays] == [3 * 8, 3 * 8 * 5]   # ceil(1000 / 128) = 8 per epoch
    images = recipe.trainer(recipe.model((1, 28, 28), width=4, latent_dim=8), RunData({**settings, "dataset": "mnist-5k"}))
    assert images.optimizers["discriminator"].param_groups[0]["lr"] == paper_rate
    assert images.decays == []


def test_both_recipes_take_images_and_points():
    for name in ("wgan", "wgan-gp"):
        for dataset in ("ring8", "mnist-5k"):
            check_data(get_recipe(name), load_dataset(dataset, "test"))


def test_toy_epoch_end_keeps_a_snapshot_and_reports_modes_and_figures_draw_the_strip(tmp_path):
    recipe, run = get_recipe("wgan-gp"), toy_run(tmp_path)
    model = recipe.model((2,), width=16)
    values = [recipe.epoch_end(model, run, epoch) for epoch in (1, 2)]
    assert set(values[0]) == {"modes", "high_quality_pct", "mode_kl"}
    snapshots = [np.load(tmp_path / "mode_snapshots" / f"epoch_000{epoch}.npy") for epoch in (1, 2)]
    assert snapshots[0].shape == (500, 2)
    np.testing.assert_array_equal(snapshots[0], snapshots[1])   # same noise, same (untrained) generator
    history = [{"epoch": epoch, "train_loss_d": 1.0, "train_loss_g": 0.5} for epoch in (1, 2)]
    paths = recipe.figures(model, run, history)
    assert {path.name for path in paths} == {"loss_curves.png", "samples_over_modes.png"}


def test_a_short_wgan_gp_run_on_ring8_covers_more_modes_than_its_start(tmp_path):
    tg.manual_seed(0)
    recipe, run = get_recipe("wgan-gp"), toy_run(tmp_path, batch_size=128)
    model = recipe.model((2,), width=64, depth=3)
    trainer = GANTrainer(model, model.game.optimizers(model, lr=1e-3))
    before = recipe.evaluate(model, run)
    batches = itertools.cycle(DataLoader(run.train, 128, shuffle=True, seed=0))
    for batch in itertools.islice(batches, 100):
        trainer.train_step(batch)
    after = recipe.evaluate(model, run)
    assert after["modes"] > before["modes"]
    assert after["mode_kl"] < before["mode_kl"]


def run_cli(capsys, *argv):
    """stdout of `tinygen *argv`, which must succeed."""
    code, stdout, stderr = cli(capsys, *argv)
    assert code == 0, stderr
    return stdout


def test_toy_run_through_the_cli_keeps_the_strip_and_evaluates_modes(tmp_path, capsys):
    out = tmp_path / "run"
    run_cli(capsys, "train", "wgan-gp", "--dataset", "grid25", "--limit", 128, "--epochs", 2, "--no-progress",
            "-m", "width=16", "--out", out)
    assert (out / "samples_over_modes.png").exists() and (out / "mode_snapshots" / "epoch_0002.npy").exists()
    metrics = json.loads(run_cli(capsys, "evaluate", out, "--json"))["metrics"]
    assert set(metrics) == {"modes", "high_quality_pct", "mode_kl"} and 0 <= metrics["modes"] <= 25


def test_image_run_through_the_cli_reports_fd_and_classifier_score(tmp_path, capsys):
    out = tmp_path / "run"
    run_cli(capsys, "train", "wgan", "--dataset", "mnist-5k", "--limit", 64, "--epochs", 1, "--no-progress",
            "-m", "width=4", "-m", "latent_dim=8", "--out", out)
    metrics = json.loads(run_cli(capsys, "evaluate", out, "--json"))["metrics"]
    assert {"fd", "classifier_score"} <= set(metrics)


def test_the_gan_recipe_takes_the_toy_mlps_on_a_toy_set(tmp_path, capsys):
    model = get_recipe("gan").model((2,), latent_dim=2)
    assert all(isinstance(layer, Linear) for layer in model.generator.modules() if layer._parameters)
    out = tmp_path / "run"
    run_cli(capsys, "train", "gan", "--dataset", "ring8", "--limit", 128, "--epochs", 1, "--no-progress", "--out", out)
    assert (out / "samples_over_modes.png").exists()
    assert set(json.loads(run_cli(capsys, "evaluate", out, "--json"))["metrics"]) == {"modes", "high_quality_pct",
                                                                                     "mode_kl"}
