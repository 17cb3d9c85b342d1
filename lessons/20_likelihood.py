# %% [markdown]
# # 20 · Likelihood: exact, bound, estimate — every family on one scale
#
# A generative model is a probability distribution p over images. Its **likelihood** on test
# images is the probability it gives them; we report the negative log, in **nats** per image
# (−ln p(x); bits are nats / ln 2). Lower is better: the model wastes less probability on
# images that never occur. Held-out images keep it honest: a model that merely memorized its
# training set gives new images almost nothing (the last section measures that).
#
# Each family of the course reaches its likelihood differently:
#
# | family | what it can compute | kind |
# |---|---|---|
# | MADE, PixelCNN (autoregressive) | $p(x) = \prod_d p(x_d \mid x_{<d})$ | **exact** |
# | RealNVP (a flow) | $p(x) = \mathcal{N}(f(x); 0, I) \cdot \lvert \det \partial f / \partial x \rvert$ | **exact** (of continuous data) |
# | VAE | the ELBO and the importance-weighted bound, both $\le \log p(x)$ | a **bound**: $-\log p(x) \le$ the number |
# | RBM | $e^{-F(v)} / Z$ with $\log Z$ from AIS | an **estimate** (± its spread), a rigorous bound beside it |
#
# This lesson proves each kind on images small enough to list, draws the autoregressive masks and
# a flow's change of variables, puts every family on one table, and shows that a likelihood and
# the look of the samples can disagree.
#
# Run: `python lessons/20_likelihood.py` (add `--quick` for the short version).

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import backend, optim, plot
from tinygen.autograd import Tensor, no_grad
from tinygen.cli import main as tinygen_command
from tinygen.commands import trained_model
from tinygen.compare import compare_row, format_table
from tinygen.data import load_dataset
from tinygen.data.toy2d import load_toy
from tinygen.data.transforms import binarize
from tinygen.lesson import setup
from tinygen.lr_decay import LinearDecay
from tinygen.metrics import iwae_bound
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models.made.model import MADE
from tinygen.models.pixelcnn.model import PixelCNN
from tinygen.models.rbm import (RBM, ais_schedule, all_binary_states, annealed_importance_sampling,
                                exact_log_partition, mean_field_lower_bound)
from tinygen.models.realnvp import PointFlow
from tinygen.models.vae.networks import dense_vae

lesson = setup(__file__)
tg.manual_seed(0)
rng = np.random.default_rng(0)


def log_sum_exp(values, axis):
    top = values.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(values - top).sum(axis=axis, keepdims=True))).squeeze(axis)


# %% [markdown]
# ## Three kinds of likelihood on 3×3 binary images
#
# A 3×3 binary image takes one of $2^9 = 512$ values: few enough to list them all and do every sum
# exactly. The models below have random weights — each claim holds for *any* weights.
#
# **Exact.** MADE gives each pixel a Bernoulli probability computed from the pixels before it in an
# order; the product of these conditionals is a normalized distribution by construction.

# %%
states = all_binary_states(9)                      # (512, 9): every 3x3 binary image, flattened
images = states.reshape(512, 1, 3, 3)
made = MADE((1, 3, 3), hidden_sizes=(16,), order="random", seed=1).double().eval()
with no_grad():
    p_made = np.exp(made.log_prob(images).numpy())
print(f"MADE: the sum of p(x) over all 512 images = {p_made.sum():.12f}")
assert abs(p_made.sum() - 1) < 1e-9, "an autoregressive model is normalized: its likelihood is exact"

# %% [markdown]
# **A bound.** A VAE with a 1-d code: $p(x) = \int p(x \mid z)\, \mathcal{N}(z; 0, 1)\, dz$. In one dimension that
# integral can be done on a fine grid, which gives the exact $\log p(x)$ — the number the ELBO and the
# importance-weighted bound ($K$ samples) approach from below: $\mathrm{ELBO} \le \mathrm{IWAE}_K \le \log p(x)$.
# The table printed below puts the three side by side for six of the images.

# %%
vae = dense_vae((1, 3, 3), hidden=16, latent_dim=1).double().eval()
z_grid = np.linspace(-10, 10, 4001)
with no_grad():
    logits = vae.decode_logits(Tensor(z_grid[:, None])).numpy().reshape(len(z_grid), 9)
