# %% [markdown]
# # 18 · Fast and guided sampling: DDIM, and classifier-free guidance
#
# Lesson 17's sampler takes T = 1000 network calls per image. Two ideas from 2021–22 changed that
# and what the samples look like:
#
# * **DDIM** (Song et al. 2021) reuses a trained DDPM unchanged but walks back in S << T steps. Each
#   step predicts the clean image x0^ from eps^ and jumps to an earlier time along the same noise
#   direction; with eta = 0 it adds no fresh noise, so the same start gives the same image.
# * **Classifier-free guidance** (Ho & Salimans 2022): train one network both with and without the
#   label (labels dropped with probability p_uncond), then sample with
#   eps~ = (1 + w) eps(x, y) - w eps(x, nothing): w > 0 pushes each sample toward what is typical of
#   its class. Samples look more like their class, and less varied.
#
# To see both effects exactly, we first take data whose ideal noise predictor is known: three
# overlapping Gaussian classes in 2-D (``tinygen/models/diffusion/gaussian_mixture.py``). Then the
# same on digits with a trained U-Net (quick mode: a tiny one, whose numbers mean little).
#
# Run: `python lessons/18_guided_and_fast_sampling.py` (add `--quick` for the short version).

# %%
import math
import time

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
# size). With fewer steps both samplers make a discretisation error, DDIM's smaller: at S = 20 it is
# several times closer than the respaced ancestral sampler. Time is proportional to S.

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
assert rows["ddim", 20][0] < rows["ancestral", 20][0] and rows["ddim", 5][0] > rows["ddim", 100][0]

# %% [markdown]
# ## eta = 0: the start decides the sample
#
# DDIM with eta = 0 draws no noise after the start: the same start noise gives the same points,
# whatever the random generator does in between. eta = 1 adds fresh noise each step (and is then
# exactly the ancestral sampler, tests/test_diffusion.py checks that step for step).

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
# itself (the Bayes accuracy, ~87 % here). Guidance trades diversity for class fidelity: as w grows,
# more samples land where their class dominates, and each class's spread shrinks below the true s.

# %%
bayes = float((mixture.classify(mixture.sample(labels)) == labels).mean())
sweep = {}
for w in (0.0, 0.5, 1.0, 2.0, 4.0):
    points = samplers.ddim(eps_of(w), schedule, start, 200).numpy()
    accuracy = float((mixture.classify(points) == labels).mean())
    spread = float(np.mean([points[labels == k].std(axis=0).mean() for k in range(3)]))
    sweep[w] = (accuracy, spread)
    print(f"w = {w:3.1f}: class accuracy {accuracy:.3f}, within-class spread {spread:.3f} (data: {std})")
    if w in (0.0, 4.0):
        plot.latent_scatter(points[:1500], labels[:1500], lesson.path(f"guidance_w{w:g}.png"), title=f"w = {w}")
sigma = math.sqrt(bayes * (1 - bayes) / n)
print(f"Bayes accuracy of real draws: {bayes:.3f} (+- {sigma:.3f})")
assert abs(sweep[0.0][0] - bayes) < 5 * sigma * math.sqrt(2) and abs(sweep[0.0][1] - std) < 0.02
accuracies, spreads = zip(*sweep.values())
assert all(a <= b + 1e-9 for a, b in zip(accuracies, accuracies[1:])) and accuracies[-1] > bayes + 0.1
assert all(a > b for a, b in zip(spreads, spreads[1:]))
plot.loss_curves({"class accuracy": list(accuracies), "within-class spread": list(spreads)},
                 lesson.path("guidance_sweep.png"), xlabel="w index (0, 0.5, 1, 2, 4)")

# %% [markdown]
# ## On digits
#
# The same two sweeps with a trained conditional U-Net (``tinygen train ddpm -m conditional=true``).
# Quick mode trains a tiny one for a few epochs: its samples are not digits yet, and the numbers
# below only show the code path. Full mode trains the recipe's width-32 U-Net for 12 epochs on all
# 4,000 digits (about 15 CPU-minutes) and measures 200 samples per setting: the step sweep without
# guidance (one network call per step; S = 1000 is left to the Gaussian mixture above, where it costs
# nothing, because on digits it alone would take about half an hour), the guidance sweep at S = 20.

# %%
digits, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
kept = slice(0, lesson.pick(512, None))
model = get_recipe("ddpm").model((1, 28, 28), width=lesson.pick(8, 32), conditional=True, ema=0.999)
fit(adam(model, RunData({"lr": lesson.pick(1e-3, 2e-4)})),
    DataLoader(Dataset(digits.images[kept], digits.labels[kept], "mnist-5k train"), 64, shuffle=True, seed=0),
    epochs=lesson.pick(2, 12), progress=False, verbose=False)
judge, count = SampleQuality(test_set.images), lesson.pick(50, 200)
asked = np.arange(count) % 10
for steps in lesson.pick((5, 20), (5, 20, 100)):
    started = time.process_time()
    images = model.sample(count, asked, steps=steps, guidance=0.0).numpy()
    seconds = (time.process_time() - started) * 1000 / count
    print(f"DDIM S = {steps:4d}, w = 0: FD {judge.evaluate(images, asked)['fd']:.1f}, {seconds:.1f} CPU s / 1000 images")
for w in lesson.pick((0.0, 2.0), (0.0, 0.5, 1.0, 2.0, 4.0)):
    result = judge.evaluate(model.sample(count, asked, steps=20, guidance=w).numpy(), asked)
    print(f"w = {w}: class accuracy {result['class_accuracy']:.3f}, classifier score {result['classifier_score']:.2f}")
grid = model.sample(100, np.repeat(np.arange(10), 10), steps=20, guidance=1.0).numpy()
plot.image_grid(grid, lesson.path("digits_w1.png"), ncols=10, title="row k: digit k, DDIM 20 steps, w = 1")
print(f"figures in {lesson.out}")
