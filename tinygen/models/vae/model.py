"""The variational autoencoder: an encoder that outputs a distribution, a decoder that generates from it.

    x --encoder--> (mu, logvar) --z = mu + sigma * eps--> z --decoder--> p(x | z)

The plain autoencoder maps each image to one point, and the points of different digits leave gaps
that decode to nothing. The VAE's encoder gives, for every latent attribute, a mean and a variance:
q(z | x) = N(mu, diag(e^logvar)). Training maximizes the evidence lower bound (ELBO)

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || N(0, I)),

so the loss is reconstruction + c * KL (c = ``kl_weight``, 1 for the true bound). The KL term pulls
every code distribution towards the prior N(0, I): the latent space becomes continuous (nearby codes
decode to similar images) and complete (any code drawn from the prior decodes to a digit).

Sampling z ~ q is random, and backpropagation cannot go through a random draw; the reparameterization
trick draws eps ~ N(0, I) outside the graph and computes z = mu + sigma * eps, a differentiable
function of mu and logvar. The standard deviation is sigma = exp(logvar / 2) -- not exp(logvar),
which is the variance.
"""
import math

import tinygen.functional as F
from tinygen import nn
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import generator

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2 * math.pi)


class VAE(nn.Module):
    """A VAE around any ``encoder`` x -> (mu, logvar) and ``decoder`` z -> logits.

    Shapes: x (N, *image_shape) in [0, 1]; mu, logvar, z (N, latent_dim); the decoder returns
    (N, *image_shape) or (N, prod(image_shape)) pixel logits, made into images by ``decode``.
    ``likelihood``: "bernoulli" (p(x|z) = prod_i p_i^x_i (1-p_i)^(1-x_i), p = sigmoid(logits); grey
    levels count as soft targets, as PyTorch's example does) or "gaussian" (x_i ~ N(sigmoid(logits_i),
    s^2) with one learned scale s = exp(``log_scale``)). All losses are in nats per example.
    """

    def __init__(self, encoder, decoder, latent_dim, likelihood="bernoulli", kl_weight=1.0,
                 image_shape=(1, 28, 28)):
        super().__init__()
        _check_settings(latent_dim, likelihood, kl_weight)
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim, self.likelihood, self.kl_weight = latent_dim, likelihood, float(kl_weight)
        self.image_shape = tuple(image_shape)
        if likelihood == "gaussian":
            self.log_scale = nn.Parameter(Tensor([math.log(0.1)]))

    # --- the algorithm, top to bottom --------------------------------------------------------
    def encode(self, x):
        """(N, *image_shape) -> (mu, logvar), each (N, latent_dim): the parameters of q(z | x)."""
        x = as_tensor(x)
        self._check_images(x)
        mu, logvar = self.encoder(x)
        if mu.shape != (x.shape[0], self.latent_dim) or logvar.shape != mu.shape:
            raise ValueError(f"VAE: the encoder must return mu and logvar of shape ({x.shape[0]}, "
                             f"{self.latent_dim}), got {mu.shape} and {logvar.shape}")
        return mu, logvar

    def reparameterize(self, mu, logvar, noise=None):
        """z = mu + exp(logvar / 2) * eps with eps ~ N(0, I) a constant: gradients reach mu and logvar only.

        ``noise``: eps to use instead of a fresh draw (same shape as mu), for showing the trick step by step.
        """
        mu, logvar = as_tensor(mu), as_tensor(logvar)
        if noise is None:
            noise = Tensor(generator().standard_normal(mu.shape, dtype=mu.dtype))
        noise = as_tensor(noise)
        if noise.shape != mu.shape:
            raise ValueError(f"VAE.reparameterize: noise shape {noise.shape} must equal mu's shape {mu.shape}")
        sigma = F.exp(0.5 * logvar)     # the standard deviation; exp(logvar) would be the variance
        return mu + sigma * noise.detach()

    def decode_logits(self, z):
        """(N, latent_dim) -> (N, *image_shape): the pixels' logits (before the sigmoid)."""
        z = as_tensor(z)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"VAE: codes z must have shape (N, {self.latent_dim}), got {z.shape}")
        return self.decoder(z).reshape((z.shape[0],) + self.image_shape)

    def decode(self, z):
        """(N, latent_dim) -> (N, *image_shape): the decoder's mean image, each pixel in (0, 1)."""
        return F.sigmoid(self.decode_logits(z))

    def log_likelihood(self, x, logits):
        """log p(x | z) per example, summed over pixels.  Shapes: x, logits (N, *image_shape) -> (N,)."""
        pixel_axes = tuple(range(1, logits.ndim))
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(axis=pixel_axes)
        residual = (as_tensor(x) - F.sigmoid(logits)) / F.exp(self.log_scale)
        per_pixel = -0.5 * (residual * residual) - self.log_scale - 0.5 * LOG_2PI
        return per_pixel.sum(axis=pixel_axes)

    def loss_terms(self, x, noise=None):
        """{"recon": mean -log p(x | z) with z ~ q(z | x), "kl": mean KL(q(z | x) || N(0, I))}, nats.

        ``noise``: the eps of the reparameterization (N, latent_dim), to replay a draw exactly.
        """
        x = as_tensor(x)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, noise)
        recon = -self.log_likelihood(x, self.decode_logits(z)).mean()
        return {"recon": recon, "kl": F.kl_normal(mu, logvar)}

    def loss_and_terms(self, x, noise=None):
        """(recon + kl_weight * KL, the terms): the mean negative ELBO per example (in nats) when kl_weight is 1."""
        terms = self.loss_terms(x, noise)
        return terms["recon"] + self.kl_weight * terms["kl"], terms

    def loss(self, x, noise=None):
        """recon + kl_weight * KL (see ``loss_and_terms``)."""
        return self.loss_and_terms(x, noise)[0]

    # --- using a trained model ---------------------------------------------------------------
    def sample(self, n):
        """n new images (n, *image_shape): decode z ~ N(0, I), the prior."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"VAE.sample: n must be a positive integer, got {n!r}")
        z = Tensor(generator().standard_normal((n, self.latent_dim), dtype=self._dtype()))
        return self.decode(z)

    def reconstruct(self, x):
        """decode(mu(x)): the reconstruction from the most likely code, no sampling noise."""
        mu, _ = self.encode(x)
        return self.decode(mu)

    forward = reconstruct

    def _dtype(self):
        return next(iter(self.parameters())).dtype

    def _check_images(self, x):
        if x.ndim < 2 or x.shape[1:] != self.image_shape:
            raise ValueError(f"VAE: input must have shape (N, {', '.join(map(str, self.image_shape))}), "
                             f"got {x.shape}")
        if self.likelihood == "bernoulli" and x.size and not bool(((x.data >= 0) & (x.data <= 1)).all()):
            raise ValueError(f"VAE: a Bernoulli likelihood needs pixel values in [0, 1], got values from "
                             f"{float(x.data.min())} to {float(x.data.max())}")

    def extra_repr(self):
        return f"latent_dim={self.latent_dim}, likelihood={self.likelihood!r}, kl_weight={self.kl_weight:g}"


def _check_settings(latent_dim, likelihood, kl_weight):
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"VAE: latent_dim must be an integer >= 1, got {latent_dim!r}")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"VAE: likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
    if isinstance(kl_weight, bool) or not isinstance(kl_weight, (int, float)) or not kl_weight >= 0:
        raise ValueError(f"VAE: kl_weight must be a number >= 0 (1 gives the true ELBO), got {kl_weight!r}")
