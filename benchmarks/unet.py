"""One training step of the diffusion U-Net (forward, the eps-prediction MSE, backward, Adam) against its
PyTorch twin: same weights, same noisy batch, same time steps and labels, float32.

Run: python benchmarks/unet.py [--batch-size 64] [--base 32] [--steps 5] [--threads 1] [--clock cpu|wall]
                               [--conditional] [--no-attention] [--profile] [--layers]

The two take turns step by step (after a warm-up step each), so a change in the machine's load falls on
both; the table gives the best and the median step. The first step's losses are printed side by side:
the same weights and batch give the same loss to float32 tolerance. Without PyTorch, tinygen alone is timed.
--profile runs tinygen's steps under cProfile and prints the functions with the most own time, then each
Function's forward and backward. --layers times every convolution and GroupNorm (with its SiLU) the U-Net
runs (shapes found by forward hooks), forward and backward on its own, in both frameworks: where a step's
time goes.
"""
import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.autograd import Function
from tinygen.models.diffusion.networks import UNet

from common import CLOCKS, add_clock_option, add_threads_option, blas_threads, optional_torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from torch_unet import torch_twin  # noqa: E402  (the PyTorch twin the equality tests check)


def batch(args, rng):
    """x_t = sqrt(a) x0 + sqrt(1 - a) eps for a random a per image, its time steps, labels and the noise."""
    x0 = rng.uniform(-1, 1, (args.batch_size, 1, 28, 28)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    alpha_bar = rng.uniform(0.01, 0.99, (args.batch_size, 1, 1, 1)).astype(np.float32)
    x_t = np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * noise
    t = rng.integers(0, 1000, args.batch_size)
    labels = rng.integers(0, 11, args.batch_size) if args.conditional else None  # 10: the "no label" class
    return x_t, t, labels, noise


def tinygen_step(unet, args):
    optimizer = optim.Adam(unet.parameters(), lr=2e-4)

    def step(x_t, t, labels, noise):
        optimizer.zero_grad()
        loss = F.mse_loss(unet(tg.tensor(x_t), t, labels), tg.tensor(noise))
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def torch_step(torch, twin):
    optimizer = torch.optim.Adam(twin.parameters(), lr=2e-4)

    def step(x_t, t, labels, noise):
        optimizer.zero_grad()
        y = None if labels is None else torch.from_numpy(labels)
        loss = torch.nn.functional.mse_loss(twin(torch.from_numpy(x_t), torch.from_numpy(t), y), torch.from_numpy(noise))
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


TIMED_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.GroupNorm)


def timed_layers(unet, args):
    """[(layer, input shape, how many layers share both)] of every convolution and GroupNorm in one forward."""
    seen, handles = {}, []
    for module in unet.modules():
        if isinstance(module, TIMED_LAYERS):
            record = lambda m, inputs, output: seen.setdefault((m.describe(), inputs[0].shape), [m]).append(m)
            handles.append(module.register_forward_hook(record))
    with tg.no_grad():
        unet(tg.zeros(args.batch_size, 1, 28, 28), 0, 0 if args.conditional else None)
    for handle in handles:
        handle.remove()
    return [(layers[0], shape, len(layers) - 1) for (_, shape), layers in seen.items()]


def layer_steps(torch, layer, x):
    """(tinygen step, torch step): forward + backward of ``layer`` on x, gradients for x and the parameters.

    A GroupNorm is timed with the SiLU that follows it in every residual block: silu(group_norm(x)).
    """
    arrays = (x, layer.weight.numpy(), layer.bias.numpy())
    if isinstance(layer, nn.GroupNorm):
        ours = lambda x, w, b: F.silu(F.group_norm(x, layer.num_groups, w, b))
        theirs = lambda x, w, b: torch.nn.functional.silu(torch.nn.functional.group_norm(x, layer.num_groups, w, b))
    else:
        transposed = isinstance(layer, nn.ConvTranspose2d)
        options = {"stride": layer.stride, "padding": layer.padding}
        ours = lambda *a: (F.conv_transpose2d if transposed else F.conv2d)(*a, **options)
        functional = torch.nn.functional
        theirs = lambda *a: (functional.conv_transpose2d if transposed else functional.conv2d)(*a, **options)

    def tinygen_step():
        y = ours(*(tg.tensor(a, requires_grad=True) for a in arrays))
        y.backward(tg.ones(*y.shape))

    def torch_step():
        y = theirs(*(torch.tensor(a, requires_grad=True) for a in arrays))
        y.backward(torch.ones_like(y))
    return tinygen_step, torch_step


