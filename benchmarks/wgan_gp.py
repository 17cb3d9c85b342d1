"""WGAN-GP: one critic step against PyTorch's CPU build, and the toy-set tables over seeds.

``step`` (default): one WGAN-GP critic step of the DCGAN critic without batch norm (Conv 1->64 k4 s2 p1,
LeakyReLU 0.2, Conv 64->128 k4 s2 p1, LeakyReLU 0.2, Linear 6272->1) on a batch of 64 real mnist-5k
images and 64 fixed fakes, float32: scores of both batches, the gradient penalty on interpolates
(the double backward), backward of loss_D and one Adam step (1e-4, betas (0.5, 0.9)). Both frameworks
start from PyTorch's initial weights and use the same batches and interpolation weights; they take
turns call by call; the median of --repeats calls after two warm-ups is printed.

``dcgan``: the DCGAN-architecture WGAN-GP (the DCGAN generator, the critic without batch norm, width
--width) on mnist-5k for --steps generator steps (n_critic 5, Adam 1e-4 (0.5, 0.9), lambda 10, batch 64)
in tinygen, then in PyTorch from a copy of tinygen's initial weights, with the same batches, noise and
interpolation weights (drawn from tinygen's generator, reseeded before each run); FD and classifier
score of 2,000 samples from fixed noise, and the CPU seconds each run took.

``tables``: the toy GANs of lesson 14 trained with each loss on ring8 and grid25 over --seeds seeds:
mean and spread of modes covered, % high-quality samples and mode KL on 2,500 samples.

    python benchmarks/wgan_gp.py step [--repeats 30] [--threads N]
    python benchmarks/wgan_gp.py dcgan [--steps 200] [--width 32] [--seeds 0] [--threads 1]
    python benchmarks/wgan_gp.py tables [--seeds 3] [--steps 1000] [--width 128] [--lr 1e-3] [--datasets ring8 grid25]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models.gan.gradient_penalty import gradient_penalty
from tinygen.models.gan.toy import ToySettings
from tinygen.toy_experiment import LOSSES, train_toy_gan
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models.gan.wgan_networks import dcgan_critic
from tinygen.models import RunData, get_recipe
from tinygen.models.gan.wgan_recipe import paper_trainer

from common import add_threads_option, blas_threads, optional_torch, seeded_start, shuffled_batches
from gans import noise_source, quality_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from torch_gan import TorchWGANGP  # noqa: E402  (the PyTorch twin of GANTrainer's WGAN-GP step)

BATCH, WARMUP = 64, 2
LAMBDA, LR, BETAS = 10.0, 1e-4, (0.5, 0.9)


def torch_critic(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
                         nn.Flatten(), nn.Linear(128 * 7 * 7, 1))


def step_batches():
    """(real, fake, mix): 64 mnist-5k images in [-1, 1], 64 fixed uniform fakes, 64 interpolation weights."""
    rng = np.random.default_rng(0)
    real = load_dataset("mnist-5k", split="train").images[:BATCH] * 2 - 1
    return real, rng.uniform(-1, 1, real.shape).astype(np.float32), rng.random(BATCH).astype(np.float32)


def tinygen_critic_step(state, real, fake, mix):
    critic = dcgan_critic((1, 28, 28), 64)
    critic.load_state_dict(state)
    optimizer = optim.Adam(critic.parameters(), lr=LR, betas=BETAS)
    real, fake, mix = tg.Tensor(real), tg.Tensor(fake), tg.Tensor(mix)

    def step():
        optimizer.zero_grad()
        penalty, _ = gradient_penalty(critic, real, fake, LAMBDA, mix)
        loss = critic(fake).mean() - critic(real).mean() + penalty
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def torch_critic_step(torch, critic, real, fake, mix):
    optimizer = torch.optim.Adam(critic.parameters(), lr=LR, betas=BETAS)
    real, fake = torch.from_numpy(real), torch.from_numpy(fake)
    points = (torch.from_numpy(mix)[:, None, None, None] * real + (1 - torch.from_numpy(mix)[:, None, None, None]) * fake)

    def step():
        optimizer.zero_grad()
        x_hat = points.clone().requires_grad_(True)
        gradient, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        penalty = LAMBDA * ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + penalty
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def time_critic_step(args):
    torch, twin, state = seeded_start(args.threads, torch_critic, lambda: dcgan_critic((1, 28, 28), 64))
    real, fake, mix = step_batches()
    steps = {"tinygen": tinygen_critic_step(state, real, fake, mix)}
    if torch:
        steps["torch"] = torch_critic_step(torch, twin, real, fake, mix)
    times, losses = {name: [] for name in steps}, {name: [] for name in steps}
    with blas_threads(args.threads):
        for round_number in range(args.repeats + WARMUP):
            for name, step in steps.items():
                start = time.perf_counter()
                losses[name].append(step())
                if round_number >= WARMUP:
                    times[name].append(time.perf_counter() - start)
    for name in steps:
        print(f"{name:8} median {1000 * statistics.median(times[name]):8.1f} ms  "
              f"(fastest {1000 * min(times[name]):.1f}, slowest {1000 * max(times[name]):.1f}; "
              f"loss_D after the first/last step {losses[name][0]:.5f} / {losses[name][-1]:.5f})")
    if torch:
        ratio = statistics.median(times["tinygen"]) / statistics.median(times["torch"])
        print(f"tinygen / torch: {ratio:.2f}x (target within 2x; torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads)")


class TinygenWGANGP:
    """tinygen's recipe trainer on the benchmark's noise; the interpolation weights come from tinygen's RNG."""

    def __init__(self, gan, noise):
        self.gan, self.trainer = gan, paper_trainer(gan, RunData({"lr": LR}))
        gan.noise = lambda n: tg.Tensor(noise(n))

    def train_step(self, images):
        self.trainer.train_step((images, None))

    def sample(self, noise, labels):
        return self.gan.sample(len(noise), noise=tg.Tensor(noise)).numpy()


