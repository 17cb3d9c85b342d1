# %% [markdown]
# # 10 · Exploring a VAE's latent space
#
# A trained VAE gives you a map of digit space that you can walk on. This lesson draws the
# map of a 2-D latent space (the **manifold**), walks in a straight line from one digit to
# another (**interpolation**), does the "add sunglasses" arithmetic of face models with digits
# (add a *thick stroke* vector to thin digits), and finally asks how good the model is as
# a probability model: the ELBO it trains on is only a lower bound on log p(x), and the
# **importance-weighted** bound closes part of the gap as it draws more samples.
#
# Run: `python lessons/10_vae_latent_space.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import optim, plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.metrics import iwae_bound
from tinygen.models.vae import latent as vae_latent
from tinygen.models.vae.networks import dense_vae
from tinygen.train import fit
from tinygen.trainer import GradientTrainer

lesson = setup(__file__)
tg.manual_seed(0)   # the models' initial weights: the page shows the same models on every run
train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
count = lesson.pick(1500, len(train_set))
train_set = Dataset(train_set.images[:count], train_set.labels[:count], "mnist-5k train")
epochs, hidden, batch = lesson.pick(6, 40), lesson.pick(256, 400), lesson.pick(32, 128)
print(train_set, test_set, f"-> {epochs} epochs of batches of {batch}, hidden width {hidden}")


def train(model):
    tg.manual_seed(0)
    trainer = GradientTrainer(model, optim.Adam(model.parameters(), lr=1e-3))
    fit(trainer, DataLoader(train_set, batch, shuffle=True, seed=0), epochs=epochs, progress=False, verbose=False)
    return model.eval()


flat, rich = train(dense_vae(hidden=hidden, latent_dim=2)), train(dense_vae(hidden=hidden, latent_dim=20))

# %% [markdown]
# ## The manifold: decode a grid of codes
#
# With two latent dimensions you can decode a whole grid of codes and see every digit the
# model knows, laid out side by side. Since the prior is $\mathcal{N}(0, I)$, place the grid at
# the normal's **quantiles**: each column (and row) covers the same prior probability, so
# the picture spends its cells where the prior puts codes. The figure shows, on the left, the
# test digits' mean codes coloured by digit with the grid's square drawn in, and on the right
# the decoded grid: where a digit's cluster lies inside the square, the cells there show that
# digit. The cell prints how many mean codes fall inside the square; after a short training
# they spread wider than the prior, and the outer clusters lie partly outside it. Neighbouring
# cells of the grid differ far less than two cells picked anywhere: the decoder is continuous.

# %%
n = lesson.pick(10, 20)
grid = vae_latent.quantile_grid(n)
codes = vae_latent.latent_means(flat, test_set.images)
inside = np.all((codes >= grid.min(axis=0)) & (codes <= grid.max(axis=0)), axis=1).mean()
print(f"the grid spans z1, z2 in [{grid.min():.2f}, {grid.max():.2f}]; {inside:.0%} of the test digits' mean codes "
      f"lie inside it")
print("saved", vae_latent.latent_map(flat, test_set.images, test_set.labels, lesson.path("latent_map.png"), n=n))
images = vae_latent.decode(flat, grid)
neighbours = np.abs(np.diff(images.reshape(n, n, -1), axis=1)).mean()
strangers = np.abs(images[:, None] - images[None, :]).mean()
print(f"mean pixel change between neighbouring cells {neighbours:.3f}, between any two cells {strangers:.3f}")
assert neighbours < strangers, "continuity: nearby codes decode to similar images"

# %% [markdown]
# ## Interpolation
#
# Take the mean codes of two test digits and decode the points on the straight line
# between them, here in the VAE with a 20-D latent space. Because the space is continuous and
# complete, every step decodes to a digit-like image, and the image morphs smoothly from one
# digit into the other: no single step makes more than half of the whole change (asserted).

# %%
pairs = [(0, 1), (2, 3), (4, 5)]
strips = np.stack([vae_latent.interpolate(rich, test_set.images[a], test_set.images[b], steps=10) for a, b in pairs])
plot.interpolation_strip(strips, lesson.path("interpolation.png"),
                         title="20-D VAE: decoded codes on the line between two test digits' mean codes",
                         row_labels=[f"test digit {test_set.labels[a]} → {test_set.labels[b]}" for a, b in pairs])
