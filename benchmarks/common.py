"""What the benchmark scripts share: their command-line options, thread limits, the optional PyTorch,
seeded initial weights for both frameworks, epoch-by-epoch turns and a cProfile of one epoch.

The scripts run as ``python benchmarks/NAME.py``, which puts this folder on sys.path for ``import common``.
A run (one per framework) has ``train_step(images, labels)``, one optimizer step on one batch; ``args``
below are the options of ``training_parser``.
"""
import argparse
import contextlib
import cProfile
import pstats
import time

import tinygen as tg
from tinygen.data import DataLoader


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def add_clock_option(parser, default):
    """``--clock cpu|wall``: CPU seconds of this process (robust on a shared machine with one thread per
    framework: waiting for a core is left out) or wall-clock seconds."""
    parser.add_argument("--clock", choices=sorted(CLOCKS), default=default, help="what a time counts")


def add_threads_option(parser):
    """``--threads N``: the thread count both frameworks get (PyTorch's intra-op pool, NumPy's BLAS)."""
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both frameworks (default: each library's own choice)")


def training_parser(description, epochs):
    """The options of a training benchmark: --epochs (default ``epochs``), --batch-size, --lr, --threads, --profile."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    add_threads_option(parser)
    parser.add_argument("--profile", action="store_true", help="run one tinygen epoch under cProfile")
    return parser


def blas_threads(count):
    """A context limiting NumPy's BLAS to ``count`` threads (a no-op without threadpoolctl or count)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=count, user_api="blas") if count else contextlib.nullcontext()


def optional_torch(threads):
    """PyTorch limited to ``threads`` intra-op threads when given, or None where it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    if threads:
        torch.set_num_threads(threads)
    return torch


def seeded_start(threads, torch_model_of, tinygen_model_of):
    """(torch, its model, the state_dict both frameworks start from), both seeded with 0.

    With PyTorch the start is its model's initial weights as NumPy copies; without, torch and its model are None.
    """
    torch = optional_torch(threads)
    tg.manual_seed(0)
    if torch is None:
        return None, None, tinygen_model_of().state_dict()
    torch.manual_seed(0)
    torch_model = torch_model_of(torch)
    state = {key: value.detach().numpy().copy() for key, value in torch_model.state_dict().items()}
    return torch, torch_model, state


def shuffled_batches(train_set, batch_size):
    """The loader every benchmark trains with; its fixed seed makes each epoch's order repeatable."""
    return DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=0)


def seconds_per_epoch(runs, train_set, epochs, batch_size, clock=time.perf_counter):
    """{name: [seconds of each epoch]} of ``runs`` {name: run} trained side by side.

    The runs take turns epoch by epoch, so a change in the machine's load falls on all of them.
    ``clock=time.process_time`` counts this process's CPU seconds instead of wall-clock ones (on a
    machine shared with other work, with one thread per framework, that leaves out the waiting).
    """
    loader = shuffled_batches(train_set, batch_size)
    seconds = {name: [] for name in runs}
    for epoch in range(epochs):
        for name, run in runs.items():
            loader.epoch = epoch  # every run meets this epoch's batches in the same order
            start = clock()
            for images, labels in loader:
                run.train_step(images, labels)
            seconds[name].append(clock() - start)
    return seconds


def train_side_by_side(runs, train_set, test_set, score, args):
    """{name: (seconds of each epoch, score(run, test_set) after training)}, under the --threads limit,
    timed by ``args.clock`` when the script offers --clock (wall-clock otherwise)."""
    with blas_threads(args.threads):
        clock = CLOCKS[getattr(args, "clock", "wall")]
        seconds = seconds_per_epoch(runs, train_set, args.epochs, args.batch_size, clock)
        return {name: (seconds[name], score(run, test_set)) for name, run in runs.items()}


def profile_one_epoch(run, train_set, args, top):
    """Train ``run`` one epoch under cProfile and print its ``top`` functions by own time."""
    profiler = cProfile.Profile()
    loader = shuffled_batches(train_set, args.batch_size)
    with blas_threads(args.threads):
        profiler.enable()
        for images, labels in loader:
            run.train_step(images, labels)
        profiler.disable()
    print(f"\ntinygen, one epoch under cProfile (top {top} by own time):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
