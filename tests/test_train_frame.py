"""The loop with a model of two networks and two optimizers stepped in turn (a GAN's shape, made tiny):
exact resume after interrupts anywhere in a step (a real SIGINT, held until the step ends), NaN from
either network, named values in metrics.json, an epoch-end hook that draws random numbers."""
import json
import os
import signal

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn, optim
from tinygen.autograd import Tensor
from tinygen.checkpoint import load_checkpoint
from tinygen.data import DataLoader, Dataset
from tinygen.finite import NotFinite
from tinygen.train import CHECKPOINT_NAME, fit
from tinygen.trainer import Trainer

EPOCHS, BATCHES = 3, 4  # 4 batches of 6 an epoch


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C as in a terminal: a process started in the background (CI, `cmd &`) may inherit SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class Pair(nn.Module):
    """Network ``a`` denoises its input; network ``b`` scores a's detached output (like D on G's fakes)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 3))
        self.b = nn.Linear(3, 1)


class PairTrainer(Trainer):
    """Step a (Adam) then b (SGD with momentum); both draw random numbers, so resume must restore the RNG."""

    def __init__(self, model, poison=None):
        super().__init__(model, {"a": optim.Adam(model.a.parameters(), lr=1e-2),
                                 "b": optim.SGD(model.b.parameters(), lr=1e-2, momentum=0.9)})
        self.poison, self.steps = poison, 0

    def train_step(self, batch):
        self.steps += 1
        x = Tensor(batch[0])
        if self.poison is not None:
            self.poison(self)
        value_a = self._update("a", lambda: ((self.model.a(x + 0.1 * tg.randn(*x.shape)) - x) ** 2).mean())
        code = self.model.a(x).detach()
        value_b = self._update("b", lambda: ((self.model.b(code) - tg.randn(code.shape[0], 1)) ** 2).mean())
        return {"loss_a": value_a, "loss_b": value_b}

    def _update(self, name, loss_of):
        self.optimizers[name].zero_grad()
        loss = loss_of()
        value = self.finite(f"loss_{name}", loss)
        loss.backward()
        self.optimizers[name].step()
        return value

    def validate_step(self, batch):
        x = Tensor(batch[0])
        return {"loss_a": float(((self.model.a(x) - x) ** 2).mean().item())}


def points(n, seed):
    rng = np.random.default_rng(seed)
    return Dataset(rng.standard_normal((n, 3)), np.zeros(n), f"points{seed}")


def run_fit(out_dir, epochs=EPOCHS, resume=False, init_seed=0, poison=None, on_epoch_end=None):
    tg.manual_seed(init_seed)
    trainer = PairTrainer(Pair(), poison)
    history = fit(trainer, DataLoader(points(24, 1), 6, shuffle=True, seed=2), DataLoader(points(12, 2), 6),
                  epochs=epochs, out_dir=out_dir, resume=resume, seed=7, config={"model": "pair"},
                  progress=False, verbose=False, on_epoch_end=on_epoch_end)
    return trainer, history


def weights(trainer):
    return {name: t.numpy().copy() for name, t in trainer.model.state_dict().items()}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def without_time(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    trainer, history = run_fit(tmp_path_factory.mktemp("straight"))
    return weights(trainer), history


def test_every_named_value_lands_in_the_history_and_metrics_json(straight, tmp_path):
    trainer, history = run_fit(tmp_path)
    assert [sorted(row) for row in history] == [["epoch", "seconds", "train_loss_a", "train_loss_b",
                                                  "val_loss_a"]] * EPOCHS
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["epochs"] == history
    assert {name: len(values) for name, values in saved["batches"].items()} == {"loss_a": EPOCHS * BATCHES,
                                                                                "loss_b": EPOCHS * BATCHES}
    assert history[0]["train_loss_a"] == pytest.approx(np.mean(saved["batches"]["loss_a"][:BATCHES]), rel=1e-12)
    assert_same(weights(trainer), straight[0])  # same seed, same run


def test_resume_from_a_mid_epoch_checkpoint_is_bit_exact(straight, tmp_path):
    def interrupt(trainer):
        if trainer.steps == 6:  # epoch 2, batch 2: before anything of this step happened
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fit(tmp_path, poison=interrupt)
    saved = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert (saved.epoch, saved.extra["position"]["batch"]) == (1, 1)
    resumed, history = run_fit(tmp_path, resume=True, init_seed=99)
    assert_same(weights(resumed), straight[0])
    assert without_time(history) == without_time(straight[1])


def sigint_during_update(optimizer_name, parameter, step):
    """A real SIGINT sent while optimizer ``optimizer_name`` updates its parameter number ``parameter``."""
    def poison(trainer):
        if trainer.steps != step:
            return
        optimizer = trainer.optimizers[optimizer_name]
        update, calls = optimizer._update, []

        def update_then_interrupt(param, grad, state, group):
            update(param, grad, state, group)
            calls.append(1)
            if len(calls) == parameter + 1:
                os.kill(os.getpid(), signal.SIGINT)  # lands between two parameters' updates
        optimizer._update = update_then_interrupt
    return poison


PLACES = [("a", i) for i in range(4)] + [("b", i) for i in range(2)]


@pytest.mark.parametrize("optimizer_name,parameter", PLACES)
def test_a_sigint_inside_an_optimizer_update_waits_for_the_step_and_resumes_exactly(
        straight, tmp_path, optimizer_name, parameter):
    with pytest.raises(KeyboardInterrupt):
        run_fit(tmp_path, poison=sigint_during_update(optimizer_name, parameter, step=7))
    saved = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert (saved.epoch, saved.extra["position"]["batch"]) == (1, 3)  # step 7 finished whole, then saved
    resumed, history = run_fit(tmp_path, resume=True, init_seed=99)
    assert_same(weights(resumed), straight[0])
    assert without_time(history) == without_time(straight[1])


def test_without_holding_the_sigint_the_same_injection_would_split_a_step(tmp_path, monkeypatch):
    """The test above has teeth: with the interrupt delivered at once, the update stops half-way."""
    import tinygen.train as train_module
    monkeypatch.setattr(train_module, "interrupts_held", lambda: _nothing_held())
    with pytest.raises(KeyboardInterrupt):
        run_fit(tmp_path, poison=sigint_during_update("a", 1, step=7))
    saved = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert saved.extra["position"]["batch"] == 2  # step 7 not counted, though a's first parameters moved
    moved = saved.optimizer_state["a"]["state"]
    assert moved[0]["step"] == 7 and moved[2]["step"] == 6


class _nothing_held:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("network", ["a", "b"])
def test_a_nan_in_either_network_stops_before_its_update_and_keeps_the_last_good_checkpoint(tmp_path, network):
    reference, _ = run_fit(None, epochs=2)

    def poison(trainer):
        if trainer.steps == 10:  # epoch 3, batch 2
            next(getattr(trainer.model, network).parameters()).data[...] = np.nan

    with pytest.raises(NotFinite, match=rf"loss_{network} became nan at epoch 3, batch 2 of 4.*"
                                            "last good checkpoint .* was kept"):
        run_fit(tmp_path, epochs=5, poison=poison)
    kept = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert kept.epoch == 2
    assert_same(kept.model_state, weights(reference))


def test_a_nan_before_any_checkpoint_does_not_claim_one_was_kept(tmp_path):
    def poison(trainer):
        trainer.model.b.weight.data[...] = np.nan

    (tmp_path / CHECKPOINT_NAME).write_bytes(b"an earlier run's file")
    with pytest.raises(NotFinite, match="no checkpoint of this run was written yet"):
        run_fit(tmp_path, poison=poison)


def test_an_epoch_end_hook_adds_values_and_cannot_change_the_run(straight, tmp_path):
    def hook(epoch):
        return {"noise_mean": float(tg.randn(100).mean().item()), "hook_epoch": epoch}

    trainer, history = run_fit(tmp_path, on_epoch_end=hook)
    assert [row["hook_epoch"] for row in history] == [1, 2, 3]
    assert_same(weights(trainer), straight[0])


def test_fit_refuses_something_that_is_not_a_trainer():
    with pytest.raises(TypeError, match="trainer must be a tinygen.trainer.Trainer"):
        fit(Pair(), DataLoader(points(6, 0), 6))


def test_a_held_sigint_is_delivered_as_the_previous_handler_would():
    from tinygen.interrupts import interrupts_held
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
            finished = True  # the block ran to its end before the interrupt was raised
    assert finished
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a process that ignores Ctrl-C keeps ignoring it
    with interrupts_held():
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
