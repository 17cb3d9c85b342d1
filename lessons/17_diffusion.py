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
# One noising step shrinks the image a little and adds a little noise (here $t$ counts from 0):
#
# $$x_t = \sqrt{1 - \beta_t}\, x_{t-1} + \sqrt{\beta_t}\, \varepsilon_t, \qquad \varepsilon_t \sim \mathcal{N}(0, I), \qquad x_{-1} = x_0.$$
#
# Shrinking by $\sqrt{1 - \beta}$ while adding variance $\beta$ keeps a unit-variance image at unit
# variance. Since a sum of independent Gaussians is Gaussian, all $t + 1$ steps together are one draw:
#
# $$x_t = \sqrt{\bar{\alpha}_t}\, x_0 + \sqrt{1 - \bar{\alpha}_t}\, \varepsilon, \qquad \bar{\alpha}_t = \prod_{s \le t} (1 - \beta_s).$$
#
# So training never has to run the chain: any $x_t$ costs one draw (``DDPM.q_sample``). The cell checks
# the claim on many draws: both ways give the same mean $\sqrt{\bar{\alpha}_t}\, x_0$ and variance
# $1 - \bar{\alpha}_t$ at every pixel, within the sampling error (the standard error, SE, of a sample mean
# of $n$ draws is $\sqrt{\mathrm{var} / n}$, that of a sample variance about $\mathrm{var} \sqrt{2 / n}$). The worst of
# 784 pixels is typically ~3.5 SE off by chance alone; the check allows 5.5 (a chance of ~1/4000 of
# failing while the claim is true).

# %%
model = get_recipe("ddpm").model((1, 28, 28), width=lesson.pick(8, 16), schedule="linear",
                                    ema=lesson.pick(0.999, 0.998))
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
# How fast the digit disappears is the schedule's choice. Ho et al. let $\beta_t$ grow linearly from
# $10^{-4}$ to 0.02; Nichol & Dhariwal (2021) noticed that on small images this destroys the signal long
# before $t = T$, so the last few hundred steps train on pure noise and teach nothing. Their cosine
# schedule sets $\bar{\alpha}_t$ directly, as the squared cosine of a line in $t$. The signal-to-noise
# ratio of $x_t$,
#
# $$\operatorname{SNR}(t) = \frac{\bar{\alpha}_t}{1 - \bar{\alpha}_t},$$
#
# shows the difference: the cell counts the steps whose SNR is below 0.01 under each schedule, and
# the grid under the plot shows one digit noised to the same $t$ by both.

# %%
schedules = {name: make_schedule(name) for name in ("linear", "cosine")}
snr = {name: tg.backend.to_numpy(schedule.snr) for name, schedule in schedules.items()}
plot.loss_curves({f"{name} schedule": np.log10(values) for name, values in snr.items()}, lesson.path("snr.png"),
                 xlabel="t", ylabel="log10 SNR(t)", first=0,
                 title="signal-to-noise ratio of x_t, linear and cosine schedules (T = 1000)")
for name, values in snr.items():
    print(f"{name:>6}: SNR at t = 0: {values[0]:.3g}, t = 500: {values[500]:.3g}; "
          f"steps with SNR < 0.01 (the digit is gone): {(values < 0.01).sum()}")
    assert np.all(np.diff(values) < 0)
shown_t = [0, 50, 100, 200, 400, 600, 800, 999]
noise = tg.randn(1, 1, 28, 28).numpy()
rows = [np.sqrt(tg.backend.to_numpy(s.alpha_bars)[shown_t])[:, None, None, None] * x0
        + np.sqrt(1 - tg.backend.to_numpy(s.alpha_bars)[shown_t])[:, None, None, None] * noise
        for s in schedules.values()]
plot.image_grid((np.clip(np.concatenate(rows), -1, 1) + 1) / 2, lesson.path("forward_process.png"),
                ncols=8, title="one digit's x_t at t = " + ", ".join(map(str, shown_t)),
                row_labels=[f"{name} schedule" for name in schedules])
assert (snr["linear"] < 0.01).sum() > 1.5 * (snr["cosine"] < 0.01).sum(), "the linear schedule wastes more steps"

