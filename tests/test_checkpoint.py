"""Checkpoints: a full round trip, atomic writes, and every kind of bad file refused by name."""
import json
import os

import numpy as np
import pytest

import tinygen as tg
from tinygen import backend, nn, optim
from tinygen.checkpoint import load_checkpoint, save_checkpoint

CONFIG = {"model": "tiny", "model_args": {"hidden": 4}, "lr": 0.01}


class Tiny(nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x):
        return self.body(x)


class Other(Tiny):
    """Same layers, another class: a checkpoint of a Tiny must not load into it."""


def trained(seed=0, steps=3, hidden=4):
    """A Tiny and its Adam after a few steps, so the optimizer has state to save."""
    tg.manual_seed(seed)
    model = Tiny(hidden)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    x = tg.randn(8, 3)
    for _ in range(steps):
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        optimizer.step()
    return model, optimizer


def weights(model):
    return {name: tensor.numpy().copy() for name, tensor in model.state_dict().items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.fixture
def saved(tmp_path):
    model, optimizer = trained()
    path = tmp_path / "run" / "checkpoint.npz"
    save_checkpoint(path, model, optimizer, epoch=7, config=CONFIG, extra={"note": "hello"})
    return path, model, optimizer


def test_round_trip_restores_model_optimizer_rng_and_config(saved):
    path, model, optimizer = saved
    rng_at_save = backend.get_rng_state()
    expected_draws = tg.randn(5).numpy()

    fresh, fresh_optimizer = trained(seed=1, steps=1)
    checkpoint = load_checkpoint(path, model=fresh, optimizer=fresh_optimizer, expected_model="tiny")
    assert_same_weights(weights(fresh), weights(model))
    assert (checkpoint.epoch, checkpoint.config, checkpoint.extra) == (7, CONFIG, {"note": "hello"})
    assert checkpoint.model_class == "Tiny"
    assert checkpoint.rng_state == rng_at_save
    backend.set_rng_state(checkpoint.rng_state)
    np.testing.assert_array_equal(tg.randn(5).numpy(), expected_draws)

    # the optimizer state came back too: one more identical step gives identical weights
    x = tg.randn(8, 3)
    for m, o in ((model, optimizer), (fresh, fresh_optimizer)):
        o.zero_grad()
        (m(x) ** 2).mean().backward()
        o.step()
    assert_same_weights(weights(fresh), weights(model))


def test_optimizer_state_is_stored_as_arrays_and_json(saved):
    path, _, optimizer = saved
    with np.load(path, allow_pickle=False) as npz:
        names = set(npz.files)
        meta = json.loads(str(npz["meta"]))
    assert {"optim/optimizer/state/0/exp_avg", "optim/optimizer/state/0/exp_avg_sq", "model/body.0.weight"} <= names
    assert meta["optimizers"]["optimizer"]["class"] == "Adam"
    assert meta["optimizers"]["optimizer"]["scalars"]["0"]["step"] == 3
    assert meta["optimizers"]["optimizer"]["param_groups"][0]["lr"] == 0.01


def test_every_entry_reads_without_pickle(saved):
    path, _, _ = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = [npz[name] for name in npz.files]
    assert all(array.dtype != object for array in arrays)


def test_a_failed_write_leaves_the_old_checkpoint_whole(saved, monkeypatch):
    path, model, optimizer = saved
    before = weights(model)
    changed, _ = trained(seed=5)

    def write_half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half a zip file")
        raise OSError("disk full")

    monkeypatch.setattr("tinygen.checkpoint.numpy.savez", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, changed, epoch=8, config=CONFIG)
    monkeypatch.undo()

    assert os.listdir(path.parent) == [path.name], "the temporary file was not cleaned up"
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 7
    assert_same_weights({name: value for name, value in checkpoint.model_state.items()}, before)


def test_a_truncated_file_is_refused(saved):
    path, _, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load_checkpoint(path)


def test_a_tampered_array_is_refused_by_its_checksum(saved):
    path, _, _ = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["model/body.0.weight"] = arrays["model/body.0.weight"] + np.float32(1e-3)
    with open(path, "wb") as file:  # a well-formed zip whose content no longer matches the stored SHA-256
        np.savez(file, **arrays)
    with pytest.raises(ValueError, match="SHA-256 does not match"):
        load_checkpoint(path)


def test_a_flipped_byte_is_refused(saved):
    path, _, _ = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted|SHA-256"):
        load_checkpoint(path)


def test_a_checkpoint_for_another_model_name_is_refused(saved):
    path, _, _ = saved
    with pytest.raises(ValueError, match="made for model 'tiny', not 'vae'"):
        load_checkpoint(path, expected_model="vae")


def test_a_checkpoint_for_another_model_class_is_refused(saved):
    path, _, _ = saved
    with pytest.raises(ValueError, match="holds a Tiny, not a Other"):
        load_checkpoint(path, model=Other())


def test_a_checkpoint_whose_shapes_do_not_fit_is_refused_by_key(saved):
    path, _, _ = saved
    wider = Tiny(hidden=5)
    before = weights(wider)
    with pytest.raises(ValueError, match=r"(?s)does not fit this model.*wrong shape for .body\.0\.weight.: got \(4, 3\)"):
        load_checkpoint(path, model=wider)
    assert_same_weights(weights(wider), before)  # nothing was half-loaded


def test_another_optimizer_is_refused(saved):
    path, model, _ = saved
    with pytest.raises(ValueError, match="state of a Adam optimizer, not a SGD"):
        load_checkpoint(path, model=model, optimizer=optim.SGD(model.parameters(), lr=0.1))


def test_a_checkpoint_without_optimizer_state_says_so(tmp_path):
    model, _ = trained()
    path = save_checkpoint(tmp_path / "model_only.npz", model, config=CONFIG)
    assert load_checkpoint(path).optimizer_state == {}
    with pytest.raises(ValueError, match="holds the optimizers none, not \\['optimizer'\\]"):
        load_checkpoint(path, optimizer=optim.Adam(model.parameters()))


def two_optimizers(model):
    return {"d": optim.Adam(model.body[0].parameters(), lr=0.01),
            "g": optim.SGD(model.body[2].parameters(), lr=0.1, momentum=0.9)}


def step_both(model, optimizers, x):
    for each in optimizers.values():
        each.zero_grad()
    (model(x) ** 2).mean().backward()
    for each in optimizers.values():
        each.step()


def test_several_named_optimizers_round_trip_and_must_match_by_name(tmp_path):
    """A GAN's checkpoint: one model holding two networks, one optimizer each; the next step agrees bitwise."""
    model, _ = trained()
    optimizers, x = two_optimizers(model), tg.randn(4, 3)
    step_both(model, optimizers, x)
    path = save_checkpoint(tmp_path / "two.npz", model, optimizers, config=CONFIG)
    fresh, _ = trained(seed=5)
    fresh_optimizers = two_optimizers(fresh)
    load_checkpoint(path, model=fresh, optimizer=fresh_optimizers)
    step_both(model, optimizers, x)
    step_both(fresh, fresh_optimizers, x)  # momentum and Adam moments must have come back for this to agree
    assert_same_weights(weights(fresh), weights(model))
    with pytest.raises(ValueError, match="holds the optimizers \\['d', 'g'\\], not \\['d'\\]"):
        load_checkpoint(path, model=fresh, optimizer={"d": fresh_optimizers["d"]})


def test_a_plain_npz_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.zeros(3))
    with pytest.raises(ValueError, match="not a tinygen checkpoint"):
        load_checkpoint(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*absent.npz"):
        load_checkpoint(tmp_path / "absent.npz")


def test_a_config_that_is_not_json_is_refused(tmp_path):
    model, _ = trained()
    with pytest.raises(TypeError, match="JSON-able"):
        save_checkpoint(tmp_path / "c.npz", model, config={"shape": object()})
    assert not list(tmp_path.iterdir())
