# %% [markdown]
# # 05 · Batch norm and activations: keeping signals alive
#
# Two small pieces decide whether a deep network trains at all. **Batch normalization**
# re-centres and re-scales every feature over the batch, so the next layer always sees
# inputs of a sane size. The **activation function** decides which units pass a signal —
# and, through its derivative, which units get to learn. ReLU's derivative is exactly 0
# for negative inputs, so a unit pushed below zero for every input stops learning for
# good: a *dead unit*. LeakyReLU keeps a small slope there, and with it a gradient.
#
# Run: `python lessons/05_batchnorm_and_activations.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.data import load_dataset
from tinygen.lesson import setup

lesson = setup(__file__)
tg.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## What batch norm does to a batch
#
# Four features with very different centres and spreads, as the outputs of an
# unnormalized layer often are. In training mode `BatchNorm1d` computes each feature's
# mean $\mu$ and (biased) variance $\sigma^2$ over the batch, then normalizes, scales by
# $\gamma$ (`weight`, starting at 1) and shifts by $\beta$ (`bias`, starting at 0):
#
# $$y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta$$

# %%
centres, spreads = np.array([-3.0, 0.0, 5.0, 20.0]), np.array([0.5, 1.0, 3.0, 8.0])
batch = rng.normal(centres, spreads, size=(512, 4)).astype(np.float32)
norm = nn.BatchNorm1d(4)
normalized = norm(tg.tensor(batch)).numpy()
print("before: mean", batch.mean(axis=0).round(2), " std", batch.std(axis=0).round(2))
print("after:  mean", normalized.mean(axis=0).round(4), " std", normalized.std(axis=0).round(4))
assert np.allclose(normalized.mean(axis=0), 0, atol=1e-5)
assert np.allclose(normalized.std(axis=0), 1, atol=1e-3)

figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for feature in range(4):
    label = f"feature {feature} (μ={centres[feature]:g}, σ={spreads[feature]:g})"
    axes[0].hist(batch[:, feature], bins=40, alpha=0.6, label=label)
    axes[1].hist(normalized[:, feature], bins=40, alpha=0.6, label=f"feature {feature}")
axes[0].set_title("before batch norm")
axes[1].set_title("after: every feature has mean 0, std 1")
for ax in axes:
    ax.set_xlabel("value of the feature")
    ax.set_ylabel("samples per bin")
    ax.legend(fontsize=7)
