"""The command line: ``python -m tinygen COMMAND`` (or the ``tinygen`` script).

    tinygen train ae --epochs 5 --out runs/ae     train, checkpoint, metrics and figures in runs/ae
    tinygen train ae --epochs 10 --out runs/ae --resume     go on to epoch 10, as if never stopped
    tinygen sample runs/ae --n 64 --out grid.png  decode random codes (see `tinygen sample --help`)
    tinygen reconstruct runs/ae --out recon.png   test images next to their reconstructions
    tinygen datasets                              what data there is and where its files are
    tinygen lessons                               the numbered lessons, one line each

A mistake in the arguments (an unknown model or dataset, a missing folder or checkpoint, a bad
number) ends with a message that says what to do, and exit code 2.
"""
import argparse
import ast
import contextlib
import inspect
import sys
from pathlib import Path

import numpy

from tinygen import backend
from tinygen.autograd import Tensor, no_grad
from tinygen.checkpoint import load_checkpoint
from tinygen.course import add_course_commands
from tinygen.data import DataLoader, Dataset, describe_datasets, load_dataset
from tinygen.models import MODELS, build_model
from tinygen.optim import Adam
from tinygen.train import CHECKPOINT_NAME, LossNotFinite, fit

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
USAGE_ERROR, DIVERGED, INTERRUPTED = 2, 1, 130
TRAINING_DEFAULTS = {"dataset": "mnist-5k", "batch_size": 64, "lr": 1e-3, "seed": 0, "limit": None}
EVAL_BATCH = 500


class UsageError(Exception):
    """A mistake on the command line: printed as one message, exit code 2."""


class Diverged(Exception):
    """The loss became NaN or infinite: printed as one message, exit code 1."""


@contextlib.contextmanager
def usage_errors():
    """Turn the ValueErrors of reading the user's input (names, files, settings) into UsageErrors."""
    try:
        yield
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        raise UsageError(str(error)) from None


# --- arguments ---------------------------------------------------------------------------------
def positive_int(text):
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text):
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def positive_float(text):
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {'an integer' if kind is int else 'a number'}, got {text!r}")


