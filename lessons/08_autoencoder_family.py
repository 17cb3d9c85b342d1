# %% [markdown]
# # 08 · The autoencoder family: denoising, sparse, contractive, deep and convolutional
#
# Lesson 07 built the plain undercomplete autoencoder. Here are its relatives, each
# one changing a single thing about it:
#
# | kind | what changes | `tinygen.models` |
# |---|---|---|
# | denoising | the encoder sees a damaged image, the loss compares with the clean one | `DenoisingAutoencoder` |
# | sparse | a penalty keeps most code units silent (L1, or KL to a target rate $\rho$) | `SparseAutoencoder` |
# | contractive | a penalty on $\lVert \partial h / \partial x \rVert_F^2$: the code ignores small input changes | `ContractiveAutoencoder` |
# | deep / stacked | more layers, optionally trained one layer at a time first | `DeepAutoencoder` |
# | convolutional | stride-2 convolutions down, transposed convolutions up | `ConvAutoencoder` |
#
# All of them share the plain autoencoder's code (`tinygen/models/autoencoders/model.py`): the kinds only fill
# in two hooks, `corrupt(x)` and `penalty(x, code)`. Every claim below is measured and asserted.
#
# Run: `python lessons/08_autoencoder_family.py` (add `--quick` for the short version).

# %%
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import nn, optim, plot
from tinygen.data import DataLoader, Dataset, describe_datasets, load_dataset
from tinygen.lesson import setup
from tinygen.metrics import psnr
from tinygen.models import (Autoencoder, ContractiveAutoencoder, ConvAutoencoder, DeepAutoencoder,
                            DenoisingAutoencoder, SparseAutoencoder)
from tinygen.models.autoencoders.contractive import jacobian_norm_squared_by_double_backward
from tinygen.models.autoencoders.denoising import add_noise
from tinygen.train import fit
from tinygen.trainer import GradientTrainer

lesson = setup(__file__)
train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
kept = lesson.pick(2000, len(train_set))
train_set = Dataset(train_set.images[:kept], train_set.labels[:kept], f"{train_set.name} (first {kept})")
epochs = lesson.pick(6, 20)
test_images = test_set.images
print(train_set, test_set, f"-> {epochs} epochs per model")


seconds_per_epoch = {}  # kind -> median seconds of its training epochs, for the table at the end


def train(model, name=None, lr=3e-3):
    """Adam on batches of 64 with `fit`; returns the model in eval mode (its epoch time noted under ``name``)."""
    history = fit(GradientTrainer(model, optim.Adam(model.parameters(), lr=lr)),
                  DataLoader(train_set, 64, shuffle=True, seed=0), epochs=epochs, progress=False, verbose=False)
    if name is not None:
        seconds_per_epoch[name] = float(np.median([row["seconds"] for row in history]))
    return model.eval()


def reconstruct(model, images):
    with tg.no_grad():
        return model(tg.Tensor(images)).numpy()


def test_errors(model, images=test_images):
    """(BCE, MSE) per pixel of the reconstructions of ``images``."""
    rebuilt = np.clip(reconstruct(model, images).astype(np.float64), 1e-7, 1 - 1e-7)
    bce = -np.mean(images * np.log(rebuilt) + (1 - images) * np.log(1 - rebuilt))
    return float(bce), float(np.mean((rebuilt - images) ** 2))


def encode(model, images):
    with tg.no_grad():
        return model.encode(tg.Tensor(images)).numpy()


# %% [markdown]
# ## The four hyperparameters
#
# The knobs of any autoencoder: the **code size**, the **number of layers**, the
# **nodes per layer** and the **loss**. Train the same starting point (784 → 128 → 32,
# BCE) and change one knob at a time. The error to compare is the test MSE per pixel: the
# one number that means the same whatever loss trained the model. Two knobs cost accuracy
# whatever the training budget, and are asserted: a narrower code, and a narrow hidden layer
# (a second bottleneck). What depth and the choice of loss do depends on how long the models
# train; compare the printed numbers (on this quick page: 6 epochs on 2,000 digits).

# %%
variants = {"base: code 32, 1 layer of 128, bce": dict(code_size=32),
            "code 4": dict(code_size=4),
            "2 layers (256, 128)": dict(code_size=32, num_layers=2, nodes_per_layer=256),
            "32 nodes per layer": dict(code_size=32, nodes_per_layer=32),
            "mse loss": dict(code_size=32, loss="mse")}
knob_errors = {}
for name, arguments in variants.items():
    tg.manual_seed(0)
    model = train(Autoencoder(**arguments))
    knob_errors[name] = test_errors(model)[1]
    print(f"{name:<36} test MSE per pixel {knob_errors[name]:.4f}")
