"""Every registered model's training epoch, tinygen against a PyTorch twin: median CPU seconds per epoch.

Every recipe of tinygen.models.RECIPES has a twin here. tinygen builds the model and its Trainer as
``tinygen train`` does (the recipe's defaults for the model, batch size, learning rate and training arguments);
the twin is the same networks in torch.nn holding a copy of tinygen's initial weights, trained by the same
step written in PyTorch: the tests' twins (tests/torch_gan.py, torch_unet.py, torch_autoregressive.py,
torch_realnvp.py) and the other benchmarks' (autoencoders.py, vae.py) reused; the weight-clipping WGAN's and
the RBM's steps, and the GradientTrainer step (Adam on one loss, then the weight average where the trainer
keeps one) of DDPM, flow matching, MADE, PixelCNN and RealNVP written here. Both train on the same batches
(the first --limit images of mnist-5k's training set, one shuffled order per epoch), the frameworks taking
turns epoch by epoch, so a change in the machine's load falls on both; random draws (noise, time steps,
masks, dequantization, samples) are each framework's own, of the same sizes. Each model runs at every
--threads count (PyTorch's intra-op pool and NumPy's BLAS). Times are CPU seconds of this process
(time.process_time: on a loaded machine it leaves out the waiting; with 2 threads it also counts a thread
spinning while it waits for its partner, which a loaded machine inflates); the wall-clock ratio is printed
beside it. Prints a markdown table with the date, the load average and the command. The diffusion models
keep their default U-Net (width 16, batch 64 since 2026-12-06; the README's table was taken at the defaults of
then, width 32 and batch 128), so --limit keeps their epochs short.

    python benchmarks/epochs.py [--models ae,vae,...] [--limit 1024] [--epochs 4] [--threads 1 2]
"""
import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.data.transforms import binarize
from tinygen.models import RECIPES
from tinygen.models.recipe import RunData

from common import blas_threads, optional_torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import autoencoders  # noqa: E402  (the autoencoders' twin)
import vae  # noqa: E402  (the VAEs' twin)
import torch_autoregressive  # noqa: E402  (MADE's and PixelCNN's twins)
from torch_gan import TorchGAN, TorchWGANGP, torch_twin  # noqa: E402  (the GANs' twins, as the tests use them)
from torch_unet import diffusion_loss, torch_twin as torch_unet  # noqa: E402  (the diffusion U-Net's twin)


def settings_of(recipe):
    """The settings ``tinygen train MODEL`` starts from on mnist-5k: the recipe's defaults over tinygen's,
    every -m and -t setting at its declared default."""
    settings = {key: value for key, (value, _) in recipe.training_defaults().items()}
    return {**settings, "dataset": "mnist-5k", "data_shape": [1, 28, 28],
            "model_args": recipe.model_options(), "train_args": recipe.training_options()}


def weights(model):
    """tinygen's state_dict as torch tensors (copies)."""
    import torch
    return {key: torch.from_numpy(np.array(value.numpy())) for key, value in model.state_dict().items()}


# --- the twins: twin(torch, tinygen model, settings) -> object with train_step(images, labels) ---

def autoencoder_twin(torch, model, settings):
    net = autoencoders.torch_twin(torch, model)
    net.load_state_dict(weights(model))
    return autoencoders.TorchRun(torch, net, settings["lr"])


def vae_twin(kind):
    def twin(torch, model, settings):
        net = vae.torch_vae(torch, kind)
        net.load_state_dict(weights(model))
        return vae.TorchRun(torch, net, settings["lr"])
    return twin


class GANTwin:
    """TorchGAN's step (one D step, one G step) with noise from its own NumPy stream."""

    def __init__(self, torch, model, settings, betas=(0.5, 0.999)):
        self.twin = TorchGAN(torch, model, lr=settings["lr"], betas=betas)
        self.latent_dim, self.noise = model.latent_dim, np.random.default_rng(0)

    def train_step(self, images, labels):
        self.twin.train_step(images, labels, self.noise.standard_normal((len(images), self.latent_dim),
                                                                         dtype=np.float32))


