"""The family's recipes: greedy stages in order and resumable, loss terms reported, each kind's evaluation."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import backend
from tinygen.metrics import psnr
from tinygen.models import RECIPES, RunData
from tinygen.models.autoencoders.trainer import GreedyTrainer
from tinygen.models.autoencoders.variants import reconstruct_noisy

from ae_family_helpers import digits


def run_data(limit=64):
    return RunData({"dataset": "mnist-5k", "limit": limit})


def build(name, **arguments):
    return RECIPES[name].model((1, 28, 28), **arguments)


def test_greedy_trainer_takes_each_stage_in_turn_then_trains_end_to_end():
    model = build("deep-ae")
    trainer = GreedyTrainer(model, lr=1e-3, pretrain_steps=2)
    batch = (digits(16), np.zeros(16, np.int64))
    stages = []
    for _ in range(8):
        before = {name: p.numpy().copy() for name, p in model.named_parameters()}
        values = trainer.train_step(batch)
        stages.append(values["stage"])
        changed = {name for name, p in model.named_parameters() if not np.array_equal(p.numpy(), before[name])}
        if values["stage"] < model.stages:
            own = {name for name, p in model.named_parameters()
                   if any(p is q for q in model.stage_parameters(int(values["stage"])))}
            assert changed == own
        else:
            assert changed == set(before)
    assert stages == [0, 0, 1, 1, 2, 2, 3, 3]


def test_the_stage_survives_a_checkpoint_through_the_optimizers_state():
    model = build("deep-ae")
    trainer = GreedyTrainer(model, lr=1e-3, pretrain_steps=3)
    batch = (digits(8), np.zeros(8, np.int64))
    for _ in range(4):
        trainer.train_step(batch)
    restored = GreedyTrainer(build("deep-ae"), lr=1e-3, pretrain_steps=3)
    for name, optimizer in trainer.optimizers.items():
        restored.optimizers[name].load_state_dict(optimizer.state_dict())
    assert trainer.stage() == restored.stage() == 1


@pytest.mark.parametrize("train_args, message", [
    ({"pretrain": "layerwise", "pretrain_steps": 1}, r"-t pretrain='layerwise': pretrain must be one of 'none', 'greedy'"),
    ({"pretrain": "greedy", "pretrain_steps": -1}, r"-t pretrain_steps=-1: pretrain_steps must be an integer >= 0"),
])
def test_bad_pretraining_arguments_are_named(train_args, message):
    with pytest.raises(ValueError, match=message):
        RECIPES["deep-ae"].training_options(train_args)


def test_penalized_kinds_report_each_term_of_their_loss():
    model = build("sparse-ae")
    trainer = RECIPES["sparse-ae"].trainer(model, RunData({"lr": 1e-3, "train_args": {}}))
    values = trainer.train_step((digits(16), np.zeros(16, np.int64)))
    assert set(values) == {"loss", "reconstruction", "penalty"}
    assert values["loss"] == pytest.approx(values["reconstruction"] + values["penalty"], rel=1e-6)


def test_dae_reconstruct_shows_noisy_denoised_clean_with_a_fixed_draw_and_leaves_the_rng_alone():
    model, images = build("dae", noise="salt_and_pepper", noise_level=0.3), digits(5, "test")
    state = backend.get_rng_state()
    rows = reconstruct_noisy(model, None, images)
    assert list(rows) == ["noisy", "denoised", "clean"]
    assert np.array_equal(rows["clean"], images) and not np.array_equal(rows["noisy"], images)
    assert np.array_equal(reconstruct_noisy(model, None, images)["noisy"], rows["noisy"])
    assert str(backend.get_rng_state()) == str(state)


def test_each_kind_evaluates_its_own_number():
    run = run_data()
    dae = build("dae")
    scores = RECIPES["dae"].evaluate(dae, run)
    rows = reconstruct_noisy(dae, run, run.test.images)
    assert scores["psnr_noisy_db"] == pytest.approx(psnr(rows["noisy"], rows["clean"]))
    assert scores["psnr_denoised_db"] == pytest.approx(psnr(rows["denoised"], rows["clean"]))
    assert {"mse", "bce"} <= set(scores)

    sparse = build("sparse-ae")
    with tg.no_grad():
        codes = sparse.encode(tg.Tensor(run.test.images)).numpy()
    scores = RECIPES["sparse-ae"].evaluate(sparse, run)
    assert scores["mean_activation"] == pytest.approx(codes.mean(), rel=1e-5)
    assert scores["fraction_near_zero"] == pytest.approx(np.mean(codes < 0.05))

    for jacobian in ("closed_form", "double_backward"):
        cae = build("cae", jacobian=jacobian, code_size=8)
        with tg.no_grad():
            expected = np.sqrt(cae.jacobian_norm_squared(tg.Tensor(run.test.images), "closed_form").numpy()).mean()
        assert RECIPES["cae"].evaluate(cae, run)["mean_jacobian_norm"] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("name", ["dae", "sparse-ae", "cae", "deep-ae", "conv-ae"])
def test_points_are_refused_by_name(name):
    with pytest.raises(ValueError, match=r"takes images \(C, H, W\), got examples of shape \(2,\)"):
        RECIPES[name].model((2,))