assert knob_errors["code 4"] > knob_errors["base: code 32, 1 layer of 128, bce"], "a narrower code loses more"
assert knob_errors["32 nodes per layer"] > knob_errors["base: code 32, 1 layer of 128, bce"], \
    "a narrow hidden layer is a second bottleneck"

# %% [markdown]
# ## Denoising: three kinds of damage
#
# A denoising autoencoder is trained on pairs (damaged $\tilde{x}$, clean $x$). Try the three
# noises of `tinygen.data.transforms`: **masking** (a fraction of pixels set to 0, the classic
# choice), **salt and pepper** (a fraction set to 0 or 1) and **Gaussian** ($x + \sigma z$ with
# $z \sim \mathcal{N}(0, 1)$, clipped to $[0, 1]$). The measure is the peak signal-to-noise ratio
# against the clean test digit, in decibels (higher is cleaner):
#
# $$\mathrm{PSNR} = 10 \log_{10} \frac{1}{\mathrm{MSE}}$$
#
# It is printed for the noisy input itself, for the denoiser's output, and (to see what the
# training on damage bought) for the plain autoencoder (code 32, trained on clean digits) fed
# the same noisy input.

# %%
noises = {"mask": 0.5, "salt_and_pepper": 0.2, "gaussian": 0.5}
tg.manual_seed(0)
plain = train(Autoencoder(code_size=32), "plain (code 32)")
denoisers, denoising_rows = {}, {}
for noise, level in noises.items():
    tg.manual_seed(0)
    denoisers[noise] = train(DenoisingAutoencoder(noise=noise, noise_level=level, code_size=32), f"denoising ({noise})")
    tg.manual_seed(1)
    noisy = tg.Tensor(add_noise(tg.Tensor(test_images).data, noise, level)).numpy()
    denoised = reconstruct(denoisers[noise], noisy)
    scores = psnr(noisy, test_images), psnr(reconstruct(plain, noisy), test_images), psnr(denoised, test_images)
    print(f"{noise:<16} level {level}: PSNR noisy {scores[0]:5.2f} dB, plain AE {scores[1]:5.2f} dB, "
          f"denoiser {scores[2]:5.2f} dB")
    assert scores[2] > scores[0] + 1, f"the denoiser cleans {noise} noise"
    if noise != "mask":
        assert scores[2] > scores[1], f"training on {noise} damage beats the plain autoencoder on it"
    denoising_rows[noise] = [noisy[:8], denoised[:8], test_images[:8]]

# %% [markdown]
# Every denoiser lifts the PSNR above the noisy input's, by more than 1 dB (asserted). Against
# the plain autoencoder the gain depends on the damage: salt-and-pepper and Gaussian noise put
# grey and white where a digit never has ink, which a model trained only on clean digits passes
# on. Masking only removes ink, and a plain autoencoder already redraws a digit with holes as a
# whole digit: in the quick run the denoiser's edge there is a fraction of a dB (so it is not
# asserted); a full run of this lesson (20 epochs on 4,000 digits) measured about 4 dB
# (13.1 → 17.0 dB). In the figure each kind of noise has three rows: the noisy input, the
# denoiser's output, and the clean digit.

# %%
print("saved", plot.image_grid(np.concatenate([row for rows in denoising_rows.values() for row in rows]),
                              lesson.path("denoising.png"), ncols=8,
                              title="denoising autoencoders (code 32), one per kind of noise, on eight test digits",
                              row_labels=[f"{noise.replace('_and_', ' & ')}: {kind}" for noise in denoising_rows
                                          for kind in ("noisy", "denoised", "clean")]))

# %% [markdown]
# ## Sparsity: most units silent
#
# The sparse autoencoder below has 64 sigmoid code units and pays, on top of its reconstruction
# loss, the penalty
#
# $$\beta \cdot \frac{1}{64} \sum_{j=1}^{64} \mathrm{KL}(\rho \,\|\, \hat{\rho}_j), \qquad \mathrm{KL}(\rho \,\|\, \hat{\rho}) = \rho \log \frac{\rho}{\hat{\rho}} + (1 - \rho) \log \frac{1 - \rho}{1 - \hat{\rho}}$$
#
# where $\hat{\rho}_j$ is unit $j$'s mean activation over the batch and $\rho = 0.05$ the rate you
# want; $\beta$ is the `weight` argument, 0.5 here. Its twin has the same everything with
# $\beta = 0$. The histograms of the code activations on test digits show the difference: with
# the penalty, the mass piles up near zero.

