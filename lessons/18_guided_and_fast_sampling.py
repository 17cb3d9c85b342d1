# %% [markdown]
# # 18 · Fast and guided sampling: DDIM, and classifier-free guidance
#
# Lesson 17's sampler takes T = 1000 network calls per image. Two ideas from 2021–22 changed that
# and what the samples look like:
#
# * **DDIM** (Song et al. 2021) reuses a trained DDPM unchanged but walks back in $S \ll T$ steps. Each
#   step predicts the clean image $\hat{x}_0$ from the predicted noise $\hat{\varepsilon}$ and jumps to an
#   earlier time along the same noise direction; with $\eta = 0$ it adds no fresh noise, so the same
#   start gives the same image.
# * **Classifier-free guidance** (Ho & Salimans 2022): train one network both with and without the
#   label (labels dropped with probability $p_{\text{uncond}}$), then sample with
#   $\tilde{\varepsilon} = (1 + w)\, \varepsilon_\theta(x, y) - w\, \varepsilon_\theta(x, \varnothing)$, where $\varnothing$ is "no label":
#   $w > 0$ pushes each sample toward what is typical of its class. Samples look more like their class,
#   and less varied.
#
# To see both effects exactly, you first take data whose ideal noise predictor is known: three
# overlapping Gaussian classes in 2-D (``tinygen/models/diffusion/gaussian_mixture.py``). Then the
# same on digits with a trained U-Net (in quick mode a tiny one, whose numbers mean little).
#
# Run: `python lessons/18_guided_and_fast_sampling.py` (add `--quick` for the short version).

# %%
import math
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.metrics.frechet import feature_statistics, frechet_distance
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.gaussian_mixture import GaussianMixture
from tinygen.models.diffusion.guidance import guided
from tinygen.models import RunData, get_recipe
from tinygen.models.diffusion.recipe import adam
from tinygen.models.diffusion.schedules import make_schedule
from tinygen.train import fit

lesson = setup(__file__)
tg.manual_seed(0)
angles = np.pi / 2 + np.arange(3) * 2 * np.pi / 3
means, std = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.35
mixture, schedule = GaussianMixture(means, std), make_schedule("cosine")
alpha_bars = tg.backend.to_numpy(schedule.alpha_bars)
n = lesson.pick(3000, 30000)
labels = np.arange(n) % 3
start = tg.randn(n, 2)


def eps_of(w, labels=labels):
    """The ideal guided noise prediction at weight w, conditional on ``labels``."""
    return lambda x, t: guided(mixture.noise_prediction(x, float(alpha_bars[t]), labels),
                               mixture.noise_prediction(x, float(alpha_bars[t])), w)


def class_fd(points):
    """Mean over the classes of the FD between the class's points and its true Gaussian N(mu_k, s^2 I)."""
    return float(np.mean([frechet_distance(feature_statistics(points[labels == k]), (means[k], std ** 2 * np.eye(2)))
                          for k in range(3)]))


# %% [markdown]
# ## Fewer steps: DDIM against the ancestral sampler
#
# With the ideal predictor, all 1000 steps reproduce the classes (their FD, tinygen's Fréchet
# distance taken here on the 2-D points themselves, is as small as that of real draws of the same
# size). With fewer steps $S$ both samplers make a discretisation error, DDIM's smaller at every $S$
# below 1000 (on this quick page about 2.5 times smaller at $S = 20$, 5 times at $S = 100$) than the
# respaced ancestral sampler's. Time is proportional to $S$.

# %%
real_fd = class_fd(mixture.sample(labels).numpy())
rows = {}
for steps in (1000, 100, 20, 5):
    for name, sampler in (("ddim", samplers.ddim), ("ancestral", samplers.ancestral)):
        started = time.process_time()
        points = sampler(eps_of(0.0), schedule, start, steps).numpy()
        rows[name, steps] = (class_fd(points), time.process_time() - started)
        print(f"{name:>9}, S = {steps:4d}: class FD {rows[name, steps][0]:.4f} "
              f"({rows[name, steps][1]:.2f} CPU s for {n} points)")
