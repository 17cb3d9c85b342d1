"""Diffusion and flow matching on mnist-5k: what sampling costs, and the quality a CPU budget buys.

    python benchmarks/diffusion.py sampling --width 32 --threads 1
        CPU seconds per 1,000 images for each sampler and step count, from the cost of one network call
        (untrained weights: the cost does not depend on them); with --conditional, guidance doubles each call
    python benchmarks/diffusion.py budget --model flow-matching --conditional --budget 600 --width 16 --threads 1
        train until --budget CPU seconds are spent (checked after every batch), then FD, classifier score
        (class accuracy) of --samples samples in tinygen's classifier, at --sampler / --steps / --guidance;
        --report-at 600 1800 measures on the way too; --save NAME.npz keeps the weights at each report
    python benchmarks/diffusion.py weights --model flow-matching --conditional --width 16 --weights NAME_3600s.npz
        the same measurement of saved weights, at another --sampler / --steps / --guidance

CPU seconds are time.process_time of this process (fair on a shared machine with --threads 1).
"""
import argparse
import time
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen import plot
from tinygen.checkpoint import load_checkpoint, save_checkpoint
from tinygen.data import load_dataset
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models import RunData, get_recipe

from common import add_threads_option, blas_threads, shuffled_batches

GRID = {"ddpm": [("ddpm", 1000), ("ddim", 100), ("ddim", 50), ("ddim", 20), ("ddim", 5)],
        "flow-matching": [("euler", 50), ("euler", 20), ("euler", 5), ("heun", 25), ("heun", 10), ("heun", 5)]}


def build(args, model):
    tg.manual_seed(args.seed)
    return get_recipe(model).model((1, 28, 28), width=args.width, conditional=args.conditional, ema=args.ema)


def sampling(args):
    """CPU seconds per 1,000 images for each sampler and step count: the cost of one network call on --n
    images (the mean of --calls calls, the weight average's network as sampling uses it) times the calls
    each sampler makes (guidance doubles the batch of each call). One short run of each sampler, timed
    whole, checks that the samplers' own arithmetic adds little."""
    print(f"| model | sampler | steps | network calls | CPU s / 1000 images (width {args.width}, "
          f"{'conditional, w = 1' if args.conditional else 'unconditional'}) |\n|---|---|---|---|---|")
    labels = np.arange(args.n) % 10 if args.conditional else None
    guidance = 1.0 if args.conditional else 0.0
    checks = []
    for model_name, rows in GRID.items():
        model = build(args, model_name)
        model.eval()
        x = tg.randn(args.n, 1, 28, 28)
        call = (lambda: model.predict_noise(x, np.full(args.n, 500), labels, guidance)) if model_name == "ddpm" \
            else (lambda: model.velocity(x, 0.5, labels, guidance))
        call()
        started = time.process_time()
        for _ in range(args.calls):
            call()
        per_call = (time.process_time() - started) / args.calls * 1000 / args.n
        for sampler, steps in rows:
            calls = steps * (2 if sampler == "heun" else 1)
            print(f"| {model_name} | {sampler} | {steps} | {calls} | {calls * per_call:.0f} |", flush=True)
        for sampler in dict.fromkeys(sampler for sampler, _ in rows):
            started = time.process_time()
            model.sample(args.n, labels, sampler=sampler, steps=5, guidance=guidance)
            whole = (time.process_time() - started) * 1000 / args.n
            checks.append(f"{model_name} {sampler} 5 steps timed whole: {whole:.0f} CPU s / 1000 images, "
                          f"calls x cost {5 * (2 if sampler == 'heun' else 1) * per_call:.0f}")
    print("\n".join(checks))