class WGANGPTwin(GANTwin):
    """TorchWGANGP's step: n_critic critic steps on the batch (fresh noise and mixing weights each), one G step."""

    def __init__(self, torch, model, settings):
        # no --lr: the paper's rate and betas on images (1e-4, (0.5, 0.9)), TorchWGANGP's defaults too
        self.twin = TorchWGANGP(torch, model, **({"lr": settings["lr"]} if settings["lr"] else {}))
        self.latent_dim, self.noise = model.latent_dim, np.random.default_rng(0)

    def train_step(self, images, labels):
        n, steps = len(images), self.twin.n_critic
        self.twin.train_step(images, [self.noise.standard_normal((n, self.latent_dim), dtype=np.float32)
                                      for _ in range(steps)],
                             [self.noise.random(n, dtype=np.float32) for _ in range(steps)])


class WGANTwin:
    """The weight-clipping WGAN's step in PyTorch (GANTrainer with the wasserstein game): n_critic critic steps
    on the batch, each on fresh fakes, RMSprop, then every critic weight clipped into [-c, c]; one G step."""

    def __init__(self, torch, model, settings):
        self.torch, self.n_critic, self.clip = torch, model.n_critic, model.game.clip_value
        self.generator, self.critic = torch_twin(torch, model.generator), torch_twin(torch, model.discriminator)
        lr = settings["lr"] or model.game.learning_rate   # no --lr: the paper's 5e-5
        self.optimizer_g, self.optimizer_d = (torch.optim.RMSprop(net.parameters(), lr=lr)
                                              for net in (self.generator, self.critic))
        self.latent_dim, self.noise = model.latent_dim, np.random.default_rng(0)

    def train_step(self, images, _labels):
        torch = self.torch
        real = torch.from_numpy(images) * 2 - 1
        for _ in range(self.n_critic):
            fake = self.generator(torch.from_numpy(
                self.noise.standard_normal((len(images), self.latent_dim), dtype=np.float32)))
            self.optimizer_d.zero_grad()
            (self.critic(fake.detach()).mean() - self.critic(real).mean()).backward()
            self.optimizer_d.step()
            with torch.no_grad():
                for parameter in self.critic.parameters():
                    parameter.clamp_(-self.clip, self.clip)
        self.optimizer_g.zero_grad()
        self.critic.requires_grad_(False)
        (-self.critic(fake).mean()).backward()
        self.critic.requires_grad_(True)
        self.optimizer_g.step()


class RBMTwin:
    """ContrastiveDivergenceTrainer's step in PyTorch: the reconstruction error and pseudo-likelihood it
    reports (float64, one random unit flipped per example), then one PCD-k update with momentum and weight decay."""

    def __init__(self, torch, model, settings):
        self.torch, state = torch, weights(model)
        self.weight, self.visible_bias, self.hidden_bias = (state[k].clone() for k in
                                                           ("weight", "visible_bias", "hidden_bias"))
        self.chains = state["persistent_chains"].clone()
        self.velocity = [torch.zeros_like(p) for p in (self.weight, self.visible_bias, self.hidden_bias)]
        self.lr, self.k = settings["lr"], 1
        self.momentum, self.weight_decay = settings["train_args"]["momentum"], settings["train_args"]["weight_decay"]
        self.started = False

    def up(self, v):
        return self.torch.sigmoid(v @ self.weight.T + self.hidden_bias)

    def down(self, h):
        return self.torch.sigmoid(h @ self.weight + self.visible_bias)

    def train_step(self, images, _labels):
        torch = self.torch
        v = (torch.from_numpy(images).reshape(len(images), -1) > 0.5).float()
        if not self.started:   # the trainer's log-odds start of the visible biases
            p = v.mean(0).clamp(1e-3, 1 - 1e-3)
            self.visible_bias.copy_(torch.log(p / (1 - p)))
            self.started = True
        error = ((self.down(self.up(v)) - v) ** 2).mean().item()
        self.pseudo_likelihood(v).mean().item()
        h_data = self.up(v)
        h = self.chains
        for _ in range(self.k):
            v_model = torch.bernoulli(self.down(h))
            h_model = self.up(v_model)
            h = torch.bernoulli(h_model)
        self.chains = h
        gradients = [h_data.T @ v / len(v) - h_model.T @ v_model / len(v_model) - self.weight_decay * self.weight,
                     v.mean(0) - v_model.mean(0), h_data.mean(0) - h_model.mean(0)]
        for parameter, velocity, gradient in zip((self.weight, self.visible_bias, self.hidden_bias),
                                                 self.velocity, gradients):
            velocity.mul_(self.momentum).add_(gradient, alpha=self.lr)
            parameter.add_(velocity)
        return error

    def pseudo_likelihood(self, v):
        torch = self.torch
        v, weight = v.double(), self.weight.double()
        units = torch.randint(0, v.shape[1], (len(v),))
        rows = torch.arange(len(v))
        change = 1.0 - 2.0 * v[rows, units]
        x = v @ weight.T + self.hidden_bias.double()
        flipped = x + change[:, None] * weight[:, units].T
        drop = change * self.visible_bias.double()[units] + (torch.nn.functional.softplus(flipped)
                                                             - torch.nn.functional.softplus(x)).sum(1)
        return -v.shape[1] * torch.nn.functional.softplus(drop)


