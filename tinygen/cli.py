"""The command line: ``python -m tinygen COMMAND`` (or the ``tinygen`` script).

    tinygen train ae --epochs 5 --out runs/ae     train, checkpoint, metrics and figures in runs/ae
    tinygen train ae --epochs 10 --out runs/ae --resume     go on to epoch 10, as if never stopped
    tinygen evaluate runs/ae --json               the trained model's test metrics
    tinygen sample runs/ae --n 64 --out grid.png  samples: .png a grid, .npy / .npz the raw arrays
    tinygen reconstruct runs/ae --out recon.png   test images next to their reconstructions
    tinygen latent runs/ae --out maps/            the latent space of a model with a 2-D code
    tinygen export runs/ae --out ae.safetensors   every network's weights, PyTorch's key names
    tinygen compare runs/rbm runs/vae runs/made   likelihoods (with their kind) beside sample quality
    tinygen import ae --from w.safetensors --out runs/ae2   weights PyTorch saved, into a run
    tinygen datasets                              what data there is and where its files are
    tinygen lessons                               the numbered lessons, one line each

This file only parses: every command is a function in tinygen/commands.py (sample: sample_command.py), and everything specific
to a model is its recipe's (tinygen/models/recipe.py). Nothing ends in a traceback (tinygen/console.py):
a mistake in the arguments ends with a message that says what to do and exit code 2; a training run
that diverges, or a disk that refuses, with exit code 1; Ctrl-C with 130. TINYGEN_DEBUG=1 shows the
traceback.
"""
import argparse
import ast
import sys
from functools import partial
from pathlib import Path

from tinygen import commands, compare, sample_command
from tinygen.console import run_command
from tinygen.course import add_course_commands
from tinygen.models import RECIPES
from tinygen.models.recipe import TRAINING_DEFAULTS

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


# --- argument types ----------------------------------------------------------------------------
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


def key_value(text):
    """KEY=VALUE with VALUE a Python literal (2, [256, 128], 'bce', True) or else a plain string."""
    key, equals, value = text.partition("=")
    if not equals or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"must look like KEY=VALUE (e.g. code_size=2), got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


# --- the parser --------------------------------------------------------------------------------
def build_parser():
    parser = argparse.ArgumentParser(prog="tinygen", description="Train and explore the generative models of "
                                     "the course (run `tinygen COMMAND --help` for each command).")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(subparsers)
    _add_evaluate(subparsers)
    _add_sample(subparsers)
    _add_reconstruct(subparsers)
    _add_latent(subparsers)
    _add_export(subparsers)
    _add_compare(subparsers)
    _add_import(subparsers)
    datasets = subparsers.add_parser("datasets", help="list the datasets, whether they are here, and where",
                                     description="List every dataset, whether its files are available "
                                     "offline, and where they are.")
    datasets.add_argument("--data-dir", help="also look in this folder for IDX files (default: $TINYGEN_DATA)")
    datasets.set_defaults(run=commands.command_datasets)
    lessons = subparsers.add_parser("lessons", help="list the numbered lessons with one line each",
                                    description=f"List the lessons in {LESSONS_DIR} (run one with "
                                    "`python lessons/NAME.py`).")
    lessons.set_defaults(run=partial(commands.command_lessons, lessons_dir=LESSONS_DIR))
    add_course_commands(subparsers)
    return parser


def _model_arguments_help():
    """Every model with the -m arguments it takes and their real defaults."""
    lines = []
    for name, recipe in sorted(RECIPES.items()):
        arguments = ", ".join(f"{key}={option.default!r}" for key, option in recipe.options.items())
        extra = ", ".join(f"{key}={option.default!r}" for key, option in recipe.train_options.items())
        lines.append(f"  {name}: {recipe.summary}\n      -m {arguments or '(none)'}" +
                     (f"\n      -t {extra}" if extra else ""))
    return ("models, their -m arguments and -t training arguments with their defaults "
            "(`tinygen train MODEL --help` gives one model's settings with their rules):\n" + "\n".join(lines))


def model_settings_help(name):
    """One model's settings: every training default, -m and -t setting, its value, rule and where it comes from."""
    recipe = RECIPES[name]
    rows = [(f"--{key.replace('_', '-')}", value, source, "")
            for key, (value, source) in recipe.training_defaults().items()]
    rows += [(f"-m {key}", option.default, f"model {name}", option.rule) for key, option in recipe.options.items()]
    rows += [(f"-t {key}", option.default, f"model {name}", option.rule)
             for key, option in recipe.train_options.items()]
    width = max(len(flag) + len(repr(value)) for flag, value, _, _ in rows) + 2
    lines = [f"  {f'{flag}={value!r}':<{width}} from {source:<14} {rule}" for flag, value, source, rule in rows]
    return f"{name}: {recipe.summary}\nits settings (default, where the default comes from, the rule):\n" + \
        "\n".join(lines)


