"""Every registered model through the command line: train one short epoch, resume, sample raw arrays,
evaluate as JSON, export to safetensors (and into torch.nn where PyTorch is installed); bad input."""
import json

import numpy as np
import pytest

from cli_run import cli
from tinygen.models import RECIPES
from tinygen.models.recipe import Recipe, register

LIMIT = 256
NAMES = sorted(RECIPES)
# families whose sampling runs a network many times per sample: a small network and few samples keep
# the short run short (their own tests cover the default sizes' code paths)
SHORT = {name: ["-m", "width=8", "-t", "fd_samples=16", "-t", "fd_steps=2", "-t", "eval_samples=16"]
         for name in ("ddpm", "flow-matching")}


def dataset_for(recipe):
    return recipe.defaults.get("dataset", "ring8" if recipe.data == "points" else "mnist-5k")


@pytest.fixture(scope="module")
def runs():
    """name -> run folder, filled by ``trained`` as the tests ask for each model."""
    return {}


def trained(runs, name, tmp_path_factory, capsys):
    """The run folder of model ``name``: trained one epoch, then resumed to two, through the CLI."""
    if name not in runs:
        out = tmp_path_factory.mktemp(name.replace("-", "_")) / "run"
        common = ["--limit", LIMIT, "--no-progress", "--out", out, "--dataset", dataset_for(RECIPES[name]),
                  *SHORT.get(name, [])]
        code, stdout, err = cli(capsys, "train", name, "--epochs", 1, *common)
        assert code == 0, err
        assert "epoch 1/1" in stdout
        code, stdout, err = cli(capsys, "train", name, "--epochs", 2, "--resume", *common)
        assert code == 0, err
        assert "epoch 2/2" in stdout and "epoch 1/" not in stdout
        runs[name] = out
    return runs[name]


@pytest.mark.parametrize("name", NAMES)
def test_every_model_trains_resumes_and_keeps_its_values(name, runs, tmp_path_factory, capsys):
    out = trained(runs, name, tmp_path_factory, capsys)
    metrics = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["epochs"]] == [1, 2]
    named = [key for key in metrics["epochs"][0] if key.startswith("train_")]
    assert named, "the step reported no named values"
    assert all(np.isfinite(row[key]) for row in metrics["epochs"] for key in named)


@pytest.mark.parametrize("name", NAMES)
def test_every_model_samples_raw_arrays(name, runs, tmp_path_factory, capsys, tmp_path):
    recipe = RECIPES[name]
    out = trained(runs, name, tmp_path_factory, capsys)
    code, _, err = cli(capsys, "sample", out, "--n", 7, "--out", tmp_path / "x.npy", "--seed", 3)
    assert code == 0, err
    samples = np.load(tmp_path / "x.npy")
    assert samples.dtype == np.float32 and len(samples) == 7 and np.isfinite(samples).all()
    if dataset_for(recipe) in ("ring8", "grid25"):   # a recipe with data="any" trains on either
        assert samples.shape == (7, 2)
    else:
        assert samples.ndim == 3 and samples.min() >= 0 and samples.max() <= 1
    cli(capsys, "sample", out, "--n", 7, "--out", tmp_path / "again.npy", "--seed", 3)
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), samples)  # the seed decides
    code, _, err = cli(capsys, "sample", out, "--n", 5, "--out", tmp_path / "x.npz")
    assert code == 0, err
    with np.load(tmp_path / "x.npz") as saved:
        assert saved["samples"].shape[0] == 5
        assert ("labels" in saved.files) == recipe.conditional


@pytest.mark.parametrize("name", NAMES)
def test_every_model_evaluates_as_one_json_object(name, runs, tmp_path_factory, capsys):
    out = trained(runs, name, tmp_path_factory, capsys)
    code, stdout, err = cli(capsys, "evaluate", out, "--json")
    assert code == 0, err
    report = json.loads(stdout)  # stdout holds that object and nothing else
    assert report["model"] == name and report["metrics"]
    assert all(isinstance(v, float) and np.isfinite(v) for v in report["metrics"].values())


