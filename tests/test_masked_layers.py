"""nn.MaskedLinear and nn.MaskedConv2d: the output is the layer's with the masked weight, the masked
weights get zero gradient, gradients by finite differences in float64 (hypothesis shapes), PyTorch's
state_dict keys (the mask is not saved), the A/B masks drawn out, and bad masks refused."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def check_layer_gradients(layer, x):
    layer.double()
    inputs = [tg.tensor(x, requires_grad=True)] + list(layer.parameters())
    fn = lambda x, *params: layer(x)  # the parameters are perturbed in place, so the layer sees them
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.integers(0, 999))
def test_masked_linear_is_linear_with_the_masked_weight_and_its_gradients_check(batch, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    mask = rng.integers(0, 2, size=(n_out, n_in))
    layer = nn.MaskedLinear(n_in, n_out, mask, bias=bias).double()
    x = rng.normal(size=(batch, n_in))
    weight = layer.weight.numpy()
    expected = x @ (weight * mask).T + (layer.bias.numpy() if bias else 0)
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-12)
    check_layer_gradients(layer, x)


def test_masked_weights_get_zero_gradient_and_the_mask_can_be_replaced():
    mask = np.array([[1, 0, 1], [0, 0, 1]])
    layer = nn.MaskedLinear(3, 2, mask)
    layer(tg.randn(4, 3)).sum().backward()
    grad = layer.weight.grad.numpy()
    assert np.all(grad[mask == 0] == 0) and np.all(grad[mask == 1] != 0)
    layer.set_mask(1 - mask)
    np.testing.assert_array_equal(layer.mask.numpy(), 1 - mask)


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 2), st.integers(1, 2), st.sampled_from([1, 3, 5, (3, 5), (5, 1)]), st.sampled_from("AB"),
       st.booleans(), st.integers(0, 999))
def test_masked_conv_is_a_same_size_conv_with_the_masked_kernel_and_its_gradients_check(c_in, c_out, kernel, kind,
                                                                                       bias, seed):
    """The layer multiplies only the kernel rows down to the centre: the same numbers as the whole masked kernel."""
    layer = nn.MaskedConv2d(c_in, c_out, kernel, kind, bias=bias).double()
    x = np.random.default_rng(seed).normal(size=(2, c_in, 4, 5))
    padding = (layer.kernel_size[0] // 2, layer.kernel_size[1] // 2)
    expected = F.conv2d(tg.tensor(x), layer.weight * layer.mask, layer.bias, padding=padding).numpy()
    assert expected.shape == (2, c_out, 4, 5)
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), expected, rtol=1e-12)
    check_layer_gradients(layer, x)


def test_pixelcnn_masks_hide_the_future_and_type_a_the_centre():
    a = nn.MaskedConv2d(1, 1, 5, "A").mask.numpy()[0, 0]
    b = nn.MaskedConv2d(1, 1, 5, "B").mask.numpy()[0, 0]
    expected_a = np.array([[1, 1, 1, 1, 1],
                           [1, 1, 1, 1, 1],
                           [1, 1, 0, 0, 0],
                           [0, 0, 0, 0, 0],
                           [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(a, expected_a)
    expected_b = expected_a.copy()
    expected_b[2, 2] = 1
    np.testing.assert_array_equal(b, expected_b)


def test_the_output_of_a_type_a_stack_does_not_depend_on_its_own_or_later_pixels():
    tg.manual_seed(0)
    stack = nn.Sequential(nn.MaskedConv2d(1, 2, 3, "A"), nn.ReLU(), nn.MaskedConv2d(2, 1, 3, "B")).double()
    x = tg.tensor(np.random.default_rng(1).normal(size=(1, 1, 4, 4)), requires_grad=True)
    y = stack(x)
    for i in range(16):
        gx, = tg.grad(y.reshape(-1)[i], [x])
        assert np.all(gx.numpy().reshape(-1)[i:] == 0), f"pixel {i} sees itself or a later pixel"


def test_state_dict_has_the_plain_layers_keys_and_moves_to_torch():
    torch = pytest.importorskip("torch")
    layer = nn.MaskedConv2d(2, 3, 3, "A")
    assert list(layer.state_dict()) == ["weight", "bias"]
    twin = torch.nn.Conv2d(2, 3, 3, padding=1)
    twin.load_state_dict({key: torch.from_numpy(value.numpy()) for key, value in layer.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(2, 2, 5, 5)).astype(np.float32)
    with torch.no_grad():
        twin.weight *= torch.from_numpy(layer.mask.numpy())
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)
    linear = nn.MaskedLinear(3, 2, np.ones((2, 3)))
    assert list(linear.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("build, message", [
    (lambda: nn.MaskedLinear(3, 2, np.ones((3, 2))), r"mask must have the weight's shape \(2, 3\)"),
    (lambda: nn.MaskedLinear(3, 2, np.full((2, 3), 0.5)), "only 0 and 1"),
    (lambda: nn.MaskedConv2d(1, 1, 3, "C"), "mask_type must be one of"),
    (lambda: nn.MaskedConv2d(1, 1, 4, "A"), "must be odd"),
    (lambda: nn.MaskedConv2d(1, 1, (3, 2), "B"), "must be odd"),
])
def test_bad_masks_are_refused_by_name(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_masked_conv_refuses_an_input_of_another_dtype_or_channel_count():
    layer = nn.MaskedConv2d(2, 3, 3, "B")
    with pytest.raises(TypeError, match="differs from input dtype float64"):
        layer(tg.tensor(np.zeros((1, 2, 4, 4))))
    with pytest.raises(ValueError, match="expects 2 input channels"):
        layer(tg.zeros(1, 3, 4, 4))
