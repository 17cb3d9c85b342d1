"""PyTorch twins of MADE and PixelCNN (same state_dict keys, masks as non-persistent buffers), and the
loop both frameworks train with in the equality tests and in benchmarks/autoregressive.py."""
import numpy as np


def masked_layers(torch):
    """torch twins of nn.MaskedLinear and nn.MaskedConv2d: the weight times a non-persistent mask buffer."""
    tnn = torch.nn

    class MaskedLinear(tnn.Linear):
        def __init__(self, n_in, n_out, mask):
            super().__init__(n_in, n_out)
            self.register_buffer("mask", torch.as_tensor(np.asarray(mask), dtype=torch.float32), persistent=False)

        def forward(self, x):
            return tnn.functional.linear(x, self.weight * self.mask, self.bias)

    class MaskedConv2d(tnn.Conv2d):
        def __init__(self, c_in, c_out, kernel, mask_type, padding):
            super().__init__(c_in, c_out, kernel, padding=padding)
            mask = torch.ones_like(self.weight)
            mask[:, :, kernel // 2, kernel // 2 + (mask_type == "B"):] = 0
            mask[:, :, kernel // 2 + 1:] = 0
            self.register_buffer("mask", mask, persistent=False)

        def forward(self, x):
            return tnn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    return MaskedLinear, MaskedConv2d


class TwinModel:
    """A torch module ``net`` with the tinygen model's loss: mean over images of sum over pixels of BCE."""

    def __init__(self, torch, net, flatten):
        self.torch, self.flatten = torch, flatten
        self.model = torch.nn.Module()
        self.model.net = net

    def loss(self, images):
        x = images.reshape(len(images), -1) if self.flatten else images
        logits = self.model.net(x)
        per_pixel = self.torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
        return per_pixel.reshape(len(images), -1).sum(dim=1).mean()


def torch_made(torch, made):
    """The twin of tinygen MADE ``made`` (its current mask set)."""
    MaskedLinear, _ = masked_layers(torch)
    widths = [made.size, *made.hidden_sizes, made.size]
    layers = []
    for n_in, n_out, mask in zip(widths[:-1], widths[1:], made.mask_sets[made.current][1]):
        layers += [MaskedLinear(n_in, n_out, mask), torch.nn.ReLU()]
    return TwinModel(torch, torch.nn.Sequential(*layers[:-1]), flatten=True)


def torch_pixelcnn(torch, pixelcnn):
    """The twin of tinygen PixelCNN ``pixelcnn``."""
    tnn = torch.nn
    _, MaskedConv2d = masked_layers(torch)

    class ResidualBlock(tnn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv = MaskedConv2d(channels, channels, 3, "B", 1)

        def forward(self, x):
            return x + self.conv(torch.relu(x))

    c, k = pixelcnn.channels, pixelcnn.first_kernel
    net = tnn.Sequential(MaskedConv2d(1, c, k, "A", k // 2), *[ResidualBlock(c) for _ in range(pixelcnn.blocks)],
                         tnn.ReLU(), tnn.Conv2d(c, c, 1), tnn.ReLU(), tnn.Conv2d(c, 1, 1))
    return TwinModel(torch, net, flatten=False)


def copy_weights(torch, model, twin):
    """tinygen ``model``'s state_dict into ``twin``'s torch module (same keys)."""
    twin.model.load_state_dict({key: torch.from_numpy(value.numpy().copy())
                                for key, value in model.state_dict().items()})
