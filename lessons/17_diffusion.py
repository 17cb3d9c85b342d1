# %% [markdown]
# # 17 · Diffusion (DDPM): learn to remove noise, then make digits out of pure noise
#
# A VAE (lesson 09) and a GAN (lesson 11) each learn a decoder that turns noise into an image in
# one go. A **denoising diffusion probabilistic model** (Ho et al. 2020) splits that leap into a
# thousand small ones. A fixed *forward process* adds a little Gaussian noise T = 1000 times, until
# a digit is indistinguishable from N(0, I); a network learns to undo one small step; sampling
# starts from pure noise and undoes all of them.
#
# This lesson: the forward process and its closed form, the signal-to-noise ratio of two noise
# schedules, why predicting the noise is a denoising autoencoder's job (lesson 08), training, and
# the ancestral sampler's walk from noise to a digit. The code is ``tinygen/models/diffusion/``:
# ``schedules.py``, ``model.py`` (DDPM), ``samplers.py``, and the U-Net in ``networks.py``.
#
# Run: `python lessons/17_diffusion.py` (add `--quick` for the short version).

# %%
import math
import time

import numpy as np

import tinygen as tg
from tinygen import plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.models.diffusion import samplers
from tinygen.models import RunData, get_recipe
from tinygen.models.diffusion.recipe import adam
from tinygen.models.diffusion.schedules import make_schedule
from tinygen.train import fit

lesson = setup(__file__)
tg.manual_seed(0)
digits, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
x0 = digits.images[0] * 2 - 1                   # one digit, scaled to [-1, 1] as DDPM noises it
print(f"one training digit: shape {x0.shape}, values from {x0.min()} to {x0.max()}")

# %% [markdown]
# ## The forward process, step by step and in one draw
#
# One noising step shrinks the image a little and adds a little noise (our t counts from 0):
#
#     x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t,      eps_t ~ N(0, I),   x_(-1) = x_0
#
# Shrinking by sqrt(1 - beta) while adding variance beta keeps a unit-variance image at unit
# variance. Since a sum of independent Gaussians is Gaussian, all t + 1 steps together are one draw:
#
#     x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,        abar_t = prod_(s <= t) (1 - beta_s)
#
# So training never has to run the chain: any x_t costs one draw (``DDPM.q_sample``). We check the
# claim on many draws: both ways give the same mean sqrt(abar_t) x_0 and variance 1 - abar_t at
# every pixel, within the sampling error (the standard error, SE, of a sample mean is sqrt(var / n),
# that of a sample variance about var sqrt(2 / n)). The worst of 784 pixels is typically ~3.5 SE off
# by chance alone; we allow 5.5 (a chance of ~1/4000 of failing while the claim is true).

# %%
model = get_recipe("ddpm").model((1, 28, 28), width=lesson.pick(8, 32), schedule="linear", ema=0.999)
draws = lesson.pick(4000, 20000)
alpha_bars, betas = tg.backend.to_numpy(model.schedule.alpha_bars), tg.backend.to_numpy(model.schedule.betas)
rng = np.random.default_rng(0)
for t in (50, 300):
    batch = np.repeat(x0[None], draws, axis=0)
    closed = model.q_sample(batch, np.full(draws, t), tg.randn(*batch.shape)).numpy().astype(np.float64)
    stepped = batch.astype(np.float64)
    for beta in betas[:t + 1]:
        stepped = math.sqrt(1 - beta) * stepped + math.sqrt(beta) * rng.standard_normal(stepped.shape)
    mean, var = math.sqrt(alpha_bars[t]) * x0, 1 - alpha_bars[t]
    for name, sample in (("closed form", closed), (f"{t + 1} single steps", stepped)):
        mean_error = np.abs(sample.mean(axis=0) - mean).max() / math.sqrt(var / draws)
        var_error = np.abs(sample.var(axis=0) - var).max() / (var * math.sqrt(2 / draws))
        print(f"t = {t}: {name:>16}: worst pixel off by {mean_error:.1f} SE in mean, {var_error:.1f} SE in variance")
        assert mean_error < 5.5 and var_error < 5.5