print(f"real draws of the same size: class FD {real_fd:.4f}")
assert rows["ddim", 1000][0] < 3 * real_fd + 1e-3
assert all(rows["ddim", steps][0] < rows["ancestral", steps][0] for steps in (100, 20, 5)), "DDIM errs less"
assert rows["ddim", 5][0] > rows["ddim", 100][0], "and more steps, less error"

# %% [markdown]
# ## eta = 0: the start decides the sample
#
# DDIM with $\eta = 0$ draws no noise after the start: the same start noise gives the same points,
# whatever the random generator does in between. $\eta = 1$ adds fresh noise each step (and is then
# exactly the ancestral sampler; tests/test_diffusion.py checks that step for step).

# %%
few = tg.randn(5, 2)
tg.manual_seed(1)
first = samplers.ddim(eps_of(0.0, labels[:5]), schedule, few, 20).numpy()
tg.manual_seed(2)
again = samplers.ddim(eps_of(0.0, labels[:5]), schedule, few, 20).numpy()
noisy = samplers.ddim(eps_of(0.0, labels[:5]), schedule, few, 20, eta=1.0).numpy()
print(f"eta 0, two seeds: largest difference {np.abs(first - again).max()}; eta 1: {np.abs(first - noisy).max():.3f}")
assert np.array_equal(first, again) and not np.allclose(first, noisy)

# %% [markdown]
# ## Guidance: accuracy up, diversity down
#
# The classes overlap, so even perfect samples are classified right only as often as the data
# itself (the Bayes accuracy, about 88 % here). Guidance trades diversity for class fidelity: as $w$ grows,
# more samples land where their class dominates, and each class's spread shrinks below the true
# standard deviation $s = 0.35$. The first figure puts the samples of $w = 0$ and $w = 4$ side by side,
# the second the whole sweep.

# %%
bayes = float((mixture.classify(mixture.sample(labels)) == labels).mean())
sweep, shown = {}, {}
for w in (0.0, 0.5, 1.0, 2.0, 4.0):
    points = samplers.ddim(eps_of(w), schedule, start, 200).numpy()
    accuracy = float((mixture.classify(points) == labels).mean())
    spread = float(np.mean([points[labels == k].std(axis=0).mean() for k in range(3)]))
    sweep[w] = (accuracy, spread)
    print(f"w = {w:3.1f}: class accuracy {accuracy:.3f}, within-class spread {spread:.3f} (data: {std})")
    if w in (0.0, 4.0):
        shown[f"w = {w:g}" + (" (no guidance)" if w == 0 else "") + ": ideal predictor, DDIM 200 steps"] = points[:1500]
plot.latent_scatters(shown, labels[:1500], lesson.path("guidance_w0_w4.png"), legend_title="class asked for",
                     axis_labels=("x1", "x2"))
sigma = math.sqrt(bayes * (1 - bayes) / n)
print(f"Bayes accuracy of real draws: {bayes:.3f} (+- {sigma:.3f})")
assert 0.85 < bayes < 0.91, "the classes overlap: about 88 % of real draws are classified right"
assert abs(sweep[0.0][0] - bayes) < 5 * sigma * math.sqrt(2) and abs(sweep[0.0][1] - std) < 0.02
accuracies, spreads = zip(*sweep.values())
assert all(a <= b + 1e-9 for a, b in zip(accuracies, accuracies[1:])) and accuracies[-1] > bayes + 0.1
assert all(a > b for a, b in zip(spreads, spreads[1:]))
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.plot(list(sweep), accuracies, marker="o", label="samples")
left.axhline(bayes, color="grey", linestyle=":", label="real draws (Bayes accuracy)")
left.set(xlabel="guidance weight w", ylabel="share classified as the class asked for",
         title="class accuracy")
right.plot(list(sweep), spreads, marker="o", color="C1", label="samples")
right.axhline(std, color="grey", linestyle=":", label=f"real draws (s = {std})")
right.set(xlabel="guidance weight w", ylabel="mean standard deviation per class and axis",
          title="within-class spread")
for axis in (left, right):
    axis.legend()
