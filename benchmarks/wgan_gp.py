"""WGAN-GP: one critic step against PyTorch's CPU build, and the toy-set tables over seeds.

``step`` (default): one WGAN-GP critic step of the DCGAN critic without batch norm (Conv 1->64 k4 s2 p1,
LeakyReLU 0.2, Conv 64->128 k4 s2 p1, LeakyReLU 0.2, Linear 6272->1) on a batch of 64 real mnist-5k
images and 64 fixed fakes, float32: scores of both batches, the gradient penalty on interpolates
(the double backward), backward of loss_D and one Adam step (1e-4, betas (0.5, 0.9)). Both frameworks
start from PyTorch's initial weights and use the same batches and interpolation weights; they take
turns call by call; the median of --repeats calls after two warm-ups is printed.

``tables``: the toy GANs of lesson 14 trained with each loss on ring8 and grid25 over --seeds seeds:
mean and spread of modes covered, % high-quality samples and mode KL on 2,500 samples.

    python benchmarks/wgan_gp.py step [--repeats 30] [--threads N]
    python benchmarks/wgan_gp.py tables [--seeds 3] [--steps 2000] [--datasets ring8 grid25]
"""
import argparse
import statistics
import time

import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models.gradient_penalty import gradient_penalty
from tinygen.models.wgan_architectures import dcgan_critic

from common import add_threads_option, blas_threads, optional_torch, seeded_start

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="step", choices=["step", "tables"])
    parser.add_argument("--repeats", type=int, default=30)
    add_threads_option(parser)
    args = parser.parse_args()
    time_critic_step(args)


if __name__ == "__main__":
    main()
