"""The VAE recipes: `tinygen train vae` (dense 784-400-20) and `tinygen train conv-vae` (the course's, latent 2).

Training reports the loss (the negative ELBO when kl_weight is 1) and its two terms, per example in
nats; sampling decodes z ~ N(0, I); evaluation reports the test negative ELBO, its terms and the
importance-weighted NLL bound at K = 100 and 1,000; `tinygen latent` draws the map of a 2-d model.

Training arguments (-t KEY=VALUE): ``optimizer`` "adam" or "rmsprop" (the course's conv VAE used
RMSprop); ``iwae_images``: how many test images the importance-weighted bounds use (0: all);
``iwae_k``: the K of the bound behind ``nll_nats`` (1,000 by default; the likelihood table asks for
5,000, about five times the evaluation's cost, since the bound tightens as K grows). The
conv decoder is costly on a CPU (1,000 decodes per image at K = 1,000, about 1.7 s per image here),
so conv-vae uses the first 20 by default; -t iwae_images=0 takes all 1,000 (about half an hour).

What the likelihood is of: the VAE trains on grey-level images, each pixel's Bernoulli term a soft
target (PyTorch's example), which is no likelihood of any data. So `evaluate` also reports the bounds
on the *binarized* test digits (pixels > 0.5, the RBM's binarization): ``neg_elbo_binarized`` and
``nll_nats``, the importance-weighted bound at K = ``iwae_k`` on the first ``iwae_images`` — an upper
bound on the negative log-likelihood of binary digits, the number tinygen's likelihood table uses.
"""
from pathlib import Path

from tinygen import backend
from tinygen.data.transforms import binarize
from tinygen.metrics.likelihood_bounds import likelihood_report
from tinygen.models.vae import latent as vae_latent
from tinygen.models.common import standard_figures
from tinygen.models.common import map_batches
from tinygen.models.options import choice, integer, number
from tinygen.models.recipe import Recipe, register
from tinygen.models.vae.model import LIKELIHOODS
from tinygen.models.vae.networks import conv_vae, dense_vae
from tinygen.optim import SGD, Adam, RMSprop
from tinygen.models.vae.trainer import ELBOTrainer

OPTIMIZERS = {"adam": Adam, "rmsprop": RMSprop, "sgd": SGD}
IWAE_KS = (100, 1000)
# The likelihood it reports (tinygen evaluate --json, tinygen compare): an upper bound on the NLL, in nats.
LIKELIHOOD = {"unit": "nats", "kind": "upper_bound"}


def _image_shape(data_shape, name):
    if len(data_shape) != 3:
        raise ValueError(f"the {name} takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return tuple(data_shape)


LIKELIHOOD_OPTIONS = {"likelihood": choice("bernoulli", LIKELIHOODS), "kl_weight": number(1.0, low=0.0)}
DENSE_OPTIONS = {"latent_dim": integer(20, low=1), "hidden": integer(400, low=1), **LIKELIHOOD_OPTIONS}
CONV_OPTIONS = {"latent_dim": integer(2, low=1), **LIKELIHOOD_OPTIONS}


def build_dense(data_shape, latent_dim, hidden, likelihood, kl_weight):
    """PyTorch's example VAE (784-400-20 for digits) for images of ``data_shape``."""
    return dense_vae(_image_shape(data_shape, "dense VAE"), hidden, latent_dim, likelihood=likelihood,
                     kl_weight=kl_weight)


def build_conv(data_shape, latent_dim, likelihood, kl_weight):
    """The course's conv VAE for images whose sides divide by 4."""
    return conv_vae(_image_shape(data_shape, "conv VAE"), latent_dim, likelihood=likelihood, kl_weight=kl_weight)


def trainer(model, run):
    """ELBOTrainer with the optimizer named by -t optimizer=... at the run's lr."""
    name = run.settings["train_args"]["optimizer"]
    return ELBOTrainer(model, OPTIMIZERS[name](model.parameters(), lr=run.settings["lr"]))


def sample(model, run, n, labels=None):
    """``n`` images decoded from z ~ N(0, I), host (n, C, H, W) in (0, 1)."""
    model.eval()
    codes = backend.generator().standard_normal((n, model.latent_dim), dtype=backend.default_float())
    return map_batches(model.decode, codes)


def reconstruct(model, run, images):
    """decode(mu(x)) for host ``images``."""
    model.eval()
    return map_batches(model.reconstruct, images)


def evaluate(model, run):
    """Test neg_elbo, recon, kl (all test images) and iwae_nll_k100 / _k1000 on the first ``iwae_images``;
    the same bounds on the binarized images: neg_elbo_binarized, and nll_nats (K = nll_nats_k, -t iwae_k)."""
    images = run.test.images
    count = run.settings["train_args"]["iwae_images"] or len(images)
    report = likelihood_report(model, images, ks=())
    bounds = likelihood_report(model, images[:count], ks=IWAE_KS)
    report.update({f"iwae_nll_k{k}": bounds[f"iwae_nll_k{k}"] for k in IWAE_KS})
    report["iwae_images"] = float(min(count, len(images)))
    binary = binarize(images)
    report["neg_elbo_binarized"] = likelihood_report(model, binary, ks=())["neg_elbo"]
    k = run.settings["train_args"].get("iwae_k", IWAE_KS[-1])   # a run from before -t iwae_k: its default
    report["nll_nats"] = likelihood_report(model, binary[:count], ks=(k,))[f"iwae_nll_k{k}"]
    report["nll_nats_k"] = float(k)
    return report


def figures(model, run, history):
    """Loss curves, test reconstructions, samples from the prior; the latent map of a 2-d model."""
    return standard_figures(model, run, history, reconstruct, sample, "decoded z ~ N(0, I)",
                            latent if model.latent_dim == 2 else None)


def latent(model, run, out):
    """The latent map (test means by digit beside the quantile manifold) into ``out``: a .png file or a folder."""
    if model.latent_dim != 2:
        raise ValueError(f"latent maps need a 2-d latent space; this VAE has latent_dim={model.latent_dim} "
                         "(train one with -m latent_dim=2)")
    path = out if Path(out).suffix.lower() == ".png" else Path(out) / "latent_map.png"
    return [vae_latent.latent_map(model, run.test.images, run.test.labels, path)]


def train_options(iwae_images):
    """-t optimizer=adam|rmsprop|sgd; -t iwae_images=N: test images behind the IWAE bounds (0: all);
    -t iwae_k=K: the K of nll_nats, the bound on the binarized images."""
    return {"optimizer": choice("adam", tuple(OPTIMIZERS)), "iwae_images": integer(iwae_images, low=0),
            "iwae_k": integer(IWAE_KS[-1], low=1)}


COMMON = dict(trainer=trainer, sample=sample, evaluate=evaluate, figures=figures, reconstruct=reconstruct,
              latent=latent, defaults={"batch_size": 128, "lr": 1e-3, "epochs": 30})

register(Recipe(name="vae", summary="the dense VAE of PyTorch's example (784-400-20), Bernoulli pixels",
                build=build_dense, options=DENSE_OPTIONS, train_options=train_options(iwae_images=0), **COMMON))
register(Recipe(name="conv-vae", summary="the course's convolutional VAE with a 2-d latent space",
                build=build_conv, options=CONV_OPTIONS, train_options=train_options(iwae_images=20), **COMMON))
