"""The undercomplete dense autoencoder: squeeze an image through a few numbers and rebuild it.

    image (N, 1, 28, 28) --flatten--> 784 --encoder--> code (N, code_size) --decoder--> 784 --sigmoid--> image

The encoder narrows layer by layer down to the code (the bottleneck); the decoder mirrors it back up.
Because the code is smaller than the image, the network cannot copy its input: it must learn what
digits have in common. Its four hyperparameters are the course's: the code size, the number of
layers, the nodes per layer, and the reconstruction loss (MSE or binary cross-entropy).

``AutoencoderBase`` is what every kind of autoencoder shares (encode, decode, the reconstruction
loss, and two hooks the family fills in: ``corrupt`` for denoising, ``penalty`` for sparse and
contractive codes); ``Autoencoder`` is the dense one, ``ConvAutoencoder`` (conv_ae.py) the other.
"""
import math

import tinygen.functional as F
from tinygen import nn
from tinygen.autograd import as_tensor

LOSSES = ("mse", "bce")
CODE_ACTIVATIONS = {"linear": None, "sigmoid": F.sigmoid, "relu": F.relu}


class AutoencoderBase(nn.Module):
    """An ``encoder`` and a ``decoder`` module around a code: x (N, *image_shape) -> code (N, code_size) -> x̂.

    The training loss is  mean_pixels loss(decode(encode(corrupt(x))), x) + penalty(x, code);
    the plain autoencoder's corrupt is the identity and its penalty is None (nothing added).
    """
    flat_input = False  # the dense encoder wants (N, pixels); a convolutional one keeps (N, C, H, W)

    def __init__(self, encoder, decoder, code_size, loss, image_shape, code_activation="linear"):
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"{type(self).__name__}: loss must be one of {LOSSES}, got {loss!r}")
        if code_activation not in CODE_ACTIVATIONS:
            raise ValueError(f"{type(self).__name__}: code_activation must be one of {tuple(CODE_ACTIVATIONS)}, "
                             f"got {code_activation!r}")
        self.image_shape, self.code_size, self.loss_name = tuple(image_shape), code_size, loss
        self.code_activation = code_activation
        self.encoder, self.decoder = encoder, decoder

    def encode(self, x):
        """(N, *image_shape) -> (N, code_size): the code (linear unless ``code_activation`` squashes it)."""
        x = as_tensor(x)
        self._check_input(x)
        code = self.encoder(x.reshape(x.shape[0], -1) if self.flat_input else x)
        activation = CODE_ACTIVATIONS[self.code_activation]
        return code if activation is None else activation(code)

    def decode_logits(self, code):
        """(N, code_size) -> (N, *image_shape): the pixels before the sigmoid."""
        code = as_tensor(code)
        return self.decoder(code).reshape((code.shape[0],) + self.image_shape)

    def decode(self, code):
        """(N, code_size) -> (N, *image_shape), each pixel in (0, 1)."""
        return F.sigmoid(self.decode_logits(code))

    def forward(self, x):
        """The reconstruction of ``x``: decode(encode(x)) (no corruption: that is for training only)."""
        return self.decode(self.encode(x))

    def loss_terms(self, x):
        """{"reconstruction": mean loss per pixel, "penalty": weighted penalty (only when the model has one)}."""
        x = as_tensor(x)
        self._check_input(x)
        code = self.encode(self.corrupt(x))
        terms = {"reconstruction": self.reconstruction_loss(self.decode_logits(code), x)}
        penalty = self.penalty(x, code)
        if penalty is not None:
            terms["penalty"] = penalty
        return terms

    def loss(self, x):
        """The training objective on the batch ``x``: the sum of ``loss_terms``."""
        terms = self.loss_terms(x)
        return terms["reconstruction"] + terms["penalty"] if "penalty" in terms else terms["reconstruction"]

    def reconstruction_loss(self, logits, target):
        """Mean per pixel of BCE(sigmoid(logits), target) or MSE(sigmoid(logits), target)."""
        if self.loss_name == "bce":
            # BCE of sigmoid(logits) computed from the logits: finite even where the sigmoid saturates
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.mse_loss(F.sigmoid(logits), target)

    def corrupt(self, x):
        """The input the encoder sees during training: ``x`` itself here (the denoising kind adds noise)."""
        return x

    def penalty(self, x, code):
        """A regularizer on the code added to the loss: none here (sparse and contractive kinds add one)."""
        return None

    def _check_input(self, x):
        if x.ndim < 2 or x.shape[1:] != self.image_shape:
            raise ValueError(f"{type(self).__name__}: input must have shape "
                             f"(N, {', '.join(map(str, self.image_shape))}), got {x.shape}")

    def extra_repr(self):
        return f"code_size={self.code_size}, loss={self.loss_name!r}"


class Autoencoder(AutoencoderBase):
    """Dense autoencoder. Shapes: x (N, *image_shape) in [0, 1] -> code (N, code_size) -> (N, *image_shape).

    ``num_layers`` hidden layers in the encoder (the decoder mirrors them); ``nodes_per_layer`` is a
    list of their widths, or an int for the first one, each next one halving it (784-256-128-code-128-256-784
    from ``num_layers=2, nodes_per_layer=256``). ``loss``: "mse" or "bce", per pixel and averaged.
    ``undercomplete=False`` allows a code wider than the image (an overcomplete code, for sparse models).
    """
    flat_input = True

    def __init__(self, code_size=32, num_layers=1, nodes_per_layer=128, loss="bce", image_shape=(1, 28, 28),
                 code_activation="linear", undercomplete=True):
        pixels = math.prod(image_shape)
        widths = hidden_widths(num_layers, nodes_per_layer)
        _check_code_size(code_size, pixels, undercomplete)
        super().__init__(dense_stack([pixels] + widths + [code_size]),
                         dense_stack([code_size] + widths[::-1] + [pixels]),
                         code_size, loss, image_shape, code_activation)


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


def _check_code_size(code_size, pixels, undercomplete=True):
    whole = isinstance(code_size, int) and not isinstance(code_size, bool)
    if undercomplete and not (whole and 0 < code_size < pixels):
        raise ValueError(f"Autoencoder: code_size must be an integer in [1, {pixels - 1}] (smaller than the "
                         f"{pixels} pixels, or the network could just copy its input), got {code_size!r}; "
                         f"undercomplete=False allows an overcomplete code")
    if not (whole and code_size > 0):
        raise ValueError(f"Autoencoder: code_size must be a positive integer, got {code_size!r}")


def dense_stack(sizes):
    """Linear layers through ``sizes`` with a ReLU between each two (none after the last)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)