def _add_train(subparsers):
    defaults = TRAINING_DEFAULTS
    train = subparsers.add_parser(
        "train", help="train a model; write checkpoint, metrics and figures",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_model_arguments_help(),
        description="Train MODEL on a dataset. OUT gets checkpoint.npz (after every epoch, and on Ctrl-C), "
        "metrics.json and metrics.csv, and the model's PNG figures. --resume continues OUT's run up to "
        "--epochs in all, with the settings it was started with; the result equals an uninterrupted run "
        "bit for bit. Defaults not given below are the model's own (see the list at the end).")
    train.add_argument("model", metavar="MODEL", choices=sorted(RECIPES), help=f"one of: {', '.join(sorted(RECIPES))}")
    train.add_argument("--dataset", help=f"dataset name (default: the model's, usually {defaults['dataset']}, "
                       "shipped, offline; `tinygen datasets` lists them)")
    train.add_argument("--data-dir", help="folder holding IDX files for mnist / fashion-mnist")
    train.add_argument("--epochs", type=positive_int, help=f"epochs in all (default: the model's, usually "
                       f"{defaults['epochs']})")
    train.add_argument("--batch-size", type=positive_int, help=f"default: the model's, usually {defaults['batch_size']}")
    train.add_argument("--lr", type=positive_float, help=f"learning rate (default: the model's, usually {defaults['lr']})")
    train.add_argument("--seed", type=non_negative_int, help="seeds weights, shuffling and noise (default 0)")
    train.add_argument("--limit", type=positive_int,
                       help="use only the first N examples of each split (quick trials and tests)")
    train.add_argument("--model-arg", "-m", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                       help="an argument of the model, repeatable (the list at the end has each model's)")
    train.add_argument("--train-arg", "-t", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                       help="a training argument of the model (its optimizer, say), repeatable")
    train.add_argument("--out", help="run folder (default runs/MODEL)")
    train.add_argument("--resume", action="store_true", help="continue the run in OUT from its checkpoint")
    train.add_argument("--overwrite", action="store_true", help="start afresh even if OUT holds a run (its "
                       "checkpoint, metrics and figures are removed first)")
    train.add_argument("--backend", choices=["numpy", "cupy"], default="numpy", help="default numpy")
    train.add_argument("--checkpoint-every", type=positive_int, default=1, help="epochs between checkpoints")
    train.add_argument("--no-progress", action="store_true", help="no progress bar, and no progress lines (off "
                       "a terminal, or with CI=true, a line every 10 s stands in for the bar)")
    train.set_defaults(run=commands.command_train)


def _run_argument(parser, name="run"):
    parser.add_argument("location", metavar=name.upper(), help="a run folder, or the checkpoint.npz in it")
    parser.add_argument("--data-dir", help="where the run's dataset lives, if not shipped")


def _add_evaluate(subparsers):
    evaluate = subparsers.add_parser(
        "evaluate", help="print a trained model's test metrics",
        description="Print the trained model's metrics on the test split (README lists each model's keys). "
        "With --json, stdout holds one JSON object {\"model\", \"dataset\", \"metrics\": {name: number}} and "
        "nothing else.")
    _run_argument(evaluate)
    evaluate.add_argument("--dataset", help="evaluate on another dataset with examples of the same shape")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    evaluate.add_argument("--seed", type=non_negative_int, default=0, help="seeds any sampling (default 0)")
    evaluate.set_defaults(run=commands.command_evaluate)


def _add_sample(subparsers):
    sample = subparsers.add_parser(
        "sample", help="draw samples: a grid picture, or the raw arrays",
        description="Draw N samples from a trained model. --out FILE.png saves a grid (at most "
        f"{sample_command.GRID_MAX} images) or, for 2-D points, a scatter; FILE.npy the raw samples as float32 "
        "((N, H, W) images in [0, 1], or (N, 2) points); FILE.npz the samples and, for a conditional model, "
        "their labels. A plain autoencoder is NOT a generative model: nothing made its codes follow a known "
        "distribution, so tinygen draws codes from a normal distribution fitted to the codes of the run's "
        "training images, and many samples fall in the gaps between clusters and look like no digit. A VAE "
        "fixes exactly this.")
    _run_argument(sample, "checkpoint")
    sample.add_argument("--n", type=positive_int, default=64, help="how many samples (default 64)")
    sample.add_argument("--out", default="samples.png", help="a .png, .npy or .npz file (default samples.png)")
    sample.add_argument("--seed", type=non_negative_int, default=0, help="default 0")
    sample.add_argument("--label", type=non_negative_int, help="for a conditional model: the class to draw")
    sample.add_argument("--sampler", help="how to step from noise to image (models that sample in steps)")
    sample.add_argument("--steps", type=positive_int, help="how many steps the sampler takes")
    sample.add_argument("--guidance", type=float, metavar="W", help="classifier-free guidance weight w >= 0 "
                        "(conditional models that sample in steps)")
    sample.epilog = "defaults of the models that take these options (None: the model's own choice): " + "; ".join(
        f"{name}: " + ", ".join(f"--{option} {default}" for option, default in options.items())
        for name, options in sample_command.sampling_defaults().items())
    sample.set_defaults(run=sample_command.command_sample)


