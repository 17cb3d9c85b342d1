# %% [markdown]
# # 13 · The conditional GAN: ask for the digit you want, P(X | Y)
#
# A classifier (lesson 06) models P(Y | X): given an image, which digit is it? A GAN models
# P(X): it paints digits, but which digit comes out is up to the noise. A **conditional** GAN
# models P(X | Y): we hand it the class y together with the noise, and it paints a digit of
# that class. The discriminator gets y too, and its question becomes "is this a real image
# *of digit y*?", so a well-painted 3 offered as a 7 is caught as a fake; G has to honour the label.
#
# How $y$ enters (``tinygen/models/gan/networks.py``): as a one-hot vector, concatenated
# to the noise at G's input (100 + 10 numbers), and painted over D's input as 10 extra image
# channels (channel $k$ is all ones when $y = k$). Everything else is lesson 12's DCGAN.
#
# Run: `python lessons/13_conditional_gan.py` (add `--quick` for the short version).

# %%
import math

import numpy as np

import tinygen as tg
from tinygen import plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models import RunData, get_recipe
from tinygen.models.gan.recipe import adam_pair
from tinygen.train import fit

lesson = setup(__file__)
width, epochs = 32, lesson.pick(3, 25)
digits, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
kept = slice(0, lesson.pick(2000, None))           # quick mode: the first 2,000 training digits
train_set = Dataset(digits.images[kept], digits.labels[kept], "mnist-5k train")

# %% [markdown]
# ## Training on (image, label) pairs
#
# The step is the one of lessons 11 and 12; the only change is that every batch brings its
# labels, and both networks see them. The fakes of a step are painted for the labels of the
# real batch, so D sees each class about equally often among real and fake images. This time
# the loop is tinygen's `fit` (the one the command line uses), which prints each epoch's means.
# After training, the cell measures what the generator trained here paints: the FD of 1,000
# samples (lower is better) and how often the shipped digit classifier reads the digit that was
# asked for (its **class accuracy**; the last section explains both).

# %%
tg.manual_seed(0)
gan = get_recipe("cgan").model((1, 28, 28), width=width, ema=0.99)
print(f"{train_set} -> conditional DCGAN of width {width}, {epochs} epochs")
history = fit(adam_pair(gan, RunData({"lr": 2e-4, "train_args": {}})),
              DataLoader(train_set, batch_size=64, shuffle=True, seed=0),
              epochs=epochs, progress=False)
assert all(0 < row["train_d_fake"] < 1 for row in history)
quality, labels = SampleQuality(test_set.images), np.arange(1000) % 10   # 100 samples asked for each digit
trained_here = quality.evaluate(gan.sample(1000, labels).numpy(), labels)
print(f"the generator trained here ({epochs} epochs): FD {trained_here['fd']:.1f}, "
      f"class accuracy {trained_here['class_accuracy']:.3f}")
if lesson.quick:
    assert trained_here["fd"] > 269, "a few epochs do not make digits: worse than blurred test digits"
    assert trained_here["class_accuracy"] < 0.1 + 5 * math.sqrt(0.1 * 0.9 / 1000), "nor the digit asked for"

# %% [markdown]
# On this quick page three epochs teach the game but not the digits: the FD printed above is far
# above 269, the FD of blurred test digits (`benchmarks/README.md`), and the classifier reads the
# digit asked for about as often as guessing would (10 %). Painting the digit asked for
# takes the full recipe, 25 epochs on all 4,000 training digits (about 3 CPU-minutes). So in quick mode the page
# **loads the generator that recipe trained** (`lessons/weights/cgan.npz`, made by
# `tinygen train cgan -m width=32 -m ema=0.99 --epochs 25`, see `lessons/weights/README.md`); in
# full mode it keeps the one it has just trained. Samples come from the generator's weight
# average (EMA 0.99, lesson 12).

# %%
if lesson.quick:
    recorded, meta = lesson.recorded("cgan")
    gan.load_state_dict(recorded, strict=False)   # G and its weight average; D is not needed from here on
    source, trained_epochs = "loaded", meta["metrics"]["epochs"]["epoch"]
    print(f"the generator from here on: loaded, trained by `{meta['command']}`")
else:
    source, trained_epochs = "trained here", epochs
    print("the generator from here on: the one trained above")

# %% [markdown]
# ## One row per digit asked for
#
# Row $k$ holds ten samples asked for digit $k$, each column with its own noise vector, the
# same noise down a column. So a row shows the variety within one class, and a column shows
# one "style" (the noise) written as every digit.

# %%
noise = tg.randn(10, 100).numpy()
grid_noise = np.tile(noise, (10, 1))                # column j uses noise j in every row
grid_labels = np.repeat(np.arange(10), 10)          # row k asks for digit k
grid = gan.sample(100, grid_labels, noise=tg.tensor(grid_noise)).numpy()
plot.image_grid(grid, lesson.path("digits_by_row.png"), ncols=10,
                title=f"conditional DCGAN after {trained_epochs} epochs ({source}): one noise vector per column",
                row_labels=[f"asked for a {k}" for k in range(10)])
print("figure:", lesson.path("digits_by_row.png"))

# %% [markdown]
# ## Does it paint the digit it was asked for?
#
# The shipped digit classifier (97 % on real test digits) reads 1,000 samples, 100 asked for
# each digit. Guessing would be right 10 % of the time; with $n = 1000$ samples a chance-level
# accuracy has standard deviation $\sigma = \sqrt{0.1 \cdot 0.9 / n} \approx 0.009$, so anything above
# $0.1 + 5\sigma \approx 0.147$ is far beyond luck.

# %%
result = quality.evaluate(gan.sample(1000, labels).numpy(), labels)
chance, sigma = 0.1, math.sqrt(0.1 * 0.9 / 1000)
print(f"class accuracy {result['class_accuracy']:.3f} (chance {chance}, +5 sigma = {chance + 5 * sigma:.3f}); "
      f"FD {result['fd']:.1f}, classifier score {result['classifier_score']:.2f}")
assert result["class_accuracy"] > chance + 5 * sigma, "it paints the digit asked for, far beyond luck"
assert result["fd"] < 269, "below the FD of blurred test digits (README's calibration)"