log_px_given_z = states @ -np.logaddexp(0, -logits).T + (1 - states) @ -np.logaddexp(0, logits).T   # (512, grid)
log_prior_dz = -0.5 * z_grid ** 2 - 0.5 * math.log(2 * math.pi) + math.log(z_grid[1] - z_grid[0])
exact_log_p = log_sum_exp(log_px_given_z + log_prior_dz, axis=1)
print(f"VAE: the sum of p(x) over all 512 images (by quadrature) = {np.exp(exact_log_p).sum():.9f}")
assert abs(np.exp(exact_log_p).sum() - 1) < 1e-6

picked = rng.choice(512, 6, replace=False)
tg.manual_seed(1)
with no_grad():   # each bound is an expectation over q's samples: average many draws, and know their spread
    elbo_draws = np.stack([iwae_bound(vae, images[picked], k=1) for _ in range(1000)])
    iwae_draws = np.stack([iwae_bound(vae, images[picked], k=100) for _ in range(200)])
elbo, iwae = elbo_draws.mean(axis=0), iwae_draws.mean(axis=0)
iwae_error = 3 * iwae_draws.std(axis=0) / math.sqrt(len(iwae_draws))      # 3 standard errors of the mean
print("        ELBO     IWAE K=100   log p(x)")
for e, i, t in zip(elbo, iwae, exact_log_p[picked]):
    print(f"     {e:8.4f}   {i:8.4f}    {t:8.4f}")
assert np.all(elbo < iwae), "more samples, a tighter bound"
assert np.all(iwae <= exact_log_p[picked] + iwae_error), "IWAE <= log p(x), within its averages' error"

# %% [markdown]
# **An estimate.** An RBM defines $p(v) = e^{-F(v)} / Z$, and $Z$ sums over every state. Four hidden
# units make $\log Z$ exactly computable here; for MNIST it is not, and annealed importance sampling
# (AIS, lesson 15) *estimates* it. An estimate can err either way — AIS tends to underestimate $Z$,
# which makes a model look *better* than it is — so tinygen puts a rigorous bound beside it: the
# mean-field bound is $\le \log Z$, always, so the NLL is at least the mean of $F$ plus the bound.

# %%
rbm = RBM(9, 4).double()
rbm.weight.data[...] = rng.normal(0, 1.5, (4, 9))
rbm.visible_bias.data[...] = rng.normal(0, 1, 9)
log_z = exact_log_partition(rbm)
tg.manual_seed(2)
ais = annealed_importance_sampling(rbm, n_runs=100, betas=ais_schedule(lesson.pick(300, 3000)))
bound = mean_field_lower_bound(rbm, states)
print(f"RBM: exact log Z {log_z:.4f}; AIS {ais.log_z:.4f} ± {3 * ais.log_z_std:.4f} (3 sd); "
      f"mean-field bound {bound:.4f}")
assert bound <= log_z, "the mean-field bound is rigorous"
assert abs(ais.log_z - log_z) <= 3 * ais.log_z_std + 0.05, "AIS lands within its spread of the truth"
with no_grad():
    assert abs(np.exp(-rbm.free_energy(states).numpy() - log_z).sum() - 1) < 1e-9

# %% [markdown]
# ## The autoregressive factorization, drawn as masks
#
# MADE cuts a dense autoencoder's connections so that logit $d$ sees only the pixels before $d$.
# Multiplying its masks gives which input can reach which output: in the natural order a strictly
# lower triangle; in a random order the same triangle, rows and columns permuted. PixelCNN does it with
# convolutions: the first layer (mask A) sees the pixels above and to the left, later layers (mask B)
# also their own centre — which by then carries only the past. In the figure black means connected
# (the output may see that input), white means cut.

# %%
def reach(model):
    """(output, input) 0/1: which input pixel a logit can depend on through MADE's masks."""
    masks = model.mask_sets[0][1]
    product = masks[0]
    for mask in masks[1:]:
        product = mask @ product
    return (product > 0).astype(float)


made_natural = MADE((1, 3, 3), hidden_sizes=(16,), order="natural", seed=0)
for model in (made_natural, made):
    position = np.argsort(model.mask_sets[0][0])           # when each pixel comes in the order
    allowed = (position[None, :] < position[:, None]).astype(float)
    assert np.all(reach(model) <= allowed), "logit d sees only the pixels before d in the order"
assert not np.triu(reach(made_natural)).any(), "natural order: strictly below the diagonal"

pixelcnn = PixelCNN((1, 7, 7), channels=4, blocks=1, first_kernel=5)
panels = {"MADE, natural order": reach(made_natural), "MADE, random order": reach(made),
          "PixelCNN mask A (5×5)": pixelcnn.net[0].mask.numpy()[0, 0],
          "PixelCNN mask B (3×3)": pixelcnn.net[1].conv.mask.numpy()[0, 0]}
