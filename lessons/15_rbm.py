# %% [markdown]
# # 15 · Restricted Boltzmann machines and contrastive divergence
#
# A restricted Boltzmann machine (RBM) is a two-layer network of **stochastic binary units**: visible units v
# (the pixels) and hidden units h, every visible unit joined to every hidden one, no edges
# inside a layer, a bias on every unit. Going up, each hidden unit switches on with a
# probability set by the pixels; going back down, the hidden units *reconstruct* the input.
#
# Underneath is an **energy** that scores every joint state, and a probability built from it
# (visible biases $b$, hidden biases $c$, weights $W$ of shape hidden × visible):
#
# $$E(v, h) = -b^\top v - c^\top h - h^\top W v, \qquad p(v, h) = \frac{e^{-E(v, h)}}{Z}.$$
#
# $Z$ sums $e^{-E}$ over all states — $2^{784+500}$ of them for MNIST with 500 hidden units, which
# is why measuring an RBM is a lesson of its own. Summing out $h$ gives the **free energy** $F$
# ($W_j$ is row $j$ of $W$):
#
# $$F(v) = -b^\top v - \sum_j \operatorname{softplus}(c_j + W_j v), \qquad p(v) = \frac{e^{-F(v)}}{Z}.$$
#
# Run: `python lessons/15_rbm.py` (add `--quick` for the short version).

# %%
import numpy as np

import tinygen as tg
from tinygen import plot
from tinygen.data import load_dataset
from tinygen.lesson import setup
from tinygen.metrics import linear_probe_accuracy
from tinygen.metrics.digit_classifier import features_and_logits, shipped_classifier
from tinygen.models.rbm import all_binary_states, exact_log_partition, pseudo_likelihood, rbm_log_likelihood
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import RBM

lesson = setup(__file__)
tg.manual_seed(0)

# %% [markdown]
# ## An RBM small enough to enumerate
#
# Four visible units and three hidden ones: 16 × 8 = 128 joint states. You can write down
# $p(v, h)$ for all of them and check the formulas against plain sums: the table lists each $v$,
# $-F(v)$, the same number summed out by brute force, and $p(v)$.

# %%
tiny = RBM(4, 3).double()
rng = np.random.default_rng(0)
tiny.weight.data[...] = rng.normal(0, 2.0, (3, 4))
tiny.visible_bias.data[...] = rng.normal(0, 1.0, 4)
tiny.hidden_bias.data[...] = rng.normal(0, 1.0, 3)

vs, hs = all_binary_states(4), all_binary_states(3)
pairs_v, pairs_h = np.repeat(vs, 8, axis=0), np.tile(hs, (16, 1))
neg_energy = -tiny.energy(pairs_v, pairs_h).numpy().reshape(16, 8)       # -E(v, h): rows v, columns h
log_z = np.log(np.exp(neg_energy).sum())
p_joint = np.exp(neg_energy - log_z)
p_v = p_joint.sum(axis=1)

free_energy = tiny.free_energy(vs).numpy()
print("v       -F(v)   log sum_h exp(-E)   p(v)")
for v, f, s, p in zip(vs.astype(int), -free_energy, np.log(np.exp(neg_energy).sum(axis=1)), p_v):
    print(f"{v}  {f:7.3f}   {s:7.3f}          {p:.4f}")
assert np.allclose(-free_energy, np.log(np.exp(neg_energy).sum(axis=1))), "F(v) sums h out exactly"
assert np.isclose(exact_log_partition(tiny), log_z), "log Z from the smaller layer equals the full double sum"
assert np.isclose(p_v.sum(), 1.0)

# %% [markdown]
# Because no edge joins two hidden units, they are independent given $v$, and each is a
# logistic unit: $p(h_j = 1 \mid v) = \sigma(c_j + W_j v)$. The brute-force conditional from the
# table agrees.

# %%
p_h_given_v = p_joint / p_joint.sum(axis=1, keepdims=True)
assert np.allclose(p_h_given_v @ hs, tiny.hidden_probabilities(vs)), "p(h|v) is a sigmoid per hidden unit"
print("p(h = 1 | v = 1010):", np.round(tiny.hidden_probabilities(np.array([[1.0, 0, 1, 0]]))[0], 4))

# %% [markdown]
# ## One contrastive-divergence step by hand
#
# The log-likelihood's gradient is a difference of two averages, data minus model:
#
# $$\frac{\partial \log p(v)}{\partial W} = \left\langle p(h \mid v)\, v^\top \right\rangle_{\text{data}} - \left\langle p(h \mid v)\, v^\top \right\rangle_{\text{model}}$$
#
# The model's average needs samples from $p(v)$. CD-1 takes them from one Gibbs step that
# starts at the data: sample $h$ from $p(h \mid v)$, then $v'$ from $p(v \mid h)$. Here is that step
# written out with NumPy, then the same step from `RBM.contrastive_divergence` with the
# same random numbers; the cell prints the weight change.

