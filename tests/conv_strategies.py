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


def assert_fast_path_equals_plain(run, fast_path, plain_path):
    """``run()`` -> [y, gradients...] with a speed-only path switched on everywhere (``fast_path(patch)``) and
    off (``plain_path(patch)``): the same arrays to 1e-12 in float64, in the order y, input, weight, bias."""
    import pytest
    with pytest.MonkeyPatch.context() as patch:
        fast_path(patch)
        fast = run()
        plain_path(patch)
        plain = run()
    for name, a, b in zip(("y", "input.grad", "weight.grad", "bias.grad"), fast, plain):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)


def float32_layer_outputs(layer, x):
    """A function giving [y, x.grad, weight.grad] of (y * y).sum() through ``layer`` (fresh gradients each call)."""
    def run():
        x.grad = None
        layer.zero_grad()
        y = layer(x)
        (y * y).sum().backward()
        return [t.numpy() for t in (y, x.grad, layer.weight.grad)]
    return run


def seeded_layer_step(make, x_shape):
    """A step for parity.same_on_device: ``make()`` seeded, a float32 input of ``x_shape``, y and its gradients."""
    def step():
        tg.manual_seed(0)
        net = make()
        x = tg.tensor(np.random.default_rng(1).standard_normal(x_shape).astype(np.float32), requires_grad=True)
        y = net(x)
        (y * y).sum().backward()
        return {"y": y, "x.grad": x.grad, "weight.grad": net.weight.grad}
    return step