# %% [markdown]
# ## Two schedules, seen through the signal-to-noise ratio
#
# How fast the digit disappears is the schedule's choice. Ho et al. let beta grow linearly from
# 1e-4 to 0.02; Nichol & Dhariwal (2021) noticed that on small images this destroys the signal long
# before t = T, so the last few hundred steps train on pure noise and teach nothing. Their cosine
# schedule sets abar_t = cos^2 of a line in t directly. The signal-to-noise ratio of x_t,
# SNR(t) = abar_t / (1 - abar_t), shows the difference.

# %%
schedules = {name: make_schedule(name) for name in ("linear", "cosine")}
snr = {name: tg.backend.to_numpy(schedule.snr) for name, schedule in schedules.items()}
plot.loss_curves({f"log10 SNR, {name}": np.log10(values) for name, values in snr.items()},
                 lesson.path("snr.png"), xlabel="t")
for name, values in snr.items():
    print(f"{name:>6}: SNR at t = 0: {values[0]:.3g}, t = 500: {values[500]:.3g}; "
          f"steps with SNR < 0.01 (the digit is gone): {(values < 0.01).sum()}")
    assert np.all(np.diff(values) < 0)
assert (snr["linear"] < 0.01).sum() > 1.5 * (snr["cosine"] < 0.01).sum()
shown_t = [0, 50, 100, 200, 400, 600, 800, 999]
noise = tg.randn(1, 1, 28, 28).numpy()
rows = [np.sqrt(tg.backend.to_numpy(s.alpha_bars)[shown_t])[:, None, None, None] * x0
        + np.sqrt(1 - tg.backend.to_numpy(s.alpha_bars)[shown_t])[:, None, None, None] * noise
        for s in schedules.values()]
plot.image_grid((np.clip(np.concatenate(rows), -1, 1) + 1) / 2, lesson.path("forward_process.png"), ncols=8,
                title="x_t at t = " + ", ".join(map(str, shown_t)) + " (top: linear, bottom: cosine)")

# %% [markdown]
# ## Predicting the noise is denoising
#
# The network eps_theta(x_t, t) is asked for the noise that was added. Knowing it is knowing the
# clean image, since the closed form solves for x_0:
#
#     x0^ = (x_t - sqrt(1 - abar_t) eps^) / sqrt(abar_t),   and   |eps - eps^|^2 = SNR(t) |x_0 - x0^|^2.
#
# So the loss |eps - eps_theta|^2 is the loss of a **denoising autoencoder** (lesson 08) that
# restores x_0 from x_t, weighted by SNR(t), trained at every noise level at once, with t telling it
# how much noise to expect. We check the identity with an arbitrary guess eps^.

# %%
t = 200
eps, guess = rng.standard_normal(x0.shape), rng.standard_normal(x0.shape)
x_t = math.sqrt(alpha_bars[t]) * x0 + math.sqrt(1 - alpha_bars[t]) * eps
x0_guess = (x_t - math.sqrt(1 - alpha_bars[t]) * guess) / math.sqrt(alpha_bars[t])
noise_error, image_error = ((eps - guess) ** 2).sum(), ((x0 - x0_guess) ** 2).sum()
print(f"|eps - eps^|^2 = {noise_error:.2f};  SNR |x0 - x0^|^2 = {snr['linear'][t] * image_error:.2f}")
assert math.isclose(noise_error, snr["linear"][t] * image_error, rel_tol=1e-9)

# %% [markdown]
# ## Sampling: undo the steps, starting from pure noise
#
# Ho et al.'s Algorithm 2 walks back from x_(T-1) ~ N(0, I): each step removes the predicted noise's
# share of this step and adds a little fresh noise (the posterior's spread),
#
#     x_(t-1) = (x_t - beta_t / sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(alpha_t) + sigma_t z.
#
# Before training anything, a check of the sampler itself: for a "data set" of one digit the ideal
# noise predictor is known exactly, eps*(x_t, t) = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t), and
# with it the sampler must end on that digit, from any noise. It does (the strip shows the walk).

