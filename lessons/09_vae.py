# %% [markdown]
# # 09 · The variational autoencoder and the reparameterization trick
#
# Lesson 07 ended on a problem: the plain autoencoder's 2-D code space is full of gaps,
# and a code picked from a gap decodes to something that is no digit. The **variational
# autoencoder** (VAE) fixes that by changing what the encoder outputs. Instead of one
# point per image it gives a *distribution*: for every latent attribute a mean μ and a
# variance σ², i.e. q(z | x) = N(μ, σ²). The decoder is trained on codes *drawn* from
# that distribution, and a second loss term, the KL divergence to N(0, I), pulls every
# image's distribution towards the same standard normal. Two properties follow: the space
# is **continuous** (nearby codes decode to similar images) and **complete** (any code drawn
# from N(0, I) decodes to a digit).
#
# The loss per image is $\text{reconstruction} + c \cdot \mathrm{KL}$; with $c = 1$ it is the
# negative *evidence lower bound* (ELBO), a bound on $-\log p(x)$, measured in nats.
#
# Run: `python lessons/09_vae.py` (add `--quick` for the short version).

# %%
import numpy as np

import tinygen as tg
from tinygen import optim, plot
from tinygen.data import DataLoader, Dataset, load_dataset
from tinygen.lesson import setup
from tinygen.models import Autoencoder
from tinygen.models.vae.networks import dense_vae
from tinygen.train import fit
from tinygen.trainer import GradientTrainer

lesson = setup(__file__)
train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
count = lesson.pick(1500, len(train_set))
train_set = Dataset(train_set.images[:count], train_set.labels[:count], "mnist-5k train")
epochs, hidden, batch = lesson.pick(6, 40), lesson.pick(256, 400), lesson.pick(32, 128)
print(train_set, test_set, f"-> {epochs} epochs of batches of {batch}, hidden width {hidden}")


def train(model, lr=1e-3):
    """Adam, batches in a fixed order, the model's own loss: fit runs the loop."""
    tg.manual_seed(0)
    trainer = GradientTrainer(model, optim.Adam(model.parameters(), lr=lr))
    fit(trainer, DataLoader(train_set, batch, shuffle=True, seed=0), epochs=epochs, progress=False, verbose=False)
    return model.eval()


# %% [markdown]
# ## The encoder's two heads
#
# The VAE's encoder is the autoencoder's encoder with its last layer doubled: from the
# same hidden features, one linear **head** gives $\mu$ and another gives $\log \sigma^2$ (a
# logarithm, because a variance must be positive and a linear layer's output is not).
# Here is tinygen's dense VAE with a 2-D latent space:

# %%
tg.manual_seed(0)
vae = dense_vae(hidden=hidden, latent_dim=2)
print(vae.encoder)
mu, logvar = vae.encode(test_set.images[:5])
print("mu:", mu.shape, " logvar:", logvar.shape)
assert mu.shape == logvar.shape == (5, 2)

# %% [markdown]
# ## The reparameterization trick
#
# Training needs the gradient of the loss with respect to $\mu$ and $\log \sigma^2$, but the code
# $z$ is *drawn at random*, and you cannot differentiate through a random draw. The trick moves
# the randomness out of the way: draw $\varepsilon \sim \mathcal{N}(0, I)$ first, as a constant,
# and compute
#
# $$z = \mu + \sigma \cdot \varepsilon, \qquad \sigma = \exp\left(\tfrac{1}{2} \log \sigma^2\right)$$
#
# Now $z$ is an ordinary function of $\mu$ and $\log \sigma^2$, with $\partial z / \partial \mu = 1$
# and $\partial z / \partial \log \sigma^2 = \frac{1}{2} \sigma \varepsilon$, while $\varepsilon$ is a
# leaf the gradient never needs to enter. Mind the $\frac{1}{2}$: $\sigma$ is the square root of
# the variance. If you use $\exp(\log \sigma^2)$ as $\sigma$ (an easy slip when writing this from
# scratch), your codes get the variance $\sigma^4$ instead of $\sigma^2$, and the last check below
# fails.

# %%
mu = tg.Tensor([[0.5, -1.0]], requires_grad=True)
logvar = tg.Tensor([[2.0, -2.0]], requires_grad=True)
eps = tg.Tensor([[0.8, 1.5]], requires_grad=True)
z = vae.reparameterize(mu, logvar, eps)
z.sum().backward()
sigma = np.exp(0.5 * logvar.numpy())
print("z:", z.numpy(), " dz/dmu:", mu.grad.numpy(), " dz/dlogvar:", logvar.grad.numpy(), " eps.grad:", eps.grad)
assert np.allclose(mu.grad.numpy(), 1) and np.allclose(logvar.grad.numpy(), 0.5 * sigma * eps.numpy())
assert eps.grad is None, "no gradient flows into the noise"