figure.suptitle("classifier-free guidance on three Gaussian classes, ideal predictor, DDIM 200 steps")
figure.tight_layout()
figure.savefig(lesson.path("guidance_sweep.png"), dpi=100)
plt.close(figure)

# %% [markdown]
# ## On digits
#
# The same two sweeps with a trained conditional U-Net (``tinygen train ddpm -m conditional=true``).
# Quick mode trains a tiny one for 2 epochs, and the numbers below only show the code path: on this
# quick page its samples are saturated noise, not digits (the grid, one row per digit asked for),
# its FD is in the thousands, and the classifier reads the digit asked for about as often as
# guessing would (10 %), whatever $w$. Full mode trains the recipe's U-Net (width 16, Adam 1e-3, EMA
# 0.998) for 24 epochs on all 4,000 digits (about 10 CPU-minutes) and measures 200 samples per setting:
# the step sweep without guidance (one network call per step; $S = 1000$ is left to the Gaussian mixture
# above, where it costs nothing, because on digits it alone would take about 7 CPU-minutes: ten times
# the $S = 100$ row's 0.22 s per image, for 200 images), the guidance sweep at $S = 20$, and asserts
# that guidance raises the class accuracy. In the full build of 2026-12-06 (evening): without guidance
# FD 444 at $S = 5$, 242 at 20, 250 at 100 (twenty steps already as good as a hundred); the class
# accuracy rose with $w$ from 55 % ($w = 0$) through 72, 79 and 87 % to 94 % ($w = 4$), the classifier
# score from 6.0 to 9.0; in the grid at $w = 1$ most cells read as the digit asked for, a few are still
# noise. A longer run draws cleaner digits: what it gives is in ``benchmarks/README.md``
# (``benchmarks/diffusion.py``).

# %%
digits, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
kept, digit_epochs = slice(0, lesson.pick(512, None)), lesson.pick(2, 24)
model = get_recipe("ddpm").model((1, 28, 28), width=lesson.pick(8, 16), conditional=True,
                                    ema=lesson.pick(0.999, 0.998))
fit(adam(model, RunData({"lr": 1e-3})),
    DataLoader(Dataset(digits.images[kept], digits.labels[kept], "mnist-5k train"), 64, shuffle=True, seed=0),
    epochs=digit_epochs, progress=False, verbose=False)
judge, count = SampleQuality(test_set.images), lesson.pick(50, 200)
asked = np.arange(count) % 10
for steps in lesson.pick((5, 20), (5, 20, 100)):
    started = time.process_time()
    images = model.sample(count, asked, steps=steps, guidance=0.0).numpy()
    seconds = (time.process_time() - started) * 1000 / count
    print(f"DDIM S = {steps:4d}, w = 0: FD {judge.evaluate(images, asked)['fd']:.1f}, {seconds:.1f} CPU s / 1000 images")
accuracy = {}
for w in lesson.pick((0.0, 2.0), (0.0, 0.5, 1.0, 2.0, 4.0)):
    result = judge.evaluate(model.sample(count, asked, steps=20, guidance=w).numpy(), asked)
    accuracy[w] = result["class_accuracy"]
    print(f"w = {w}: class accuracy {accuracy[w]:.3f}, classifier score {result['classifier_score']:.2f}")
    if lesson.quick:
        assert accuracy[w] < 0.1 + 5 * math.sqrt(0.1 * 0.9 / count), "at chance, as the text says"
if not lesson.quick:  # a difference of two shares of `count` samples: its standard deviation is at most sqrt(0.5 / count)
    assert accuracy[4.0] > accuracy[0.0] + 5 * math.sqrt(0.5 / count), "guidance pulls samples to their class"
grid = model.sample(100, np.repeat(np.arange(10), 10), steps=20, guidance=1.0).numpy()
plot.image_grid(grid, lesson.path("digits_w1.png"), ncols=10,
                title=f"conditional DDPM U-Net trained here ({digit_epochs} epochs): DDIM 20 steps, w = 1",
                row_labels=[f"asked for a {k}" for k in range(10)])
print(f"figures in {lesson.out}")