# %%
activations, sparse = {}, {}
for weight in (0.0, 0.5):
    tg.manual_seed(0)
    model = sparse[weight] = train(SparseAutoencoder(sparsity="kl", weight=weight, rho=0.05, code_size=64),
                                   f"sparse (KL {weight})")
    activations[weight] = encode(model, test_images).ravel()
    print(f"KL weight {weight}: mean activation {activations[weight].mean():.3f}, "
          f"fraction below 0.05: {np.mean(activations[weight] < 0.05):.1%}, test MSE {test_errors(model)[1]:.4f}")
assert activations[0.5].mean() < 0.5 * activations[0.0].mean(), "the penalty lowers the mean activation"
assert np.mean(activations[0.5] < 0.05) > np.mean(activations[0.0] < 0.05), "and more units are near zero"
figure, axes = plt.subplots(figsize=(6, 3.5))
for weight, values in activations.items():
    axes.hist(values, bins=50, range=(0, 1), alpha=0.6,
              label=f"β = {weight:g}" + (" (no penalty)" if not weight else ""))
axes.set_yscale("log")
axes.set_xlabel("code activation on test digits")
axes.set_ylabel("activations per bin (log scale)")
axes.set_title("64-unit sparse autoencoders: code activations\nwith and without the KL penalty", fontsize=10)
axes.legend(title="KL weight")
figure.tight_layout()
figure.savefig(lesson.path("sparse_activations.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# ## Contraction: a code that ignores small changes
#
# For a sigmoid code $h = \sigma(Wx + b)$ the Jacobian is $J = \mathrm{diag}(h \odot (1 - h))\, W$, so
# its squared norm has a closed form:
#
# $$\lVert J \rVert_F^2 = \sum_j \left( h_j (1 - h_j) \right)^2 \sum_i W_{ji}^2$$
#
# First check it against the engine itself: the same number from `tg.grad(..., create_graph=True)`
# asked for every row of the Jacobian. Then train with and without the penalty (128 code units)
# and compare the mean $\lVert J \rVert_F$ on the test digits.

# %%
tg.manual_seed(0)
probe = ContractiveAutoencoder(code_size=128)
batch = tg.Tensor(test_images[:64])
def fastest_of_three(compute):
    """(result, seconds of the fastest of three calls): the first call pays for warming caches."""
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        result = compute()
        seconds.append(time.perf_counter() - started)
    return result, min(seconds)


closed, closed_seconds = fastest_of_three(lambda: probe.jacobian_norm_squared(batch, "closed_form").numpy())
double, double_seconds = fastest_of_three(lambda: jacobian_norm_squared_by_double_backward(probe.encode, batch).numpy())
print(f"closed form vs double backward: largest relative difference {np.max(np.abs(closed - double) / closed):.1e}; "
      f"the penalty alone takes {double_seconds / closed_seconds:.0f}x as long by double backward")
np.testing.assert_allclose(closed, double, rtol=1e-4)

jacobian_norms, contractive = {}, {}
for weight in (0.0, 0.01):
    tg.manual_seed(0)
    model = contractive[weight] = train(ContractiveAutoencoder(weight=weight, code_size=128),
                                        f"contractive ({weight})")
    jacobian_norms[weight] = float(np.sqrt(model.jacobian_norm_squared(tg.Tensor(test_images)).numpy()).mean())
    print(f"contractive weight {weight}: mean ||dh/dx||_F on test digits {jacobian_norms[weight]:.3f}, "
          f"test MSE {test_errors(model)[1]:.4f}")
assert jacobian_norms[0.01] < 0.7 * jacobian_norms[0.0], "the penalty contracts the code"

# %% [markdown]
# ## Deep and stacked: 784-128-64-32, end to end or layer by layer
#
# Greedy pretraining trains the stack as three shallow autoencoders, one after the other, each
# on the codes of the frozen layers below; then fine-tuning trains everything together. Each
# stage trains exactly the two layers that face each other across the code. The cell prints
# each stage's loss on the training set; they measure different things (stage 0 rebuilds pixels
# with BCE, stages 1 and 2 rebuild the codes of the layer below with MSE), so do not compare
# them with each other. Compare the test MSE of the stacked model before and after fine-tuning,
# and that of the same network trained end to end.

# %%
def pretrain_greedy(model, epochs_per_stage):
    images = tg.Tensor(train_set.images)
    for stage in range(model.stages):
        optimizer = optim.Adam(model.stage_parameters(stage), lr=3e-3)
        loader = DataLoader(train_set, 64, shuffle=True, seed=stage)
        for epoch in range(epochs_per_stage):
            loader.epoch = epoch
            for batch, _ in loader:
                optimizer.zero_grad()
                model.stage_loss(stage, tg.Tensor(batch)).backward()
                optimizer.step()
        with tg.no_grad():
            print(f"  stage {stage}: shallow autoencoder loss {model.stage_loss(stage, images).item():.4f}")


tg.manual_seed(0)
deep_end_to_end = train(DeepAutoencoder(), "deep end to end")
tg.manual_seed(0)
deep_stacked = DeepAutoencoder()
pretrain_greedy(deep_stacked, epochs_per_stage=lesson.pick(1, 3))
stacked_before_fine_tuning = test_errors(deep_stacked)[1]
deep_stacked = train(deep_stacked)
print(f"deep, end to end: test MSE {test_errors(deep_end_to_end)[1]:.4f}; stacked: {stacked_before_fine_tuning:.4f} "
      f"after pretraining alone, {test_errors(deep_stacked)[1]:.4f} after fine-tuning")
assert test_errors(deep_stacked)[1] < stacked_before_fine_tuning, "fine-tuning improves on the stacked layers"

# %% [markdown]
# ## The convolutional autoencoder
#
# Three stride-2 convolutions take a digit to 8 maps of 4 × 4 (a code of 128 numbers), three
# transposed convolutions bring it back. It shares its weights across the image, so it has
# far fewer parameters than the dense model: compare in the table at the end.

# %%
tg.manual_seed(0)
conv = train(ConvAutoencoder(), "convolutional", lr=1e-2)
shown = test_images[:10]
plot.image_grid(np.concatenate([shown, reconstruct(conv, shown), reconstruct(plain, shown)]),
                lesson.path("conv_reconstructions.png"), ncols=10,
                title="ten test digits, reconstructed by the convolutional and by the dense autoencoder",
                row_labels=["test digits", "conv AE (code 8 × 4 × 4)", "dense AE (code 32)"])
print(f"conv autoencoder: test MSE {test_errors(conv)[1]:.4f} with {nn.parameter_count(conv):,} parameters")

# %% [markdown]
# ## Data-specific: an MNIST autoencoder only knows digits
#
# A first property of autoencoders: they compress well only data like what they
# were trained on. Feed the plain MNIST autoencoder images that are not digits
# (Fashion-MNIST when it is installed, else simple synthetic shapes: rectangles and discs)
# and compare its error with the error on test digits.

# %%
def synthetic_shapes(count, seed=0):
    """(count, 1, 28, 28) float32: a filled rectangle or disc per image, at a random place and size."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:28, :28]
    centre = rng.uniform(8, 20, (count, 2, 1, 1))
    size = rng.uniform(4, 9, (count, 2, 1, 1))
    disc = ((rows - centre[:, 0]) / size[:, 0]) ** 2 + ((cols - centre[:, 1]) / size[:, 0]) ** 2 < 1
    box = (np.abs(rows - centre[:, 0]) < size[:, 0]) & (np.abs(cols - centre[:, 1]) < size[:, 1])
    pick = rng.random((count, 1, 1)) < 0.5
    return np.where(pick, disc, box)[:, None].astype(np.float32)


if dict((name, found) for name, found, _ in describe_datasets())["fashion-mnist"]:
    strangers, stranger_name = load_dataset("fashion-mnist", split="test").images[:1000], "Fashion-MNIST"
else:  # never download from a lesson: use what is on the machine
    strangers, stranger_name = synthetic_shapes(1000), "synthetic shapes"
digit_mse, stranger_mse = test_errors(plain)[1], test_errors(plain, strangers)[1]
print(f"plain autoencoder: test MSE on digits {digit_mse:.4f}, on {stranger_name} {stranger_mse:.4f} "
      f"({stranger_mse / digit_mse:.1f}x)")
assert stranger_mse > 2 * digit_mse, "what it learned is specific to digits"
print("saved", plot.image_grid(np.concatenate([strangers[:10], reconstruct(plain, strangers[:10])]),
                              lesson.path("data_specific.png"), ncols=10,
                              title=f"{stranger_name} through the plain MNIST autoencoder (code 32)",
                              row_labels=[stranger_name, "reconstructions"]))

# %% [markdown]
# ## Every kind side by side
#
# Test reconstruction error (BCE and MSE per pixel), parameters, seconds per training epoch on
# this machine (the same number of epochs, the same batches).

# %%
kinds = {"plain (code 32)": plain, "denoising (mask)": denoisers["mask"], "sparse (KL 0.5)": sparse[0.5],
         "contractive (0.01)": contractive[0.01], "deep end to end": deep_end_to_end,
         "convolutional": conv}
print(f"{'kind':<22} {'test BCE':>9} {'test MSE':>9} {'parameters':>11} {'s/epoch':>8}")
for name, model in kinds.items():
    bce, mse = test_errors(model)
    print(f"{name:<22} {bce:>9.4f} {mse:>9.4f} {nn.parameter_count(model):>11,} {seconds_per_epoch[name]:>8.2f}")
assert all(test_errors(model)[1] < 0.06 for model in kinds.values()), "every kind learned to reconstruct"
print("figures in", lesson.out)
