"""GANs on mnist-5k, tinygen against PyTorch: epoch time and sample quality after the same budget.

    python benchmarks/gans.py --model dense --epochs 10 --seeds 0 1 2 --threads 1
    python benchmarks/gans.py --model dcgan --width 32 --epochs 10 --seeds 0 1 2 --threads 1 --grid dcgan.png
    python benchmarks/gans.py --budget 300 --model dcgan --width 32     (tinygen alone, 5 CPU-minutes)

Same start for both frameworks: tinygen builds and initializes the networks from the seed, PyTorch
gets a copy of those weights (tests/torch_gan.py builds the twin); the same noise (one NumPy
generator per seed, one draw per step) and the same batches in the same order. Only the dense
discriminator's dropout masks differ (each framework draws its own). The frameworks take turns epoch
by epoch, so a change in the machine's load falls on both. Times are CPU seconds of this process
(time.process_time: fair on a shared machine as long as --threads 1) and wall seconds.
Quality: tinygen's FD and classifier score (README, "Sample quality") of 2,000 samples drawn from the
same fixed noise, against mnist-5k's 1,000 test digits.
"""
import sys
import time
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen.autograd import Tensor
from tinygen.data import load_dataset
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models import RunData, get_recipe
from tinygen.models.gan.recipe import adam_pair
from tinygen.nn.weight_average import ExponentialMovingAverage

from common import add_threads_option, blas_threads, optional_torch, shuffled_batches

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from torch_gan import TorchGAN  # noqa: E402  (the PyTorch twin the equality tests check)

SAMPLES = 2000
BUILDERS = {"dense": get_recipe("gan").model, "dcgan": get_recipe("dcgan").model, "cgan": get_recipe("cgan").model}


class TinygenRun:
    def __init__(self, gan, noise, lr=2e-4, lr_d=None):
        self.gan, self.trainer = gan, adam_pair(gan, RunData({"lr": lr, "train_args": {"lr_d": lr_d}}))
        gan.noise = lambda n: Tensor(noise(n))  # the benchmark's noise, the same PyTorch gets

    def train_step(self, images, labels):
        self.trainer.train_step((images, labels))

    def sample(self, noise, labels, average=True):
        return self.gan.sample(len(noise), labels, noise=Tensor(noise), average=average).numpy()


class TorchRun:
    def __init__(self, torch, gan, noise):
        self.torch, self.twin, self.noise = torch, TorchGAN(torch, gan), noise

    def train_step(self, images, labels):
        self.twin.train_step(images, labels, self.noise(len(images)))

    def sample(self, noise, labels):
        generator = self.twin.generator.eval()
        extra = () if labels is None else (
            self.torch.nn.functional.one_hot(self.torch.from_numpy(labels), 10).float(),)
        with self.torch.no_grad():
            images = generator(self.torch.from_numpy(noise), *extra).numpy()
        generator.train()
        return (images + 1) / 2


def noise_source(seed, latent_dim=100):
    rng = np.random.default_rng(seed)
    return lambda n: rng.standard_normal((n, latent_dim), dtype=np.float32)


def quality_of(run, quality, conditional, **options):
    noise = np.random.default_rng(12345).standard_normal((SAMPLES, 100), dtype=np.float32)
    labels = np.arange(SAMPLES) % 10 if conditional else None
    return quality.evaluate(run.sample(noise, labels, **options), labels)