def model_argument(text):
    """KEY=VALUE with VALUE a Python literal (2, [256, 128], 'bce') or else a plain string."""
    key, equals, value = text.partition("=")
    if not equals or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"must look like KEY=VALUE (e.g. code_size=2), got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def build_parser():
    parser = argparse.ArgumentParser(prog="tinygen", description="Train and explore the generative models of "
                                     "the course (run `tinygen COMMAND --help` for each command).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(commands)
    _add_sample(commands)
    _add_reconstruct(commands)
    datasets = commands.add_parser("datasets", help="list the datasets, whether they are here, and where",
                                   description="List every dataset, whether its files are available offline, "
                                   "and where they are.")
    datasets.add_argument("--data-dir", help="also look in this folder for IDX files (default: $TINYGEN_DATA)")
    commands.add_parser("lessons", help="list the numbered lessons with one line each",
                        description=f"List the lessons in {LESSONS_DIR} (run one with `python lessons/NAME.py`).")
    add_course_commands(commands)
    return parser


def _add_train(commands):
    train = commands.add_parser(
        "train", help="train a model; write checkpoint, metrics and figures",
        description="Train MODEL on a dataset. OUT gets checkpoint.npz (after every epoch, and on Ctrl-C), "
        "metrics.json and metrics.csv, and PNG figures (loss curves, reconstructions, samples, and for a "
        "2-D code the latent scatter and manifold). --resume continues OUT's run up to --epochs in all, "
        "with the settings it was started with; the result equals an uninterrupted run bit for bit.")
    train.add_argument("model", metavar="MODEL", choices=sorted(MODELS), help=f"one of: {', '.join(sorted(MODELS))}")
    train.add_argument("--dataset", help=f"dataset name (default {TRAINING_DEFAULTS['dataset']}, shipped, "
                       "offline; `tinygen datasets` lists them)")
    train.add_argument("--data-dir", help="folder holding IDX files for mnist / fashion-mnist")
    train.add_argument("--epochs", type=positive_int, default=10, help="epochs in all (default 10)")
    train.add_argument("--batch-size", type=positive_int, help="default 64")
    train.add_argument("--lr", type=positive_float, help="Adam's learning rate (default 1e-3)")
    train.add_argument("--seed", type=non_negative_int, help="seeds weights, shuffling and noise (default 0)")
    train.add_argument("--limit", type=positive_int,
                       help="use only the first N images of each split (quick trials and tests)")
    train.add_argument("--model-arg", "-m", type=model_argument, action="append", default=[], metavar="KEY=VALUE",
                       help="a constructor argument of the model, repeatable; for ae: code_size=2, "
                       "num_layers=2, nodes_per_layer=[256,128], loss=mse")
    train.add_argument("--out", help="run folder (default runs/MODEL)")
    train.add_argument("--resume", action="store_true", help="continue the run in OUT from its checkpoint")
    train.add_argument("--overwrite", action="store_true", help="start afresh even if OUT holds a run")
    train.add_argument("--backend", choices=["numpy", "cupy"], default="numpy", help="default numpy")
    train.add_argument("--checkpoint-every", type=positive_int, default=1, help="epochs between checkpoints")
    train.add_argument("--no-progress", action="store_true", help="no progress bar (also off when not a "
                       "terminal or when CI=true)")
    train.set_defaults(run=command_train)


def _add_sample(commands):
    sample = commands.add_parser(
        "sample", help="decode random codes into a grid of images",
        description="Decode N random codes with a trained model and save them as a grid. A plain autoencoder "
        "is NOT a generative model: nothing made its codes follow a known distribution, so tinygen draws "
        "codes from a normal distribution fitted to the codes of the run's training images, and many "
        "samples fall in the gaps between clusters and look like no digit. A VAE fixes exactly this.")
    sample.add_argument("checkpoint", metavar="CHECKPOINT", help="a checkpoint.npz or a run folder holding one")
    sample.add_argument("--n", type=positive_int, default=64, help="how many samples (default 64)")
    sample.add_argument("--out", default="samples.png", help="PNG to write (default samples.png)")
    sample.add_argument("--seed", type=non_negative_int, default=0, help="default 0")
    sample.add_argument("--data-dir", help="where the run's dataset lives, if not shipped")
    sample.set_defaults(run=command_sample)


def _add_reconstruct(commands):
    reconstruct = commands.add_parser(
        "reconstruct", help="test images next to their reconstructions",
        description="Encode and decode the first N test images of a dataset; save originals above "
        "reconstructions and print the mean squared error per pixel.")
    reconstruct.add_argument("checkpoint", metavar="CHECKPOINT", help="a checkpoint.npz or a run folder holding one")
    reconstruct.add_argument("--dataset", help="default: the dataset the run trained on")
    reconstruct.add_argument("--data-dir", help="folder holding IDX files for mnist / fashion-mnist")
    reconstruct.add_argument("--n", type=positive_int, default=16, help="how many images (default 16)")
    reconstruct.add_argument("--out", default="reconstructions.png", help="PNG to write")
    reconstruct.set_defaults(run=command_reconstruct)


# --- commands ----------------------------------------------------------------------------------
def command_train(args):
    out = Path(args.out or f"runs/{args.model}")
    with usage_errors():
        settings = _training_settings(args, out)
        backend.set_backend(args.backend)
        backend.manual_seed(settings["seed"])
        train, test = _datasets(settings["dataset"], args.data_dir, settings["limit"])
        model = _model(settings["model"], settings["model_args"])
    optimizer = Adam(model.parameters(), lr=settings["lr"])
    train_loader = DataLoader(train, settings["batch_size"], shuffle=True, seed=settings["seed"])
    test_loader = DataLoader(test, EVAL_BATCH)
    print(f"training {settings['model']} on {train.name} ({len(train)} train / {len(test)} test images) "
          f"for {args.epochs} epochs into {out}")
    try:
        history = fit(model, optimizer, lambda batch: model.loss(Tensor(batch[0])), train_loader, test_loader,
                      epochs=args.epochs, out_dir=out, resume=args.resume, config=settings,
                      checkpoint_every=args.checkpoint_every, progress=False if args.no_progress else None)
    except LossNotFinite as error:
        raise Diverged(str(error)) from None
    figures = write_figures(model, history, train, test, out)
    print(f"checkpoint: {out / CHECKPOINT_NAME}\nmetrics:    {out / 'metrics.json'}, {out / 'metrics.csv'}")
    print("figures:    " + ", ".join(str(path) for path in figures))


def _training_settings(args, out):
    """The run's settings: from the command line (fresh run) or the checkpoint (resume, which must agree)."""
    given = {"dataset": args.dataset, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
             "limit": args.limit, "model": args.model, "model_args": dict(args.model_arg) or None}
    checkpoint_path = out / CHECKPOINT_NAME
    if args.resume:
        if not checkpoint_path.is_file():
            raise UsageError(f"--resume: there is no checkpoint at {checkpoint_path}; start the run without "
                             "--resume (or point --out at the run folder)")
        saved = load_checkpoint(checkpoint_path, expected_model=args.model).config
        for key, value in given.items():
            if value is not None and value != saved.get(key):
                raise UsageError(f"--resume keeps the run's settings: {key} was {saved.get(key)!r}, "
                                 f"the command line says {value!r}; drop the option or start a new run")
        return saved
    if checkpoint_path.is_file() and not args.overwrite:
        raise UsageError(f"{out} already holds a run ({checkpoint_path}); add --resume to continue it, "
                         "--overwrite to start it again, or choose another --out")
    settings = {key: TRAINING_DEFAULTS.get(key) if value is None else value for key, value in given.items()}
    settings["model_args"] = settings["model_args"] or {}
    return settings


def _datasets(name, data_dir, limit):
    """(train, test) Datasets, each cut to its first ``limit`` images when a limit is given."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise UsageError(f"--data-dir {data_dir} is not a folder; give the folder that holds the IDX files "
                         "(`tinygen datasets` shows where tinygen looks)")
    splits = [load_dataset(name, split, data_dir=data_dir) for split in ("train", "test")]
    if limit is None:
        return splits
    return [Dataset(d.images[:limit], d.labels[:limit], f"{d.name}[:{limit}]") for d in splits]


def _model(name, model_args):
    try:
        return build_model(name, **model_args)
    except TypeError:
        accepted = [p for p in inspect.signature(MODELS[name]).parameters]
        raise UsageError(f"model {name!r} takes the arguments {', '.join(accepted)}; got "
                         f"{', '.join(sorted(model_args))}") from None


def command_sample(args):
    with usage_errors():
        model, checkpoint = _trained_model(args.checkpoint)
        config = checkpoint.config
        train_images = None if hasattr(model, "sample") else _datasets(
            config["dataset"], args.data_dir, config.get("limit"))[0].images
    backend.manual_seed(args.seed)
    _plot().image_grid(sample_images(model, args.n, train_images), args.out,
                       title=f"{args.n} samples from {config['model']}")
    print(f"wrote {args.out}")


def command_reconstruct(args):
    with usage_errors():
        model, checkpoint = _trained_model(args.checkpoint)
        name = args.dataset or checkpoint.config["dataset"]
        _, test = _datasets(name, args.data_dir, args.n)
    reconstructed = reconstruct(model, test.images)
    error = float(numpy.mean((reconstructed - test.images) ** 2))
    _plot().reconstructions(test.images, reconstructed, args.out, n=len(test))
    print(f"mean squared error per pixel on the first {len(test)} test images of {name}: {error:.5f}")
    print(f"wrote {args.out}")


def _trained_model(location):
    """The model a checkpoint (or a run folder's checkpoint.npz) holds, rebuilt from its config."""
    path = Path(location)
    path = path / CHECKPOINT_NAME if path.is_dir() else path
    if not path.is_file():
        raise UsageError(f"no checkpoint at {path}; train one first, e.g. `tinygen train ae --out runs/ae` "
                         "writes runs/ae/checkpoint.npz")
    config = load_checkpoint(path).config
    if config.get("model") not in MODELS:
        raise UsageError(f"{path} was made for model {config.get('model')!r}, which this tinygen does not know")
    model = build_model(config["model"], **config.get("model_args", {}))
    checkpoint = load_checkpoint(path, model=model)
    model.eval()
    return model, checkpoint


def command_datasets(args):
    rows = describe_datasets(args.data_dir)
    width = max(len(name) for name, _, _ in rows)
    for name, available, where in rows:
        print(f"{name:<{width}}  {'available' if available else 'missing  '}  {where}")


def command_lessons(args):
    lessons = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))
    if not lessons:
        print(f"no lessons found in {LESSONS_DIR} (they come with a clone of the repository)")
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