draws = 100_000
rows = lambda t: tg.Tensor(np.repeat(t.numpy(), draws, axis=0))
samples = vae.reparameterize(rows(mu), rows(logvar)).numpy()
print(f"variance of {draws:,} draws: {samples.var(axis=0).round(3)}; exp(logvar) = {np.exp(logvar.numpy()[0]).round(3)}; "
      f"with sigma = exp(logvar) it would be {np.exp(2 * logvar.numpy()[0]).round(3)}")
assert np.allclose(samples.var(axis=0), np.exp(logvar.numpy()[0]), rtol=0.03)   # 5 standard errors at 100k draws

# %% [markdown]
# ## The KL term, derived
#
# The loss pulls every $q(z \mid x) = \mathcal{N}(\mu, \sigma^2)$ towards the prior
# $p(z) = \mathcal{N}(0, 1)$ with $\mathrm{KL}(q \,\|\, p) = \mathbb{E}_q[\log q(z) - \log p(z)]$. For
# one latent dimension both densities are Gaussian:
#
# $$\log q(z) = -\frac{1}{2}\log 2\pi - \frac{1}{2}\log\sigma^2 - \frac{(z-\mu)^2}{2\sigma^2}, \qquad \log p(z) = -\frac{1}{2}\log 2\pi - \frac{z^2}{2}$$
#
# Take the expectation under $q$, using $\mathbb{E}_q[(z - \mu)^2] = \sigma^2$ and
# $\mathbb{E}_q[z^2] = \mu^2 + \sigma^2$:
#
# $$\mathrm{KL} = -\frac{1}{2}\log\sigma^2 - \frac{1}{2} + \frac{1}{2}\left(\mu^2 + \sigma^2\right) = \frac{1}{2}\left(\mu^2 + \sigma^2 - \log\sigma^2 - 1\right)$$
#
# The dimensions of $z$ are independent under both $q$ and $p$, so their KLs add:
#
# $$\mathrm{KL}\left(\mathcal{N}(\mu, \sigma^2) \,\|\, \mathcal{N}(0, I)\right) = \frac{1}{2}\sum_j \left(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1\right)$$
#
# It is 0 only when $\mu = 0$ and $\sigma^2 = 1$ (the function $\sigma^2 - \log \sigma^2 - 1$ has its
# minimum 0 at $\sigma^2 = 1$), and it grows as $\sigma^2$ shrinks towards 0: the penalty that keeps
# every code a cloud. `F.kl_normal` computes exactly this sum. Check it against a Monte-Carlo
# estimate: draw $z$ from $q$ with the reparameterization above and average
# $\log q(z) - \log p(z)$. The average of $n$ draws has the standard error $s / \sqrt{n}$, where $s$
# is the standard deviation of one draw; the two must agree within 5 standard errors.

# %%
import tinygen.functional as F

kl_mu = tg.Tensor([[0.5, -1.0, 2.0]])
kl_logvar = tg.Tensor([[2.0, -2.0, 0.0]])
closed_form = F.kl_normal(kl_mu, kl_logvar).item()
m, v = kl_mu.numpy()[0], np.exp(kl_logvar.numpy()[0])
assert np.isclose(closed_form, 0.5 * np.sum(m ** 2 + v - np.log(v) - 1)), "F.kl_normal is the formula"

tg.manual_seed(2)
z = vae.reparameterize(rows(kl_mu), rows(kl_logvar)).numpy().astype(np.float64)   # (draws, 3) from q
log_q = -0.5 * (np.log(2 * np.pi) + np.log(v) + (z - m) ** 2 / v)
log_p = -0.5 * (np.log(2 * np.pi) + z ** 2)
per_draw = (log_q - log_p).sum(axis=1)          # one unbiased estimate of the KL per draw
estimate, standard_error = per_draw.mean(), per_draw.std() / np.sqrt(draws)
print(f"KL by the formula {closed_form:.4f}; Monte Carlo over {draws:,} draws {estimate:.4f} "
      f"± {standard_error:.4f} (one standard error)")
assert abs(estimate - closed_form) < 5 * standard_error, "the formula is the expectation the draws estimate"

