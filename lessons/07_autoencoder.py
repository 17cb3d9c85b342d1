# %% [markdown]
# # 07 · The autoencoder: squeeze a digit through a few numbers and rebuild it
#
# An autoencoder is two networks trained as one. The **encoder** maps an image x to a
# short vector z, the **code**; the **decoder** maps z back to an image x̂. The training
# target is the input itself: make x̂ as close to x as possible. That alone would be
# trivial (copy the pixels) — unless the code is *narrower* than the image. An
# **undercomplete** autoencoder has such a bottleneck, so it must find the few directions
# in which digits really differ, and throw the rest away.
#
# An autoencoder has four hyperparameters you choose, and `tinygen.models.Autoencoder`
# takes them as its constructor arguments:
#
# 1. `code_size` — nodes in the bottleneck; smaller means more compression;
# 2. `num_layers` — hidden layers in the encoder (the decoder mirrors them);
# 3. `nodes_per_layer` — their widths, shrinking towards the code and growing back;
# 4. `loss` — mean squared error or binary cross-entropy between $\hat{x}$ and $x$.
#
# Run: `python lessons/07_autoencoder.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import optim, plot
from tinygen.data import DataLoader, load_dataset
from tinygen.lesson import setup
from tinygen.models import Autoencoder
from tinygen.train import fit
from tinygen.trainer import GradientTrainer

lesson = setup(__file__)
train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
epochs, learning_rate = lesson.pick(4, 30), lesson.pick(3e-3, 1e-3)
num_layers, nodes_per_layer = lesson.pick(1, 2), lesson.pick(128, 256)
print(train_set, test_set, f"-> {epochs} epochs at lr {learning_rate}")

# %% [markdown]
# ## Three autoencoders that differ only in their code size
#
# Every model below has the same layers around the bottleneck (784 → 128 → code in quick
# mode, 784 → 256 → 128 → code in the full run), the same initial seed, the same batches
# in the same order, and a sigmoid on the output so that each pixel $\hat{x}_i$ is a grey level
# in $(0, 1)$. They train with binary cross-entropy, which treats each output pixel as the
# probability of "ink"; averaged over the 784 pixels of an image it is
#
# $$\mathrm{BCE}(x, \hat{x}) = -\frac{1}{784} \sum_{i=1}^{784} \left[ x_i \log \hat{x}_i + (1 - x_i) \log (1 - \hat{x}_i) \right]$$
#
# `tinygen.train.fit` runs the loop: batches, Adam steps, and the test loss after each epoch.

# %%
def train_autoencoder(code_size):
    tg.manual_seed(0)
    model = Autoencoder(code_size=code_size, num_layers=num_layers, nodes_per_layer=nodes_per_layer, loss="bce")
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    trainer = GradientTrainer(model, optimizer)  # one step: zero_grad, model.loss(images), backward, step
    history = fit(trainer, DataLoader(train_set, 64, shuffle=True, seed=0), DataLoader(test_set, 500),
                  epochs=epochs, progress=False, verbose=False)
    return model.eval(), history


def reconstruct(model, images):
    with tg.no_grad():
        return model(tg.Tensor(images)).numpy()


def encode(model, images):
    with tg.no_grad():
        return model.encode(tg.Tensor(images)).numpy()


code_sizes = [2, 8, 32]
models, histories, test_errors = {}, {}, {}
for code_size in code_sizes:
    models[code_size], histories[code_size] = train_autoencoder(code_size)
    test_errors[code_size] = float(np.mean((reconstruct(models[code_size], test_set.images) - test_set.images) ** 2))
    print(f"code size {code_size:>2}: test BCE per pixel {histories[code_size][-1]['val_loss']:.4f}, "
          f"test MSE per pixel {test_errors[code_size]:.4f}")
    assert histories[code_size][-1]["val_loss"] < histories[code_size][0]["val_loss"], "the test loss went down"

print("saved", plot.loss_curves({f"code of {c} numbers": [row["val_loss"] for row in histories[c]] for c in code_sizes},
                               lesson.path("test_loss_by_code_size.png"), ylabel="test BCE per pixel",
                               title="autoencoders by code size: test loss after each epoch"))

