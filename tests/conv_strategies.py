"""What the conv and transposed-conv property tests both draw: window parameters and random operands."""
import numpy as np
from hypothesis import strategies as st

import tinygen as tg


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


@st.composite
def window_parameters(draw):
    """(kernel, stride, dilation, padding) pairs: k = 1, s > k and p = k (beyond k - 1) all possible."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, k)) for k in kernel)
    return kernel, stride, dilation, padding


@st.composite
def operands(draw, x_shape, weight_shape, out_channels):
    """Standard-normal input, weight and (half of the time) bias of the given shapes."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    return dict(x=rng.standard_normal(x_shape), weight=rng.standard_normal(weight_shape),
                bias=rng.standard_normal(out_channels) if draw(st.booleans()) else None)
