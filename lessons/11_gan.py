# %% [markdown]
# # 11 · The dense GAN: a forger and an inspector learn against each other
#
# A generative adversarial network is two networks in a game. The **generator** G is a
# forger: from a vector of noise z it paints an image G(z). The **discriminator** D is an
# inspector: shown an image x, it outputs the probability D(x) that the image is real. D is
# trained to tell real digits from forgeries; G is trained to make D call its forgeries real.
# Neither network ever sees the other's weights; G learns only through D's judgement.
#
# The noise is what makes G a *generative* model: every new z gives a new image, so G
# defines a distribution over images, and training pushes it toward the data's.
#
# Run: `python lessons/11_gan.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

import tinygen as tg
from tinygen import optim, plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.metrics.sample_quality import SampleQuality
from tinygen.models.gan.model import GAN
from tinygen.models.gan.trainer import GANTrainer
from tinygen.models.gan.networks import dense_discriminator, dense_generator

lesson = setup(__file__)
tg.manual_seed(0)
train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
count = lesson.pick(2000, len(train_set))
train_set = Dataset(train_set.images[:count], train_set.labels[:count], "mnist-5k train")
epochs = lesson.pick(4, 30)
print(train_set, f"-> {epochs} epochs")

# %% [markdown]
# ## The two networks
#
# $G$: $z$ (100 numbers) → 256 → 512 → 1024 → 784 pixels, LeakyReLU(0.2) between layers and
# tanh at the end, so pixels lie in $[-1, 1]$; the real digits are rescaled from $[0, 1]$ to
# $[-1, 1]$ to match. $D$: 784 → 1024 → 512 → 256 → 1 with LeakyReLU(0.2) and dropout 0.3.
# $D$'s last layer outputs a *logit* $\ell$, and $D(x) = \sigma(\ell)$, the sigmoid; the losses take the
# logit directly, so $\log D(x)$ is computed as $-\operatorname{softplus}(-\ell)$ and never as the log
# of a sigmoid that has rounded to 0.
#
# Each network's table lists its layers, their output shapes and their parameters:
# first $G$'s, then $D$'s.

# %%
gan = GAN(dense_generator(), dense_discriminator())
generator_table = gan.generator.summary((100,))
discriminator_table = gan.discriminator.summary((1, 28, 28))   # summary prints its table and returns it
assert "Total params: 1,486,352" in generator_table and "Total params: 1,460,225" in discriminator_table

# %% [markdown]
# ## The algorithm, one step of it
#
# For every batch of $m$ real digits:
#
# 1. draw $m$ noise vectors and let $G$ forge $m$ images;
# 2. **train D** on the real batch (target 1) and the forgeries (target 0), with the loss
#    $\mathcal{L}_D = -\left[\log D(x) + \log\left(1 - D(G(z))\right)\right]$ averaged over the batch.
#    The forgeries are *detached* from $G$'s graph: $D$'s step must not change $G$.
# 3. **train G**: show the forgeries to $D$ again, now with target 1 ("label the fakes as
#    real"): $\mathcal{L}_G = -\log D(G(z))$. $D$ is frozen during this step; only $G$ moves.
#
# Both players use Adam with learning rate $2 \cdot 10^{-4}$ and $\beta_1 = 0.5$, the DCGAN paper's settings.
# Below, you take each half of one step by hand and check that it moves only its player.

# %%
optimizers = {"discriminator": optim.Adam(gan.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999)),
              "generator": optim.Adam(gan.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))}
trainer = GANTrainer(gan, optimizers)


def snapshot(network):
    return [p.numpy().copy() for p in network.parameters()]


def unchanged(before, network):
    return all(np.array_equal(a, p.numpy()) for a, p in zip(before, network.parameters()))


real = gan.real_images(train_set.images[:64])
g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
fakes, report = trainer.discriminator_step(real, None)
print(f"after D's step: D(x) = {report['d_real']:.3f}, D(G(z)) = {report['d_fake']:.3f}, loss_D = {report['loss_d']:.3f}")
assert unchanged(g_before, gan.generator) and not unchanged(d_before, gan.discriminator)
d_before = snapshot(gan.discriminator)
loss_g = trainer.generator_step(fakes, None)
print(f"after G's step: loss_G = {loss_g:.3f}")
assert unchanged(d_before, gan.discriminator) and not unchanged(g_before, gan.generator)

