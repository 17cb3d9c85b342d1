"""The gan / dcgan / cgan recipes: what evaluate and epoch_end report and write, and their refusals."""
from types import SimpleNamespace

import numpy as np
import pytest

from tinygen.data import Dataset
from tinygen.data.idx_datasets import FASHION_MNIST, find_split_files
from tinygen.metrics.digit_classifier import shipped_classifier, weights_path
from tinygen.models.recipe import RunData, get_recipe


def tiny(name):
    recipe = get_recipe(name)
    arguments = {} if name == "gan" else {"width": 4}
    return recipe, recipe.model((1, 28, 28), latent_dim=8, **arguments)


@pytest.mark.parametrize("name", ["gan", "dcgan", "cgan"])
def test_epoch_end_writes_the_fixed_noise_grid_and_reports_the_metric(name, tmp_path):
    recipe, model = tiny(name)
    run = RunData({"dataset": "mnist-5k", "limit": 100}, out=tmp_path)
    values = recipe.epoch_end(model, run, 3)
    assert (tmp_path / "samples_epoch_003.png").is_file()
    expected = {"fd", "classifier_score"} | ({"class_accuracy"} if name == "cgan" else set())
    assert set(values) == expected and values["fd"] > 0 and 1 <= values["classifier_score"] <= 10


def test_fixed_noise_is_the_same_every_epoch_and_leaves_the_training_rng_alone():
    import tinygen as tg
    recipe, model = tiny("dcgan")
    from tinygen.models.gan.recipe import fixed_noise
    tg.manual_seed(5)
    first = fixed_noise(model).numpy()
    after = tg.randn(3).numpy()
    tg.manual_seed(5)
    assert np.array_equal(fixed_noise(model).numpy(), first) and np.array_equal(tg.randn(3).numpy(), after)


def test_cgan_samples_follow_the_asked_labels_and_evaluate_reports_class_accuracy():
    recipe, model = tiny("cgan")
    assert recipe.conditional and not get_recipe("dcgan").conditional
    images = recipe.sample(model, None, 4, np.array([0, 1, 2, 3]))
    assert images.shape == (4, 1, 28, 28) and images.min() >= 0 and images.max() <= 1
    metrics = recipe.evaluate(model, RunData({"dataset": "mnist-5k", "limit": 100}))
    assert set(metrics) == {"fd", "classifier_score", "class_accuracy"}
    assert 0 <= metrics["class_accuracy"] <= 1


def test_evaluate_refuses_a_dataset_without_a_metric_classifier_and_epoch_end_skips_the_metric():
    recipe, model = tiny("dcgan")
    digits_8x8 = SimpleNamespace(dataset="digits", test=Dataset(np.zeros((4, 1, 8, 8)), np.zeros(4), "digits test"),
                                 out=None)
    with pytest.raises(ValueError, match="no shipped metric classifier for dataset 'digits'; datasets with one"):
        recipe.evaluate(model, digits_8x8)
    assert recipe.epoch_end(model, digits_8x8, 1) == {}


@pytest.mark.skipif(any(find_split_files(FASHION_MNIST, split) is None for split in ("train", "test")),
                    reason="Fashion-MNIST's IDX files are absent (apt install dataset-fashion-mnist)")
def test_a_fashion_run_is_scored_by_the_fashion_classifier_and_a_digit_run_by_the_digit_one(monkeypatch):
    import tinygen.metrics.sample_quality as sample_quality
    asked = []
    spy = lambda dataset: asked.append(dataset) or shipped_classifier(dataset)
    monkeypatch.setattr(sample_quality, "shipped_classifier", spy)
    recipe, model = tiny("dcgan")
    for dataset in ("fashion-mnist", "mnist-5k"):
        recipe.epoch_end(model, RunData({"dataset": dataset, "limit": 50}), 1)
    assert asked == ["fashion-mnist", "mnist-5k"]
    assert weights_path("fashion-mnist") != weights_path("mnist-5k")


def test_build_refuses_shapes_the_networks_cannot_take():
    with pytest.raises(ValueError, match=r"data_shape must be \(C, H, H\).*got \(2,\)"):
        get_recipe("dcgan").model((2,))
    with pytest.raises(ValueError, match="n_critic must be an integer >= 1"):
        get_recipe("gan").model((1, 28, 28), n_critic=0)


def test_cgan_trained_through_the_command_line_resumes_bit_for_bit(tmp_path):
    """Two epochs straight = one epoch, stop, resume one more (epoch_end's sampling draws from the RNG too);
    the generator's weight average (-m ema=0.9) and its update count come back exactly."""
    from tinygen.checkpoint import load_checkpoint
    from tinygen.cli import main
    quick = ["--limit", "64", "--batch-size", "32", "--no-progress", "-m", "width=4", "-m", "latent_dim=8",
             "-m", "ema=0.9"]
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    assert main(["train", "cgan", "--epochs", "2", *quick, "--out", str(straight)]) in (None, 0)
    assert main(["train", "cgan", "--epochs", "1", *quick, "--out", str(stopped)]) in (None, 0)
    assert main(["train", "cgan", "--epochs", "2", "--resume", "--no-progress", "--out", str(stopped)]) in (None, 0)
    first, second = (load_checkpoint(path / "checkpoint.npz") for path in (straight, stopped))
    assert sorted(first.model_state) == sorted(second.model_state)
    assert all(np.array_equal(first.model_state[key], second.model_state[key]) for key in first.model_state)
    assert int(second.model_state["generator_ema.n_averaged"]) == 4  # 2 epochs of 2 batches
    assert not np.array_equal(second.model_state["generator_ema.module.net.0.weight"],
                              second.model_state["generator.net.0.weight"])
    assert (stopped / "samples_epoch_002.png").is_file()


def test_lr_d_gives_the_discriminator_its_own_learning_rate():
    recipe, model = tiny("dcgan")
    settings = {"lr": 1e-4, "train_args": recipe.training_options({"lr_d": 4e-4})}
    optimizers = recipe.trainer(model, RunData(settings)).optimizers
    assert optimizers["discriminator"].param_groups[0]["lr"] == 4e-4
    assert optimizers["generator"].param_groups[0]["lr"] == 1e-4
    same = recipe.trainer(model, RunData({"lr": 1e-4, "train_args": recipe.training_options({})})).optimizers
    assert same["discriminator"].param_groups[0]["lr"] == 1e-4
