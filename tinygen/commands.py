"""What each command of ``tinygen`` does, for any model: every model-specific step is its recipe's.

The parser lives in tinygen/cli.py; these functions take its parsed arguments. A mistake of the user
(a name, a file, a setting) is a ``UsageError``: one message, exit code 2, never a traceback
(tinygen/console.py turns every failure into one line). A model whose samples or metrics come out
NaN or infinite is refused (``NotFinite``, exit code 1), never reported as a result.
"""
import json
from pathlib import Path

from tinygen import backend
from tinygen.backend import numpy  # host arrays: files and pictures
from tinygen.checkpoint import load_checkpoint, save_checkpoint
from tinygen.console import UsageError
from tinygen.data import DataLoader, describe_datasets
from tinygen.finite import NotFinite
from tinygen.likelihood_kind import likelihood_fields
from tinygen.models import RunData, get_recipe
from tinygen.models.recipe import check_data
from tinygen.progress import heartbeat
from tinygen.train import CHECKPOINT_NAME, Interrupted, fit
from tinygen.weights import load_safetensors, save_safetensors
EVAL_BATCH = 500
RUN_OUTPUTS = (CHECKPOINT_NAME, "metrics.json", "metrics.csv", "*.png")  # what --overwrite clears


RETRAIN = "the run's weights are not fit to use: train it again with a lower learning rate"


# --- train ------------------------------------------------------------------------------------
def command_train(args):
    recipe = get_recipe(args.model)
    out = Path(args.out or f"runs/{args.model}")
    try:
        model, run, history = train(args, recipe, out)
    except Interrupted as stop:
        raise Interrupted(f"{stop}; to continue, run the same command with --resume") from None
    except KeyboardInterrupt:  # before the loop had begun
        kept = (f"{out / CHECKPOINT_NAME} is as it was: resume with the same command" if args.resume else
                "nothing was saved, so there is nothing to resume: run the command again to start")
        raise KeyboardInterrupt(f"interrupted before training began; {kept}") from None
    print(f"checkpoint: {out / CHECKPOINT_NAME}\nmetrics:    {out / 'metrics.json'}, {out / 'metrics.csv'}")
    if recipe.figures is not None and figures_possible():
        try:
            paths = recipe.figures(model, run, history)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(f"interrupted while drawing the figures; the trained run is saved in "
                                    f"{out / CHECKPOINT_NAME}") from None
        print("figures:    " + ", ".join(str(path) for path in paths))


def train(args, recipe, out):
    """(model, RunData, history) of the run the command line asks for, trained by ``fit``."""
    settings = training_settings(args, recipe, out)
    try:
        backend.set_backend(args.backend)
    except RuntimeError as error:
        raise UsageError(f"--backend {args.backend}: {error}") from None
    backend.manual_seed(settings["seed"])
    run = RunData(settings, args.data_dir, out)
    check_data(recipe, run.train)
    settings["data_shape"] = list(run.train.images.shape[1:])
    model = build_model(recipe, settings)
    trainer = recipe.trainer(model, run)
    if not args.resume:
        clear_run_folder(out)
    epoch_end = None if recipe.epoch_end is None else (lambda epoch: recipe.epoch_end(model, run, epoch))
    print(f"training {recipe.name} on {run.train.name} ({len(run.train)} train / {len(run.test)} test) "
          f"for {settings['epochs']} epochs into {out}")
    history = fit(trainer, DataLoader(run.train, settings["batch_size"], shuffle=True, seed=settings["seed"]),
                  DataLoader(run.test, EVAL_BATCH), epochs=settings["epochs"], out_dir=out,
                  resume=args.resume, config=settings, checkpoint_every=args.checkpoint_every,
                  progress=False if args.no_progress else None, on_epoch_end=epoch_end)
    return model, run, history


def figures_possible():
    """True where matplotlib is installed; else says once that the figures are skipped, and why."""
    from importlib.util import find_spec
    if find_spec("matplotlib") is not None:
        return True
    print("figures:    skipped: matplotlib is not installed (pip install -e \".[plot]\" draws them)")
    return False