steps = np.abs(np.diff(strips, axis=1)).mean(axis=(2, 3, 4))
print("mean pixel change per step:", steps.round(3))
assert (steps.max(axis=1) < 0.5 * np.abs(strips[:, -1] - strips[:, 0]).mean(axis=(1, 2, 3))).all(), \
    "no single step makes more than half of the whole change"

# %% [markdown]
# ## Attribute vectors: "add a thick stroke"
#
# A VAE trained on faces adds sunglasses to a face by adding, to the face's code, the difference
# between the mean code of faces with sunglasses and the mean code of faces without. Do the
# same with stroke thickness. Within each digit class, the quarter of training images
# with the most ink are "thick" and the quarter with the least are "thin"; the attribute
# vector $v$ is the average over classes of (mean code of thick − mean code of thin), so that
# it carries thickness and not digit identity. Decoding $\mu(x) + s\,v$ with growing strength $s$
# makes the strokes of test digits heavier: the total ink rises with $s$ (asserted). The
# average over classes does not remove identity completely: on this quick page some digits also
# drift towards another digit as $s$ grows (a 6 closes into a 0, a 3 opens into a 5).

# %%
ink = vae_latent.ink(train_set.images)
vectors = []
for digit in range(10):
    members = train_set.labels == digit
    thin, thick = np.percentile(ink[members], [25, 75])
    vectors.append(vae_latent.attribute_vector(rich, train_set.images[members & (ink >= thick)],
                                               train_set.images[members & (ink <= thin)]))
thickness = np.mean(vectors, axis=0)
strengths = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)
shifted = vae_latent.add_attribute(rich, test_set.images[:8], thickness, strengths)
plot.interpolation_strip(shifted, lesson.path("thickness_vector.png"),
                         title="20-D VAE: decode(μ + s · v), columns s = " + ", ".join(f"{s:g}" for s in strengths),
                         row_labels=[f"test digit {label}" for label in test_set.labels[:8]])
ink_by_strength = vae_latent.ink(shifted.reshape(-1, *shifted.shape[2:])).reshape(8, len(strengths)).mean(axis=0)
print("mean ink by strength:", {s: round(float(value), 1) for s, value in zip(strengths, ink_by_strength)})
assert (np.diff(ink_by_strength) > 0).all(), "more of the vector, more ink"

# %% [markdown]
# ## How likely are the test digits? ELBO against the importance-weighted bound
#
# The ELBO is $\log p(x) - \mathrm{KL}(q(z \mid x) \,\|\, p(z \mid x))$: it is exact only when the
# encoder's Gaussian matches the true posterior. Averaging $K$ importance weights inside the
# logarithm, with $z_1, \ldots, z_K$ drawn from $q(z \mid x)$, gives a tighter bound:
#
# $$\mathcal{L}_K = \mathbb{E}\left[ \log \frac{1}{K} \sum_{k=1}^{K} \frac{p(x, z_k)}{q(z_k \mid x)} \right] \le \log p(x)$$
#
# $\mathcal{L}_1$ is the ELBO; $\mathcal{L}_K$ rises with $K$ and reaches $\log p(x)$ as $K$ grows
# (Burda et al., 2016). The cell prints $-\mathcal{L}_K$, a bound on $-\log p(x)$ in nats per test
# digit (lower is better), for the 20-D VAE:

# %%
digits = test_set.images[:lesson.pick(100, 1000)]
tg.manual_seed(1)
nll = {k: float(-iwae_bound(rich, digits, k).mean()) for k in (1, 10, 100, 1000)}
print({f"K={k}": round(v, 2) for k, v in nll.items()})
figure, axes = plt.subplots(figsize=(6.4, 4))
axes.plot(list(nll), list(nll.values()), marker="o")
axes.set_xscale("log")
axes.set_xlabel("K, importance samples per digit (K = 1: the ELBO)")
axes.set_ylabel("−L_K: bound on −log p(x), nats per digit")
axes.set_title(f"20-D VAE on {len(digits)} test digits: the bound tightens with K")
axes.grid(alpha=0.3)
figure.tight_layout()
figure.savefig(lesson.path("nll_by_k.png"), dpi=100)
plt.close(figure)
assert nll[1] > nll[10] > nll[100] > nll[1000], "the bound tightens as K grows"