# %%
batch = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]], dtype=np.float64)
lr = 0.1
sigmoid = lambda x: 1 / (1 + np.exp(-x))
W, b, c = (p.data.copy() for p in (tiny.weight, tiny.visible_bias, tiny.hidden_bias))

tg.manual_seed(7)
generator = tg.backend.generator()
h_data = sigmoid(batch @ W.T + c)                                           # positive phase
h_sample = (generator.random(h_data.shape) < h_data).astype(np.float64)   # uniforms in the units' dtype
v_prob = sigmoid(h_sample @ W + b)
v_model = (generator.random(v_prob.shape) < v_prob).astype(np.float64)   # one Gibbs step
h_model = sigmoid(v_model @ W.T + c)                                        # negative phase
by_hand = W + lr * (h_data.T @ batch - h_model.T @ v_model) / len(batch)

tg.manual_seed(7)
tiny.contrastive_divergence(batch, k=1, lr=lr)
print("weight change by hand:\n", np.round(by_hand - W, 4))
assert np.allclose(tiny.weight.data, by_hand), "the library's CD-1 step is the one written above"

# %% [markdown]
# That difference of statistics is exactly minus the gradient of
# $\operatorname{mean} F(\text{data}) - \operatorname{mean} F(\text{model samples})$ (means over the batch) — which
# autograd can compute for you, since the free energy is written in differentiable ops. (CD is *not* the gradient of any loss: the
# samples move with the parameters, and CD ignores that; but for fixed samples it is this.)

# %%
difference = tiny.free_energy(batch).mean() - tiny.free_energy(v_model).mean()
autograd_weight = tg.grad(difference, [tiny.weight])[0].numpy()
assert np.allclose(tiny.cd_gradient(batch, v_model)["weight"], -autograd_weight)
print("CD statistics == -d(F_data - F_model)/dW: checked")

# %% [markdown]
# ## CD-1, CD-10 and persistent CD on real digits
#
# Three RBMs, identical except for where their negative samples come from: one Gibbs step
# from the data (CD-1), ten steps (CD-10), or persistent chains that carry on from update
# to update (PCD). The pixels are binarized at 0.5; visible biases start at the data's
# log-odds; learning rate 0.05, momentum 0.5, weight decay $10^{-4}$, batches of 100. Quick mode trains
# small RBMs (64 hidden units, 1,000 digits); full mode 500 hidden units on all 4,000.
#
# Three numbers per model: the **reconstruction error** (what CD seems to minimise), the
# **pseudo-likelihood** (predict each pixel from all the others), and the **log-likelihood**,
# whose $\log Z$ comes from annealed importance sampling (AIS; the table gives ± 3 standard deviations)
# and is checked against a rigorous mean-field lower bound on $\log Z$ (the last column). An AIS
# estimate below that bound is certainly wrong: its runs never reached the model's modes. That can
# happen to the persistent-CD RBM, whose modes are the deepest: in the full build of 2026-12-06 (500
# hidden units, 3,000 temperatures) PCD-1's estimate, 339.78, fell below its bound, 344.18. tinygen
# then warns and reports the likelihood from the bound; the cell prints the verdict for every model.

# %%
train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")
n_train, n_hidden, epochs = lesson.pick(1000, 4000), lesson.pick(64, 500), lesson.pick(12, 10)
ais_runs, ais_temperatures = lesson.pick(50, 100), lesson.pick(300, 3000)
train = binarize(train_set.images[:n_train].reshape(n_train, -1))
train_labels = train_set.labels[:n_train]
test, test_labels = binarize(test_set.images.reshape(len(test_set), -1)), test_set.labels
print(f"{n_train} training digits, {n_hidden} hidden units, {epochs} epochs; "
      f"AIS: {ais_runs} runs x {ais_temperatures} temperatures")


def train_rbm(k, persistent):
    tg.manual_seed(0)
    rbm = RBM(784, n_hidden, n_chains=100).init_visible_bias(train)
    for epoch in range(epochs):
        order = np.random.default_rng([0, epoch]).permutation(n_train)
        for start in range(0, n_train, 100):
            rbm.contrastive_divergence(train[order[start:start + 100]], k=k, lr=0.05, momentum=0.5,
                                       weight_decay=1e-4, persistent=persistent)
    return rbm


