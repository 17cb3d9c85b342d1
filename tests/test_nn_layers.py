"""Layers: outputs against plain NumPy and torch.nn (weights copied through state_dict, which proves the
layouts match), gradients by their parameters (float64, first and second order), batch norm and dropout
in training and evaluation, every layer's state_dict round trip, default initialization, and bad input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen import nn


def host(array, dtype=np.float32):
    return tg.tensor(np.asarray(array, dtype=dtype))


# --- every layer: a factory, an input shape -----------------------------------------------------
LAYERS = {
    "Linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "Linear-no-bias": (lambda: nn.Linear(5, 3, bias=False), (4, 5)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 6, 6)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(5), (4, 5)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "BatchNorm2d-no-affine": (lambda: nn.BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
    "ReLU": (nn.ReLU, (3, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (3, 4)),
    "Sigmoid": (nn.Sigmoid, (3, 4)),
    "Tanh": (nn.Tanh, (3, 4)),
    "Softplus": (nn.Softplus, (3, 4)),
    "Dropout": (lambda: nn.Dropout(0.3), (3, 4)),
    "Flatten": (nn.Flatten, (2, 3, 2, 2)),
    "Unflatten": (lambda: nn.Unflatten(1, (3, 4)), (2, 12)),
    "Reshape": (lambda: nn.Reshape(4, 3), (2, 12)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_state_dict_round_trip_for_every_layer(name):
    build, shape = LAYERS[name]
    tg.manual_seed(1)
    source = build()
    for b in source.buffers():  # non-default running statistics, so that loading them is visible
        b.data[...] = b.data + 0.5 if tg.backend.is_floating(b.dtype) else 3
    tg.manual_seed(2)
    target = build()
    target.load_state_dict(source.state_dict())
    state, loaded = source.state_dict(), target.state_dict()
    assert list(state) == list(loaded)
    for key in state:
        np.testing.assert_array_equal(state[key].numpy(), loaded[key].numpy())
    x = tg.randn(*shape)
    np.testing.assert_array_equal(source.eval()(x).numpy(), target.eval()(x).numpy())


# --- plain NumPy oracles ---------------------------------------------------------------------
def test_linear_computes_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(4, 3)
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype(np.float32)
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(host(x)).numpy(), expected, rtol=1e-6)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)


def test_conv_layers_have_pytorchs_weight_layouts_and_output_sizes():
    conv = nn.Conv2d(1, 32, 3, stride=2, padding=1)
    assert conv.weight.shape == (32, 1, 3, 3)
    assert conv(tg.zeros(2, 1, 28, 28)).shape == (2, 32, 14, 14)
    up = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
    assert up.weight.shape == (64, 32, 3, 3)
    assert up(tg.zeros(2, 64, 14, 14)).shape == (2, 32, 28, 28)
    assert nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1)(tg.zeros(1, 64, 14, 14)).shape == (1, 32, 27, 27)


def test_shape_layers():
    x = tg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(0, -1)(x).shape == (120,)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(x)).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.Reshape(3, 20)(x).numpy(), x.numpy().reshape(2, 3, 20))


def test_sequential_indexing_length_iteration_and_append():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.append(nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear) and len(model[:2]) == 2
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model(tg.randn(4, 2)).shape == (4, 1)


# --- batch norm and dropout: training versus evaluation ----------------------------------------
def test_batchnorm_training_normalizes_each_channel_and_updates_running_statistics():
    layer = nn.BatchNorm2d(3, momentum=0.1)
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(4, 3, 5, 5))
    y = layer(host(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.9 + 0.1 * x.var(axis=(0, 2, 3), ddof=1), rtol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 1


def test_batchnorm_eval_uses_running_statistics_and_changes_nothing():
    layer = nn.BatchNorm1d(2)
    layer.running_mean.data[...] = [1.0, -1.0]
    layer.running_var.data[...] = [4.0, 0.25]
    layer.weight.data[...] = [2.0, 1.0]
    layer.bias.data[...] = [0.5, 0.0]
    x = np.array([[3.0, 0.0], [1.0, -1.5]])
    y = layer.eval()(host(x)).numpy()
    expected = np.array([2.0, 1.0]) * (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5) + [0.5, 0.0]
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(layer.running_mean.numpy(), [1.0, -1.0])
    np.testing.assert_array_equal(layer(host(x[:1])).numpy(), y[:1])  # one sample, the same answer


def test_batchnorm_with_momentum_none_keeps_a_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None)
    batches = np.random.default_rng(1).normal(size=(3, 6, 2))
    for batch in batches:
        layer(host(batch))
    np.testing.assert_allclose(layer.running_mean.numpy(), batches.mean(axis=1).mean(axis=0), rtol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 3


def test_batchnorm_without_running_statistics_uses_the_batch_in_eval_too():
    layer = nn.BatchNorm1d(2, track_running_stats=False, affine=False)
    assert list(layer.state_dict()) == [] and list(layer.parameters()) == []
    x = np.random.default_rng(2).normal(3, 2, size=(8, 2))
    y = layer.eval()(host(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)


def test_dropout_drops_in_training_and_is_the_identity_in_eval():
    layer = nn.Dropout(0.25)
    x = tg.ones(200, 100)
    y = layer(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75)
    np.testing.assert_array_equal(layer.eval()(x).numpy(), 1.0)


# --- gradients by the parameters, float64 ---------------------------------------------------
def check_layer_gradients(layer, x):
    """gradcheck and gradgradcheck of the layer's output in its input and every parameter."""
    layer.double()
    inputs = [tg.tensor(x, requires_grad=True)] + list(layer.parameters())
    fn = lambda x, *params: layer(x)  # the parameters are perturbed in place, so the layer sees them
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@settings(max_examples=8)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.booleans(), st.integers(0, 999))
def test_linear_gradients(batch, features_in, features_out, bias, seed):
    x = np.random.default_rng(seed).normal(size=(batch, features_in))
    check_layer_gradients(nn.Linear(features_in, features_out, bias=bias), x)