# %% [markdown]
# ## Predicting the noise is denoising
#
# The network $\varepsilon_\theta(x_t, t)$ is asked for the noise that was added. Knowing it is knowing the
# clean image, since the closed form solves for $x_0$: a guess $\hat{\varepsilon}$ of the noise gives
#
# $$\hat{x}_0 = \frac{x_t - \sqrt{1 - \bar{\alpha}_t}\, \hat{\varepsilon}}{\sqrt{\bar{\alpha}_t}}, \qquad \lVert \varepsilon - \hat{\varepsilon} \rVert^2 = \operatorname{SNR}(t)\, \lVert x_0 - \hat{x}_0 \rVert^2.$$
#
# So the loss $\lVert \varepsilon - \varepsilon_\theta \rVert^2$ is the loss of a **denoising autoencoder** (lesson 08) that
# restores $x_0$ from $x_t$, weighted by $\operatorname{SNR}(t)$, trained at every noise level at once, with $t$ telling it
# how much noise to expect. The cell checks the identity with an arbitrary guess $\hat{\varepsilon}$.

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
# Ho et al.'s Algorithm 2 walks back from $x_{T-1} \sim \mathcal{N}(0, I)$: each step removes the predicted
# noise's share of this step and adds a little fresh noise $z \sim \mathcal{N}(0, I)$ scaled by the
# posterior's spread $\sigma_t$ (with $\alpha_t = 1 - \beta_t$):
#
# $$x_{t-1} = \frac{1}{\sqrt{\alpha_t}} \left(x_t - \frac{\beta_t}{\sqrt{1 - \bar{\alpha}_t}}\, \varepsilon_\theta(x_t, t)\right) + \sigma_t z.$$
#
# Before training anything, a check of the sampler itself: for a "data set" of one digit the ideal
# noise predictor is known exactly,
#
# $$\varepsilon^*(x_t, t) = \frac{x_t - \sqrt{\bar{\alpha}_t}\, x_0}{\sqrt{1 - \bar{\alpha}_t}},$$
#
# and with it the sampler must end on that digit, from any noise. It does: the grid shows four walks,
# one per row, from pure noise (left) to the digit (right).

# %%
target = tg.tensor(np.repeat(x0[None], 4, axis=0))
ideal = lambda x, t: (x - target * float(math.sqrt(alpha_bars[t]))) * float(1 / math.sqrt(1 - alpha_bars[t]))
walk = []
end = samplers.ancestral(ideal, model.schedule, tg.randn(4, 1, 28, 28), on_step=lambda i, x: walk.append(x.numpy()))
print(f"ideal denoiser: the samples end {np.abs(end.numpy() - x0).max():.2e} away from the digit")
assert np.abs(end.numpy() - x0).max() < 1e-3
kept = [walk[i] for i in np.linspace(0, 999, 8).astype(int)]
plot.image_grid((np.clip(np.stack(kept, axis=1).reshape(-1, 1, 28, 28), -1, 1) + 1) / 2,
                lesson.path("ideal_walk.png"), ncols=8,
                title="ancestral sampler with the ideal denoiser of one digit, 1000 steps: noise -> digit",
                row_labels=[f"walk {i + 1}" for i in range(4)])
print(f"figure: {lesson.path('ideal_walk.png')}")

# %% [markdown]
# ## Training the U-Net
#
# A real data set has many digits, and the best eps-prediction is an average over all the digits
# that could have produced $x_t$: that is what the U-Net learns. Each step draws one $t$ per image,
# noises by the closed form, and regresses the network on the noise (``DDPM.loss``). A network that
# knows nothing predicts $\hat{\varepsilon} = 0$ and has loss 1 (the variance of $\varepsilon$); anything below 1 has
# learned something. Sampling uses the exponential moving average of the weights (``-m ema``, as the GANs).
#
# Quick mode trains a width-8 U-Net on 1,024 digits for 3 epochs: enough to beat the
# know-nothing loss, far from enough for digits. Full mode trains the recipe's U-Net (width 16, Adam
# 1e-3, EMA 0.998: the settings ``benchmarks/README.md`` measured to draw the best digits per CPU-minute)
# on all 4,000 digits for 40 epochs (16 CPU-minutes in the full build of 2026-12-06).