@pytest.mark.parametrize("name", NAMES)
def test_every_model_exports_safetensors_with_its_state_dict_keys(name, runs, tmp_path_factory, capsys, tmp_path):
    safetensors = pytest.importorskip("safetensors.numpy")
    out = trained(runs, name, tmp_path_factory, capsys)
    code, _, err = cli(capsys, "export", out, "--out", tmp_path / "w.safetensors")
    assert code == 0, err
    exported = safetensors.load_file(str(tmp_path / "w.safetensors"))
    with np.load(out / "checkpoint.npz") as checkpoint:
        saved = {key[len("model/"):]: checkpoint[key] for key in checkpoint.files if key.startswith("model/")}
    assert exported.keys() == saved.keys()
    for key in saved:
        np.testing.assert_array_equal(exported[key], saved[key])


def test_the_autoencoder_export_loads_into_torch_and_gives_the_same_output(runs, tmp_path_factory, capsys,
                                                                           tmp_path):
    """The README's example: tinygen's weights in the equivalent torch.nn module."""
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from tinygen.checkpoint import load_checkpoint
    from tinygen.models import Autoencoder
    from tinygen.autograd import Tensor
    out = trained(runs, "ae", tmp_path_factory, capsys)
    cli(capsys, "export", out, "--out", tmp_path / "ae.safetensors")
    nn = torch.nn
    twin = nn.Module()
    twin.encoder = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32))
    twin.decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784))
    twin.load_state_dict(safetensors_torch.load_file(str(tmp_path / "ae.safetensors")))
    images = np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32)
    expected = torch.sigmoid(twin.decoder(twin.encoder(torch.from_numpy(images).reshape(5, -1)))).reshape(5, 1, 28, 28)
    model = Autoencoder()
    load_checkpoint(out / "checkpoint.npz", model=model)
    np.testing.assert_allclose(model(Tensor(images)).numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)


BAD_INPUT = {
    "unknown sample suffix": (["sample", "{run}", "--out", "{tmp}/x.jpg"], "the suffix must be one of .png, .npy, .npz"),
    "label for an unconditional model": (["sample", "{run}", "--label", "3", "--out", "{tmp}/x.png"],
                                         "model 'ae' is not conditional"),
    "run folder of another model": (["train", "tiny-points", "--resume", "--out", "{run}"],
                                    "was made for model 'ae', not 'tiny-points'"),
    "images model on points": (["train", "ae", "--dataset", "ring8", "--out", "{tmp}/r"],
                               "model 'ae' takes images, but dataset 'ring8' holds points"),
    "evaluate on another shape": (["evaluate", "{run}", "--dataset", "digits"],
                                  "trained on examples of shape \\(1, 28, 28\\); dataset 'digits.*' holds \\(1, 8, 8\\)"),
    "reconstruct on another shape": (["reconstruct", "{run}", "--dataset", "digits", "--out", "{tmp}/r.png"],
                                     "trained on examples of shape"),
    "reconstruct suffix": (["reconstruct", "{run}", "--out", "{tmp}/r.jpg"], "name the file \\*.png"),
    "latent into a file": (["latent", "{run}", "--out", "{tmp}/file.txt"], "is a file; give a folder"),
    "export suffix": (["export", "{run}", "--out", "{tmp}/w.pt"], "name the file \\*.safetensors"),
    "out is a file": (["train", "ae", "--out", "{tmp}/file.txt"], "--out .*file.txt is a file"),
    "a .npy as checkpoint": (["evaluate", "{tmp}/file.npy"], "is not a checkpoint"),
    "unknown train arg": (["train", "ae", "-t", "momentum=0.9", "--out", "{tmp}/r"],
                          "-t momentum: no such setting; this model takes: none"),
    "unknown model arg": (["train", "ae", "-m", "size=2", "--out", "{tmp}/r"],
                          "-m size: no such setting; this model takes: code_size=32"),
    "import of mis-shaped weights": (["import", "ae", "-m", "code_size=8", "--from", "{tmp}/ae.safetensors",
                                      "--out", "{tmp}/imported"], "wrong shape|encoder.2.weight"),
    "import from a missing file": (["import", "ae", "--from", "{tmp}/none.safetensors", "--out", "{tmp}/i"],
                                   "no weights file at"),
}


@pytest.fixture
def tiny_points_recipe():
    """A model of points, registered only for the test of a run folder made by another model."""
    from tinygen.models.autoencoders.recipe import adam_trainer
    recipe = register(Recipe(name="tiny-points", summary="test only", build=lambda data_shape: None,
                             trainer=adam_trainer, data="points"))
    yield recipe
    RECIPES.pop("tiny-points")