def train_in_turns(runs, train_set, epochs, batch_size=64):
    """{name: [(cpu seconds, wall seconds) per epoch]}; the runs take turns epoch by epoch."""
    loader = shuffled_batches(train_set, batch_size)
    times = {name: [] for name in runs}
    for epoch in range(epochs):
        for name, run in runs.items():
            loader.epoch = epoch
            cpu, wall = time.process_time(), time.perf_counter()
            for images, labels in loader:
                run.train_step(images, labels)
            times[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    return times


def compare(args, torch, train_set, quality):
    print(f"{args.model} on mnist-5k ({len(train_set)} images), batch 64, Adam 2e-4 (0.5, 0.999), "
          f"{args.epochs} epochs, threads {args.threads}\n")
    print(f"{'seed':>4} {'framework':<9} {'median CPU s/epoch':>18} {'median wall s/epoch':>19} {'FD':>8} {'score':>6}")
    ratios = []
    for seed in args.seeds:
        tg.manual_seed(seed)
        gan = BUILDERS[args.model]((1, 28, 28), **({"width": args.width} if args.model != "dense" else {}))
        runs = {"pytorch": TorchRun(torch, gan, noise_source(seed))} if torch is not None else {}
        runs["tinygen"] = TinygenRun(gan, noise_source(seed))  # after the twin copied the initial weights
        times = train_in_turns(runs, train_set, args.epochs)
        for name, run in runs.items():
            cpu, wall = np.median(np.array(times[name]), axis=0)
            result = quality_of(run, quality, gan.conditional)
            print(f"{seed:>4} {name:<9} {cpu:>18.2f} {wall:>19.2f} {result['fd']:>8.1f} {result['classifier_score']:>6.2f}",
                  flush=True)
            if args.grid:
                save_grid(run, gan.conditional, Path(args.grid).with_name(f"{Path(args.grid).stem}_{name}_seed{seed}.png"))
        if torch is not None:
            ratios.append(np.median([t[0] for t in times["tinygen"]]) / np.median([t[0] for t in times["pytorch"]]))
    if ratios:
        print(f"\ntinygen / pytorch median CPU time per epoch: {', '.join(f'{r:.2f}x' for r in ratios)}")


def within_budget(args, train_set, quality):
    """Train tinygen's model until ``args.budget`` CPU seconds are spent (whole epochs); report quality
    every ``--eval-every`` epochs, on crossing each ``--report-at`` CPU mark and after the last epoch:
    of G itself and of each weight average (``--ema D1 D2 ...``: the model keeps D1, the benchmark the others)."""
    tg.manual_seed(args.seeds[0])
    gan = build_model(args)
    run = TinygenRun(gan, noise_source(args.seeds[0]), args.lr, args.lr_d)
    averages = {decay: ExponentialMovingAverage(gan.generator, decay) for decay in args.ema[1:]}
    print(f"tinygen {args.model} (width {args.width}, ema {args.ema}, label smoothing {args.label_smoothing}) "
          f"on mnist-5k, batch {args.batch_size}, Adam lr G {args.lr} D {args.lr_d or args.lr}, "
          f"until {args.budget} CPU s", flush=True)
    loader, spent, epoch, marks = shuffled_batches(train_set, args.batch_size), 0.0, 0, sorted(args.report_at)
    while spent < args.budget:
        loader.epoch, start = epoch, time.process_time()
        for images, labels in loader:
            run.train_step(images, labels)
            for average in averages.values():
                average.update(gan.generator)
        spent, epoch = spent + time.process_time() - start, epoch + 1
        crossed = bool(marks) and spent >= marks[0]
        marks = [mark for mark in marks if mark > spent]
        if epoch % args.eval_every == 0 or crossed or spent >= args.budget:
            print(f"epoch {epoch:>3}  CPU {spent:7.1f} s", flush=True)
            for name, result in qualities(run, quality, gan, averages).items():
                print(f"    {name:<22}" + "  ".join(f"{k} {v:.3f}" for k, v in result.items()), flush=True)
    if args.grid:
        save_grid(run, gan.conditional, args.grid)


def save_grid(run, conditional, path):
    """100 samples from fixed noise (row k asks for class k when conditional) into the .png ``path``."""
    from tinygen import plot
    noise = np.random.default_rng(0).standard_normal((100, 100), dtype=np.float32)
    plot.image_grid(run.sample(noise, np.arange(100) // 10 if conditional else None), path, ncols=10)


def build_model(args):
    options = {} if args.model == "dense" else {"width": args.width}
    return BUILDERS[args.model]((1, 28, 28), label_smoothing=args.label_smoothing, ema=args.ema[0], **options)


def qualities(run, quality, gan, averages):
    """{"G itself" | "ema D" | "ema D, BN restat": {fd, classifier_score, ...}} for G and each weight average.
    "BN restat": batch norm's statistics measured anew on 2,000 samples of the averaged weights."""
    results = {"G itself": quality_of(run, quality, gan.conditional, average=False)}
    own = gan.generator_ema
    for average in ([own] if own is not None else []) + list(averages.values()):
        gan.generator_ema = average
        results[f"ema {average.decay}"] = quality_of(run, quality, gan.conditional)
        gan.generator_ema = restat(average, gan)
        results[f"ema {average.decay}, BN restat"] = quality_of(run, quality, gan.conditional)
    gan.generator_ema = own
    return results


def restat(average, gan):
    """A copy of ``average`` whose batch norms hold the mean and variance of one batch of 2,000 samples."""
    import copy
    fresh = copy.deepcopy(average)
    for layer in fresh.modules():
        if hasattr(layer, "running_mean"):
            layer.momentum = 1.0
    noise = Tensor(np.random.default_rng(999).standard_normal((SAMPLES, gan.latent_dim), dtype=np.float32))
    condition = gan.condition(np.arange(SAMPLES) % 10, SAMPLES) if gan.conditional else None
    with tg.no_grad():
        fresh.train()(noise) if condition is None else fresh.train()(noise, condition)
    return fresh


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(BUILDERS), default="dense")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (channels of its first conv)")
    parser.add_argument("--budget", type=float, default=None, help="CPU seconds: train tinygen alone this long")
    parser.add_argument("--grid", default=None, help="save 100 samples here (.png); when comparing, "
                        "one file per framework and seed: NAME_pytorch_seed0.png, ...")
    parser.add_argument("--eval-every", type=int, default=1, help="with --budget: measure quality every N epochs")
    parser.add_argument("--batch-size", type=int, default=64, help="with --budget: the batch size")
    parser.add_argument("--lr", type=float, default=2e-4, help="with --budget: Adam's learning rate (G; D too)")
    parser.add_argument("--lr-d", type=float, default=None, help="with --budget: D's own learning rate (TTUR)")
    parser.add_argument("--ema", type=float, nargs="+", default=[0.0],
                        help="with --budget: decays of G's weight averages (the model keeps the first)")
    parser.add_argument("--report-at", type=float, nargs="*", default=[], help="with --budget: CPU s to report at")
    parser.add_argument("--label-smoothing", type=float, default=0.0, help="with --budget: one-sided smoothing")
    add_threads_option(parser)
    args = parser.parse_args()
    train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
    quality = SampleQuality(test_set.images)
    with blas_threads(args.threads):
        if args.budget:
            within_budget(args, train_set, quality)
        else:
            compare(args, optional_torch(args.threads), train_set, quality)


if __name__ == "__main__":
    main()