# --- what a trained model shows ------------------------------------------------------------------
def reconstruct(model, images):
    """Host array of the model's reconstructions of host ``images`` (N, 1, 28, 28), in batches."""
    model.eval()
    with no_grad():
        parts = [backend.to_numpy(model(Tensor(backend.to_backend(images[i:i + EVAL_BATCH]))).data)
                 for i in range(0, len(images), EVAL_BATCH)]
    return numpy.concatenate(parts)


def decode(model, codes):
    """Host array of the images the model decodes from host ``codes``."""
    with no_grad():
        return backend.to_numpy(model.decode(Tensor(backend.to_backend(codes))).data)


def encode(model, images):
    model.eval()
    with no_grad():
        parts = [backend.to_numpy(model.encode(Tensor(backend.to_backend(images[i:i + EVAL_BATCH]))).data)
                 for i in range(0, len(images), EVAL_BATCH)]
    return numpy.concatenate(parts)


def sample_images(model, n, train_images=None):
    """``n`` decoded random codes: from the model's own prior if it has one (``model.sample``), else (a plain
    autoencoder) from a normal distribution fitted to the codes of ``train_images``."""
    if hasattr(model, "sample"):
        with no_grad():
            return backend.to_numpy(model.sample(n).data)
    codes = encode(model, train_images)
    noise = backend.generator_for("numpy").standard_normal((n, codes.shape[1]))
    random_codes = (codes.mean(axis=0) + noise * codes.std(axis=0)).astype(codes.dtype)
    return decode(model, random_codes)