figure.suptitle(f"One batch of {len(batch)} samples of 4 features, histogram per feature")
figure.tight_layout()
figure.savefig(lesson.path("batchnorm_histograms.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# Normalizing does not take expressive power away: $\gamma$ and $\beta$ are trained, and
# $\gamma = \sqrt{\sigma^2 + \varepsilon}$, $\beta = \mu$ would undo the normalization exactly.
# The network decides how much of it to keep. With $\gamma = 2$ and $\beta = 3$ every feature
# comes out with mean 3 and standard deviation 2:

# %%
with tg.no_grad():
    norm.weight.data[...] = 2.0
    norm.bias.data[...] = 3.0
rescaled = norm(tg.tensor(batch)).numpy()
print("with gamma = 2, beta = 3: mean", rescaled.mean(axis=0).round(3), " std", rescaled.std(axis=0).round(3))
assert np.allclose(rescaled.mean(axis=0), 3, atol=1e-4) and np.allclose(rescaled.std(axis=0), 2, atol=1e-3)

# %% [markdown]
# ## Training mode versus evaluation mode
#
# In training mode a sample's output depends on the other samples of its batch (they set
# $\mu$ and $\sigma^2$). That is fine while training (it even regularizes a little), but a trained
# model must answer the same for the same input. So every training step also updates
# *running* estimates, with the unbiased variance as the batch's variance,
#
# $$\text{running} \leftarrow (1 - \text{momentum}) \cdot \text{running} + \text{momentum} \cdot \text{batch statistic}$$
#
# and `model.eval()` switches to them. Below, after 100 batches in quick mode (300 in full), each
# running mean is within 0.15 standard deviations of its feature's true centre and each running
# standard deviation within 15% of the true spread; in evaluation mode one sample gets the same
# output whatever batch it is in.

# %%
norm = nn.BatchNorm1d(4, momentum=0.1)
for _ in range(lesson.pick(100, 300)):
    norm(tg.tensor(rng.normal(centres, spreads, size=(64, 4)).astype(np.float32)))
print("running mean", norm.running_mean.numpy().round(2), " (true", centres, ")")
print("running std ", np.sqrt(norm.running_var.numpy()).round(2), " (true", spreads, ")")
print("batches seen:", int(norm.num_batches_tracked.item()))
assert np.allclose(norm.running_mean.numpy(), centres, atol=0.15 * spreads + 0.05)
assert np.allclose(np.sqrt(norm.running_var.numpy()), spreads, rtol=0.15)

sample = rng.normal(centres, spreads, size=(1, 4)).astype(np.float32)
companions = [rng.normal(centres, spreads, size=(7, 4)).astype(np.float32) for _ in range(2)]
in_training = [norm(tg.tensor(np.concatenate([sample, others])))[0].numpy() for others in companions]
norm.eval()
in_eval = [norm(tg.tensor(np.concatenate([sample, others])))[0].numpy() for others in companions]
alone = norm(tg.tensor(sample))[0].numpy()
print("the same sample in two batches, training mode:", in_training[0].round(3), in_training[1].round(3))
print("the same sample in two batches, eval mode:    ", in_eval[0].round(3), in_eval[1].round(3))
assert not np.allclose(in_training[0], in_training[1])
assert np.array_equal(in_eval[0], in_eval[1]) and np.array_equal(in_eval[0], alone)

# %% [markdown]
# ## ReLU versus LeakyReLU: counting dead units
#
# $\mathrm{ReLU}(x) = \max(x, 0)$ has derivative 0 for $x < 0$. If a too-large step throws a hidden
# unit's weights so far that its pre-activation is negative for *every* training image,
# the unit outputs 0 everywhere, and the gradient reaching its weights is 0 everywhere:
# nothing will ever move it back. $\mathrm{LeakyReLU}(x) = x$ for $x > 0$ and $a x$ otherwise keeps a
# slope $a$ (PyTorch's default 0.01; the GANs of lessons 11–14 use 0.2), so even a silent unit
# still learns.
#
# The experiment: the same network (784 → 128 → 10), the same initial weights and the
# same batches, once with ReLU and once with LeakyReLU, trained with plain SGD at a far
# too large learning rate (1.0); then count the units that never fire on the training set
# (call them *silent*; a silent ReLU unit is a dead one).

# %%
count = lesson.pick(1000, 4000)
digits = load_dataset("mnist-5k", split="train")
images = tg.tensor(digits.images[:count].reshape(count, -1))
labels = tg.tensor(digits.labels[:count])
batch_order = np.random.default_rng(1).integers(0, count, size=(lesson.pick(300, 800), 64))
rough_steps, gentle_steps = lesson.pick(100, 200), len(batch_order) - lesson.pick(100, 200)


def train(model, optimizer, batches):
    for rows in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(images[rows]), labels[rows]).backward()
        optimizer.step()


def silent_units(model):
    """Hidden units whose pre-activation is <= 0 for every training image (they never fire)."""
    with tg.no_grad():
        pre_activation = model[0](images).numpy()
    return set(np.flatnonzero((pre_activation <= 0).all(axis=0)).tolist()), (pre_activation > 0).mean(axis=0)


def incoming_gradient(model):
    """|d loss / d w| summed over each hidden unit's incoming weights and bias, on the whole training set."""
    model.zero_grad()
    F.cross_entropy(model(images), labels).backward()
    return np.abs(model[0].weight.grad.numpy()).sum(axis=1) + np.abs(model[0].bias.grad.numpy())


activations = {"ReLU": nn.ReLU(), "LeakyReLU(0.01)": nn.LeakyReLU(0.01)}
models, silent, firing, gradients = {}, {}, {}, {}
for name, activation in activations.items():
    tg.manual_seed(0)
    models[name] = nn.Sequential(nn.Linear(784, 128), activation, nn.Linear(128, 10))
    train(models[name], optim.SGD(models[name].parameters(), lr=1.0), batch_order[:rough_steps])
    silent[name], firing[name] = silent_units(models[name])
    gradients[name] = incoming_gradient(models[name])
    print(f"{name:<16} after {rough_steps} steps at lr 1.0: {len(silent[name])} of 128 units never fire")

dead = sorted(silent["ReLU"])
print("largest gradient into a dead ReLU unit:        ", gradients["ReLU"][dead].max())
quiet = sorted(silent["LeakyReLU(0.01)"])
print("smallest gradient into a silent LeakyReLU unit:", gradients["LeakyReLU(0.01)"][quiet].min())
assert len(dead) >= 10                                    # the rough start killed many ReLU units
assert gradients["ReLU"][dead].max() == 0.0                # and they get exactly no gradient
assert gradients["LeakyReLU(0.01)"][quiet].min() > 0.0     # silent LeakyReLU units still do

# %% [markdown]
# Now continue both with a sensible optimizer (Adam, learning rate $10^{-3}$). A dead ReLU unit
# cannot come back: its gradient is exactly zero, so Adam's update for it is zero too. A silent
# LeakyReLU unit can. The count of silent units need not fall, though: Adam's first steps can
# silence more units, and only the LeakyReLU ones among them can recover. So look at which units
# come back (*revived*), not only at the count. The figure's titles give both for this run.

# %%
before = {name: set(units) for name, units in silent.items()}
firing_before = dict(firing)
for name, model in models.items():
    train(model, optim.Adam(model.parameters(), lr=1e-3), batch_order[rough_steps:])
    silent[name], firing[name] = silent_units(model)
    with tg.no_grad():
        accuracy = (model(images).numpy().argmax(axis=1) == labels.numpy()).mean()
    revived = before[name] - silent[name]
    print(f"{name:<16} after {gentle_steps} more steps: {len(silent[name])} silent, {len(revived)} revived, "
          f"training accuracy {accuracy:.3f}")
assert not before["ReLU"] - silent["ReLU"]             # no dead ReLU unit ever revives
assert before["LeakyReLU(0.01)"] - silent["LeakyReLU(0.01)"]  # some silent LeakyReLU units fire again

figure, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for ax, name in zip(axes, activations):
    ax.plot(np.sort(firing_before[name])[::-1], label="after the rough start (lr 1.0)")
    ax.plot(np.sort(firing[name])[::-1], label="after Adam, lr 1e-3")
    revived = len(before[name] - silent[name])
    ax.set_title(f"{name}: silent units {len(before[name])} → {len(silent[name])}, {revived} revived", fontsize=10)
    ax.set_xlabel("hidden unit (sorted by how often it fires)")
    ax.legend(fontsize=8)
axes[0].set_ylabel("share of training images it fires on")
figure.suptitle("Hidden units of a 784-128-10 network: how often each fires (0: silent)")
figure.tight_layout()
figure.savefig(lesson.path("dead_units.png"), dpi=120)
plt.close(figure)
print("figures saved in", lesson.out)
