"""The rbm recipe through the one loop: CD/PCD without optimizers, exact resume, reported values, bad -m values."""
import numpy as np
import pytest

import tinygen as tg

from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.models import RunData, get_recipe
from tinygen.train import fit

RECIPE = get_recipe("rbm")


def settings(**model_args):
    return {"lr": 0.05, "batch_size": 32, "seed": 0, "dataset": "mnist-5k",
            "model_args": {"n_hidden": 16, "n_chains": 32, **model_args},
            "train_args": RECIPE.training_options({"momentum": 0.9}), "data_shape": [1, 28, 28]}


@pytest.fixture(scope="module")
def digits():
    data = load_dataset("mnist-5k", "train")
    return Dataset(data.images[:128], data.labels[:128], "mnist-5k[:128]")


def train(digits, out, epochs, resume=False, **model_args):
    run_settings = settings(**model_args)
    tg.manual_seed(0)                       # the initial weights, as the command line seeds them
    model = RECIPE.model((1, 28, 28), **run_settings["model_args"])
    trainer = RECIPE.trainer(model, RunData(run_settings))
    history = fit(trainer, DataLoader(digits, 32, shuffle=True, seed=0), DataLoader(digits, 64), epochs=epochs,
                  out_dir=out, resume=resume, seed=0, progress=False, verbose=False)
    return model, trainer, history


@pytest.mark.parametrize("model_args", [{"k": 1, "persistent": True}, {"k": 2, "persistent": False}])
def test_resume_continues_exactly_with_velocities_and_chains(digits, tmp_path, model_args):
    straight, trainer, history = train(digits, tmp_path / "straight", 3, **model_args)
    assert trainer.optimizers == {}
    train(digits, tmp_path / "resumed", 1, **model_args)
    resumed, _, _ = train(digits, tmp_path / "resumed", 3, resume=True, **model_args)
    for key, value in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    assert int(straight.num_updates.data) == 12
    assert np.abs(straight.weight_velocity.numpy()).max() > 0          # momentum was used and kept
    assert {"train_reconstruction_error", "train_pseudo_likelihood", "val_reconstruction_error",
            "val_pseudo_likelihood"} <= set(history[-1])


def test_visible_biases_start_at_the_first_batch_log_odds(digits):
    run_settings = settings()
    model = RECIPE.model((1, 28, 28), **run_settings["model_args"])
    trainer = RECIPE.trainer(model, RunData(run_settings))
    batch = digits.images[:32]
    values = trainer.train_step((batch, digits.labels[:32]))
    p = np.clip((batch.reshape(32, -1) > 0.5).mean(axis=0), 1e-3, 1 - 1e-3)
    # after one update with momentum 0.9 and lr 0.05, b moved by lr times a gradient in [-1, 1]
    assert np.abs(model.visible_bias.numpy() - np.log(p / (1 - p))).max() <= 0.05 + 1e-6
    assert 0 < values["reconstruction_error"] < 1 and values["pseudo_likelihood"] < 0


@pytest.mark.parametrize("model_args, message", [
    ({"n_hidden": 0}, "-m n_hidden=0: n_hidden must be an integer >= 1"),
    ({"k": 0}, "-m k=0: k must be an integer >= 1"),
    ({"persistent": "yes"}, "-m persistent='yes': persistent must be True or False"),
    ({"persistent": True, "n_chains": 0}, "-m n_chains=0: n_chains must be an integer >= 1"),
])
def test_bad_model_arguments_are_clear_errors(model_args, message):
    with pytest.raises(ValueError, match=message):
        RECIPE.model((1, 28, 28), **model_args)


@pytest.mark.parametrize("train_args, message", [
    ({"momentum": 1.5}, r"-t momentum=1.5: momentum must be a number >= 0 and < 1"),
    ({"weight_decay": -1.0}, r"-t weight_decay=-1.0: weight_decay must be a number >= 0"),
    ({"ais_runs": 1}, r"-t ais_runs=1: ais_runs must be an integer >= 2"),
    ({"ais_temperatures": "abc"}, r"-t ais_temperatures='abc': ais_temperatures must be an integer >= 3")])
def test_bad_training_arguments_are_refused_before_training(train_args, message):
    with pytest.raises(ValueError, match=message):
        RECIPE.training_options(train_args)


def test_points_are_refused():
    with pytest.raises(ValueError, match="takes images"):
        RECIPE.model((2,))