# %% [markdown]
# ## Originals and their reconstructions
#
# Ten test digits the models never saw (top row), rebuilt through a code of 2, 8 and 32
# numbers. With 2 numbers per image the decoder can only produce a blurry prototype,
# often of the wrong digit. Each step up keeps more of the digit: its identity first, then
# the stroke's thickness and slant. How far that goes depends on the training: on this quick
# page the models trained for 4 epochs through one hidden layer, so even with 32 numbers
# some reconstructions are blurred or look like another digit; the full run trains for 30
# epochs through two hidden layers. The test error below puts a number on the trend.

# %%
shown = test_set.images[:10]
rows = [shown] + [reconstruct(models[c], shown) for c in code_sizes]
print("saved", plot.image_grid(np.concatenate(rows), lesson.path("reconstructions.png"), ncols=10,
                              title=f"ten test digits and their reconstructions by autoencoders with codes of "
                                    f"2, 8 and 32 numbers ({epochs} epochs)",
                              row_labels=["test digits"] + [f"code of {c} numbers" for c in code_sizes]))

# %% [markdown]
# ## More code, less error
#
# Each extra number in the code is one more direction in which the decoder can vary its
# output, so the test reconstruction error falls as the code grows — quickly at first,
# then more slowly: a handful of directions already describe most of what makes one digit
# differ from another.

# %%
print("code size -> test MSE per pixel:", {c: round(e, 5) for c, e in test_errors.items()})
assert test_errors[2] > test_errors[8] > test_errors[32], "the error falls as the code grows"
assert test_errors[2] - test_errors[8] > test_errors[8] - test_errors[32], "quickly at first, then more slowly"