class AdamTwin:
    """GradientTrainer's step in PyTorch: Adam(lr) on ``loss(images, labels)``, its value read (the trainer checks
    that it is finite before the update), then ``after()`` (DiffusionTrainer's weight-average update)."""

    def __init__(self, torch, parameters, lr, loss, after=None):
        self.optimizer, self.loss, self.after = torch.optim.Adam(parameters, lr=lr), loss, after

    def train_step(self, images, labels):
        self.optimizer.zero_grad()
        loss = self.loss(images, labels)
        loss.item()
        loss.backward()
        self.optimizer.step()
        if self.after is not None:
            self.after()


def weight_average(torch, net, decay):
    """AveragedModel(net) moved as tinygen's ExponentialMovingAverage moves: the k-th update lerps every weight
    by (1 - d) / (1 - d^k) (the bias correction; the first update copies), in one foreach call as PyTorch's EMA."""
    def update(averaged, current, n_averaged):
        torch._foreach_lerp_(averaged, current, (1 - decay) / (1 - decay ** (int(n_averaged) + 1)))
    return torch.optim.swa_utils.AveragedModel(net, multi_avg_fn=update)


def diffusion_twin(kind):
    def twin(torch, model, settings):
        """DiffusionTrainer's step: images scaled to [-1, 1], t (DDPM: ints below T; flow matching: U[0, 1)), the
        noise and (conditional) labels dropped with p_uncond drawn, the loss, Adam, then the EMA update (ema > 0)."""
        net = torch_unet(torch, model.network, base_channels=settings["model_args"]["width"],
                         num_classes=model.num_classes)
        alpha_bars = tg.backend.to_numpy(model.schedule.alpha_bars) if kind == "ddpm" else None
        draws = np.random.default_rng(0)

        def loss(images, labels):
            x0, n = images * 2 - 1, len(images)
            t = draws.integers(0, model.timesteps, n) if kind == "ddpm" else draws.random(n, dtype=np.float32)
            noise = draws.standard_normal(x0.shape, dtype=np.float32)
            dropped = (np.where(draws.random(n) < model.p_uncond, model.num_classes, labels).astype(np.int64)
                       if model.conditional else None)
            return diffusion_loss(torch, net, kind, alpha_bars, x0, t, noise, dropped)

        average = weight_average(torch, net, model.network_ema.decay) if model.network_ema is not None else None
        return AdamTwin(torch, net.parameters(), settings["lr"], loss,
                        after=None if average is None else lambda: average.update_parameters(net))
    return twin


def autoregressive_twin(build):
    def twin(torch, model, settings):
        """MADE's and PixelCNN's step (the recipe's trainer): the mean NLL of the batch binarized at 0.5, Adam.
        (MADE's per-step mask draw changes nothing at the recipe's num_masks=1; the twin holds the current set.)"""
        net = build(torch, model)
        torch_autoregressive.copy_weights(torch, model, net)
        return AdamTwin(torch, net.model.parameters(), settings["lr"],
                        lambda images, _labels: net.loss(torch.from_numpy(binarize(images))))
    return twin


def realnvp_twin(torch, model, settings):
    """RealNVP's step (GradientTrainer on RealNVP.loss): every image dequantized afresh, x = (round(255 v) + u) / 256
    with u ~ U[0, 1), the mean bits per dimension, Adam."""
    import torch_realnvp   # imports torch itself: only once a twin is asked for
    options = settings["model_args"]
    net = torch_realnvp.RealNVP(model.image_shape, options["hidden"], options["couplings"], options["alpha"])
    net.load_state_dict(weights(model))

    def loss(images, _labels):
        levels = torch.round(torch.from_numpy(images) * 255)
        return net.loss((levels + torch.rand_like(levels)) / 256)
    return AdamTwin(torch, net.parameters(), settings["lr"], loss)


