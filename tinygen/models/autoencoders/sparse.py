"""The sparse autoencoder: most code units stay silent for any one image.

    loss = mean_pixels BCE(x̂, x) + weight * penalty(h),   h = the code (N, K)

Two penalties from the course, as functions of the code batch h:
  l1:  mean_{n,j} |h_nj|                                  (on a ReLU code: pushes units to exactly 0)
  kl:  mean_j KL(ρ || ρ̂_j),  ρ̂_j = mean_n h_nj,          (on a sigmoid code, each unit a firing rate)
       KL(ρ || ρ̂) = ρ log(ρ/ρ̂) + (1-ρ) log((1-ρ)/(1-ρ̂))   (the unit fires on about a fraction ρ of images)
A sparse code may be wider than the image (overcomplete, ``undercomplete=False``): the penalty, not
the bottleneck, is what stops the network from copying its input.
"""
import math

from tinygen.models.autoencoders.model import Autoencoder

PENALTIES = ("l1", "kl")
RATE_FLOOR = 1e-6  # ε: ρ̂ is squeezed into [ε, 1 - ε]


def l1_activity(code):
    """mean |h| over every unit of every example: (N, K) -> scalar."""
    return code.abs().mean()


def kl_sparsity(code, rho):
    """mean over units j of KL(rho || ρ̂_j), ρ̂_j = ε + (1 - 2ε) mean_n h_nj, for a code h (N, K) in [0, 1]: -> scalar.

    Computed as KL(ρ || ρ̂) = [ρ log ρ + (1-ρ) log(1-ρ)] - [ρ log ρ̂ + (1-ρ) log(1-ρ̂)]: the first bracket is a
    constant, so no division by ρ̂ is differentiated. The affine squeeze of ρ̂ (not a clip) keeps the logs
    finite and the gradient alive at a dead or saturated unit.
    """
    count, units = code.shape
    rate = code.sum(axis=0) * ((1 - 2 * RATE_FLOOR) / count) + RATE_FLOOR
    cross_entropy = (rate.log() * rho + (1 - rate).log() * (1 - rho)).sum() * (1 / units)
    return (rho * math.log(rho) + (1 - rho) * math.log(1 - rho)) - cross_entropy


class SparseAutoencoder(Autoencoder):
    """A dense autoencoder (``Autoencoder``'s arguments) whose code pays ``weight`` * the ``sparsity`` penalty.

    The code is a ReLU layer for ``sparsity="l1"`` and a sigmoid layer for ``sparsity="kl"`` (ρ̂ must be a
    rate in (0, 1)); ``rho`` is the target rate of the KL penalty.
    """

    def __init__(self, sparsity="kl", weight=0.1, rho=0.05, code_size=64, **autoencoder_args):
        check_sparsity(sparsity, weight, rho)
        code_activation = "sigmoid" if sparsity == "kl" else "relu"
        super().__init__(code_size=code_size, code_activation=code_activation, **autoencoder_args)
        self.sparsity, self.weight, self.rho = sparsity, weight, rho

    def penalty(self, x, code):
        """weight * l1_activity(code), or weight * kl_sparsity(code, rho)."""
        value = l1_activity(code) if self.sparsity == "l1" else kl_sparsity(code, self.rho)
        return value * self.weight

    def extra_repr(self):
        return f"{super().extra_repr()}, sparsity={self.sparsity!r}, weight={self.weight}, rho={self.rho}"


def check_sparsity(sparsity, weight, rho):
    if sparsity not in PENALTIES:
        raise ValueError(f"SparseAutoencoder: sparsity must be one of {PENALTIES}, got {sparsity!r}")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < math.inf:
        raise ValueError(f"SparseAutoencoder: weight (of the sparsity penalty) must be a finite number >= 0, "
                         f"got {weight!r}")
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 < rho < 1:
        raise ValueError(f"SparseAutoencoder: rho (the target activation rate) must lie strictly between "
                         f"0 and 1, got {rho!r}")