def scores(rbm):
    tg.manual_seed(1)
    result = rbm_log_likelihood(rbm, test, train, n_runs=ais_runs, n_temperatures=ais_temperatures)
    result["pseudo_likelihood"] = float(pseudo_likelihood(rbm, test).mean())
    result["reconstruction_error"] = float(((rbm.reconstruct(test) - test) ** 2).mean())
    return result


rules = {"CD-1": (1, False), "CD-10": (10, False), "PCD-1": (1, True)}
models = {name: train_rbm(*rule) for name, rule in rules.items()}
results = {name: scores(rbm) for name, rbm in models.items()}
base_rate = RBM(784, 1).init_visible_bias(train)
base_log_likelihood = float(-base_rate.free_energy(test).numpy().mean() - exact_log_partition(base_rate))
print(f"{'':8} {'recon. error':>12} {'pseudo-LL':>10} {'AIS test LL ± 3 sd':>18} {'log Z (AIS)':>12} {'bound':>8}")
for name, r in results.items():
    print(f"{name:8} {r['reconstruction_error']:12.4f} {r['pseudo_likelihood']:10.2f} "
          f"{r['avg_log_likelihood']:11.2f} ± {3 * r['log_z_std']:4.2f} {r['log_z']:12.2f} "
          f"{r['log_z_lower_bound']:8.2f}")
print(f"base rates alone (each pixel on with its training frequency): test LL {base_log_likelihood:.2f}")
agrees = {name: r["log_z"] + 3 * r["log_z_std"] >= r["log_z_lower_bound"] for name, r in results.items()}
for name, r in results.items():
    assert r["avg_log_likelihood"] > base_log_likelihood, f"{name} models digits better than pixel frequencies"
    print(f"{name}: AIS's log Z {'agrees with' if agrees[name] else 'FELL BELOW'} the rigorous bound")
assert agrees["CD-1"] and agrees["CD-10"], "for the CD-trained RBMs, AIS's log Z agrees with the bound"

# %% [markdown]
# ## Why the reconstruction error misleads
#
# Reconstruction error is what people watch while CD trains, because it is cheap. But it
# is not what the RBM is fitted to, and a model can reconstruct perfectly while knowing
# nothing about digits. Build one by hand: 784 hidden units, hidden unit $i$ joined only to
# pixel $i$ with a large weight $\alpha$ ($W = \alpha I$), all biases $-\alpha/2$. Going up, $h_i$ copies $v_i$; going
# down, $v_i$ copies $h_i$: the reconstruction is almost exact. But each pixel pair contributes
# the same weight whether $(v_i, h_i)$ is $(0, 0)$ or $(1, 1)$, so $p(v_i = 1) = \tfrac{1}{2}$ for every
# pixel: the model is the uniform distribution over all $2^{784}$ images, and the log-likelihood of
# any digit is $-784 \log 2 \approx -543$ nats, far below even the base rates.

# %%
alpha = 12.0
copier = RBM(784, 784)
copier.weight.data[...] = alpha * np.eye(784, dtype=np.float32)
copier.visible_bias.data[...], copier.hidden_bias.data[...] = -alpha / 2, -alpha / 2
copier_error = float(((copier.reconstruct(test) - test) ** 2).mean())
# every unit pair is independent: Z = prod_i (e^0 + e^(-α/2) + e^(-α/2) + e^0)
copier_log_z = 784 * np.log(2 + 2 * np.exp(-alpha / 2))
copier_log_likelihood = float(-copier.free_energy(test).numpy().astype(np.float64).mean() - copier_log_z)
best = max(results, key=lambda name: results[name]["avg_log_likelihood"])
print(f"the copier: reconstruction error {copier_error:.5f}, test LL {copier_log_likelihood:.2f} "
      f"(-784 log 2 = {-784 * np.log(2):.2f});  {best}: {results[best]['reconstruction_error']:.4f}, "
      f"{results[best]['avg_log_likelihood']:.2f}")
assert copier_error < results[best]["reconstruction_error"] / 10, "the copier reconstructs far better"
assert abs(copier_log_likelihood + 784 * np.log(2)) < 0.01, "yet it gives every image probability 2^-784"
assert copier_log_likelihood < base_log_likelihood - 300

# %% [markdown]
# ## What the hidden units look for, and what the model dreams
#
# From here on the page uses a model trained by the full recipe: in full mode the one with the best
# test likelihood above (on this quick page that is CD-10), in quick mode the same rule at full size loaded
# from `lessons/weights/rbm.npz` (500 hidden units, 10 epochs of CD-10 on the 4,000 training
# digits: `tinygen train rbm -m k=10 -m persistent=False --epochs 10`), because the quick page's
# 64-unit RBMs are too small and too briefly trained to dream digits. The next cell prints which. Each hidden unit's 784
# weights drawn as a 28 × 28 image are its **filter**: the pattern of ink that switches it
# on (red: ink there switches it on, blue: ink there switches it off, white: the pixel does
# not matter; each filter is scaled by its own largest weight). Samples come from Gibbs chains started at uniform
# noise and run for many steps; the figure shows $p(v \mid h)$ at the end of each chain, and the shipped
# digit classifier reads them.

