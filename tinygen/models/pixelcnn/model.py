"""PixelCNN for binary images (van den Oord, Kalchbrenner, Kavukcuoglu 2016): masked convolutions give
every pixel a logit from the pixels before it in raster order (row by row, left to right), so

    log p(x) = sum_(i,j) log Bernoulli(x_ij | sigmoid(logit_ij(x_<(i,j))))        (nats; exact, normalized)

Training computes all H W conditionals in one pass (the masks do the work); sampling needs one pass
per pixel. A logit sees only ``rows_seen`` rows above its own and as many columns on either side, so
each sampling pass runs the network on that window only (zero padding at the window's edges never
reaches the logit asked for): the same numbers as the whole image at a fraction of its cost (8 x 15
pixels instead of 28 x 28 for a digit at the default size).
"""
import math

from tinygen import nn
from tinygen.models.common import bernoulli_log_prob, check_binary, check_count, sample_in_order
from tinygen.models.pixelcnn.networks import pixelcnn_network, rows_seen


class PixelCNN(nn.Module):
    """PixelCNN for binary images of ``data_shape`` (1, H, W): ``channels`` feature maps, ``blocks`` residual
    3x3 B layers after a ``first_kernel`` x ``first_kernel`` A layer."""

    def __init__(self, data_shape, channels=32, blocks=4, first_kernel=7):
        super().__init__()
        _check_settings(data_shape, channels, blocks, first_kernel)
        self.data_shape = tuple(data_shape)
        self.channels, self.blocks, self.first_kernel = channels, blocks, first_kernel
        self.net = pixelcnn_network(channels, blocks, first_kernel)
        self.reach = rows_seen(blocks, first_kernel)

    @property
    def size(self):
        return math.prod(self.data_shape)

    def logits(self, x):
        """(N, 1, H, W) -> (N, 1, H, W): the logit of each pixel given the pixels before it in raster order."""
        return self.net(x)

    def log_prob(self, x):
        """log p(x) in nats: (N, 1, H, W) binary -> (N,)."""
        x = check_binary(x, "PixelCNN.log_prob")
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"PixelCNN.log_prob: x must have shape (N, {', '.join(map(str, self.data_shape))}), "
                             f"got {x.shape}")
        return bernoulli_log_prob(self.logits(x), x)

    def loss(self, x):
        """Mean negative log-likelihood per image (nats)."""
        return -self.log_prob(x).mean()

    def pixel_logit(self, x, pixel):
        """The logits (N,) of pixel ``pixel`` (raster index) of x (N, H*W), from the window it can see: the
        ``reach`` rows above it and ``reach`` columns on either side."""
        _, height, width = self.data_shape
        row, column = divmod(pixel, width)
        top, left = max(0, row - self.reach), max(0, column - self.reach)
        window = x.reshape(len(x), 1, height, width)[:, :, top:row + 1, left:column + self.reach + 1]
        return self.logits(window)[:, 0, row - top, column - left]

    def sample(self, n):
        """``n`` images drawn pixel by pixel in raster order: a backend array (n, 1, H, W) of 0 and 1."""
        check_count(n, "PixelCNN.sample")
        dtype = self.net[0].weight.dtype
        images = sample_in_order(self.pixel_logit, range(self.size), n, self.size, dtype)
        return images.reshape((n,) + self.data_shape)

    def extra_repr(self):
        return (f"{'x'.join(map(str, self.data_shape))}, {self.channels} channels, {self.blocks} residual blocks, "
                f"first kernel {self.first_kernel}")


def _check_settings(data_shape, channels, blocks, first_kernel):
    if len(data_shape) != 3 or data_shape[0] != 1:
        raise ValueError(f"PixelCNN: data_shape must be (1, H, W) (binary images of one channel), got "
                         f"{tuple(data_shape)}")
    for name, value, low in (("channels", channels, 1), ("blocks", blocks, 0), ("first_kernel", first_kernel, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"PixelCNN: {name} must be an int >= {low}, got {value!r}")
    if first_kernel % 2 == 0:
        raise ValueError(f"PixelCNN: first_kernel must be odd (a centre pixel to mask around), got {first_kernel}")