def budget(args):
    """Train --model until --budget CPU seconds; measure the samples' quality on crossing each --report-at
    mark and at the end (the sampling is not counted in the budget)."""
    train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
    recipe = get_recipe(args.model)
    model = build(args, args.model)
    trainer = recipe.trainer(model, RunData({"lr": args.lr}))
    quality = SampleQuality(test_set.images)
    print(f"tinygen {args.model} (width {args.width}, conditional {args.conditional}, ema {args.ema}) on mnist-5k, "
          f"batch {args.batch_size}, Adam lr {args.lr}, until {args.budget} CPU s", flush=True)
    loader, spent, steps, epoch = shuffled_batches(train_set, args.batch_size), 0.0, 0, 0
    marks = sorted(mark for mark in args.report_at if mark < args.budget) + [args.budget]
    while marks:
        loader.epoch = epoch
        for batch in loader:
            start = time.process_time()
            loss = trainer.train_step(batch)["loss"]
            spent, steps = spent + time.process_time() - start, steps + 1
            if steps % 50 == 0:
                print(f"step {steps:5d} (epoch {epoch + 1})  CPU {spent:7.1f} s  loss {loss:.4f}", flush=True)
            if spent >= marks[0]:
                report(args, model, quality, steps, spent, f"{marks[0]:.0f}s")
                marks = [mark for mark in marks if mark > spent]
                if not marks:
                    break
        epoch += 1


def report(args, model, quality, steps, spent, mark):
    """FD, classifier score (and class accuracy) of --samples samples; the weights into --save's file and
    100 samples into --grid's, the CPU mark added to each name."""
    labels = np.arange(args.samples) % 10 if args.conditional else None
    guidance = args.guidance if args.conditional else 0.0
    started = time.process_time()
    images = model.sample(args.samples, labels, sampler=args.sampler, steps=args.steps, guidance=guidance).numpy()
    sampled = time.process_time() - started
    result = quality.evaluate(images, labels)
    print(f"after {steps} steps ({spent:.0f} CPU s of training): {args.samples} samples by {args.sampler} "
          f"{args.steps} steps, w = {guidance} in {sampled:.0f} CPU s: "
          + ", ".join(f"{name} {value:.3f}" for name, value in result.items()), flush=True)
    if args.save:
        path = Path(args.save)
        save_checkpoint(path.with_name(f"{path.stem}_{mark}.npz"), model, config={"steps": steps, "cpu_s": spent})
    if args.grid:
        shown = np.repeat(np.arange(10), 10) if args.conditional else None
        grid = model.sample(100, shown, sampler=args.sampler, steps=args.steps, guidance=guidance).numpy()
        path = Path(args.grid)
        plot.image_grid(grid, str(path.with_name(f"{path.stem}_{mark}{path.suffix}")), ncols=10,
                        title=f"{args.model}, {spent:.0f} CPU s")


def weights(args):
    """Quality of saved weights (--weights, written by budget --save) at --sampler / --steps / --guidance."""
    model = build(args, args.model)
    checkpoint = load_checkpoint(args.weights, model)
    quality = SampleQuality(load_dataset("mnist-5k", "test").images)
    tg.manual_seed(args.seed)
    report(args, model, quality, checkpoint.config["steps"], checkpoint.config["cpu_s"],
           f"{checkpoint.config['cpu_s']:.0f}s_{args.sampler}{args.steps}_w{args.guidance:g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=["sampling", "budget", "weights"])
    parser.add_argument("--model", choices=sorted(GRID), default="flow-matching", help="budget: the model")
    parser.add_argument("--width", type=int, default=32, help="the U-Net's base channels")
    parser.add_argument("--conditional", action="store_true", help="labels, classifier-free guidance")
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=64, help="sampling: images per network call")
    parser.add_argument("--calls", type=int, default=5, help="sampling: network calls timed per model")
    parser.add_argument("--budget", type=float, default=600, help="budget: CPU seconds of training")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--samples", type=int, default=2000, help="budget: samples behind FD and scores")
    parser.add_argument("--sampler", default="heun", help="budget: ddpm / ddim (ddpm), euler / heun (flow-matching)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--guidance", type=float, default=1.0, help="budget: w for a conditional model")
    parser.add_argument("--report-at", type=float, nargs="*", default=[],
                        help="budget: also measure on crossing these CPU seconds")
    parser.add_argument("--save", default=None, help="budget: the weights at each report (NAME_600s.npz)")
    parser.add_argument("--weights", default=None, help="weights: a file that budget --save wrote")
    parser.add_argument("--grid", default=None, help="budget: save 100 samples at each report (NAME_600s.png)")
    add_threads_option(parser)
    args = parser.parse_args()
    with blas_threads(args.threads):
        {"sampling": sampling, "budget": budget, "weights": weights}[args.task](args)


if __name__ == "__main__":
    main()