class TorchWGANGPRun:
    """The PyTorch twin, drawing its noise and interpolation weights in the order tinygen's trainer does."""

    def __init__(self, torch, gan, noise):
        self.torch, self.twin, self.noise, self.n_critic = torch, TorchWGANGP(torch, gan, LR, BETAS), noise, gan.n_critic

    def train_step(self, images):
        draws = [(self.noise(len(images)), tg.rand(len(images), dtype="float32").numpy()) for _ in range(self.n_critic)]
        self.twin.train_step(images, *zip(*draws))

    def sample(self, noise, labels):
        generator = self.twin.generator.eval()
        with self.torch.no_grad():
            images = generator(self.torch.from_numpy(noise)).numpy()
        generator.train()
        return (images + 1) / 2


def dcgan_budget(args):
    """tinygen, then PyTorch from the same start: FD / classifier score after --steps generator steps."""
    torch = optional_torch(args.threads)
    train_set = load_dataset("mnist-5k", "train")
    quality = SampleQuality(load_dataset("mnist-5k", "test").images)
    print(f"DCGAN WGAN-GP on mnist-5k, width {args.width}, batch {BATCH}, {args.steps} generator steps "
          f"(n_critic 5), Adam {LR} {BETAS}, lambda {LAMBDA}, threads {args.threads}")
    for seed in args.seed_list or [0]:
        tg.manual_seed(seed)
        gan = get_recipe("wgan-gp").model((1, 28, 28), width=args.width)
        runs = {"pytorch": TorchWGANGPRun(torch, gan, noise_source(seed))} if torch is not None else {}
        runs = {"tinygen": TinygenWGANGP(gan, noise_source(seed)), **runs}  # the twin copied the initial weights
        for name, run in runs.items():
            tg.manual_seed(seed + 1)   # the interpolation weights: the same draws in both runs
            start = time.process_time()
            for images, _ in _batches(train_set, args.steps):
                run.train_step(images)
            seconds = time.process_time() - start
            result = quality_of(run, quality, False)
            print(f"seed {seed} {name:8} CPU {seconds:7.1f} s  FD {result['fd']:8.2f}  "
                  f"classifier score {result['classifier_score']:.3f}", flush=True)


