# %% [markdown]
# # 06 · A discriminative model: a conv classifier on real digits
#
# Everything so far has been a neural network used *discriminatively*: given an input x
# it predicts a label y, i.e. it models P(y | x). The models of the lessons that follow
# are *generative*: they model the inputs themselves, P(x) or P(x | y), and can therefore
# draw new x. Before building those, you train the classic discriminative network end to
# end: the first full test that layers, batch norm, the loss, backward and Adam work
# together on real data.
#
# Run: `python lessons/06_discriminative_classifier.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup

lesson = setup(__file__)
tg.manual_seed(0)

# %% [markdown]
# ## The data: 5,000 real MNIST digits shipped with tinygen
#
# `mnist-5k` is split 4,000 / 1,000, with every digit in the same proportion in both
# halves. Images have the shape `(N, 1, 28, 28)` and values in $[0, 1]$. Quick mode trains on half the training set
# for one epoch; the full run uses all of it for ten.

# %%
train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
train_count = lesson.pick(2000, len(train_set))
train_set = Dataset(train_set.images[:train_count], train_set.labels[:train_count], "mnist-5k train")
epochs, learning_rate = lesson.pick(1, 10), lesson.pick(2e-3, 1e-3)
print(train_set, test_set, f"-> {epochs} epoch(s)")

# %% [markdown]
# ## The model
#
# Two stride-2 convolutions halve the image twice (28 → 14 → 7) while the channels grow
# (1 → 16 → 32); batch norm keeps each layer's input well scaled (lesson 05); two dense
# layers turn the 32 × 7 × 7 features into 10 *logits* $z_0, \ldots, z_9$, one score per digit.
# Softmax of the logits is the model's distribution over the labels, and the cross-entropy
# loss of an image with the true label $y$ is minus its log:
#
# $$p(y \mid x) = \frac{e^{z_y}}{\sum_{k=0}^{9} e^{z_k}}, \qquad \text{loss} = -\log p(y \mid x)$$

# %%
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
    nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
    nn.Linear(64, 10))
table = model.summary((1, 28, 28))
# weights + biases of each layer: conv 16*1*3*3 + 16, batch norm 2*16, conv 32*16*3*3 + 32,
# batch norm 2*32, dense 1568*64 + 64, dense 64*10 + 10
expected = (16 * 9 + 16) + 2 * 16 + (32 * 16 * 9 + 32) + 2 * 32 + (32 * 7 * 7 * 64 + 64) + (64 * 10 + 10)
assert f"Total params: {expected:,}" in table

# %% [markdown]
# ## Training
#
# Each step: forward a batch, measure the loss, `backward()` fills every parameter's
# `.grad`, and Adam moves the parameters. After each epoch the model is switched to
# evaluation mode (batch norm then uses its running statistics) and scored on the test
# images it never trained on.

# %%
def predict(images):
    """The most probable digit for every image, in evaluation mode and without a graph."""
    with tg.no_grad():
        return model.eval()(tg.tensor(images)).numpy().argmax(axis=1)


loader = DataLoader(train_set, batch_size=32, shuffle=True, seed=0)
optimizer = optim.Adam(model.parameters(), lr=learning_rate)
losses, accuracies = [], []
for epoch in range(epochs):
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tg.Tensor(images)), tg.Tensor(labels))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    accuracies.append(float((predict(test_set.images) == test_set.labels).mean()))
    print(f"epoch {epoch + 1}: last batch loss {losses[-1]:.3f}, test accuracy {accuracies[-1]:.3f}")

accuracy = accuracies[-1]
bar = lesson.pick(0.80, 0.95)
print(f"test accuracy {accuracy:.3f} (the claim: above {bar})")
assert accuracy > bar
assert np.mean(losses[-20:]) < np.mean(losses[:20]) / 3  # the loss fell a long way

# %% [markdown]
# ## Where the mistakes are: the confusion matrix
#
# Row $i$, column $j$ counts test images of digit $i$ that the model called $j$. A perfect
# classifier has everything on the diagonal; the largest off-diagonal cells show which
# digits look alike to the model.

