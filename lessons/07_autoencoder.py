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
# The course names four hyperparameters, and `tinygen.models.Autoencoder` takes them
# as its constructor arguments:
#
# 1. `code_size` — nodes in the bottleneck; smaller means more compression;
# 2. `num_layers` — hidden layers in the encoder (the decoder mirrors them);
# 3. `nodes_per_layer` — their widths, shrinking towards the code and growing back;
# 4. `loss` — mean squared error or binary cross-entropy between x̂ and x.
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
from tinygen.train import GradientTrainer, fit

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
# in the same order, and a sigmoid on the output so that x̂ is a grey level in (0, 1).
# They train with binary cross-entropy, which treats each pixel as the probability of
# "ink". `tinygen.train.fit` runs the loop: batches, Adam steps, and the test loss after
# each epoch.

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

plot.loss_curves({f"code {c}": [row["val_loss"] for row in histories[c]] for c in code_sizes},
                 lesson.path("test_loss_by_code_size.png"))

# %% [markdown]
# ## Originals and their reconstructions
#
# Ten test digits the models never saw (top row), rebuilt through a code of 2, 8 and 32
# numbers. With 2 numbers per image the decoder can only produce a blurry prototype —
# often of the wrong digit; with 8 the digit is right but details are lost; with 32 the
# reconstruction keeps the stroke's thickness and slant.

# %%
shown = test_set.images[:10]
rows = [shown] + [reconstruct(models[c], shown) for c in code_sizes]
plot.image_grid(np.concatenate(rows), lesson.path("reconstructions.png"), ncols=10,
                title="rows: originals, then codes of 2, 8 and 32 numbers")

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

figure, axes = plt.subplots(figsize=(5, 3.4))
axes.plot(code_sizes, [test_errors[c] for c in code_sizes], marker="o")
axes.set_xscale("log", base=2)
axes.set_xticks(code_sizes, [str(c) for c in code_sizes])
axes.set_xlabel("code size")
axes.set_ylabel("test MSE per pixel")
axes.set_title("reconstruction error against code size")
figure.tight_layout()
figure.savefig(lesson.path("error_by_code_size.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# ## The 2-D code, coloured by digit
#
# With `code_size=2` every image becomes a point in the plane, so we can look at the whole
# code space at once. Nobody told the autoencoder the labels, yet images of the same digit
# land near each other: the code captures what the digits look like. We check that with
# a 5-nearest-neighbour vote in the plane: a test image gets the most common label of the
# five training codes closest to its own.

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
# The course points at what is wrong with this picture for *generating* digits: the
# clusters do not fill the plane. There are gaps between and around them, and nothing in
# the training pushed the decoder to produce anything sensible there, because no image was
# ever encoded there. We measure it: lay a 60 × 60 grid over the square that holds 98% of
# the training codes and, for each grid point, find the nearest training code. Points
# farther than 5 typical code spacings (the median distance from a code to its nearest
# neighbour) lie in empty space.

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
# What does the decoder make of those empty places? The course warns that a code from a
# gap "might give an output which doesn't resemble any of the classes". Let us look. Top
# row: the decoded *mean code* of each digit, 0 to 9 (inside the clusters). Bottom row:
# ten empty grid points spread over the gaps (the emptiest one first, then each time the
# empty point farthest from those already picked). To put a number on "looks like a
# digit", we measure how far each decoded image is from the closest of the 4,000 real
# training digits (mean squared difference per pixel), and compare with the same distance
# for plain reconstructions of test digits.

# %%
class_means = np.stack([train_codes[train_set.labels == digit].mean(axis=0) for digit in range(10)])
def spread_out(points, first, count):
    """``count`` of ``points``: ``first``, then each time the point farthest from those picked."""
    picked = [first]
    for _ in range(count - 1):
        picked.append(int(distances(points, points[picked]).min(axis=1).argmax()))
    return points[picked]


empty_points = grid[empty]
in_gaps = spread_out(empty_points, int(distance_to_data[empty].argmax()), 10)
with tg.no_grad():
    decoded = model.decode(tg.Tensor(np.concatenate([class_means, in_gaps]).astype(np.float32))).numpy()
plot.image_grid(decoded, lesson.path("decoded_cluster_means_and_gaps.png"), ncols=10,
                title="top: mean code of each digit 0-9; bottom: 10 codes in the gaps")


def distance_to_nearest_real_digit(images):
    """(N, 1, 28, 28) -> (N,): mean squared difference per pixel to the closest training image."""
    flat, real = images.reshape(len(images), -1), train_set.images.reshape(len(train_set), -1)
    return distances(flat, real).min(axis=1) ** 2 / flat.shape[1]


for name, images in [("reconstructed test digits", reconstruct(model, test_set.images[:200])),
                     ("decoded digit means", decoded[:10]), ("decoded gap codes", decoded[10:])]:
    print(f"{name:<26} mean distance to the nearest real digit: {distance_to_nearest_real_digit(images).mean():.4f}")

# %% [markdown]
# The answer is less dramatic than the warning, and more instructive. A few gap codes give
# shapes that are no digit at all, but many give a clean digit, about as close to a real
# one as a reconstruction is: the decoder *extrapolates* the strokes of the nearest
# cluster into the empty space. What it does there, though, was never trained — no image
# was ever encoded there — so which digit (or non-digit) comes out depends on details of
# the weights that no loss ever looked at.
#
# The deeper trouble for *generating* digits is the map itself: a good part of the square
# is empty (the fraction printed above), the 1s spread over a wide area while several
# digits crowd into a small knot, and none of this has a shape we could sample from. We
# cannot draw a random code and know what kind of region it falls in. The variational
# autoencoder (lesson 09) attacks exactly this: every image becomes a small cloud of codes
# rather than a point, and every cloud is pulled towards one known distribution, N(0, 1),
# so the codes fill a region we know how to draw from.

figure, axes = plt.subplots(figsize=(6.4, 6))
axes.scatter(grid[empty, 0], grid[empty, 1], s=10, marker="s", color="0.85", label="empty grid points")
axes.scatter(test_codes[:, 0], test_codes[:, 1], s=5, c=test_set.labels, cmap="tab10", alpha=0.8)
axes.scatter(in_gaps[:, 0], in_gaps[:, 1], s=60, marker="x", color="black", label="the 10 decoded gap codes")
for digit, mean in enumerate(class_means):
    axes.annotate(str(digit), mean, fontsize=14, fontweight="bold", ha="center", va="center")
axes.set_xlabel("z1")
axes.set_ylabel("z2")
axes.set_title("the gaps between the clusters of the 2-D code")
axes.legend(loc="best", fontsize=8)
figure.tight_layout()
figure.savefig(lesson.path("code_2d_gaps.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# Finally the whole plane at once: decode a 15 × 15 grid of codes spanning the clusters.
# Digits morph into each other where clusters touch, and blur into shapeless strokes in
# the empty corners.

# %%
span = float(np.percentile(np.abs(train_codes), 99))
plot.latent_manifold(lambda codes: model.decode(tg.Tensor(codes)).numpy(), lesson.path("code_2d_manifold.png"),
                     span=span)
print("figures in", lesson.out)
