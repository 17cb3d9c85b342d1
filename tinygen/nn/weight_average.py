"""An exponential moving average (EMA) of a network's weights: the smoother copy a GAN samples from.

A GAN's generator never settles: every step moves it to answer the discriminator's last move, so
its weights circle around a good point instead of sitting on it. Averaging the weights of the last
~1/(1 - decay) steps lands closer to that point, and samples drawn from the average are cleaner
than those of the live generator (Yazici et al. 2019, "The Unusual Effectiveness of Averaging in
GAN Training"; used by ProGAN, StyleGAN, BigGAN). Training never reads the average: it only
follows the trained network.

After k updates with the network's weights theta_1 .. theta_k (decay d in [0, 1)):

    average_k = sum_i w_i theta_i,   w_i = (1 - d) d^(k - i) / (1 - d^k)       (the w_i sum to 1)

computed step by step as  average_k = average_(k-1) + (1 - d) / (1 - d^k) (theta_k - average_(k-1)).
Dividing by 1 - d^k (the bias correction Adam uses for its moments) gives the initial weights no
share: the first update copies theta_1, and early averages are not dragged toward the random start.
Floating buffers (batch norm's running mean and variance) are averaged the same way; integer
buffers (batch norm's step counter) are copied.

state_dict keys are "module.<the network's keys>" and "n_averaged", as PyTorch's
``torch.optim.swa_utils.AveragedModel`` names them, so ``average.module`` loads into a PyTorch copy
of the network. (AveragedModel's EMA has no bias correction: the same keys, other values early on.)
"""
import copy

from tinygen import backend, nn
from tinygen.autograd import Tensor
from tinygen.backend import xp


class ExponentialMovingAverage(nn.Module):
    """A frozen copy of ``network`` whose weights follow the network's by an EMA with ``decay``.

    ``update(network)`` after each optimizer step; call it like the network (``average(z)``).
    """

    def __init__(self, network, decay=0.999):
        super().__init__()
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay < 1:
            raise ValueError(f"ExponentialMovingAverage: decay must be a number in [0, 1), got {decay!r}")
        self.decay = float(decay)
        self.module = copy.deepcopy(network).requires_grad_(False)
        self.register_buffer("n_averaged", Tensor(xp.zeros((), dtype=xp.int64)))

    def update(self, network):
        """Move the average toward ``network``'s current weights (same architecture as the copy)."""
        count = int(self.n_averaged.item()) + 1
        share = (1 - self.decay) / (1 - self.decay ** count)
        current = network.state_dict()
        for name, average in self.module.state_dict().items():
            value = current[name].data
            if backend.is_floating(average.dtype):
                average.data += (value - average.data) * average.data.dtype.type(share)
            else:
                average.data[...] = value
        self.n_averaged.data[...] = count

    def forward(self, *inputs):
        return self.module(*inputs)

    def extra_repr(self):
        return f"decay={self.decay}"
