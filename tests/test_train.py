"""The training loop: exact resume (after a clean stop or Ctrl-C), NaN stop, metrics files, progress bar."""
import csv
import json
import sys

import numpy as np
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.checkpoint import load_checkpoint
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.models import Autoencoder
from tinygen.finite import NotFinite
from tinygen.train import CHECKPOINT_NAME, fit
from tinygen.trainer import GradientTrainer

TRAIN_IMAGES, VAL_IMAGES, BATCH = 48, 16, 8  # 6 batches per epoch


@pytest.fixture(scope="module")
def digits():
    train, test = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
    return (Dataset(train.images[:TRAIN_IMAGES], train.labels[:TRAIN_IMAGES], "train48"),
            Dataset(test.images[:VAL_IMAGES], test.labels[:VAL_IMAGES], "val16"))


class Run:
    """Model, optimizer, loaders and a noisy loss (it draws from the RNG, so resume must restore it).

    ``fail(run)`` is called in each loss, ``run.calls`` counting the training batches from 1
    (6 batches an epoch: call 10 is epoch 2, batch 4); ``on_batch`` is passed to fit.
    """

    def __init__(self, digits, init_seed=0, fail=None, on_batch=None):
        tg.manual_seed(init_seed)
        self.model = Autoencoder(code_size=2, num_layers=1, nodes_per_layer=16)
        self.optimizer = optim.Adam(self.model.parameters(), lr=1e-2)
        self.train_loader = DataLoader(digits[0], BATCH, shuffle=True, seed=3)
        self.val_loader = DataLoader(digits[1], BATCH)
        self.fail, self.on_batch, self.calls = fail, on_batch, 0

    def loss(self, batch):
        images = tg.Tensor(batch[0])
        if self.model.training:
            self.calls += 1
        noisy = (images + 0.1 * tg.randn(*images.shape)).clip(0, 1)
        if self.fail is not None:  # after the draw: an interrupted batch has used the RNG already
            self.fail(self)
        return self.model.loss(noisy)

    def fit(self, epochs, out_dir=None, resume=False, **options):
        return fit(self.trainer(), self.train_loader, self.val_loader, epochs=epochs,
                   out_dir=out_dir, resume=resume, seed=11, config={"model": "ae"}, progress=False,
                   verbose=False, on_batch=self.on_batch, **options)

    def trainer(self):
        return GradientTrainer(self.model, self.optimizer, self.loss)

    def weights(self):
        return {name: tensor.numpy().copy() for name, tensor in self.model.state_dict().items()}


def assert_bitwise_equal(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def without_time(history):
    return [{key: value for key, value in row.items() if key != "seconds"} for row in history]


@pytest.fixture(scope="module")
def straight(digits, tmp_path_factory):
    """The reference: 4 epochs without a stop."""
    run = Run(digits)
    history = run.fit(4, out_dir=tmp_path_factory.mktemp("straight"))
    return run.weights(), history


def test_two_epochs_then_resume_equals_four_straight(digits, straight, tmp_path):
    Run(digits).fit(2, out_dir=tmp_path)
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME).epoch == 2
    resumed = Run(digits, init_seed=99)  # other initial weights: everything must come from the checkpoint
    history = resumed.fit(4, out_dir=tmp_path, resume=True)
    assert_bitwise_equal(resumed.weights(), straight[0])
    assert without_time(history) == without_time(straight[1])


def test_resume_without_the_rng_state_would_differ(digits, straight, tmp_path):
    """The check above has teeth: the noise drawn after a resume matters to the weights."""
    Run(digits).fit(2, out_dir=tmp_path)
    resumed = Run(digits)
    checkpoint = load_checkpoint(tmp_path / CHECKPOINT_NAME, model=resumed.model, optimizer=resumed.optimizer)
    tg.manual_seed(11)  # a fresh RNG instead of the saved state
    resumed.train_loader.epoch = checkpoint.epoch
    fit(resumed.trainer(), resumed.train_loader, epochs=2, progress=False, verbose=False)
    assert any(not np.array_equal(a, b) for a, b in zip(resumed.weights().values(), straight[0].values()))


def interrupt_in_loss(run):
    if run.model.training and run.calls == 10:  # epoch 2, batch 4, before its step
        raise KeyboardInterrupt


def interrupt_in_validation(run):
    if not run.model.training and run.calls == 12:  # validating after epoch 2
        raise KeyboardInterrupt


def interrupt_in_callback(epoch, batch, values):
    if (epoch, batch) == (3, 5):  # after the step of epoch 3, batch 5
        raise KeyboardInterrupt


INTERRUPTS = {  # where -> (Run arguments, (epochs done, batches of the next epoch done) in the checkpoint)
    "loss": (dict(fail=interrupt_in_loss), (1, 3)),
    "callback": (dict(on_batch=interrupt_in_callback), (2, 5)),
    "validation": (dict(fail=interrupt_in_validation), (1, 6)),
}