@pytest.mark.parametrize("name", NAMES)
def test_weights_saved_by_torch_come_in_by_name_for_every_model(name, runs, tmp_path_factory, capsys, tmp_path):
    """The way in: a state_dict of torch tensors under tinygen's (= PyTorch's) key names, saved by
    safetensors.torch, becomes a run whose model holds exactly those values and samples or evaluates."""
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from tinygen.checkpoint import load_checkpoint
    out = trained(runs, name, tmp_path_factory, capsys)
    with np.load(out / "checkpoint.npz") as checkpoint:
        shapes = {key[len("model/"):]: checkpoint[key] for key in checkpoint.files if key.startswith("model/")}
    generator = torch.Generator().manual_seed(0)
    weights = {key: (torch.randn(value.shape, generator=generator) * 0.05).to(getattr(torch, str(value.dtype)))
               if value.dtype.kind == "f" else torch.from_numpy(value.copy()) for key, value in shapes.items()}
    for key in weights:  # a variance is positive: a negative one makes batch norm's samples NaN, which are refused
        if key.endswith("running_var"):
            weights[key] = weights[key].abs() + 0.5
    safetensors_torch.save_file(weights, str(tmp_path / "torch.safetensors"))
    config = load_checkpoint(out / "checkpoint.npz").config
    model_args = [f"-m{key}={value!r}" for key, value in config["model_args"].items()]
    code, _, err = cli(capsys, "import", name, "--from", tmp_path / "torch.safetensors", "--out", tmp_path / "run",
                       "--dataset", config["dataset"], *model_args)
    assert code == 0, err
    with np.load(tmp_path / "run" / "checkpoint.npz") as imported:
        for key, value in weights.items():
            np.testing.assert_array_equal(imported["model/" + key], value.numpy())
    command = ["sample", tmp_path / "run", "--n", 4, "--out", tmp_path / "s.npy"] if RECIPES[name].sample else \
        ["evaluate", tmp_path / "run", "--json"]
    code, _, err = cli(capsys, *command)
    assert code == 0, err


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_a_message_and_no_traceback(case, runs, tmp_path_factory, capsys, tmp_path,
                                                           tiny_points_recipe):
    import re
    if "digits" in BAD_INPUT[case][0]:
        pytest.importorskip("sklearn")  # the 8x8 digits come with scikit-learn
    run = trained(runs, "ae", tmp_path_factory, capsys)
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "file.npy").write_bytes(b"\x93NUMPY")
    if "safetensors" in " ".join(BAD_INPUT[case][0]):
        pytest.importorskip("safetensors")
        cli(capsys, "export", run, "--out", tmp_path / "ae.safetensors")
    argv, message = BAD_INPUT[case]
    argv = [a.replace("{run}", str(run)).replace("{tmp}", str(tmp_path)) for a in argv]
    code, _, err = cli(capsys, *argv)
    assert code == 2, err
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_a_lesson_refuses_an_out_that_is_a_file(tmp_path, capsys):
    from tinygen.lesson import setup
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(SystemExit) as exit:
        setup("lessons/07_autoencoder.py", ["--out", str(tmp_path / "file.txt")])
    assert exit.value.code == 2 and "is a file; give a folder" in capsys.readouterr().err


def test_overwrite_clears_the_previous_runs_files_first(runs, tmp_path_factory, capsys, tmp_path):
    import shutil
    run = tmp_path / "run"
    shutil.copytree(trained(runs, "ae", tmp_path_factory, capsys), run)
    (run / "latent_scatter.png").write_bytes(b"from an earlier run")
    code, _, err = cli(capsys, "train", "ae", "--epochs", 1, "--limit", 64, "--no-progress", "--overwrite",
                       "--out", run)
    assert code == 0, err
    assert not (run / "latent_scatter.png").exists()  # a 32-number code draws no latent maps
    assert json.loads((run / "metrics.json").read_text())["epochs"][-1]["epoch"] == 1


def test_many_samples_go_to_npy_in_batches_and_the_picture_is_capped(runs, tmp_path_factory, capsys, tmp_path):
    run = trained(runs, "ae", tmp_path_factory, capsys)
    code, out, err = cli(capsys, "sample", run, "--n", 2500, "--out", tmp_path / "many.png")
    assert code == 0, err
    assert "shows the first 400 of 2500 samples" in out
    code, _, err = cli(capsys, "sample", run, "--n", 2500, "--out", tmp_path / "many.npy")
    assert code == 0 and np.load(tmp_path / "many.npy").shape == (2500, 28, 28)