def time_layers(torch, unet, args, repeats=5):
    """Forward + backward of each layer shape alone, best of ``repeats``, both frameworks; totals per kind."""
    rng, clock = np.random.default_rng(2), CLOCKS[args.clock]
    print(f"each convolution and GroupNorm + SiLU of the U-Net alone, forward + backward, batch {args.batch_size}, "
          f"best of {repeats}, {args.clock} ms (xK: K layers of that shape)")
    totals = {}
    for layer, shape, count in timed_layers(unet, args):
        steps = layer_steps(torch, layer, rng.standard_normal(shape).astype(np.float32))
        best = [min(_seconds(step, clock) for _ in range(repeats)) * 1000 for step in steps]
        kind = "GroupNorm + SiLU" if isinstance(layer, nn.GroupNorm) else "convolutions"
        totals[kind] = [total + count * ms for total, ms in zip(totals.get(kind, [0, 0]), best)]
        print(f"  {layer.describe():57} {str(shape[1:]):14} x{count}  tinygen {best[0]:7.1f}  torch {best[1]:7.1f}  "
              f"ratio {best[0] / best[1]:.2f}")
    for kind, (ours, theirs) in totals.items():
        print(f"  all {kind} of one step: tinygen {ours:.0f} ms, torch {theirs:.0f} ms, ratio {ours / theirs:.2f}")


def _seconds(step, clock):
    start = clock()
    step()
    return clock() - start


def settings(args):
    return {"base_channels": args.base, "num_classes": 10 if args.conditional else None,
            "attention": not args.no_attention}


def time_steps(steps, args):
    """{name: [seconds of each timed step]} with the contenders taking turns on the same batches."""
    rng, clock = np.random.default_rng(0), CLOCKS[args.clock]
    seconds = {name: [] for name in steps}
    for number in range(args.steps + 1):
        data = batch(args, rng)
        losses = {}
        for name, step in steps.items():
            start = clock()
            losses[name] = step(*data)
            if number:  # the first step warms up
                seconds[name].append(clock() - start)
        if number == 0:
            print("first step's loss: " + ", ".join(f"{name} {loss:.6f}" for name, loss in losses.items()))
    return seconds


def _function_classes():
    """{(file, first line) of every Function's forward/backward: (class name, "forward"/"backward")}."""
    found, pending = {}, list(Function.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for method in ("forward", "backward"):
            code = getattr(cls.__dict__.get(method), "__code__", None)
            if code is not None:
                found[(code.co_filename, code.co_firstlineno)] = (cls.__name__, method)
    return found


def profile(step, args, top=25):
    """cProfile (CPU seconds) of tinygen's steps: the top functions by own time, then each Function's forward
    and backward by cumulative time (a backward built from other Functions includes their forwards)."""
    rng, profiler = np.random.default_rng(1), cProfile.Profile(time.process_time)
    data = [batch(args, rng) for _ in range(args.steps)]
    step(*data[0])
    profiler.enable()
    for item in data:
        step(*item)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"\ntinygen under cProfile, {args.steps} steps, {total:.2f} CPU s: own time, top {top}")
    stats.sort_stats("tottime").print_stats(top)
    print("each Function's forward and backward, cumulative CPU seconds per step and share of the step:")
    classes, rows = _function_classes(), []
    for (path, line, _), (_, _, _, cumulative, _) in stats.stats.items():
        if (path, line) in classes:
            rows.append((cumulative, *classes[(path, line)]))
    for cumulative, name, method in sorted(rows, reverse=True)[:top]:
        print(f"  {name:>20}.{method:8} {cumulative / args.steps:7.3f} s  {100 * cumulative / total:5.1f} %")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--base", type=int, default=32, help="the U-Net's base_channels")
    parser.add_argument("--steps", type=int, default=5, help="timed steps (after one warm-up step)")
    parser.add_argument("--conditional", action="store_true", help="a class-conditional U-Net (10 classes)")
    parser.add_argument("--no-attention", action="store_true", help="no self-attention in the middle")
    parser.add_argument("--profile", action="store_true", help="profile tinygen's steps instead of timing both")
    parser.add_argument("--layers", action="store_true",
                        help="time each convolution and GroupNorm shape alone instead (needs PyTorch)")
    add_threads_option(parser)
    add_clock_option(parser, default="cpu")
    args = parser.parse_args()
    torch = optional_torch(args.threads)
    tg.manual_seed(0)
    unet = UNet(**settings(args))
    steps = {"tinygen": tinygen_step(unet, args)}
    if torch is not None:
        steps["torch"] = torch_step(torch, torch_twin(torch, unet, **settings(args)))
    with blas_threads(args.threads):
        if args.profile:
            profile(steps["tinygen"], args)
            return
        if args.layers and torch is not None:
            time_layers(torch, unet, args)
            return
        seconds = time_steps(steps, args)
    summary = {name: (min(values), statistics.median(values)) for name, values in seconds.items()}
    print(f"U-Net {settings(args)} ({nn.parameter_count(unet):,} parameters), batch {args.batch_size}, "
          f"{args.clock} seconds per training step over {args.steps} steps, threads {args.threads or 'default'}:")
    for name, (best, median) in summary.items():
        print(f"  {name:8} best {best:.3f} s, median {median:.3f} s")
    if "torch" in summary:
        ratios = [ours / theirs for ours, theirs in zip(summary["tinygen"], summary["torch"])]
        print(f"  ratio tinygen / torch: best {ratios[0]:.2f}, median {ratios[1]:.2f}")


if __name__ == "__main__":
    main()