figure, axes = plt.subplots(figsize=(5, 3.4))
axes.plot(code_sizes, [test_errors[c] for c in code_sizes], marker="o")
axes.set_xscale("log", base=2)
axes.set_xticks(code_sizes, [str(c) for c in code_sizes])
axes.set_xlabel("code size (numbers per image)")
axes.set_ylabel("test MSE per pixel")
axes.set_title("autoencoders: test reconstruction error by code size")
figure.tight_layout()
figure.savefig(lesson.path("error_by_code_size.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# ## The 2-D code, coloured by digit
#
# With `code_size=2` every image becomes a point in the plane, so you can look at the whole
# code space at once. Nobody told the autoencoder the labels, yet images of the same digit
# land near each other: the code captures what the digits look like. A 5-nearest-neighbour
# vote in the plane checks that: a test image gets the most common label of the five
# training codes closest to its own, and that label is right far more often than chance.

# %%
model = models[2]
train_codes, test_codes = encode(model, train_set.images), encode(model, test_set.images)
plot.latent_scatter(test_codes, test_set.labels, lesson.path("code_2d_by_digit.png"),
                    title="2-D codes of test digits (labels unused in training)")

def distances(points, codes):
    """(P, 2), (C, 2) -> (P, C) Euclidean distances, from |p - c|^2 = |p|^2 + |c|^2 - 2 p.c."""
    squared = (points ** 2).sum(axis=1)[:, None] + (codes ** 2).sum(axis=1)[None, :] - 2 * points @ codes.T
    return np.sqrt(np.maximum(squared, 0))


neighbour_labels = train_set.labels[np.argpartition(distances(test_codes, train_codes), 5, axis=1)[:, :5]]
votes = np.array([np.bincount(labels, minlength=10).argmax() for labels in neighbour_labels])
neighbour_accuracy = float((votes == test_set.labels).mean())
print(f"5-nearest-neighbour accuracy in the 2-D code: {neighbour_accuracy:.1%} (chance: 10%)")
assert neighbour_accuracy > 0.3, "same digits sit together in the code"

# %% [markdown]
# ## The gaps between the clusters
#
# Here is what is wrong with this picture if you want to *generate* digits: the
# clusters do not fill the plane. There are gaps between and around them, and nothing in
# the training pushed the decoder to produce anything sensible there, because no image was
# ever encoded there. To measure it, lay a 60 × 60 grid over the rectangle between the 1st
# and the 99th percentile of the training codes on each axis and, for each grid point, find
# the nearest training code. Points farther than 5 typical code spacings (the median distance
# from a code to its nearest neighbour) lie in empty space.

# %%
low, high = np.percentile(train_codes, 1, axis=0), np.percentile(train_codes, 99, axis=0)
axis_1, axis_2 = np.linspace(low[0], high[0], 60), np.linspace(low[1], high[1], 60)
grid = np.stack(np.meshgrid(axis_1, axis_2), axis=-1).reshape(-1, 2).astype(np.float32)


between_codes = distances(train_codes, train_codes)
np.fill_diagonal(between_codes, np.inf)
spacing = float(np.median(between_codes.min(axis=1)))
distance_to_data = distances(grid, train_codes).min(axis=1)
empty = distance_to_data > 5 * spacing
print(f"typical spacing between codes: {spacing:.3f}; grid points in empty space: {empty.mean():.0%}")
assert empty.mean() > 0.1, "a good part of the code square holds no training code at all"

# %% [markdown]
# What does the decoder make of those empty places? A code from a gap might give an
# output that resembles none of the digits. Look at codes that really lie *between*
# clusters rather than off in the corners of the square.
# Each digit has a centre (its mean code). On the middle part of the straight segment between
# two centres (from 30% to 70% of the way) take the point farthest from every training
# code: a place flanked by two clusters, inside the region the codes span, where codes are
# sparse. Of the 45 pairs of digits keep the 10 whose point is emptiest (skipping a
# point that nearly repeats one already kept). How empty is that? Compare with real
# digits: a test digit's code usually lands close to some training code. The cell prints how
# far a typical (median) test code lies from its nearest training code, and how far the gap
# codes lie.
#
# Top row: the decoded centre of each digit, 0 to 9. Bottom row: the 10 gap codes. To put a
# number on "looks like a digit", measure how far each decoded image is from the closest
# of the 4,000 real training digits (mean squared difference per pixel), and compare with
# the same distance for plain reconstructions of test digits.

# %%
class_means = np.stack([train_codes[train_set.labels == digit].mean(axis=0) for digit in range(10)])


def emptiest_between(centre_a, centre_b, steps=21):
    """(point, its distance to the nearest training code): the emptiest point of the middle of the segment
    between two centres (30% to 70% of the way)."""
    fractions = np.linspace(0.3, 0.7, steps)[:, None]
    segment = ((1 - fractions) * centre_a + fractions * centre_b).astype(np.float32)
    emptiness = distances(segment, train_codes).min(axis=1)
    return segment[emptiness.argmax()], float(emptiness.max())


candidates = sorted((emptiest_between(class_means[a], class_means[b]) + ((a, b),)
                     for a in range(10) for b in range(a + 1, 10)), key=lambda candidate: -candidate[1])
kept = []
for candidate in candidates:
    if len(kept) < 10 and all(np.linalg.norm(candidate[0] - other[0]) > 5 * spacing for other in kept):
        kept.append(candidate)
in_gaps = np.stack([point for point, _, _ in kept])
gap_emptiness = np.array([emptiness for _, emptiness, _ in kept])
test_emptiness = distances(test_codes, train_codes).min(axis=1)
print("gap codes between the centres of digits", [pair for _, _, pair in kept])
print(f"distance to the nearest training code: gap codes {gap_emptiness.min():.3f} to {gap_emptiness.max():.3f}; "
      f"test codes: median {np.median(test_emptiness):.3f}, 95th percentile {np.percentile(test_emptiness, 95):.3f}")
assert gap_emptiness.min() > 2 * np.median(test_emptiness), "the gap codes lie where codes are sparse"
with tg.no_grad():
    decoded = model.decode(tg.Tensor(np.concatenate([class_means, in_gaps]).astype(np.float32))).numpy()
plot.image_grid(decoded, lesson.path("decoded_cluster_means_and_gaps.png"), ncols=10,
                title="what the decoder of the 2-D autoencoder makes of digit centres and of gap codes",
                row_labels=["mean codes of 0 ... 9", "codes between clusters"])


def distance_to_nearest_real_digit(images):
    """(N, 1, 28, 28) -> (N,): mean squared difference per pixel to the closest training image."""
    flat, real = images.reshape(len(images), -1), train_set.images.reshape(len(train_set), -1)
    return distances(flat, real).min(axis=1) ** 2 / flat.shape[1]


realism = {name: float(distance_to_nearest_real_digit(images).mean()) for name, images in [
    ("reconstructed test digits", reconstruct(model, test_set.images[:200])),
    ("decoded digit means", decoded[:10]), ("decoded gap codes", decoded[10:])]}
for name, value in realism.items():
    print(f"{name:<26} mean distance to the nearest real digit: {value:.4f}")
ratio = realism["decoded gap codes"] / realism["reconstructed test digits"]
print(f"gap decodings / reconstructions: {ratio:.2f}")
assert ratio < 1, "the gap decodings are closer to some real digit than reconstructions are, on average"

# %% [markdown]
# The answer is less dramatic than the warning. The decoded gap codes come out *closer* to
# some real training digit than the average reconstruction of a test digit is (the ratio
# printed above is below 1, in the quick run and in the full one). In the run on this page
# most of the emptiest places between clusters lie between the 1s and the rest (the pairs
# printed above), and there the decoder draws a single stroke, a 1 or a 7 or a blend of two
# neighbours: it extends the strokes of the nearby clusters into the gap rather than
# producing noise. Two cautions before calling
# that a success. The measure favours thin, faint images (a 1 has little ink, so it is
# close to many real 1s), so it says little about whether a decoding is a *good* digit:
# look at the figure. And what the decoder does in a gap was never trained (no image was
# ever encoded there), so which digit comes out, and how it blends its neighbours, depends
# on details of the weights that no loss ever looked at.
#
# The deeper trouble for *generating* digits is the map itself: a good part of the square
# is empty (the fraction printed above), the 1s spread over a wide area while several
# digits crowd into a small knot, and none of this has a shape you could sample from. You
# cannot draw a random code and know what kind of region it falls in. The variational
# autoencoder (lesson 09) attacks exactly this: every image becomes a small cloud of codes
# rather than a point, and every cloud is pulled towards one known distribution,
# $\mathcal{N}(0, I)$, so the codes fill a region you know how to draw from.

# %%
figure, axes = plt.subplots(figsize=(7.4, 6))
axes.scatter(grid[empty, 0], grid[empty, 1], s=10, marker="s", color="0.85", label="empty grid points")
colours = plot.class_colours(10)
axes.scatter(test_codes[:, 0], test_codes[:, 1], s=5, color=colours[test_set.labels], alpha=0.8)
axes.scatter(in_gaps[:, 0], in_gaps[:, 1], s=60, marker="x", color="black", label="the 10 decoded gap codes")
for digit, mean in enumerate(class_means):
    axes.annotate(str(digit), mean, fontsize=14, fontweight="bold", ha="center", va="center")
axes.set_xlabel("z1")
axes.set_ylabel("z2")
axes.set_title("2-D codes of the test digits, the empty grid points and the gap codes\n"
               "(bold digit: the mean code of that digit)", fontsize=10)
digit_keys = [matplotlib.lines.Line2D([], [], linestyle="", marker="o", color=colours[digit],
                                     label=f"test digit {digit}") for digit in range(10)]
axes.legend(handles=axes.get_legend_handles_labels()[0] + digit_keys, loc="upper left", bbox_to_anchor=(1.0, 1.0),
            fontsize=8)
figure.tight_layout()
figure.savefig(lesson.path("code_2d_gaps.png"), dpi=120, bbox_inches="tight")  # keep the legends outside
plt.close(figure)

# %% [markdown]
# Finally the whole plane at once: decode a 15 × 15 grid of codes over the square that holds
# the clusters (centred on the rectangle of the gap search above, as wide as its longer side;
# the title gives the ranges). Digits morph into each other where clusters touch, and break
# up into stray strokes in the empty places.

# %%
span = float((high - low).max() / 2)
plot.latent_manifold(lambda codes: model.decode(tg.Tensor(codes)).numpy(), lesson.path("code_2d_manifold.png"),
                     span=span, center=(low + high) / 2)
print("figures in", lesson.out)
