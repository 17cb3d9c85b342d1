"""Self-attention over the pixels of a feature map: every position looks at every other one.

A convolution sees a k x k window; attention lets each of the H W positions take a weighted
average of all of them, at the cost of an (H W) x (H W) matrix of weights, which is why a
U-Net uses it only at its lowest resolution. One head, as in the DDPM U-Net (Ho et al. 2020):
    h = GroupNorm(x) as (N, H W, C) rows;  q, k, v = h W_q^T, h W_k^T, h W_v^T  (+ biases)
    y = x + (softmax(q k^T / sqrt(C)) v) W_out^T + b_out, back as (N, C, H, W).
"""
import tinygen.functional as F
from tinygen.autograd import as_tensor
from tinygen.nn.linear import Linear
from tinygen.nn.module import Module, check_sizes
from tinygen.nn.norm import GroupNorm


class SelfAttention2d(Module):
    """Residual single-head self-attention over the H W positions of (N, C, H, W) -> same shape.

    Layers (state_dict keys as a torch.nn twin with these attribute names): norm (GroupNorm(groups, C)),
    query, key, value, out (Linear(C, C), applied to each position's C channels: a 1 x 1 convolution).
    """

    def __init__(self, channels, groups=8):
        super().__init__()
        check_sizes("SelfAttention2d", channels=channels, groups=groups)
        self.channels = channels
        self.norm = GroupNorm(groups, channels)
        self.query, self.key, self.value, self.out = (Linear(channels, channels) for _ in range(4))

    def forward(self, x):
        x = as_tensor(x)
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"{self.describe()} expects input of shape (N, {self.channels}, H, W), got shape {x.shape}")
        n, c, height, width = x.shape
        rows = self.norm(x).reshape(n, c, height * width).swapaxes(1, 2)  # (N, HW, C): one row per position
        mixed = F.scaled_dot_product_attention(self.query(rows), self.key(rows), self.value(rows))
        return x + self.out(mixed).swapaxes(1, 2).reshape(x.shape)

    def extra_repr(self):
        return f"{self.channels}"