@settings(max_examples=10)
@given(st.lists(st.integers(0, 3), max_size=3), st.integers(1, 4), st.integers(1, 3), st.booleans(),
       st.integers(0, 999))
def test_functional_linear_on_any_leading_axes_equals_x_wt_plus_b_and_its_gradients(lead, features_in,
                                                                                   features_out, bias, seed):
    """F.linear's fused affine map on (*, in) inputs, the awkward ones included (1-d, empty batch)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=tuple(lead) + (features_in,))
    weight = rng.normal(size=(features_out, features_in))
    b = rng.normal(size=features_out) if bias else None
    inputs = [tg.tensor(a, requires_grad=True) for a in (x, weight) + ((b,) if bias else ())]
    y = F.linear(*inputs)
    np.testing.assert_allclose(y.numpy(), x @ weight.T + (b if bias else 0), rtol=1e-12, atol=1e-12)
    if x.size:
        assert tg.gradcheck(F.linear, inputs)
        assert tg.gradgradcheck(F.linear, inputs)


@settings(max_examples=6)
@given(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
       st.integers(0, 999))
def test_conv2d_gradients(channels_in, channels_out, kernel, stride, padding, seed):
    x = np.random.default_rng(seed).normal(size=(2, channels_in, 4, 4))
    check_layer_gradients(nn.Conv2d(channels_in, channels_out, kernel, stride=stride, padding=padding), x)


@settings(max_examples=6)
@given(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
       st.integers(0, 999))
def test_conv_transpose2d_gradients(channels_in, channels_out, kernel, stride, output_padding, seed):
    output_padding = min(output_padding, stride - 1)
    x = np.random.default_rng(seed).normal(size=(2, channels_in, 3, 3))
    layer = nn.ConvTranspose2d(channels_in, channels_out, kernel, stride=stride, padding=kernel // 2,
                               output_padding=output_padding)
    check_layer_gradients(layer, x)


@settings(max_examples=6)
@given(st.sampled_from(["1d", "2d"]), st.booleans(), st.integers(0, 999))
def test_batchnorm_gradients(kind, training, seed):
    rng = np.random.default_rng(seed)
    layer = nn.BatchNorm1d(3) if kind == "1d" else nn.BatchNorm2d(3)
    x = rng.normal(size=(4, 3) if kind == "1d" else (2, 3, 2, 2))
    layer.train(training)
    with tg.no_grad():
        layer.weight.data[...] = rng.normal(1, 0.3, 3)
        layer.running_var.data[...] = rng.uniform(0.5, 2, 3)
    check_layer_gradients(layer, x)


# --- default initialization -------------------------------------------------------------------
@pytest.mark.parametrize("layer, fan_in", [
    (nn.Linear(400, 300), 400),
    (nn.Conv2d(16, 32, 5), 16 * 25),
    (nn.ConvTranspose2d(32, 16, 5), 16 * 25),  # PyTorch's fan_in of a (C_in, C_out, k, k) weight
])
def test_layers_default_to_pytorchs_initialization(layer, fan_in):
    bound = 1 / math.sqrt(fan_in)
    weight, bias = layer.weight.numpy(), layer.bias.numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.98 * bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.abs(bias).max() <= bound and weight.dtype == np.float32


def test_the_same_seed_gives_the_same_layer():
    tg.manual_seed(5)
    first = nn.Conv2d(2, 3, 3).weight.numpy().copy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3).weight.numpy(), first)


# --- agreement with torch.nn --------------------------------------------------------------------
def copied_from_torch(ours, theirs):
    ours.load_state_dict(theirs.state_dict())
    return ours


@pytest.mark.parametrize("pair, shape", [
    (lambda torch: (nn.Linear(7, 4), torch.nn.Linear(7, 4)), (5, 7)),
    (lambda torch: (nn.Conv2d(3, 4, 3, stride=2, padding=1, dilation=1),
                    torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)), (2, 3, 9, 9)),
    (lambda torch: (nn.Conv2d(2, 3, (3, 2), stride=(1, 2), dilation=2),
                    torch.nn.Conv2d(2, 3, (3, 2), stride=(1, 2), dilation=2)), (2, 2, 8, 9)),
    (lambda torch: (nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
                    torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)), (2, 4, 5, 5)),
    (lambda torch: (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), (3, 6)),
    (lambda torch: (nn.Softplus(), torch.nn.Softplus()), (3, 6)),
    (lambda torch: (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))), (4, 6)),
    (lambda torch: (nn.Flatten(), torch.nn.Flatten()), (2, 3, 2, 2)),
])
def test_layers_agree_with_torch_given_torchs_weights(pair, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = pair(torch)
    copied_from_torch(ours, theirs)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(host(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind, shape, momentum", [("1d", (6, 3), 0.1), ("2d", (4, 3, 5, 5), 0.3),
                                                    ("2d", (4, 3, 2, 2), None)])
def test_batchnorm_agrees_with_torch_through_training_and_eval(kind, shape, momentum):
    torch = pytest.importorskip("torch")
    ours = (nn.BatchNorm1d if kind == "1d" else nn.BatchNorm2d)(3, momentum=momentum)
    theirs = (torch.nn.BatchNorm1d if kind == "1d" else torch.nn.BatchNorm2d)(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    copied_from_torch(ours, theirs)
    rng = np.random.default_rng(3)
    for step in range(3):
        x = rng.normal(step, 2, size=shape).astype(np.float32)
        np.testing.assert_allclose(ours(host(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, err_msg=key)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(host(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_a_small_network_trains_to_the_same_parameters_as_torch():
    """One SGD step through conv, batch norm, flatten and linear: the gradients agree, layer by layer."""
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 3))
    copied_from_torch(ours, theirs)
    x = np.random.default_rng(4).normal(size=(5, 1, 6, 6)).astype(np.float32)
    (ours(host(x)) ** 2).sum().backward()
    (theirs(torch.from_numpy(x)) ** 2).sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)


# --- bad input -------------------------------------------------------------------------------
def test_linear_fed_the_wrong_feature_count_names_the_layer_and_both_counts():
    with pytest.raises(ValueError, match=r"Linear\(784 -> 256\) expects 784 input features \(last axis\), "
                                         r"got 100 in input of shape \(8, 100\)"):
        nn.Linear(784, 256)(tg.zeros(8, 100))


def test_linear_fed_another_dtype_says_how_to_convert():
    with pytest.raises(TypeError, match=r"Linear\(2 -> 1\): input dtype float64 differs from the layer's float32"):
        nn.Linear(2, 1)(tg.zeros(3, 2, dtype=np.float64))


def test_conv2d_fed_the_wrong_channel_count_names_the_layer_and_both_counts():
    with pytest.raises(ValueError, match=r"Conv2d\(3 -> 16, kernel 3, padding 1\) expects 3 input channels "
                                         r"\(axis 1\), got 1 in input of shape \(2, 1, 28, 28\)"):
        nn.Conv2d(3, 16, 3, padding=1)(tg.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4 -> 2, kernel 3, stride 2\) expects 4 input channels"):
        nn.ConvTranspose2d(4, 2, 3, stride=2)(tg.zeros(1, 2, 5, 5))


def test_conv2d_fed_a_3d_tensor_asks_for_n_c_h_w():
    with pytest.raises(ValueError, match=r"Conv2d\(1 -> 32, kernel 3\) expects input of shape \(N, C, H, W\), "
                                         r"got shape \(1, 28, 28\)"):
        nn.Conv2d(1, 32, 3)(tg.zeros(1, 28, 28))


def test_batchnorm_fed_the_wrong_shape_or_channel_count():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(8, .*\) expects input of shape \(N, C, H, W\), got shape \(4, 8\)"):
        nn.BatchNorm2d(8)(tg.zeros(4, 8))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(8, .*\) expects 8 channels \(axis 1\), got 6"):
        nn.BatchNorm1d(8)(tg.zeros(4, 6))


def test_bad_layer_settings_are_named():
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\), got 1.0"):
        nn.Dropout(1.0)
    with pytest.raises(TypeError, match="Conv2d: kernel_size must be an int or a pair of ints, got 2.5"):
        nn.Conv2d(1, 1, 2.5)
    with pytest.raises(ValueError, match=r"BatchNorm1d: momentum must lie in \[0, 1\] or be None, got 2"):
        nn.BatchNorm1d(3, momentum=2)
    with pytest.raises(ValueError, match=r"Unflatten\(1, \(3, 5\)\): axis 1 of input shape \(2, 12\) has 12"):
        nn.Unflatten(1, (3, 5))(tg.zeros(2, 12))
