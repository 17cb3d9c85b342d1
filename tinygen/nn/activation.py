"""Activation layers: thin Modules over the functions in tinygen.functional.activations."""
import tinygen.functional as F
from tinygen.nn.module import Module


class ReLU(Module):
    """max(x, 0). Shapes: any -> same."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x: the gradient never vanishes entirely. Shapes: any -> same."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x), in (0, 1): a probability. Shapes: any -> same."""

    def forward(self, x):
        return F.sigmoid(x)


class SiLU(Module):
    """x * sigmoid(x) (the swish): the activation of the diffusion U-Net. Shapes: any -> same."""

    def forward(self, x):
        return F.silu(x)


class Tanh(Module):
    """tanh x, in (-1, 1): the GAN generator's output for images scaled to [-1, 1]. Shapes: any -> same."""

    def forward(self, x):
        return F.tanh(x)


class Softplus(Module):
    """log(1 + e^x), a smooth ReLU that is always positive. Shapes: any -> same."""

    def forward(self, x):
        return F.softplus(x)


class Softmax(Module):
    """e^x / sum(e^x) along ``dim``: each slice becomes a probability vector. Shapes: any -> same."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, dim=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