figure, axes = plt.subplots(1, 4, figsize=(13, 3.9))
for axis, (title, matrix) in zip(axes, panels.items()):
    axis.imshow(matrix, cmap="Greys", vmin=0, vmax=1)
    axis.set_title(title, fontsize=10)
    axis.set_xticks([]), axis.set_yticks([])
for axis in axes[:2]:
    axis.set(xlabel="input pixel (1 to 9)", ylabel="output logit (1 to 9)")
for axis in axes[2:]:
    axis.set(xlabel="kernel column", ylabel="kernel row")
figure.suptitle("what each output may see: black = connected, white = cut (MADE on 3×3 images; PixelCNN kernels)")
figure.tight_layout()
figure.savefig(lesson.path("masks.png"), dpi=90)
plt.close(figure)
print("wrote", lesson.path("masks.png"))

# %% [markdown]
# ## A flow's change of variables, in 2-D
#
# A flow is an invertible $f$ with a Jacobian whose determinant is cheap. Then
#
# $$\log p(x) = \log \mathcal{N}(f(x); 0, I) + \log \left\lvert \det \frac{\partial f}{\partial x} \right\rvert:$$
#
# the Gaussian's density, stretched where $f$ squeezes space and thinned where $f$ spreads it. RealNVP's
# **affine coupling** keeps half of the coordinates fixed and scales and shifts the other half by
# amounts computed from the fixed half: $y_2 = x_2 \cdot e^{s(x_1)} + t(x_1)$. Its Jacobian is
# triangular, so $\log \lvert \det \rvert = \sum s$. Alternating which half is fixed, eight couplings
# learn to carry the 8 Gaussians of ring8 onto one Gaussian — and back.
#
# How far they get depends on the training (Adam, its rate falling linearly to 0). On this quick page
# (1,000 steps) the flow has only started: $z = f(x)$ is still far from $\mathcal{N}(0, I)$ (streaks, not
# a round cloud), and its density and its samples trace the ring's arcs between the modes instead of
# eight separate blobs; yet its exact likelihood already beats the best single Gaussian, by almost
# 4 nats in the printed numbers. Full mode trains six times longer. The cell checks that the flow is
# invertible and that its density integrates to about 1.

# %%
ring = load_toy("ring8", "train").images
ring_test = load_toy("ring8", "test").images
tg.manual_seed(3)
flow = PointFlow(2, hidden=64, couplings=8)
adam = optim.Adam(flow.parameters(), lr=2e-3)
steps = lesson.pick(1000, 6000)
decay = LinearDecay(adam, steps)   # a fixed rate keeps the thin modes' likelihood jumping from step to step
for step in range(steps):
    batch = ring[rng.integers(0, len(ring), 256)]
    adam.zero_grad()
    loss = flow.loss(batch)
    loss.backward()
    decay.update()
    adam.step()
with no_grad():
    flow_nll = float(flow.loss(ring_test).item())
    z, _ = flow(ring_test)
    back = flow.inverse(z).numpy()
    samples = flow.sample(2000).numpy()
mean, covariance = ring.mean(axis=0), np.cov(ring.T)
gaussian_nll = float(np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(covariance)[1] + 1.0)   # its own fit, in expectation
print(f"ring8 test NLL: one Gaussian fitted to the data {gaussian_nll:.3f} nats; the flow after {steps} steps "
      f"{flow_nll:.3f} nats")
assert np.abs(back - ring_test).max() < 1e-4, "the flow is invertible: f^-1(f(x)) = x"
assert flow_nll < gaussian_nll - 0.5, "the flow's exact likelihood beats the best single Gaussian"

side = np.linspace(-3.5, 3.5, 281)
xs, ys = np.meshgrid(side, side, indexing="xy")
with no_grad():
    density = np.exp(flow.log_prob(np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)).numpy())
density = density.reshape(xs.shape)
mass = float(density.sum() * (side[1] - side[0]) ** 2)
print(f"the density's mass on the square [-3.5, 3.5]^2: {mass:.3f}")
assert 0.9 < mass < 1.02, "a normalized density: its mass on the square is at most 1, and most of it lies there"

