"""The undercomplete dense autoencoder: squeeze an image through a few numbers and rebuild it.

    image (N, 1, 28, 28) --flatten--> 784 --encoder--> code (N, code_size) --decoder--> 784 --sigmoid--> image

The encoder narrows layer by layer down to the code (the bottleneck); the decoder mirrors it back up.
Because the code is smaller than the image, the network cannot copy its input: it must learn what
digits have in common. Its four hyperparameters are the course's: the code size, the number of
layers, the nodes per layer, and the reconstruction loss (MSE or binary cross-entropy).
"""
import math

import tinygen.functional as F
from tinygen import nn
from tinygen.autograd import as_tensor

LOSSES = ("mse", "bce")


class Autoencoder(nn.Module):
    """Dense autoencoder. Shapes: x (N, *image_shape) in [0, 1] -> code (N, code_size) -> (N, *image_shape).

    ``num_layers`` hidden layers in the encoder (the decoder mirrors them); ``nodes_per_layer`` is a
    list of their widths, or an int for the first one, each next one halving it (784-256-128-code-128-256-784
    from ``num_layers=2, nodes_per_layer=256``). ``loss``: "mse" or "bce", per pixel and averaged.
    """

    def __init__(self, code_size=32, num_layers=1, nodes_per_layer=128, loss="bce", image_shape=(1, 28, 28)):
        super().__init__()
        self.image_shape = tuple(image_shape)
        pixels = math.prod(self.image_shape)
        widths = hidden_widths(num_layers, nodes_per_layer)
        _check_code_size(code_size, pixels)
        if loss not in LOSSES:
            raise ValueError(f"Autoencoder: loss must be one of {LOSSES}, got {loss!r}")
        self.code_size, self.loss_name = code_size, loss
        self.encoder = dense_stack([pixels] + widths + [code_size])
        self.decoder = dense_stack([code_size] + widths[::-1] + [pixels])

    def encode(self, x):
        """(N, *image_shape) -> (N, code_size): the code, a plain linear output (no squashing)."""
        x = as_tensor(x)
        self._check_input(x)
        return self.encoder(x.reshape(x.shape[0], -1))

    def decode_logits(self, code):
        """(N, code_size) -> (N, *image_shape): the pixels before the sigmoid."""
        code = as_tensor(code)
        return self.decoder(code).reshape((code.shape[0],) + self.image_shape)

    def decode(self, code):
        """(N, code_size) -> (N, *image_shape), each pixel in (0, 1)."""
        return F.sigmoid(self.decode_logits(code))

    def forward(self, x):
        """The reconstruction of ``x``: decode(encode(x))."""
        return self.decode(self.encode(x))

    def loss(self, x):
        """Mean reconstruction loss per pixel of the batch ``x`` (the training objective)."""
        x = as_tensor(x)
        logits = self.decode_logits(self.encode(x))
        if self.loss_name == "bce":
            # BCE of sigmoid(logits) computed from the logits: finite even where the sigmoid saturates
            return F.binary_cross_entropy_with_logits(logits, x)
        return F.mse_loss(F.sigmoid(logits), x)

    def _check_input(self, x):
        if x.ndim < 2 or x.shape[1:] != self.image_shape:
            raise ValueError(f"Autoencoder: input must have shape (N, {', '.join(map(str, self.image_shape))}), "
                             f"got {x.shape}")

    def extra_repr(self):
        return f"code_size={self.code_size}, loss={self.loss_name!r}"


def hidden_widths(num_layers, nodes_per_layer):
    """The widths of the encoder's hidden layers: a list of ``num_layers`` positive ints."""
    if not isinstance(num_layers, int) or num_layers < 0:
        raise ValueError(f"Autoencoder: num_layers must be a non-negative integer, got {num_layers!r}")
    if isinstance(nodes_per_layer, int):
        widths = [nodes_per_layer // 2 ** i for i in range(num_layers)]
    else:
        widths = list(nodes_per_layer)
        if len(widths) != num_layers:
            raise ValueError(f"Autoencoder: nodes_per_layer lists {len(widths)} widths {widths}, but "
                             f"num_layers is {num_layers}")
    if not all(isinstance(w, int) and w > 0 for w in widths):
        raise ValueError(f"Autoencoder: every layer needs a positive whole number of nodes, got {widths} "
                         f"from nodes_per_layer={nodes_per_layer!r}")
    return widths


def _check_code_size(code_size, pixels):
    if not isinstance(code_size, int) or not 0 < code_size < pixels:
        raise ValueError(f"Autoencoder: code_size must be an integer in [1, {pixels - 1}] (smaller than the "
                         f"{pixels} pixels, or the network could just copy its input), got {code_size!r}")


def dense_stack(sizes):
    """Linear layers through ``sizes`` with a ReLU between each two (none after the last)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)