def _batches(train_set, steps):
    """The first ``steps`` batches of the benchmark loader's epochs, epoch after epoch."""
    loader, epoch = shuffled_batches(train_set, BATCH), 0
    while True:
        loader.epoch = epoch
        for batch in loader:
            if steps == 0:
                return
            steps -= 1
            yield batch
        epoch += 1


def mode_tables(args):
    """Train every loss on every dataset, seed after seed; print each run, then mean (min-max) per loss.

    Seeds run in the outer loop, so a run cut short still holds whole seeds for every loss.
    """
    default = ToySettings()
    steps = args.steps or default.steps
    settings = ToySettings(snapshots=steps // default.steps_per_snapshot, width=args.width or default.width,
                           depth=args.depth or default.depth, lr=args.lr, penalty_weight=args.penalty_weight)
    seeds = args.seed_list or range(args.seeds)
    print(f"{settings}: {settings.steps} generator steps, seeds {list(seeds)}")
    finals = {(dataset, loss): [] for dataset in args.datasets for loss in args.losses}
    minutes = dict.fromkeys(finals, 0.0)
    for seed in seeds:
        for dataset, loss in finals:
            start = time.perf_counter()
            finals[dataset, loss].append(train_toy_gan(loss, dataset, seed, settings).final)
            minutes[dataset, loss] += (time.perf_counter() - start) / 60
            print(f"  {dataset} {loss} seed {seed}: {finals[dataset, loss][-1]}", flush=True)
    print(f"\n{'dataset':8} {'loss':15} {'modes':>16} {'high quality %':>20} {'mode KL':>20} {'minutes/run':>12}")
    for (dataset, loss), runs in finals.items():
        cells = [_spread([final[key] for final in runs]) for key in ("modes", "high_quality_pct", "mode_kl")]
        print(f"{dataset:8} {loss:15} {cells[0]:>16} {cells[1]:>20} {cells[2]:>20} {minutes[dataset, loss] / len(runs):12.1f}")


def _spread(values):
    return f"{statistics.mean(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="step", choices=["step", "dcgan", "tables"])
    parser.add_argument("--repeats", type=int, default=30)
    add_threads_option(parser)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None,
                        help="generator steps per run (tables: a multiple of ToySettings' steps_per_snapshot, default "
                             "ToySettings' steps; dcgan: 200)")
    parser.add_argument("--width", type=int, default=None, help=f"toy MLP width ({ToySettings.width}) or DCGAN width (32)")
    parser.add_argument("--depth", type=int, default=None, help=f"toy MLP depth ({ToySettings.depth})")
    parser.add_argument("--seed-list", type=int, nargs="+", default=None,
                        help="the seeds to run (tables: instead of 0..--seeds-1, to run seeds in parallel processes)")
    parser.add_argument("--lr", type=float, default=ToySettings.lr)
    parser.add_argument("--penalty-weight", type=float, default=ToySettings.penalty_weight,
                        help="tables: WGAN-GP's lambda (0.1 is the WGAN-GP authors' toy value)")
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    parser.add_argument("--losses", nargs="+", default=list(LOSSES), choices=LOSSES)
    args = parser.parse_args()
    if args.what == "step":
        time_critic_step(args)
    elif args.what == "dcgan":
        args.width, args.steps = args.width or 32, args.steps or 200
        with blas_threads(args.threads):
            dcgan_budget(args)
    else:
        with blas_threads(args.threads):
            mode_tables(args)


if __name__ == "__main__":
    main()