# %% [markdown]
# ## Training: D(x) and D(G(z)) over the epochs
#
# At the game's equilibrium $G$'s forgeries are indistinguishable from real digits and the
# best $D$ can do is guess: $D(x) = D(G(z)) = \tfrac{1}{2}$. That is the end of the game for players of
# unlimited capacity and unlimited data. Here $D$ sees the same training digits every epoch (4,000
# in full mode, 2,000 on this quick page) and can learn them by heart, so in practice it stays
# ahead: the mean $D(x)$ stays above the mean $D(G(z))$. $D$ need not be fooled for $G$ to learn:
# $G$ follows the gradient of $D$'s logit, which points from its forgeries toward what $D$ calls
# real. Watch the two curves below stay apart, and the FD fall anyway. The FD is tinygen's sample
# quality measure on 1,000 samples (lower is better; see README, "Sample quality").
#
# What you see depends on the budget. On this quick page (4 epochs) $D(x)$ stays around 0.7
# and $D(G(z))$ around 0.55, and the FD falls from about 3,000 to about 2,000. In full mode
# (30 epochs), $D(x)$ stays near 0.85 and $D(G(z))$ near 0.15 from the first epochs to the last,
# and the FD falls from about 3,000 to about 725. The cell prints the numbers of the run you are
# reading.
#
# A fixed set of 16 noise vectors, drawn once, shows the same 16 forgeries after every epoch, one
# row per epoch. On this quick page they are still noise clouds, nearly the same for every noise
# vector: the generator has not yet learnt to use its noise. Full mode's 30 epochs make them noisy
# but recognisable 1s, 3s, 7s and 9s. A dense generator learns slowly; lesson 12's convolutional
# one paints clear strokes in fewer epochs.

# %%
quality = SampleQuality(test_set.images)
fixed_noise = tg.randn(16, 100)
samples = gan.sample(1000).numpy()
fd_untrained = quality.evaluate(samples)["fd"]
loader = DataLoader(train_set, batch_size=64, shuffle=True, seed=0)
curves, strips = {"d_real": [], "d_fake": []}, []
for epoch in range(epochs):
    sums = {"d_real": 0.0, "d_fake": 0.0}
    for images, labels in loader:
        report = trainer.train_step((images, labels))
        for name in sums:
            sums[name] += report[name] / len(loader)
    for name in curves:
        curves[name].append(sums[name])
    strips.append(gan.sample(16, noise=fixed_noise).numpy())
    print(f"epoch {epoch + 1}: D(x) {sums['d_real']:.3f}  D(G(z)) {sums['d_fake']:.3f}")
figure, axis = plt.subplots(figsize=(6, 3.5))
epochs_axis = np.arange(1, epochs + 1)
axis.plot(epochs_axis, curves["d_real"], marker="o", label="D(x), on real digits")
axis.plot(epochs_axis, curves["d_fake"], marker="o", label="D(G(z)), on forgeries")
axis.axhline(0.5, color="grey", linestyle=":", label="equilibrium 1/2")
axis.set(xlabel="epoch", ylabel="D's mean probability 'real'", ylim=(0, 1),
         title=f"the dense GAN's discriminator, mean over each epoch ({count:,} digits)")
axis.xaxis.set_major_locator(MaxNLocator(integer=True))
axis.legend()
figure.savefig(lesson.path("d_curves.png"), dpi=120, bbox_inches="tight")
plot.image_grid(np.concatenate(strips), lesson.path("samples_by_epoch.png"), ncols=16,
                title="the dense GAN's generator on 16 fixed noise vectors, one row per epoch",
                row_labels=[f"after epoch {epoch + 1}" for epoch in range(epochs)])
print("saved", lesson.path("d_curves.png"), "and", lesson.path("samples_by_epoch.png"))

result = quality.evaluate(gan.sample(1000).numpy())
print(f"FD untrained {fd_untrained:.0f} -> trained {result['fd']:.1f}; classifier score {result['classifier_score']:.2f}")
assert result["fd"] < lesson.pick(0.8, 0.3) * fd_untrained
assert all(0 < value < 1 for value in curves["d_real"] + curves["d_fake"])
assert all(real > fake for real, fake in zip(curves["d_real"], curves["d_fake"])), "D stays ahead in every epoch"
