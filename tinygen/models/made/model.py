"""MADE, the masked autoencoder for distribution estimation (Germain, Gregor, Murray, Larochelle 2015).

A dense autoencoder whose weights are masked (networks.py) so that output d sees only the pixels
before d in an order; its outputs are then the conditionals of an exact autoregressive model:

    log p(x) = sum_d log Bernoulli(x_d | sigmoid(logit_d(x_<d)))            (nats; exact, normalized)

With ``num_masks`` = K > 1 the model holds K mask sets (orders and/or connectivities) sharing one set
of weights. Training draws one of them for every step (``MADE.draw_mask_set``, from the seeded
generator, so a resumed run draws the same); at test time the K models are averaged as a mixture,

    log p(x) = log (1/K sum_k p_k(x)),

which is normalized too. Images (N, C, H, W) of 0s and 1s in; pixels are taken in C-H-W order.
"""
import math

import tinygen.functional as F
from tinygen import backend, nn
from tinygen.backend import numpy as np  # host arrays: the masks' own generator
from tinygen.models.common import bernoulli_log_prob, check_binary, check_count, sample_in_order
from tinygen.models.made.networks import mask_set, masked_network


class MADE(nn.Module):
    """MADE for binary images of ``data_shape``: hidden_sizes (one or two widths), order "natural" or "random",
    num_masks K (mask sets of the ensemble), seed (of the masks only; the weights use tinygen's generator)."""

    def __init__(self, data_shape, hidden_sizes=(500,), order="natural", num_masks=1, seed=0):
        super().__init__()
        _check_settings(hidden_sizes, num_masks, seed)
        self.data_shape, self.size = tuple(data_shape), math.prod(data_shape)
        self.hidden_sizes, self.order_kind = tuple(hidden_sizes), order
        rng = np.random.default_rng(seed)
        self.mask_sets = [mask_set(self.size, self.hidden_sizes, order, rng) for _ in range(num_masks)]
        self.net = masked_network(self.size, self.hidden_sizes, self.mask_sets[0][1])
        self.current = 0

    @property
    def num_masks(self):
        return len(self.mask_sets)

    @property
    def order(self):
        """The pixel order of the mask set in use: order[d] is the d-th pixel generated."""
        return self.mask_sets[self.current][0]

    def use_mask_set(self, k):
        """Cut the network with mask set ``k`` (0 <= k < num_masks)."""
        self.current = k
        for layer, mask in zip(self.net[::2], self.mask_sets[k][1]):
            layer.set_mask(mask)

    def draw_mask_set(self):
        """Training with K > 1 masks: use a mask set drawn uniformly (one per step, as the paper)."""
        if self.num_masks > 1:
            self.use_mask_set(int(backend.generator_for("numpy").integers(self.num_masks)))

    # --- the model ----------------------------------------------------------------------------
    def logits(self, x):
        """(N, C, H, W) or (N, D) -> (N, D): logit d from the pixels before d in the current order."""
        x = x.reshape(len(x), self.size)
        return self.net(x)

    def pixel_logit(self, x, pixel):
        """The logits (N,) of pixel ``pixel`` alone (what sampling asks for): the hidden layers, then one output
        unit instead of all D (half the work of a pass with one hidden layer)."""
        hidden, output = self.net[:-1](x.reshape(len(x), self.size)), self.net[-1]
        return hidden @ (output.weight[pixel] * output.mask[pixel]) + output.bias[pixel]

    def log_prob(self, x):
        """log p(x) in nats: (N, C, H, W) binary -> (N,). The mixture of all K mask sets in eval mode (or
        when K = 1), the current mask set in training mode."""
        x = self._checked(x)
        if self.training or self.num_masks == 1:
            return bernoulli_log_prob(self.logits(x), x.reshape(len(x), self.size))
        kept = self.current
        per_set = []
        for k in range(self.num_masks):
            self.use_mask_set(k)
            per_set.append(bernoulli_log_prob(self.logits(x), x.reshape(len(x), self.size)))
        self.use_mask_set(kept)
        return F.logsumexp(F.stack(per_set), dim=0) - math.log(self.num_masks)

    def loss(self, x):
        """Mean negative log-likelihood per image (nats)."""
        return -self.log_prob(x).mean()

    def sample(self, n):
        """``n`` images drawn pixel by pixel: a backend array (n, C, H, W) of 0 and 1. With K mask sets, each
        image comes from a mask set drawn uniformly (a sample of the mixture)."""
        check_count(n, "MADE.sample")
        choice = backend.generator_for("numpy").integers(self.num_masks, size=n)
        images = backend.xp.zeros((n, self.size), dtype=self.net[0].weight.dtype)
        kept = self.current
        for k in sorted(set(choice.tolist())):
            rows = backend.to_backend(np.flatnonzero(choice == k))
            self.use_mask_set(k)
            images[rows] = sample_in_order(self.pixel_logit, self.order, len(rows), self.size, images.dtype)
        self.use_mask_set(kept)
        return images.reshape((n,) + self.data_shape)

    def _checked(self, x):
        x = check_binary(x, "MADE.log_prob")
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.size:
            raise ValueError(f"MADE.log_prob: x must hold {self.size} pixels per example (shape (N, "
                             f"{', '.join(map(str, self.data_shape))})), got shape {x.shape}")
        return x

    def extra_repr(self):
        return (f"{self.size} pixels, hidden {list(self.hidden_sizes)}, {self.order_kind} order, "
                f"{self.num_masks} mask set(s)")


def _check_settings(hidden_sizes, num_masks, seed):
    if not isinstance(hidden_sizes, (tuple, list)) or not 1 <= len(hidden_sizes) <= 2 or not all(
            isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in hidden_sizes):
        raise ValueError(f"MADE: hidden_sizes must be one or two positive ints, got {hidden_sizes!r}")
    if isinstance(num_masks, bool) or not isinstance(num_masks, int) or num_masks < 1:
        raise ValueError(f"MADE: num_masks must be a positive int, got {num_masks!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"MADE: seed must be a non-negative int, got {seed!r}")
