"""RealNVP's coupling layers on 2-D points: the change of variables small enough to draw.

    x (N, 2) --coupling (x1 fixed)--> --coupling (x2 fixed)--> ... --> z ~ N(0, I)
    log p(x) = log N(z; 0, I) + sum of the couplings' log|det|

The same ``AffineCoupling`` as the image model, with feature masks and dense nets, and no logit
transform (points live on the whole plane). Lesson 20 trains it on ring8 and draws its density.
"""
import math

from tinygen import nn
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import generator
from tinygen.models.realnvp.layers import AffineCoupling, feature_mask
from tinygen.models.realnvp.networks import dense_net
from tinygen.nn.module import check_sizes

LOG_2PI = math.log(2 * math.pi)


class PointFlow(nn.Module):
    """``couplings`` affine couplings on points of ``features`` coordinates, masks alternating."""

    def __init__(self, features, hidden, couplings):
        super().__init__()
        check_sizes("PointFlow", features=features, hidden=hidden, couplings=couplings)
        if features < 2:
            raise ValueError(f"PointFlow: a coupling needs features >= 2 (one half fixed, one changed), "
                             f"got {features}")
        self.features = features
        self.couplings = nn.ModuleList([AffineCoupling(feature_mask(features, i % 2), dense_net(features, hidden))
                                        for i in range(couplings)])

    def forward(self, x):
        """x (N, D) -> (z (N, D), log|det dz/dx| (N,))."""
        x = self._checked(x, "x")
        log_det = 0.0
        for coupling in self.couplings:
            x, step = coupling(x)
            log_det = log_det + step
        return x, log_det

    def inverse(self, z):
        """z (N, D) -> x, the couplings undone last first."""
        z = self._checked(z, "z")
        for coupling in list(self.couplings)[::-1]:
            z = coupling.inverse(z)
        return z

    def log_prob(self, x):
        """log N(f(x); 0, I) + log|det df/dx|: (N,) nats."""
        z, log_det = self(x)
        return -0.5 * (z ** 2 + LOG_2PI).sum(axis=1) + log_det

    def loss(self, x):
        """Mean negative log-likelihood in nats."""
        return -self.log_prob(x).mean()

    def sample(self, n):
        """``n`` points f^-1(z), z ~ N(0, I): (n, D)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"PointFlow.sample: n must be an integer >= 1, got {n!r}")
        dtype = self.couplings[0].net.scale.dtype
        return self.inverse(Tensor(generator().standard_normal((n, self.features), dtype=dtype)))

    def _checked(self, x, name):
        x = as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.features:
            raise ValueError(f"PointFlow: {name} must have shape (N, {self.features}), got {tuple(x.shape)}")
        return x