figure, axes = plt.subplots(1, 4, figsize=(15, 4.2))
axes[0].scatter(*ring_test[:1000].T, s=2)
axes[0].set_title("data: ring8 test points x")
axes[1].scatter(*z.numpy()[:1000].T, s=2, c="tab:orange")
axes[1].set_title("z = f(x), pushed towards N(0, I)")
shown = axes[2].imshow(density, extent=(side[0], side[-1], side[0], side[-1]), origin="lower", cmap="viridis")
figure.colorbar(shown, ax=axes[2], fraction=0.046, pad=0.04, label="density p(x)")
axes[2].set_title("p(x) = N(f(x); 0, I) |det df/dx|")
axes[3].scatter(*samples.T, s=2, c="tab:green")
axes[3].set_title("samples f⁻¹(z), z ~ N(0, I)")
for axis, names in zip(axes, (("x1", "x2"), ("z1", "z2"), ("x1", "x2"), ("x1", "x2"))):
    axis.set_xlim(-3.5, 3.5), axis.set_ylim(-3.5, 3.5), axis.set_aspect("equal")
    axis.set(xlabel=names[0], ylabel=names[1])
figure.suptitle(f"RealNVP, 8 affine couplings, after {steps:,} steps on ring8")
figure.tight_layout()
figure.savefig(lesson.path("flow_ring8.png"), dpi=90)
plt.close(figure)
print("wrote", lesson.path("flow_ring8.png"))

# %% [markdown]
# ## Every family on one table
#
# Below, each family is trained through the command line and put on `tinygen compare`'s table:
# the likelihood with its kind, in **nats per binarized test digit** (pixels > 0.5, the one
# binarization for every model), RealNVP in **bits per dimension** of the 8-bit digits (a different
# scale: continuous, dequantized data); beside each, training time, parameters, and the FD of its
# samples (lower is better). **In quick mode the budgets are tiny (small networks, one to five
# epochs) and the numbers say little about the families**. Full mode trains each at a budget that keeps
# the lesson near ten CPU-minutes (PixelCNN 2 epochs, RealNVP 4); `benchmarks/README.md` holds the table
# at longer budgets (`python benchmarks/likelihoods.py`: PixelCNN 15 epochs, RealNVP 10, the VAE's bound
# with K = 5,000), where PixelCNN's 75.5 nats beat the VAE's bound.

# %%
quick_runs = {"rbm": ["-m", "n_hidden=100", "-m", "persistent=False", "--epochs", "3",
                      "-t", "ais_runs=20", "-t", "ais_temperatures=300"],
              "vae": ["-m", "hidden=128", "--epochs", "5", "-t", "iwae_images=100"],
              "made": ["-m", "hidden=128", "--epochs", "5", "-t", "fd_samples=200"],
              "pixelcnn": ["-m", "channels=8", "-m", "blocks=1", "--epochs", "1"],
              "realnvp": ["-m", "hidden=8", "-m", "couplings=1", "--epochs", "1"]}
full_runs = {"rbm": ["-m", "persistent=False", "--epochs", "30", "-t", "ais_temperatures=10000"],   # CD-1
             "vae": ["--epochs", "100"], "made": ["--epochs", "50"], "pixelcnn": ["--epochs", "2"],
             "realnvp": ["--epochs", "4"]}   # shorter than benchmarks/likelihoods.py's (see above)
rows = []
for name, arguments in lesson.pick(quick_runs, full_runs).items():
    folder = lesson.path(f"runs/{name}")
    code = tinygen_command(["train", name, "--out", str(folder), "--overwrite", "--no-progress", *arguments])
    assert code in (0, None), f"training {name} failed"
    rows.append(compare_row(folder, samples=lesson.pick(100, 1000)))
print(format_table(rows, "train s (wall)"))
kinds = {row["model"]: row.get("likelihood_kind") for row in rows}
assert kinds == {"rbm": "estimate", "vae": "upper_bound", "made": "exact", "pixelcnn": "exact",
                 "realnvp": "exact"}
rbm_row = rows[0]
assert rbm_row["nll_nats_lower_bound"] <= rbm_row["nll_nats"] + 1e-9, "the rigorous bound sits below the estimate"
nats = [row["nll_nats"] for row in rows if "nll_nats" in row]
assert all(0 < value < 784 * math.log(2) + 1 for value in nats[1:]), \
    "every model beats (or nearly) the 543 nats of a coin flip per pixel"