# %% [markdown]
# ## Why the VAE's code space has no gaps
#
# Train a plain autoencoder with a 2-D code (as in lesson 07) and the VAE above on the
# same digits, and draw the test images' codes (for the VAE, their means $\mu$) side by side.
# The pictures look alike: clusters of digits. The difference is in what each decoder was
# trained on. The autoencoder's decoder only ever saw the exact code of each training
# image; between those points it was never asked for anything. The VAE's decoder was
# trained on codes *drawn around* each mean, about $\sigma$ away, and the KL term keeps $\sigma$
# from shrinking to zero. When $\sigma$ is wider than the distance between neighbouring means,
# the clouds overlap: every point between two codes was a training input for the decoder.

# %%
autoencoder = train(Autoencoder(code_size=2, num_layers=1, nodes_per_layer=hidden), lr=3e-3)
vae = train(vae)
with tg.no_grad():
    ae_codes = autoencoder.encode(tg.Tensor(test_set.images)).numpy()
    vae_codes, vae_logvar = (t.numpy() for t in vae.encode(tg.Tensor(test_set.images)))
between = np.sqrt(((vae_codes[:, None] - vae_codes[None]) ** 2).sum(-1))
np.fill_diagonal(between, np.inf)
spacing, sigma = float(np.median(between.min(axis=1))), float(np.median(np.exp(0.5 * vae_logvar)))
print(f"VAE: median distance from a test code to its nearest neighbour {spacing:.3f}, median sigma {sigma:.3f}")
print(f"VAE means: centre {vae_codes.mean(axis=0).round(2)}, spread {vae_codes.std(axis=0).round(2)}; "
      f"autoencoder codes: centre {ae_codes.mean(axis=0).round(2)}, spread {ae_codes.std(axis=0).round(2)}")
assert sigma > spacing, "each code's cloud reaches past its nearest neighbour: the clouds overlap"

print("saved", plot.latent_scatters({"plain autoencoder: 2-D codes of the test digits": ae_codes,
                                    "VAE: means μ of q(z | x) of the test digits": vae_codes},
                                   test_set.labels, lesson.path("codes_autoencoder_vs_vae.png"), legend_title="digit"))

# %% [markdown]
# ## What c does: reconstruction against generation
#
# The loss is $\text{reconstruction} + c \cdot \mathrm{KL}$. With $c = 0$ the VAE is an autoencoder
# with noisy codes: it reconstructs well, but nothing keeps its codes near $\mathcal{N}(0, I)$, so
# codes drawn from $\mathcal{N}(0, I)$ decode to grey noise, farther from any real digit than the
# other models' samples (asserted). With $c = 4$ the codes are squeezed onto the prior: every
# sample is a smooth, rounded shape (on this quick page mostly 0- and 8-like blobs), and the
# reconstructions get blurrier (a 2 may come back as a 0 or an 8). $c = 1$ is the ELBO, the
# balance the likelihood asks for. Train three VAEs with a 20-D latent space, measure both terms
# on the test digits, and look at the test digits' reconstructions and ten samples of each
# model, one row each.

# %%
terms, pictures, strangeness = {}, [], {}
real = train_set.images.reshape(len(train_set), -1)
for c in (0.0, 1.0, 4.0):
    model = train(dense_vae(hidden=hidden, latent_dim=20, kl_weight=c))
    tg.manual_seed(1)
    with tg.no_grad():
        terms[c] = {name: value.item() for name, value in model.loss_terms(test_set.images).items()}
        pictures += [model.reconstruct(test_set.images[:10]).numpy(), model.sample(10).numpy()]
    samples = pictures[-1].reshape(10, -1)   # mean squared difference per pixel to the nearest training digit
    strangeness[c] = float(np.mean([((real - sample) ** 2).mean(axis=1).min() for sample in samples]))
    print(f"c = {c:g}: test reconstruction {terms[c]['recon']:.1f} nats, KL {terms[c]['kl']:.1f} nats; "
          f"samples' distance to the nearest training digit {strangeness[c]:.4f}")
row_labels = ["test digits"] + [f"c = {c:g}: {kind}" for c in (0, 1, 4) for kind in ("reconstructions", "samples")]
plot.image_grid(np.concatenate([test_set.images[:10]] + pictures), lesson.path("reconstructions_and_samples_by_c.png"),
                ncols=10, row_labels=row_labels,
                title="20-D VAEs trained with loss = reconstruction + c · KL "
                      "(samples: decoded codes drawn from N(0, I))")
assert terms[0.0]["kl"] > terms[1.0]["kl"] > terms[4.0]["kl"], "a larger c keeps the codes closer to the prior"
assert terms[0.0]["recon"] < terms[1.0]["recon"] < terms[4.0]["recon"], "...and costs reconstruction"
assert strangeness[0.0] > max(strangeness[1.0], strangeness[4.0]), "without the KL term, samples are no digits"