# %%
target = tg.tensor(np.repeat(x0[None], 4, axis=0))
ideal = lambda x, t: (x - target * float(math.sqrt(alpha_bars[t]))) * float(1 / math.sqrt(1 - alpha_bars[t]))
walk = []
end = samplers.ancestral(ideal, model.schedule, tg.randn(4, 1, 28, 28), on_step=lambda i, x: walk.append(x.numpy()))
print(f"ideal denoiser: the samples end {np.abs(end.numpy() - x0).max():.2e} away from the digit")
assert np.abs(end.numpy() - x0).max() < 1e-3
kept = [walk[i] for i in np.linspace(0, 999, 8).astype(int)]
plot.image_grid((np.clip(np.stack(kept, axis=1).reshape(-1, 1, 28, 28), -1, 1) + 1) / 2,
                lesson.path("ideal_walk.png"), ncols=8, title="the ideal denoiser of one digit: noise -> digit")

# %% [markdown]
# ## Training the U-Net
#
# A real data set has many digits, and the best eps-prediction is an average over all the digits
# that could have produced x_t: that is what the U-Net learns. Each step draws one t per image,
# noises by the closed form, and regresses the network on the noise (``DDPM.loss``). A network that
# knows nothing predicts eps^ = 0 and has loss 1 (the variance of eps); anything below 1 has learned
# something. Sampling uses the exponential moving average of the weights (``-m ema``, as the GANs).
#
# Quick mode trains a width-8 U-Net on 1,024 digits for a few epochs: enough to beat the
# know-nothing loss, far from enough for digits. The full mode is the recipe's default
# (``tinygen train ddpm``: width 32, all 4,000 digits, 20 epochs, about an hour of CPU) and its
# samples are the ones the course shows.

# %%
tg.manual_seed(0)
kept_digits = slice(0, lesson.pick(1024, None))
train_set = Dataset(digits.images[kept_digits], digits.labels[kept_digits], "mnist-5k train")
epochs = lesson.pick(3, 20)
started = time.process_time()
history = fit(adam(model, RunData({"lr": lesson.pick(1e-3, 2e-4)})), DataLoader(train_set, batch_size=64, shuffle=True, seed=0),
              DataLoader(Dataset(test_set.images[:256], test_set.labels[:256], "test"), 256),
              epochs=epochs, progress=False)
print(f"{epochs} epochs in {time.process_time() - started:.0f} CPU s; validation loss per epoch: "
      + ", ".join(f"{row['val_loss']:.3f}" for row in history))
assert history[-1]["val_loss"] < 0.5 < 1.0    # far below the know-nothing predictor's 1
plot.loss_curves({"train": [r["train_loss"] for r in history], "validation": [r["val_loss"] for r in history]},
                 lesson.path("loss.png"))

# %% [markdown]
# ## The ancestral sampler's strip, from noise to a digit
#
# All 1000 steps, eight snapshots each row. In quick mode the rows end in blurry strokes rather than
# digits; the full run's end in digits (the FD of its samples is in ``benchmarks/README.md``).

# %%
walk = []
images = model.sample(8, sampler="ddpm", on_step=lambda i, x: walk.append(model.images(x).numpy()))
kept = [walk[i] for i in np.linspace(0, 999, 8).astype(int)]
plot.image_grid(np.stack(kept, axis=1).reshape(-1, 1, 28, 28), lesson.path("strip.png"), ncols=8,
                title="ancestral sampler, T = 1000 steps: noise -> image")
assert images.shape == (8, 1, 28, 28) and 0 <= images.numpy().min() and images.numpy().max() <= 1
print(f"figures in {lesson.out}")