# %%
predicted = predict(test_set.images)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (test_set.labels, predicted), 1)
per_class = confusion.diagonal() / confusion.sum(axis=1)
print("per-digit accuracy:", " ".join(f"{d}:{a:.2f}" for d, a in enumerate(per_class)))
off_diagonal = confusion - np.diag(confusion.diagonal())
true_digit, called = np.unravel_index(off_diagonal.argmax(), off_diagonal.shape)
print(f"most common mistake: {true_digit} taken for {called} ({off_diagonal.max()} times)")
assert confusion.sum() == len(test_set) and np.trace(confusion) / confusion.sum() == accuracy
assert (confusion.diagonal() > off_diagonal.max(axis=1)).all()  # each digit is mostly called itself

figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.1, 1]})
image = axes[0].imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            axes[0].text(j, i, confusion[i, j], ha="center", va="center", fontsize=7,
                         color="white" if confusion[i, j] > confusion.max() / 2 else "black")
axes[0].set_xticks(range(10))
axes[0].set_yticks(range(10))
axes[0].set_xlabel("predicted digit")
axes[0].set_ylabel("true digit")
axes[0].set_title(f"confusion matrix of the {len(test_set)} test digits")
figure.colorbar(image, ax=axes[0], fraction=0.046, label="test images")
steps_per_epoch = len(loader)
axes[1].plot(np.arange(1, len(losses) + 1) / steps_per_epoch, losses, lw=0.6, label="training loss (per batch)")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("cross-entropy")
twin = axes[1].twinx()
twin.plot(np.arange(1, epochs + 1), accuracies, "o-", color="C1", label="test accuracy")
twin.set_ylabel("test accuracy")
twin.set_ylim(0.5, 1.0)
axes[1].set_title("training loss per batch, test accuracy per epoch")
figure.legend(loc="upper right", bbox_to_anchor=(0.92, 0.86), fontsize=8)
figure.suptitle(f"Conv classifier after {epochs} epoch(s) on {len(train_set)} digits: test accuracy {accuracy:.1%}")
figure.tight_layout()
figure.savefig(lesson.path("confusion_matrix.png"), dpi=120)
plt.close(figure)

# %% [markdown]
# ## What a discriminative model gives, and what it cannot
#
# The softmax of the logits is a full distribution $p(y \mid x)$ over the ten digits. That is
# all this model knows: it has no idea how likely an image $x$ itself is, and no way to
# draw a new one. Learning $p(x)$ is the job of the autoencoders, VAEs and GANs ahead.
# Below are test digits it got wrong, each above the distribution it gave.

# %%
wrong = np.flatnonzero(predicted != test_set.labels)[:8]
with tg.no_grad():
    probabilities = F.log_softmax(model.eval()(tg.tensor(test_set.images[wrong])), axis=1).exp().numpy()
assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
figure, axes = plt.subplots(2, len(wrong), figsize=(1.6 * len(wrong), 3.4), squeeze=False)
for column, (index, p) in enumerate(zip(wrong, probabilities)):
    axes[0, column].imshow(test_set.images[index, 0], cmap="gray_r")
    axes[0, column].set_title(f"true {test_set.labels[index]}, said {p.argmax()}", fontsize=8)
    axes[0, column].axis("off")
    colours = ["C3" if d == p.argmax() else "C2" if d == test_set.labels[index] else "C0" for d in range(10)]
    axes[1, column].bar(range(10), p, color=colours)
    axes[1, column].set_xticks(range(10))
    axes[1, column].tick_params(labelsize=7)
    axes[1, column].set_ylim(0, 1)
    axes[1, column].set_xlabel("digit y", fontsize=8)
axes[1, 0].set_ylabel("p(y | x)")
figure.suptitle("Test digits the classifier got wrong, and its p(y | x) "
                "(red: its answer, green: the truth, blue: other digits)", fontsize=10)
figure.tight_layout()
figure.savefig(lesson.path("mistakes.png"), dpi=120)
plt.close(figure)
print("figures saved in", lesson.out)