AUTOENCODERS = ("ae", "dae", "sparse-ae", "cae", "deep-ae", "conv-ae")
TWINS = {**{name: autoencoder_twin for name in AUTOENCODERS},
         "vae": vae_twin("dense"), "conv-vae": vae_twin("conv"),
         "gan": GANTwin, "dcgan": GANTwin, "cgan": GANTwin, "wgan": WGANTwin, "wgan-gp": WGANGPTwin, "rbm": RBMTwin,
         "ddpm": diffusion_twin("ddpm"), "flow-matching": diffusion_twin("flow-matching"),
         "made": autoregressive_twin(torch_autoregressive.torch_made),
         "pixelcnn": autoregressive_twin(torch_autoregressive.torch_pixelcnn), "realnvp": realnvp_twin}


class TinygenRun:
    """The recipe's own Trainer, fed host batches as ``fit`` feeds them."""

    def __init__(self, trainer):
        self.trainer = trainer

    def train_step(self, images, labels):
        self.trainer.train_step((tg.Tensor(images).data, tg.Tensor(labels).data))


def measure(name, torch, threads, train_set, epochs):
    """{"tinygen": [CPU s per epoch], "pytorch": [...]} for recipe ``name`` at ``threads``, in turns."""
    recipe, settings = RECIPES[name], settings_of(RECIPES[name])
    tg.manual_seed(0)
    model = recipe.model(settings["data_shape"], **settings["model_args"])
    runs = {"tinygen": TinygenRun(recipe.trainer(model, RunData(settings)))}
    torch.manual_seed(0)
    runs["pytorch"] = TWINS[name](torch, model, settings)   # copies the weights before any step
    loader = DataLoader(train_set, settings["batch_size"], shuffle=True, seed=0)
    seconds = {key: [] for key in runs}
    torch.set_num_threads(threads)
    with blas_threads(threads):
        for epoch in range(epochs):
            for key, run in runs.items():
                loader.epoch = epoch   # both meet this epoch's batches in the same order
                cpu, wall = time.process_time(), time.perf_counter()
                for images, labels in loader:
                    run.train_step(images, labels)
                seconds[key].append((time.process_time() - cpu, time.perf_counter() - wall))
            time.sleep(0.05)   # let PyTorch's OpenMP threads stop spinning before NumPy's turn
    return settings["batch_size"], {key: np.array(values) for key, values in seconds.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(name for name in RECIPES if name in TWINS),
                        help="comma-separated recipe names (default: every recipe with a twin)")
    parser.add_argument("--limit", type=int, default=1024, help="training images per epoch (of mnist-5k's 4,000)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per framework; the median is reported")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    names = args.models.split(",")
    missing = [name for name in names if name not in TWINS or name not in RECIPES]
    if missing:
        parser.error(f"no twin or no recipe for {missing}; with twins: {', '.join(TWINS)}")
    torch = optional_torch(None)
    if torch is None:
        parser.error("this benchmark compares with PyTorch: install torch (CPU) first")
    full = load_dataset("mnist-5k", "train")
    train_set = Dataset(full.images[:args.limit], full.labels[:args.limit], f"{full.name}[:{args.limit}]")
    load = os.getloadavg()
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average {load[0]:.1f} / "
          f"{load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}); "
          f"torch {torch.__version__}, numpy {np.__version__}")
    print(f"`python benchmarks/epochs.py {' '.join(sys.argv[1:])}`: {len(train_set)} images per epoch, "
          f"median of {args.epochs} epochs, CPU seconds\n")
    print("| model | batch | threads | tinygen CPU s/epoch | PyTorch CPU s/epoch | ratio | ratio of wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        for threads in args.threads:
            batch, seconds = measure(name, torch, threads, train_set, args.epochs)
            (ours, ours_wall), (theirs, theirs_wall) = (np.median(seconds[key], axis=0)
                                                        for key in ("tinygen", "pytorch"))
            print(f"| {name} | {batch} | {threads} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} | "
                  f"{ours_wall / theirs_wall:.2f} |", flush=True)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
