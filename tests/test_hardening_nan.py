"""Nothing diverges quietly: the loop checks the state after every step, goes back to the last good state,
never writes a checkpoint that holds NaN, and a checkpoint that does hold one is refused when loaded."""
import json

import numpy as np
import pytest

import tinygen as tg
from tinygen import checkpoint as checkpoint_module
from tinygen import nn, optim
from tinygen.autograd import Tensor
from tinygen.checkpoint import load_checkpoint, save_checkpoint
from tinygen.data import DataLoader, Dataset
from tinygen.finite import NotFinite
from tinygen.train import CHECKPOINT_NAME, fit
from tinygen.trainer import GradientTrainer


def points(n, seed=0, nan_at=None):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    if nan_at is not None:
        x[nan_at] = np.nan
    return Dataset(x, np.zeros(n, np.int64), "points")


def net():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))


def trainer_for(model, lr=1e-2):
    loss = lambda batch: ((model(Tensor(batch[0])) - Tensor(batch[0])) ** 2).mean()
    return GradientTrainer(model, optim.SGD(model.parameters(), lr=lr), loss)


def state(model):
    return {name: tensor.numpy().copy() for name, tensor in model.state_dict().items()}


def run(model, trainer, data, epochs, out, batch=4):
    return fit(trainer, DataLoader(data, batch), epochs=epochs, out_dir=out, progress=False, verbose=False)


def test_an_update_that_overflows_the_weights_stops_the_run_at_once_naming_the_tensor(tmp_path):
    model = net()
    start = state(model)
    with pytest.raises(NotFinite, match=r"0.weight became -?inf at epoch 1, batch 1 of 1: training stopped; no "
                                        r"checkpoint of this run was written yet; the model and its optimizers are "
                                        r"back at the state the run started from\. A lower learning rate") as caught:
        run(model, trainer_for(model, lr=1e300), points(4), 1, tmp_path)
    assert (caught.value.name, caught.value.epoch) == ("0.weight", 1)
    assert not (tmp_path / CHECKPOINT_NAME).exists()
    for name, value in state(model).items():
        np.testing.assert_array_equal(value, start[name], err_msg=name)


def test_a_run_that_diverges_in_epoch_2_keeps_epoch_1_on_disk_and_in_memory(tmp_path):
    model = net()
    trainer = trainer_for(model)
    loss, calls = trainer.loss_fn, []

    def lr_explodes_in_epoch_2(batch):
        calls.append(1)
        if len(calls) == 2:
            trainer.optimizer.param_groups[0]["lr"] = 1e300
        return loss(batch)
    trainer.loss_fn = lr_explodes_in_epoch_2
    with pytest.raises(NotFinite, match=r"at epoch 2, batch 1 of 1: .*back at the last good checkpoint .* \(epoch 1\)"):
        run(model, trainer, points(4), 3, tmp_path)
    kept = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert kept.epoch == 1
    for name, value in state(model).items():
        np.testing.assert_array_equal(value, kept.model_state[name], err_msg=name)
    assert trainer.optimizer.param_groups[0]["lr"] == 1e-2  # the optimizer is back too


def test_a_refused_nan_batch_leaves_no_nan_in_the_batch_norm_statistics(tmp_path):
    model = net()
    with pytest.raises(NotFinite, match=r"loss became nan at epoch 1, batch 2 of 2: 1.running_mean is nan too"):
        run(model, trainer_for(model), points(8, nan_at=5), 1, tmp_path)
    for name, value in state(model).items():
        assert np.isfinite(value).all(), name


def test_save_checkpoint_refuses_a_nan_weight_and_writes_nothing(tmp_path):
    model = net()
    model[3].bias.data[1] = np.nan
    with pytest.raises(NotFinite, match="model/3.bias became nan: save_checkpoint refuses"):
        save_checkpoint(tmp_path / "c.npz", model)
    assert list(tmp_path.iterdir()) == []


def test_load_checkpoint_refuses_a_checkpoint_that_holds_an_infinity(tmp_path, monkeypatch):
    model, path = net(), tmp_path / "old.npz"
    optimizer = optim.Adam(model.parameters())
    model[0].weight.data[0, 0] = np.inf  # as an older tinygen could write it
    monkeypatch.setattr(checkpoint_module, "_refuse_not_finite", lambda arrays, why: None)
    save_checkpoint(path, model, optimizer)
    monkeypatch.undo()
    with pytest.raises(NotFinite, match=r"model/0.weight became inf: checkpoint .*old.npz holds a state that is not "
                                        r"finite and is refused"):
        load_checkpoint(path, model=net())


def test_a_ctrl_c_before_the_temporary_file_exists_is_a_plain_ctrl_c(tmp_path, monkeypatch):
    model, path = net(), tmp_path / "c.npz"
    save_checkpoint(path, model)
    before = path.read_bytes()

    def interrupted_open(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(checkpoint_module, "open", interrupted_open, raising=False)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def test_the_metrics_file_holds_only_the_good_epochs(tmp_path):
    model = net()
    trainer = trainer_for(model)
    calls = []

    def poison_in_epoch_3(batch):
        calls.append(1)
        if len(calls) == 5:  # epoch 3, batch 1 (2 batches an epoch)
            model[3].weight.data[...] = np.inf
        return ((model(Tensor(batch[0])) - Tensor(batch[0])) ** 2).mean()
    trainer.loss_fn = poison_in_epoch_3
    with pytest.raises(NotFinite, match="epoch 3, batch 1 of 2"):
        run(model, trainer, points(8), 4, tmp_path)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert [row["epoch"] for row in saved["epochs"]] == [1, 2]


def test_without_an_out_dir_the_model_goes_back_to_its_state_after_the_last_good_epoch():
    model = net()
    trainer = trainer_for(model)
    loss, calls, after_epoch_1 = trainer.loss_fn, [], {}

    def lr_explodes_in_epoch_2(batch):
        calls.append(1)
        if len(calls) == 2:
            after_epoch_1.update(state(model))
            trainer.optimizer.param_groups[0]["lr"] = 1e300
        return loss(batch)
    trainer.loss_fn = lr_explodes_in_epoch_2
    with pytest.raises(NotFinite, match=r"back at their state after epoch 1 \(nothing was saved: the run has no "
                                        r"out_dir\)"):
        run(model, trainer, points(4), 3, None)
    for name, value in state(model).items():
        np.testing.assert_array_equal(value, after_epoch_1[name], err_msg=name)