# %% [markdown]
# ## Samples and likelihood can disagree
#
# Theis, van den Oord and Bethge (2016) showed that the two measures answer different questions.
#
# **Good likelihood, poor samples.** Mix the table's VAE with pure noise (every pixel a coin flip):
# $p_{\text{mix}} = 0.01\, p_{\text{VAE}} + 0.99\, p_{\text{noise}}$. Then
# $\log p_{\text{mix}}(x) \ge \log 0.01 + \log p_{\text{VAE}}(x)$: at most $\log 100 \approx 4.6$ nats worse per
# image — next to the VAE's own NLL per digit (about 180 nats on this quick page, about 90 at the full
# budget in `benchmarks/README.md`),
# hardly visible in the table — yet 99 of every 100 samples are noise. (The VAE's $\log p$ is known only
# from below, by its importance-weighted bound; so is the mixture's.)
#
# **Poor likelihood, good samples.** A model that memorized its training digits and samples one of
# them (with 0.1 % of its pixels flipped, so that every image has some probability) draws real
# digits — but a *new* digit differs from every stored one in dozens of pixels, each costing
# $\log 999 \approx 6.9$ nats. The printed table and the figure below show both.

# %%
vae_recipe, trained_vae, vae_run = trained_model(lesson.path("runs/vae"))   # the VAE the table just trained
test = binarize(load_dataset("mnist-5k", "test").images)
train = binarize(load_dataset("mnist-5k", "train").images)
count, k = lesson.pick(200, 1000), lesson.pick(100, 1000)
tg.manual_seed(4)
with no_grad():
    log_p_vae = backend.to_numpy(iwae_bound(trained_vae, test[:count], k=k)).astype(np.float64)   # <= log p(x)
vae_samples = vae_recipe.sample(trained_vae, vae_run, count)
noise_log_p = 784 * math.log(0.5)
log_p_mix = np.logaddexp(math.log(0.01) + log_p_vae, math.log(0.99) + noise_log_p)  # <= log p_mix(x)
is_model = rng.random(count) < 0.01
mix_samples = np.where(is_model[:, None, None, None], vae_samples,
                       (rng.random((count, 1, 28, 28)) < 0.5).astype(np.float32))

flip = 0.001
stored = train.reshape(len(train), 784).astype(np.float64)
log_on, log_off = math.log(1 - flip), math.log(flip)
flat_test = test[:count].reshape(count, 784)
log_p_one = stored * log_on + (1 - stored) * log_off        # log p(pixel = 1 | stored digit n), (N, 784)
log_p_zero = stored * log_off + (1 - stored) * log_on
log_p_memory = log_sum_exp(flat_test @ log_p_one.T + (1 - flat_test) @ log_p_zero.T, axis=1) - math.log(len(stored))
picked_digits = stored[rng.integers(0, len(stored), count)]
memory_samples = np.abs(picked_digits - (rng.random(picked_digits.shape) < flip)).reshape(count, 1, 28, 28)

judge = SampleQuality(test)     # FD against the binarized test digits, as the table's models in nats
table = {"the table's VAE": (-log_p_vae.mean(), judge.evaluate(vae_samples)["fd"]),
         "1 % VAE + 99 % noise": (-log_p_mix.mean(), judge.evaluate(mix_samples)["fd"]),
         "memorized training digits": (-log_p_memory.mean(), judge.evaluate(memory_samples)["fd"])}
print(f"on {count} binarized test digits:   NLL (nats, ≤ for the VAE's)   sample FD")
for name, (nll, fd) in table.items():
    print(f"  {name:<28} {nll:10.1f}              {fd:9.1f}")
(vae_nll, vae_fd), (mix_nll, mix_fd), (memory_nll, memory_fd) = table.values()
assert mix_nll <= vae_nll + math.log(100) + 1e-6, "the noise mixture loses at most log 100 nats"
assert mix_fd > 2 * memory_fd, "yet its samples are far worse than the memorizer's"
assert memory_nll > mix_nll, "and the memorizer, with the better samples, has the worse likelihood"
plot.image_grid(np.concatenate([mix_samples[:16], memory_samples[:16]]), lesson.path("disagree.png"), ncols=16,
                title="16 samples of each model: a good NLL with poor samples, a poor NLL with good samples",
                row_labels=[f"1 % VAE + 99 % noise (NLL {mix_nll:.0f})", f"memorized digits (NLL {memory_nll:.0f})"])
print(f"figure: {lesson.path('disagree.png')}")

# %% [markdown]
# ## What to take away
#
# * An exact likelihood (MADE, PixelCNN, a flow) sums to 1 and can be checked; a bound (the VAE's)
#   is honest in one direction only; an estimate (the RBM's AIS) needs its spread and a rigorous
#   bound beside it before it can be trusted.
# * Compare nats with nats on the same binarized images; bits per dimension of 8-bit data are another
#   scale (RealNVP's), not comparable term for term.
# * A likelihood measures how much probability a model wastes; a sample's look measures something
#   else. Report both.