@pytest.mark.parametrize("where", sorted(INTERRUPTS))
def test_interrupted_run_saves_and_resumes_exactly(digits, straight, tmp_path, where):
    arguments, position = INTERRUPTS[where]
    with pytest.raises(KeyboardInterrupt):
        Run(digits, **arguments).fit(4, out_dir=tmp_path)
    saved = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert (saved.epoch, saved.extra["position"]["batch"]) == position

    resumed = Run(digits, init_seed=99)
    history = resumed.fit(4, out_dir=tmp_path, resume=True)
    assert_bitwise_equal(resumed.weights(), straight[0])
    assert without_time(history) == without_time(straight[1])


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(digits, tmp_path):
    reference = Run(digits)
    reference.fit(2)

    def poison(run):
        if run.model.training and run.calls == 15:  # epoch 3, batch 3
            run.model.decoder[0].bias.data[...] = np.nan

    with pytest.raises(NotFinite, match=r"loss became nan at epoch 3, batch 3 of 6.*last good checkpoint"):
        Run(digits, fail=poison).fit(5, out_dir=tmp_path)
    kept = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert kept.epoch == 2
    assert_bitwise_equal(kept.model_state, reference.weights())
    assert [row["epoch"] for row in json.loads((tmp_path / "metrics.json").read_text())["epochs"]] == [1, 2]


def test_metrics_files_hold_every_epoch_and_batch(digits, tmp_path):
    history = Run(digits).fit(3, out_dir=tmp_path)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["epochs"] == history
    assert list(saved["batches"]) == ["loss"] and len(saved["batches"]["loss"]) == 3 * 6
    with open(tmp_path / "metrics.csv") as file:
        rows = list(csv.DictReader(file))
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3]
    assert [float(row["val_loss"]) for row in rows] == [row["val_loss"] for row in history]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["val_loss"] < history[0]["val_loss"]


def test_train_loss_is_the_mean_over_samples_of_the_batch_losses(digits, tmp_path):
    history = Run(digits).fit(1, out_dir=tmp_path)
    batch_losses = json.loads((tmp_path / "metrics.json").read_text())["batches"]["loss"]
    assert history[0]["train_loss"] == pytest.approx(np.mean(batch_losses), rel=1e-12)


def test_progress_bar_shows_on_request_and_is_off_in_ci(digits, capsys, monkeypatch):
    run = Run(digits)
    fit(run.trainer(), run.train_loader, epochs=1, progress=True, verbose=False)
    assert "epoch 1" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    fit(run.trainer(), run.train_loader, epochs=1, progress=None, verbose=True)
    out = capsys.readouterr()
    assert out.err == "" and "epoch 1/1: train_loss" in out.out


def test_runs_without_tqdm(digits, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    run = Run(digits)
    history = fit(run.trainer(), run.train_loader, epochs=1, progress=True, verbose=False)
    assert len(history) == 1 and capsys.readouterr().err == ""


def test_bad_arguments_are_named(digits, tmp_path):
    run = Run(digits)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer, got -1"):
        run.fit(-1)
    with pytest.raises(ValueError, match="checkpoint_every must be a positive integer, got 0"):
        run.fit(1, checkpoint_every=0)
    with pytest.raises(ValueError, match="resume=True needs out_dir"):
        run.fit(1, resume=True)
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*checkpoint.npz"):
        run.fit(1, out_dir=tmp_path, resume=True)



@pytest.mark.parametrize("max_norm", [None, 1e-3, 1e6])
def test_gradient_trainer_clips_the_gradients_norm_before_the_step(max_norm):
    """With SGD the step is -lr * g * min(1, C / |g|): scaled to norm C above it, untouched below."""
    tg.manual_seed(0)
    layer, x = tg.nn.Linear(3, 2), tg.randn(4, 3)
    (layer(x) ** 2).sum().backward()
    raw = [p.grad.numpy().astype(np.float64) for p in layer.parameters()]
    norm = np.sqrt(sum((g ** 2).sum() for g in raw))
    scale = 1.0 if max_norm is None else min(1.0, max_norm / norm)
    assert (scale < 1e-2) == (max_norm == 1e-3)  # the small cap does clip, the large one does not
    before = [p.numpy().astype(np.float64) for p in layer.parameters()]
    trainer = GradientTrainer(layer, optim.SGD(layer.parameters(), lr=0.5), lambda batch: (layer(x) ** 2).sum(),
                              max_grad_norm=max_norm)
    trainer.train_step((None, None))
    for p, b, g in zip(layer.parameters(), before, raw):
        np.testing.assert_allclose(p.numpy(), b - 0.5 * scale * g, rtol=1e-5, atol=1e-7)
