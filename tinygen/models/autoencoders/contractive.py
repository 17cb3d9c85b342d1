"""The contractive autoencoder: a code that barely moves when the input moves a little.

    loss = mean_pixels BCE(x̂, x) + weight * mean_n ||J_n||_F^2,   J_n = ∂h(x_n)/∂x_n   (K x D per image)

Penalizing the Jacobian's squared Frobenius norm makes the code insensitive to small changes of
the image in every direction, except those the reconstruction needs (the directions along which
digits really vary). For a sigmoid code layer h = σ(W x + b) the Jacobian is diag(h ⊙ (1 - h)) W, so

    ||J_n||_F^2 = Σ_j (h_nj (1 - h_nj))^2 Σ_i W_ji^2          (closed form: one (N, K) @ (K,) product)

``jacobian="double_backward"`` computes the same number by asking the engine for ∂h_j/∂x for every
code unit j (one backward pass with create_graph over K copies of the batch): exact for any encoder,
and slow — the closed form is what to train with, the other is the proof.
"""
import math

from tinygen.autograd import Tensor, enable_grad, grad
from tinygen.backend import xp
from tinygen.models.autoencoders.model import Autoencoder

JACOBIANS = ("closed_form", "double_backward")


def contractive_closed_form(code, weight):
    """||J_n||_F^2 for a sigmoid code layer: code h (N, K), its weight W (K, D) -> (N,)."""
    slope = code * (1 - code)  # σ'(a) = σ(a)(1 - σ(a)) = h(1 - h)
    return (slope * slope) @ (weight * weight).sum(axis=1)


def jacobian_norm_squared_by_double_backward(encode, x):
    """||∂encode(x)_n/∂x_n||_F^2 for each image, from the engine's gradients: x (N, ...) -> (N,).

    All K rows of every image's Jacobian in one backward pass: the batch is repeated K times, and copy
    k seeds the gradient of code unit k only. create_graph keeps the result differentiable.
    """
    n = x.shape[0]
    with enable_grad():  # the Jacobian IS a gradient: needed even where the caller switched recording off
        code_size = encode(x[:1]).shape[1]
        copies = Tensor(xp.tile(x.data, (code_size,) + (1,) * (x.ndim - 1)), requires_grad=True)
        seeds = xp.broadcast_to(xp.eye(code_size, dtype=x.dtype)[:, None, :], (code_size, n, code_size))
        rows, = grad(encode(copies), [copies], Tensor(seeds.reshape(code_size * n, code_size)), create_graph=True)
    return (rows * rows).reshape(code_size, n, -1).sum(axis=2).sum(axis=0)


class ContractiveAutoencoder(Autoencoder):
    """A dense autoencoder with a sigmoid code that pays ``weight`` * mean ||∂h/∂x||_F^2.

    ``num_layers=0`` (the default) makes the encoder the one sigmoid layer the closed form needs;
    deeper encoders train with ``jacobian="double_backward"`` only.
    """

    def __init__(self, weight=0.01, jacobian="closed_form", num_layers=0, **autoencoder_args):
        check_contraction(weight, jacobian, num_layers)
        super().__init__(num_layers=num_layers, code_activation="sigmoid", **autoencoder_args)
        self.weight, self.jacobian = weight, jacobian

    def jacobian_norm_squared(self, x, jacobian=None):
        """||J_n||_F^2 for each image of x (N, *image_shape) -> (N,), by ``jacobian`` (default: the model's)."""
        if (jacobian or self.jacobian) == "double_backward":
            return jacobian_norm_squared_by_double_backward(self.encode, x)
        return contractive_closed_form(self.encode(x), self.encoder[0].weight)

    def penalty(self, x, code):
        """weight * mean_n ||J_n||_F^2 (the closed form reuses the code already computed)."""
        if self.jacobian == "closed_form":
            return contractive_closed_form(code, self.encoder[0].weight).mean() * self.weight
        return jacobian_norm_squared_by_double_backward(self.encode, x).mean() * self.weight

    def extra_repr(self):
        return f"{super().extra_repr()}, weight={self.weight}, jacobian={self.jacobian!r}"


def check_contraction(weight, jacobian, num_layers):
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < math.inf:
        raise ValueError(f"ContractiveAutoencoder: weight (of the Jacobian penalty) must be a finite number "
                         f">= 0, got {weight!r}")
    if jacobian not in JACOBIANS:
        raise ValueError(f"ContractiveAutoencoder: jacobian must be one of {JACOBIANS}, got {jacobian!r}")
    if jacobian == "closed_form" and num_layers != 0:
        raise ValueError(f"ContractiveAutoencoder: jacobian='closed_form' holds for a single sigmoid code "
                         f"layer (num_layers=0), got num_layers={num_layers!r}; use jacobian='double_backward'")