def training_settings(args, recipe, out):
    """The run's settings: the command line over the recipe's and tinygen's defaults (a fresh run), or
    the checkpoint's (a resumed run, which must agree with whatever the command line repeats)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the run (it is created if missing)")
    given = {"dataset": args.dataset, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
             "limit": args.limit, "model": args.model, "model_args": dict(args.model_arg) or None,
             "train_args": dict(args.train_arg) or None}
    checkpoint_path = out / CHECKPOINT_NAME
    if args.resume:
        return resumed_settings(args, recipe, given, checkpoint_path)
    if checkpoint_path.is_file() and not args.overwrite:
        raise UsageError(f"{out} already holds a run ({checkpoint_path}); add --resume to continue it, "
                         "--overwrite to start it again, or choose another --out")
    defaults = {key: value for key, (value, _) in recipe.training_defaults().items()}
    settings = {key: defaults.get(key) if value is None else value for key, value in given.items()}
    settings["epochs"] = args.epochs or defaults["epochs"]
    settings["model_args"] = checked(recipe.model_options, settings["model_args"])
    settings["train_args"] = checked(recipe.training_options, settings["train_args"])
    return settings


def resumed_settings(args, recipe, given, checkpoint_path):
    """The settings of the run in ``checkpoint_path``, which the command line may repeat but not change;
    ``--epochs`` (more than the epochs done) is the only one it may raise."""
    if args.overwrite:
        raise UsageError("--resume continues the run and --overwrite starts it again: give one of them")
    if not checkpoint_path.is_file():
        raise UsageError(f"--resume: there is no checkpoint at {checkpoint_path}; start the run without "
                         "--resume (or point --out at the run folder)")
    checkpoint = load_checkpoint(checkpoint_path, expected_model=args.model)
    saved, done = checkpoint.config, checkpoint.epoch
    given = resolved_like(recipe, given, saved)
    for key, value in given.items():
        if value is not None and value != saved.get(key):
            raise UsageError(f"--resume keeps the run's settings: {key} was {saved.get(key)!r}, "
                             f"the command line says {value!r}; drop the option or start a new run")
    epochs = args.epochs or saved["epochs"]
    if epochs <= done:
        asked = f"--epochs {epochs}" if args.epochs else f"its own {epochs} epochs"
        raise UsageError(f"--resume: the run in {checkpoint_path.parent} has done {done} epochs already, so "
                         f"{asked} would leave nothing to do; give --epochs {done + 1} or more to train on")
    return {**saved, "epochs": epochs}


def checked(resolve, given):
    """Every -m (or -t) setting, the given ones over the recipe's defaults; a refused one is a UsageError."""
    try:
        return resolve(given or {})
    except ValueError as error:
        raise UsageError(str(error)) from None


def resolved_like(recipe, given, saved):
    """``given`` with its -m / -t settings resolved over the saved run's, so that a repeated setting compares
    equal however it was typed (2 and 2.0, a list and a tuple)."""
    resolved = dict(given)
    for key, resolve in (("model_args", recipe.model_options), ("train_args", recipe.training_options)):
        if given[key] is not None:
            before = checked(resolve, saved.get(key))
            after = checked(resolve, {**before, **given[key]})
            resolved[key] = None if after == before else after
    return resolved


def build_model(recipe, settings):
    """The recipe's model for the run's data shape and -m settings (a checkpoint written before a setting
    existed gets the setting's default)."""
    return recipe.build(tuple(settings["data_shape"]), **checked(recipe.model_options, settings["model_args"]))


def clear_run_folder(out):
    """Remove what an earlier run wrote into ``out`` (its checkpoint, metrics and figures)."""
    for pattern in RUN_OUTPUTS:
        for path in out.glob(pattern):
            path.unlink()


# --- the commands on a trained run ---------------------------------------------------------------
def trained_model(location, data_dir=None, dataset=None):
    """(recipe, model, RunData) of the run a checkpoint (or a run folder's checkpoint.npz) holds."""
    path = Path(location)
    path = path / CHECKPOINT_NAME if path.is_dir() else path
    if not path.is_file():
        raise UsageError(f"no checkpoint at {path}; train one first, e.g. `tinygen train ae --out runs/ae` "
                         "writes runs/ae/checkpoint.npz")
    if path.suffix != ".npz":
        raise UsageError(f"{path} is not a checkpoint: give a run folder or its checkpoint.npz")
    config = load_checkpoint(path).config
    recipe = get_recipe(config.get("model"))
    model = build_model(recipe, config)
    load_checkpoint(path, model=model)
    model.eval()
    return recipe, model, RunData(config, data_dir, path.parent, dataset)


def command_evaluate(args):
    recipe, model, run = trained_model(args.location, args.data_dir, args.dataset)
    if recipe.evaluate is None:
        raise UsageError(f"model {recipe.name!r} has no evaluation")
    check_shape(recipe, run.test, run.settings)
    backend.manual_seed(args.seed)
    with heartbeat("evaluate"):
        metrics = {name: float(value) for name, value in recipe.evaluate(model, run).items()}
    bad = [name for name, value in metrics.items() if not numpy.isfinite(value)]
    if bad:
        raise NotFinite(bad[0], metrics[bad[0]], detail=f"evaluate refuses a metric that is not finite; {RETRAIN}")
    if args.json:
        print(json.dumps({"model": recipe.name, "dataset": run.dataset, "metrics": metrics,
                          **likelihood_fields(recipe, metrics)}))
        return
    print(f"{recipe.name} on the test split of {run.test.name} ({len(run.test)} examples):")
    for name, value in metrics.items():
        print(f"  {name:<24} {value:.6g}")


def check_shape(recipe, dataset, settings):
    """UsageError when ``dataset``'s examples differ in shape from those the run trained on."""
    check_data(recipe, dataset)
    trained_on = tuple(settings["data_shape"])
    if tuple(dataset.images.shape[1:]) != trained_on:
        raise UsageError(f"the run was trained on examples of shape {trained_on}; dataset {dataset.name!r} "
                         f"holds {tuple(dataset.images.shape[1:])}: use a dataset like the run's "
                         f"({settings['dataset']!r})")