# %%
tg.manual_seed(0)
kept_digits = slice(0, lesson.pick(1024, None))
train_set = Dataset(digits.images[kept_digits], digits.labels[kept_digits], "mnist-5k train")
epochs = lesson.pick(3, 40)
started = time.process_time()
history = fit(adam(model, RunData({"lr": 1e-3})), DataLoader(train_set, batch_size=64, shuffle=True, seed=0),
              DataLoader(Dataset(test_set.images[:256], test_set.labels[:256], "test"), 256),
              epochs=epochs, progress=False)
print(f"{epochs} epochs in {time.process_time() - started:.0f} CPU s; validation loss per epoch: "
      + ", ".join(f"{row['val_loss']:.3f}" for row in history))
assert history[-1]["val_loss"] < 0.5 < 1.0    # far below the know-nothing predictor's 1
plot.loss_curves({"train (mean over the epoch)": [r["train_loss"] for r in history],
                  "validation (256 test digits)": [r["val_loss"] for r in history]},
                 lesson.path("loss.png"), ylabel="noise-prediction loss (mean squared error)",
                 title=f"DDPM U-Net, width {lesson.pick(8, 16)}: loss per epoch")
print(f"figure: {lesson.path('loss.png')}")

# %% [markdown]
# ## The trained U-Net in the ancestral sampler
#
# Now the trained U-Net in the ancestral sampler: eight samples, one per row, each shown at eight
# moments of its 1000 steps, from pure noise (left) to the sample (right). Each step clips the
# image it implies, $\hat x_0 = (x_t - \sqrt{1 - \bar\alpha_t}\,\hat\epsilon)/\sqrt{\bar\alpha_t}$, to the
# images' range $[-1, 1]$ (as Ho et al.'s sampler does) and steps with the $\hat\epsilon$ that agrees with it.
# Why: near $t = T$ the division by $\sqrt{\bar\alpha_T} \approx 0.006$ magnifies the network's error
# about 160-fold, and without the clip an imperfect network pushes almost every pixel to pure black or
# pure white (the cell samples the same noise once more unclipped and prints both shares). What the rows
# end in depends on the training: on this quick page the tiny network's rows end in grey, streaky
# noise, not digits, and unclipped in black and white noise. Full mode's network (its 40 epochs, the
# full build of 2026-12-06) ends every row in a clean digit, a 5, a 0, a 3 and 2s among them; there the
# share of pure black and white measures something else, a digit's black background (88 % of the
# training digits' pixels are below 0.02 or above 0.98): its samples had 78 %, unclipped 68 %.

# %%
walk = []
start_noise = tg.randn(8, 1, 28, 28)
images = model.sample(8, sampler="ddpm", noise=start_noise, on_step=lambda i, x: walk.append(model.images(x).numpy()))
kept = [walk[i] for i in np.linspace(0, 999, 8).astype(int)]
plot.image_grid(np.stack(kept, axis=1).reshape(-1, 1, 28, 28), lesson.path("strip.png"), ncols=8,
                title=f"ancestral sampler with the U-Net trained here ({epochs} epochs), 1000 steps: noise -> sample",
                row_labels=[f"sample {i + 1}" for i in range(8)])
assert images.shape == (8, 1, 28, 28) and 0 <= images.numpy().min() and images.numpy().max() <= 1
unclipped = model.sample(8, sampler="ddpm", noise=start_noise, clip_denoised=False).numpy()
share = lambda images: float(((images < 0.02) | (images > 0.98)).mean())
print(f"share of the samples' pixels that are pure black or pure white: {share(images.numpy()):.0%} "
      f"(the same start, unclipped: {share(unclipped):.0%})")
if lesson.quick:
    assert share(images.numpy()) < 0.5 < 0.8 < share(unclipped), "clipped: grey noise; unclipped: saturated"
print(f"figures in {lesson.out}")
