"""Masked layers: a Linear or Conv2d whose weight is multiplied by a fixed 0/1 mask on every call.

The autoregressive models (MADE, PixelCNN) cut connections this way: y = x (M * W)^T + b, so an
output never sees the inputs its mask zeroes, and their weights get zero gradient.

The mask is a *non-persistent* buffer: it moves with ``.to()`` like any buffer, but ``state_dict``
holds only ``weight`` and ``bias``, exactly the keys of ``nn.Linear`` / ``nn.Conv2d`` (and of a PyTorch
twin that registers its mask with ``persistent=False``). The mask is a function of how the model was
built (MADE's orders and seed, PixelCNN's mask type), so a checkpoint loads into a model built with
the same settings; masked-out weights keep whatever values they have and never matter.
"""
import tinygen.functional as F
from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp
from tinygen.functional.conv import Conv2d as Convolution
from tinygen.functional.conv_arguments import check_operands
from tinygen.nn.conv import Conv2d
from tinygen.nn.linear import Linear

MASK_TYPES = ("A", "B")


class MaskedLinear(Linear):
    """y = x (mask * W)^T + b: (N, in_features) -> (N, out_features); mask (out, in) of 0 and 1."""

    def __init__(self, in_features, out_features, mask, bias=True):
        super().__init__(in_features, out_features, bias)
        self.register_buffer("mask", Tensor(xp.ones_like(self.weight.data)), persistent=False)
        self.set_mask(mask)

    def set_mask(self, mask):
        """Replace the mask in place (MADE cycles through mask sets); ``mask`` (out, in) holds only 0 and 1."""
        self.mask.data[...] = _checked_mask(self, mask, self.weight.shape)

    def forward(self, x):
        return F.linear(self._checked(x), self.weight * self.mask, self.bias)


class MaskedConv2d(Conv2d):
    """PixelCNN's convolution: the kernel sees only pixels above, and left on the centre row.

    Type "A" (the first layer) also hides the centre pixel, so output (i, j) depends on inputs strictly
    before (i, j) in raster order; type "B" (later layers) keeps the centre, which then carries only
    what came before. One channel group: every channel gets the same spatial mask (enough for binary
    images). Stride 1 and padding k // 2, as in every PixelCNN layer: (N, C_in, H, W) -> (N, C_out, H, W);
    kernel sizes odd.

    The rows below the centre are all masked, so the product runs over the top k // 2 + 1 kernel rows only
    (a third fewer multiplications for 3 x 3, 43 % fewer for 7 x 7); the weight keeps PyTorch's full shape.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask_type="B", bias=True):
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        if not (isinstance(kernel_size, tuple) and len(kernel_size) == 2 and
                all(isinstance(k, int) and k > 0 and k % 2 == 1 for k in kernel_size)):
            raise ValueError(f"MaskedConv2d: kernel_size={kernel_size!r} must be odd on both sides, so that the "
                             "kernel has a centre pixel to mask around")
        super().__init__(in_channels, out_channels, kernel_size, padding=(kernel_size[0] // 2, kernel_size[1] // 2),
                         bias=bias)
        if mask_type not in MASK_TYPES:
            raise ValueError(f"MaskedConv2d: mask_type must be one of {MASK_TYPES}, got {mask_type!r}")
        self.mask_type = mask_type
        height, width = self.kernel_size
        mask = xp.ones(self.weight.shape, dtype=self.weight.dtype)
        mask[:, :, height // 2, width // 2 + (mask_type == "B"):] = 0   # the centre row: the centre (A) and right of it
        mask[:, :, height // 2 + 1:] = 0                                 # every row below the centre
        self.register_buffer("mask", Tensor(mask), persistent=False)

    def forward(self, x):
        x = self._checked(x)
        rows = self.kernel_size[0] // 2 + 1                  # the kernel rows down to the centre
        weight = (self.weight * self.mask)[:, :, :rows]
        # output row a of the cropped kernel reads padded rows a .. a + rows - 1, as the full kernel's did; the
        # natural output would have k // 2 more rows at the bottom (padding and masked rows only): not computed
        check_operands("conv2d", x, weight, self.bias, in_channel_axis=1, out_channel_axis=0)
        inputs = (x, weight) if self.bias is None else (x, weight, self.bias)
        return Convolution((1, 1), self.padding, (1, 1), tuple(x.shape[2:]))(*inputs)

    def extra_repr(self):
        height, width = self.kernel_size
        kernel = str(height) if height == width else f"{height}x{width}"
        return f"{self.in_channels} -> {self.out_channels}, kernel {kernel}, mask {self.mask_type}"


def _checked_mask(layer, mask, shape):
    """``mask`` as a backend array of the layer's dtype; ValueError unless it has ``shape`` and only 0 and 1."""
    array = backend.to_backend(mask.data if isinstance(mask, Tensor) else backend.asarray(mask))
    if tuple(array.shape) != tuple(shape):
        raise ValueError(f"{layer.describe()}: mask must have the weight's shape {tuple(shape)} (out, in), "
                         f"got {tuple(array.shape)}")
    if bool(((array != 0) & (array != 1)).any()):
        raise ValueError(f"{layer.describe()}: mask must hold only 0 and 1")
    return array.astype(layer.weight.dtype)