def _add_reconstruct(subparsers):
    reconstruct = subparsers.add_parser(
        "reconstruct", help="test images next to their reconstructions",
        description="Encode and decode the first N test images of a dataset; save originals above "
        "reconstructions and print the mean squared error per pixel.")
    _run_argument(reconstruct, "checkpoint")
    reconstruct.add_argument("--dataset", help="default: the dataset the run trained on")
    reconstruct.add_argument("--n", type=positive_int, default=16, help="how many images (default 16)")
    reconstruct.add_argument("--out", default="reconstructions.png", help="PNG to write")
    reconstruct.set_defaults(run=commands.command_reconstruct)


def _add_latent(subparsers):
    latent = subparsers.add_parser(
        "latent", help="map a 2-D latent space: codes by class, and decoded grid",
        description="For a model with a 2-D latent space: the test images' codes coloured by class, and "
        "the images decoded from a grid of codes, written into the folder OUT.")
    _run_argument(latent)
    latent.add_argument("--out", default=".", help="folder for the maps (default: here)")
    latent.set_defaults(run=commands.command_latent)


def _add_export(subparsers):
    export = subparsers.add_parser(
        "export", help="write the weights as safetensors, with PyTorch's key names",
        description="Write every network's state_dict (PyTorch's key names, e.g. encoder.0.weight) to a "
        ".safetensors file, which torch.nn modules of the same layout load (see the README).")
    export.add_argument("location", metavar="RUN", help="a run folder, or the checkpoint.npz in it")
    export.add_argument("--out", required=True, help="the .safetensors file to write")
    export.set_defaults(run=commands.command_export)


def _add_compare(subparsers):
    parser = subparsers.add_parser(
        "compare", help="trained runs side by side: likelihood (and its kind) beside sample quality",
        description="For each run: its test likelihood with its kind (exact, upper bound, estimate), in nats "
        "of the binarized test images or bits per dimension of the 8-bit ones; its training time; its "
        "parameters; and the FD of its samples. Prints a Markdown table (or JSON rows with --json).")
    parser.add_argument("locations", metavar="RUN", nargs="+", help="run folders (or their checkpoint.npz)")
    parser.add_argument("--data-dir", help="where the runs' dataset lives, if not shipped")
    parser.add_argument("--samples", type=non_negative_int, default=1000,
                        help="samples drawn for each run's FD (default 1000; 0: no FD)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seeds evaluation and sampling (default 0)")
    parser.add_argument("--json", action="store_true", help="a JSON list of rows on stdout")
    parser.set_defaults(run=compare.command_compare)
def _add_import(subparsers):
    weights_in = subparsers.add_parser(
        "import", help="make a run from weights saved by PyTorch (safetensors, PyTorch's key names)",
        description="Build MODEL (with its -m settings) for the dataset's examples, load the tensors of "
        "WEIGHTS (e.g. written by safetensors.torch.save_file(twin.state_dict(), ...)) into it, refusing a "
        "missing, extra or mis-shaped key by name, and write OUT/checkpoint.npz for evaluate, sample, "
        "reconstruct, latent and export.")
    weights_in.add_argument("model", metavar="MODEL", choices=sorted(RECIPES), help=f"one of: {', '.join(sorted(RECIPES))}")
    weights_in.add_argument("--from", dest="weights", required=True, help="the .safetensors file to read")
    weights_in.add_argument("--out", required=True, help="run folder to write")
    weights_in.add_argument("--dataset", help="the data the model is for (default: the model's)")
    weights_in.add_argument("--data-dir", help="folder holding IDX files for mnist / fashion-mnist")
    weights_in.add_argument("--model-arg", "-m", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                            help="the model's settings, as for train")
    weights_in.add_argument("--overwrite", action="store_true", help="replace a run already in OUT")
    weights_in.set_defaults(run=commands.command_import)


# --- entry point -------------------------------------------------------------------------------
def _asks_model_help(argv):
    """`tinygen train MODEL --help` (or -h): that model's settings, not the whole command's help."""
    return len(argv) >= 3 and argv[0] == "train" and argv[1] in RECIPES and ({"-h", "--help"} & set(argv[2:]))



def main(argv=None):
    """Run ``tinygen ARGV``; returns the exit code (argparse's own mistakes exit 2 through SystemExit)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if _asks_model_help(argv):
        print(model_settings_help(argv[1]))
        return 0
    program = ["tinygen"]  # becomes "tinygen COMMAND" once the command is known, for the messages

    def work():
        args = build_parser().parse_args(argv)
        program[0] = f"tinygen {args.command}"
        return args.run(args)
    return run_command(work, lambda: program[0])


if __name__ == "__main__":
    sys.exit(main())
