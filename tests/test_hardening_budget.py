"""Honest defaults: deep-ae's greedy pretraining leaves the default budget time to fine-tune end to end,
and each stage's loss is reported (and averaged over an epoch) under its own name."""
import json
import math

import numpy as np
import pytest

from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.models import RECIPES
from tinygen.models.autoencoders.trainer import GreedyTrainer
from tinygen.train import fit


def test_the_default_greedy_budget_reaches_end_to_end_training():
    recipe = RECIPES["deep-ae"]
    defaults = {key: value for key, (value, _) in recipe.training_defaults().items()}
    steps = defaults["epochs"] * math.ceil(len(load_dataset(defaults["dataset"], "train")) / defaults["batch_size"])
    model = recipe.model((1, 28, 28))
    pretraining = model.stages * recipe.training_options()["pretrain_steps"]
    assert pretraining <= steps / 2, (pretraining, steps)


def test_each_stage_has_its_own_loss_whose_epoch_mean_mixes_no_other(tmp_path):
    model = RECIPES["deep-ae"].model((1, 28, 28))
    images = load_dataset("mnist-5k", "test").images[:64]
    trainer = GreedyTrainer(model, lr=1e-3, pretrain_steps=2)
    history = fit(trainer, DataLoader(Dataset(images, np.zeros(64, np.int64), "d"), 8), epochs=1, out_dir=tmp_path,
                  progress=False, verbose=False)
    batches = json.loads((tmp_path / "metrics.json").read_text())["batches"]
    assert [len(batches[f"loss_stage{k}"]) for k in range(3)] + [len(batches["loss"])] == [2, 2, 2, 2]
    for name in ("loss_stage0", "loss_stage1", "loss_stage2", "loss"):
        assert history[0][f"train_{name}"] == pytest.approx(np.mean(batches[name]), rel=1e-12)