# %%
if lesson.quick:
    assert best == "CD-10", "of the small RBMs above, CD-10 has the best test likelihood"
    recorded, meta = lesson.recorded("rbm")
    rbm = RBM(784, recorded["weight"].shape[0])
    rbm.load_state_dict(recorded, strict=False)   # the weights and biases; its momentum is not needed
    best = f"CD-10, {rbm.n_hidden} hidden (loaded)"
    print(f"the RBM from here on: loaded, trained by `{meta['command']}`")
else:
    rbm, best = models[best], f"{best}, {n_hidden} hidden"
    print(f"the RBM from here on: {best}, trained above")
weights = rbm.weight.data[:100]
signed = weights / np.abs(weights).max(axis=1, keepdims=True)          # each filter in [-1, 1], 0 stays 0
plot.image_grid(((signed + 1) / 2).reshape(-1, 1, 28, 28), lesson.path("filters.png"), ncols=10, cmap="RdBu_r",
                title=f"{best}: weights of the first 100 hidden units (red +, blue −, white 0)")
chain_steps = lesson.pick(1000, 2000)
tg.manual_seed(3)
noise = tg.backend.generator().random((64, 784), dtype=np.float32)
fantasies = rbm.visible_probabilities(rbm.sample_hidden(rbm.gibbs(noise, k=chain_steps)))
plot.image_grid(fantasies.reshape(-1, 1, 28, 28), lesson.path("samples.png"),
                title=f"{best}: p(v|h) after {chain_steps} Gibbs steps from noise")
plot.reconstructions(test[:10].reshape(-1, 1, 28, 28), rbm.reconstruct(test[:10]).reshape(-1, 1, 28, 28),
                     lesson.path("reconstructions.png"), title=f"{best}: binarized test digits and p(v | h(v))")
assert 0 <= fantasies.min() and fantasies.max() <= 1
print("figures:", ", ".join(str(lesson.path(n)) for n in ("filters.png", "samples.png", "reconstructions.png")))

read = features_and_logits(shipped_classifier("mnist-5k"), fantasies.reshape(-1, 1, 28, 28))[1].argmax(axis=1)
chains_per_digit = np.bincount(read, minlength=10)
top_two = np.sort(chains_per_digit)[-2:].sum()
print("the classifier reads the 64 samples as:", ", ".join(f"{d}: {n}" for d, n in enumerate(chains_per_digit)))
assert top_two >= 32, "at least half of the chains end in one of only two digits"
if lesson.quick:
    assert set(np.argsort(chains_per_digit)[-2:]) == {0, 1}, "the recorded RBM's chains end mostly as 0s and 1s"

# %% [markdown]
# Look at the samples before believing the likelihood. The filters are strokes and
# digit-shaped patterns of ink and no ink, the reconstructions are the right digits — and
# yet the 64 long chains do not end as ten digits equally often: the counts printed above put
# at least half of them in just two digits, and some digits may never appear. On this quick page the
# recorded RBM's chains end mostly as 0s and 1s; a full-mode run, which trains its own RBM, ended 57
# of its 64 chains as 1s. A chain that falls into a
# deep basin of the free energy rarely climbs out: the model's samples show its modes, not
# their weights, and a CD-trained RBM has some over-deep ones. That is the mixing problem
# persistent chains and tempered transitions were invented for.

# %% [markdown]
# ## Features for a classifier
#
# The RBM never saw a label. Are its hidden probabilities still useful? Train the same
# softmax classifier (one linear layer, Adam, cross-entropy) once on raw pixels and once on
# the model's hidden probabilities, and compare test accuracy.

# %%
probe_epochs = lesson.pick(5, 20)
pixel_accuracy = linear_probe_accuracy(train, train_labels, test, test_labels, epochs=probe_epochs)
feature_accuracy = linear_probe_accuracy(rbm.hidden_probabilities(train), train_labels,
                                         rbm.hidden_probabilities(test), test_labels, epochs=probe_epochs)
print(f"softmax classifier, test accuracy: raw pixels {pixel_accuracy:.3f}, "
      f"RBM features ({best}) {feature_accuracy:.3f}")
assert feature_accuracy > 0.6, "features learned without labels separate the digits (chance: 10%)"