def write_figures(model, history, train, test, out):
    """The PNGs of a finished run; returns their paths."""
    plot, out, shown = _plot(), Path(out), test.images[:10]
    paths = [out / "loss_curves.png", out / "reconstructions.png", out / "samples.png"]
    curves = {"train": [row["train_loss"] for row in history], "test": [row["val_loss"] for row in history]}
    plot.loss_curves(curves, paths[0])
    plot.reconstructions(shown, reconstruct(model, shown), paths[1])
    plot.image_grid(sample_images(model, 64, train.images), paths[2], title="decoded random codes")
    if getattr(model, "code_size", None) == 2:
        codes = encode(model, test.images)
        paths += [out / "latent_scatter.png", out / "latent_manifold.png"]
        plot.latent_scatter(codes, test.labels, paths[3], title="test images' 2-D codes, coloured by digit")
        span = float(numpy.percentile(numpy.abs(codes), 99))  # a square that holds nearly every code
        plot.latent_manifold(lambda z: decode(model, z), paths[4], span=span)
    return paths


def _plot():
    try:
        from tinygen import plot
    except ImportError as error:
        raise UsageError(f"figures need matplotlib ({error}); install it with pip install -e '.[plot]'") from None
    return plot


# --- entry point -------------------------------------------------------------------------------
def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None) or {"datasets": command_datasets, "lessons": command_lessons}[args.command]
    try:
        run(args)
    except UsageError as error:
        parser.exit(USAGE_ERROR, f"tinygen {args.command}: error: {error}\n")
    except Diverged as error:
        parser.exit(DIVERGED, f"tinygen {args.command}: {error}\n")
    except KeyboardInterrupt:
        advice = "; continue with the same command and --resume" if args.command == "train" else ""
        parser.exit(INTERRUPTED, f"tinygen {args.command}: interrupted{advice}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
