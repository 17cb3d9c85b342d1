"""nn.init: each initializer's distribution (bounds, mean, standard deviation on large tensors), PyTorch's
fans and gains, DCGAN's N(0, 0.02), seeds that repeat, dtypes kept, and bad arguments."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.nn import init

BIG = (500, 400)  # 200,000 draws: a sample std lies within ~0.5% of the true one


def test_uniform_stays_in_its_bounds_and_fills_them():
    values = init.uniform_(tg.zeros(*BIG), -2.0, 3.0).numpy()
    assert values.min() >= -2.0 and values.max() < 3.0
    assert values.min() < -1.99 and values.max() > 2.99
    assert abs(values.mean() - 0.5) < 0.02 and abs(values.std() - 5 / math.sqrt(12)) < 0.01


def test_normal_has_its_mean_and_std():
    values = init.normal_(tg.zeros(*BIG), 1.5, 0.3).numpy()
    assert abs(values.mean() - 1.5) < 0.003 and abs(values.std() - 0.3) < 0.003


def test_constants():
    t = tg.ones(3, 2)
    np.testing.assert_array_equal(init.constant_(t, 0.7).numpy(), np.float32(0.7))
    np.testing.assert_array_equal(init.zeros_(t).numpy(), 0)
    np.testing.assert_array_equal(init.ones_(t).numpy(), 1)
    assert init.ones_(t) is t


@pytest.mark.parametrize("shape, fans", [((30, 20), (20, 30)), ((8, 4, 3, 5), (60, 120)), ((4, 1, 1, 1), (1, 4))])
def test_fans_follow_pytorch(shape, fans):
    assert init.calculate_fan_in_and_fan_out(tg.zeros(*shape)) == fans


def test_fans_match_torch_for_conv_transposed_weights():
    torch = pytest.importorskip("torch")
    shape = (6, 3, 4, 4)
    assert init.calculate_fan_in_and_fan_out(tg.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def test_gains_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name)), name
    for slope in (None, 0.2, math.sqrt(5)):
        assert init.calculate_gain("leaky_relu", slope) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", slope))


def test_xavier_uniform_bound_and_std():
    fan_in, fan_out = BIG[1], BIG[0]
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    values = init.xavier_uniform_(tg.zeros(*BIG), gain=2.0).numpy()
    assert values.max() <= bound and values.max() > 0.99 * bound and values.min() >= -bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_xavier_normal_std():
    std = math.sqrt(2 / sum(BIG))
    assert abs(init.xavier_normal_(tg.zeros(*BIG)).numpy().std() - std) < 0.01 * std


@pytest.mark.parametrize("mode, fan", [("fan_in", BIG[1]), ("fan_out", BIG[0])])
def test_kaiming_normal_std_for_relu(mode, fan):
    std = math.sqrt(2 / fan)
    values = init.kaiming_normal_(tg.zeros(*BIG), mode=mode, nonlinearity="relu").numpy()
    assert abs(values.mean()) < 0.01 * std and abs(values.std() - std) < 0.01 * std


def test_kaiming_uniform_bound_for_leaky_relu_on_a_conv_weight():
    weight = tg.zeros(64, 32, 5, 5)
    slope, fan_in = 0.2, 32 * 25
    bound = math.sqrt(3) * math.sqrt(2 / (1 + slope ** 2)) / math.sqrt(fan_in)
    values = init.kaiming_uniform_(weight, a=slope).numpy()
    assert values.max() <= bound and values.max() > 0.99 * bound and values.min() >= -bound


def test_dcgan_normal_draws_weights_from_n_0_002_and_batchnorm_scales_from_n_1_002():
    model = nn.Sequential(nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.Conv2d(64, 128, 4), nn.BatchNorm2d(128), nn.Linear(10, 10))
    assert init.dcgan_normal_(model) is model
    for layer in (model[0], model[3], model[5]):
        weight = layer.weight.numpy()
        assert abs(weight.mean()) < 0.003 and abs(weight.std() - 0.02) < 0.002
        np.testing.assert_array_equal(layer.bias.numpy(), 0)
    scales = np.concatenate([model[1].weight.numpy(), model[4].weight.numpy()])
    assert abs(scales.mean() - 1) < 0.006 and abs(scales.std() - 0.02) < 0.004
    np.testing.assert_array_equal(model[4].bias.numpy(), 0)


def test_manual_seed_repeats_every_random_initializer():
    for initializer in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                        init.kaiming_uniform_, init.kaiming_normal_):
        tg.manual_seed(11)
        first = initializer(tg.zeros(6, 5)).numpy().copy()
        tg.manual_seed(11)
        np.testing.assert_array_equal(initializer(tg.zeros(6, 5)).numpy(), first, err_msg=initializer.__name__)
        assert np.unique(first).size == first.size


def test_float64_stays_float64():
    values = init.kaiming_normal_(tg.zeros(20, 30, dtype=np.float64))
    assert values.dtype == np.float64


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"fans are defined for tensors of at least 2 dimensions, got shape \(5,\)"):
        init.xavier_uniform_(tg.zeros(5))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_normal_(tg.zeros(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="std must be non-negative, got -1"):
        init.normal_(tg.zeros(2), std=-1)
    with pytest.raises(ValueError, match="lower bound a=2 must not exceed the upper bound b=1"):
        init.uniform_(tg.zeros(2), 2, 1)
