"""Training on the device-like backend: every recipe's step, fit with resume, and what a step pulls to the host."""
import numpy as np
import pytest

import devicelike
import tinygen as tg
import tinygen.functional as F
from parity import device_backend, same_on_device
from tinygen import nn, optim
from tinygen.models.recipe import TRAINING_DEFAULTS
from tinygen.data import DataLoader, Dataset
from tinygen.models import RECIPES, Autoencoder, RunData
from tinygen.train import fit
from tinygen.trainer import GradientTrainer

BATCH = 8


def recipe_settings(recipe):
    """What `tinygen train NAME --batch-size 8 --limit 16` would give the recipe."""
    dataset = recipe.defaults.get("dataset", "mnist-5k" if recipe.data == "images" else "ring8")
    settings = {**TRAINING_DEFAULTS, **recipe.defaults, "dataset": dataset, "batch_size": BATCH, "limit": 2 * BATCH,
                "model": recipe.name, "model_args": {}, "train_args": recipe.training_options({})}
    settings["data_shape"] = list(RunData(settings).train.images.shape[1:])
    return settings


def one_step_of(recipe):
    settings = recipe_settings(recipe)
    train = RunData(settings).train

    def step():
        model = recipe.model(tuple(settings["data_shape"]))
        trainer = recipe.trainer(model, RunData(settings))
        images, labels = next(iter(DataLoader(train, BATCH, shuffle=True, seed=settings["seed"])))
        values = trainer.train_step((images, labels))
        return {"values": values, "weights": dict(model.state_dict()),
                "optimizers": {name: o.state_dict()["state"] for name, o in trainer.optimizers.items()}}
    return step


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_one_training_step_of_every_recipe_equals_numpy(name):
    """Iterates the registry: a model registered later is covered the day it is added."""
    result = same_on_device(one_step_of(RECIPES[name]))
    assert result["values"] and all(np.isfinite(v) for v in result["values"].values())


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_what_every_recipe_hands_back_is_on_the_host_and_equals_numpy(name):
    recipe = RECIPES[name]
    settings = recipe_settings(recipe)
    run = RunData(settings)
    labels = np.arange(4) % 10 if recipe.conditional else None

    def host_facing():
        model = recipe.model(tuple(settings["data_shape"]))
        results = {"sample": recipe.sample and recipe.sample(model, run, 4, labels),
                   "evaluate": recipe.evaluate and recipe.evaluate(model, run),
                   "reconstruct": recipe.reconstruct and recipe.reconstruct(model, run, run.test.images[:5])}
        return {key: value for key, value in results.items() if value is not None}
    same_on_device(host_facing, results_on="numpy")


def digits(count=48):
    from tinygen.data import load_dataset
    train = load_dataset("mnist-5k", "train")
    return Dataset(train.images[:count], train.labels[:count], f"digits{count}")


def noisy_autoencoder_run(out_dir, epochs, resume=False, seed_weights=0):
    """An autoencoder trained on noise-corrupted digits (the noise makes the RNG matter) for ``epochs``."""
    tg.manual_seed(seed_weights)
    model = Autoencoder(code_size=2, num_layers=1, nodes_per_layer=16)
    trainer = GradientTrainer(model, optim.Adam(model.parameters(), lr=1e-2), loss_fn=lambda batch: model.loss(
        (tg.Tensor(batch[0]) + 0.1 * tg.randn(*batch[0].shape)).clip(0, 1)))
    fit(trainer, DataLoader(digits(), BATCH, shuffle=True, seed=3), epochs=epochs, out_dir=out_dir,
        resume=resume, seed=11, config={"model": "ae"}, progress=False, verbose=False)
    return dict(model.state_dict())


def test_fit_with_resume_equals_numpy_and_the_uninterrupted_run(tmp_path):
    def straight_and_resumed():
        folder = tmp_path / tg.get_backend()
        straight = noisy_autoencoder_run(folder / "straight", epochs=2)
        noisy_autoencoder_run(folder / "resumed", epochs=1)
        resumed = noisy_autoencoder_run(folder / "resumed", epochs=2, resume=True, seed_weights=99)
        return {"straight": straight, "resumed": resumed}

    result = same_on_device(straight_and_resumed)
    for name, value in result["straight"].items():
        assert result["resumed"][name].tobytes() == value.tobytes(), name


def autoencoder_trainer():
    model = Autoencoder(code_size=8, nodes_per_layer=32)
    return GradientTrainer(model, optim.Adam(model.parameters()))


def classifier_trainer():
    """A small conv classifier with batch norm and dropout, trained on cross-entropy with the labels."""
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Dropout(0.2), nn.Linear(4 * 14 * 14, 10))
    return GradientTrainer(model, optim.Adam(model.parameters()),
                           loss_fn=lambda batch: F.cross_entropy(model(tg.Tensor(batch[0])), batch[1]))


STEPS = {"autoencoder": autoencoder_trainer, "classifier": classifier_trainer}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_a_training_step_pulls_only_the_loss_to_the_host(name):
    """One scalar per step: every other copy to the host would make the CPU wait for the GPU mid-step."""
    with device_backend():
        trainer = STEPS[name]()
        batches = iter(DataLoader(digits(), BATCH, shuffle=True))
        for _ in range(3):
            batch = next(batches)
            devicelike.transfers.reset()
            values = trainer.train_step(batch)
            assert devicelike.transfers.log == [("item", 1)], devicelike.transfers.log
            assert set(values) == {"loss"}


def test_the_transfer_counter_sees_a_hidden_pull():
    """The counter has teeth: a value check that asks the device a question is one more transfer."""
    with device_backend():
        x = tg.rand(3, 4)
        devicelike.transfers.reset()
        assert bool((x.data >= 0).all())
        float(x.data.max())
        assert devicelike.transfers.log == [("__bool__", 1), ("__float__", 1)]


def test_bad_values_become_nan_on_a_device_instead_of_a_question():
    """On the host a bad label or probability is a ValueError; on a device the bad element's loss is NaN."""
    logits, bad_labels = np.zeros((3, 4), np.float32), np.array([1, 4, 0])
    probabilities = np.array([[0.5, 1.5]], np.float32)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        F.cross_entropy(logits, bad_labels)
    with pytest.raises(ValueError, match="probabilities in"):
        F.binary_cross_entropy(probabilities, np.ones_like(probabilities))
    with device_backend():
        per_sample = F.cross_entropy(logits, bad_labels, reduction="none").numpy()
        per_pixel = F.binary_cross_entropy(probabilities, np.ones_like(probabilities), reduction="none").numpy()
    assert np.isnan(per_sample).tolist() == [False, True, False] and np.isclose(per_sample[0], np.log(4))
    assert np.isnan(per_pixel).tolist() == [[False, True]]