def command_reconstruct(args):
    require_png(args.out)
    recipe, model, run = trained_model(args.location, args.data_dir, args.dataset)
    if recipe.reconstruct is None:
        raise UsageError(f"model {recipe.name!r} does not reconstruct its input")
    check_shape(recipe, run.test, run.settings)
    images = run.test.images[:args.n]
    reconstructed = recipe.reconstruct(model, run, images)
    if isinstance(reconstructed, dict):  # rows to show, e.g. noisy / denoised / clean; the error is the 2nd row's
        rows = list(reconstructed.values())
        error = float(numpy.mean((rows[1] - images) ** 2))
        load_plot().image_grid(numpy.concatenate(rows), args.out, ncols=len(images),
                               title="rows: " + ", ".join(reconstructed))
    else:
        error = float(numpy.mean((reconstructed - images) ** 2))
        load_plot().reconstructions(images, reconstructed, args.out, n=len(images))
    print(f"mean squared error per pixel on the first {len(images)} test images of {run.dataset}: {error:.5f}")
    print(f"wrote {args.out}")


def require_png(out):
    if Path(out).suffix.lower() != ".png":
        raise UsageError(f"--out {out}: this command draws a PNG picture; name the file *.png")


def command_latent(args):
    if Path(args.out).is_file() and Path(args.out).suffix.lower() != ".png":
        raise UsageError(f"--out {args.out} is a file; give a folder for the maps (or a .png)")
    recipe, model, run = trained_model(args.location, args.data_dir)
    if recipe.latent is None:
        raise UsageError(f"model {recipe.name!r} has no latent space to map")
    load_plot()
    paths = recipe.latent(model, run, Path(args.out))
    print("wrote " + ", ".join(str(path) for path in paths))


def command_export(args):
    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise UsageError(f"--out {out}: export writes the safetensors format; name the file *.safetensors")
    recipe, model, _ = trained_model(args.location)
    try:
        save_safetensors(model, out, metadata={"tinygen_model": recipe.name})
    except ImportError as error:   # safetensors is the optional export extra
        raise UsageError(str(error)) from None
    print(f"wrote {len(model.state_dict())} tensors of {recipe.name} "
          f"({sum(value.size for value in model.state_dict().values()):,} numbers) to {out}")


def command_import(args):
    """A run folder from weights saved elsewhere (PyTorch's safetensors.torch.save_file of the twin's
    state_dict): the model built with the run's -m settings for the dataset's examples, then loaded."""
    recipe = get_recipe(args.model)
    out = Path(args.out)
    if (out / CHECKPOINT_NAME).is_file() and not args.overwrite:
        raise UsageError(f"{out} already holds a run; add --overwrite to replace it, or choose another --out")
    defaults = {key: value for key, (value, _) in recipe.training_defaults().items()}
    settings = {**defaults, "dataset": args.dataset or defaults["dataset"], "model": recipe.name,
                "model_args": checked(recipe.model_options, dict(args.model_arg)),
                "train_args": checked(recipe.training_options, {}), "epochs": 0, "imported_from": str(args.weights)}
    run = RunData(settings, args.data_dir, out)
    check_data(recipe, run.test)
    settings["data_shape"] = list(run.test.images.shape[1:])
    model = build_model(recipe, settings)
    try:
        load_safetensors(model, args.weights)
    except ImportError as error:   # safetensors is the optional export extra
        raise UsageError(str(error)) from None
    save_checkpoint(out / CHECKPOINT_NAME, model, epoch=0, config=settings)
    print(f"imported {len(model.state_dict())} tensors from {args.weights} into {out / CHECKPOINT_NAME}: "
          f"`tinygen evaluate {out}`, `tinygen sample {out}` use them")


# --- listing -----------------------------------------------------------------------------------
def command_datasets(args):
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise UsageError(f"--data-dir {args.data_dir} is not a folder; give the folder that holds the IDX files")
    rows = describe_datasets(args.data_dir)
    width = max(len(name) for name, _, _ in rows)
    for name, available, where in rows:
        print(f"{name:<{width}}  {'available' if available else 'missing  '}  {where}")


def command_lessons(args, lessons_dir):
    lessons = sorted(lessons_dir.glob("[0-9][0-9]_*.py"))
    if not lessons:
        print(f"no lessons found in {lessons_dir} (they come with a clone of the repository)")
    for lesson in lessons:
        print(f"{lesson.stem:<28} {first_line(lesson)}")


def first_line(path):
    """The first line of a file's docstring (or of its first comment): what the lesson is about."""
    for line in path.read_text().splitlines():
        text = line.strip()
        for quotes in ('"""', "'''"):
            text = text.removeprefix(quotes).removesuffix(quotes)
        text = text.lstrip("# ").strip()
        if text and not text.startswith(("%%", "!")):
            return text
    return ""


def load_plot():
    try:
        from tinygen import plot
    except ImportError as error:
        raise UsageError(f"figures need matplotlib ({error}); install it with pip install -e '.[plot]'") from None
    return plot
