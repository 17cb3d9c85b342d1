"""Pooling and resizing layers: thin Modules over tinygen.functional.pooling."""
import tinygen.functional as F
from tinygen.functional.pooling import check_pool_arguments
from tinygen.nn.module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = check_pool_arguments(
            type(self).__name__, kernel_size, stride, padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_Pool2d):
    """Mean of each window: (N, C, H, W) -> (N, C, oH, oW); stride defaults to the kernel size."""

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool2d):
    """Largest value of each window: (N, C, H, W) -> (N, C, oH, oW); stride defaults to the kernel size."""

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class Upsample(Module):
    """Nearest-neighbour resize to ``size`` or by ``scale_factor``: (N, C, H, W) -> (N, C, oH, oW)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: mode must be 'nearest' (the only one tinygen has), got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError(f"Upsample: give exactly one of size and scale_factor, got size={size!r}, "
                             f"scale_factor={scale_factor!r}")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, x):
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode)

    def extra_repr(self):
        setting = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{setting}, mode={self.mode!r}"
