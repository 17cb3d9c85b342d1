"""Arguments are checked where they are given (constructors), with a message naming the argument and the rule."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn, optim
from tinygen.data import DataLoader, Dataset


@pytest.mark.parametrize("build, message", [
    (lambda: nn.Conv2d(1, 1, 0), "kernel_size=0 must be at least 1"),
    (lambda: nn.Conv2d(1, 1, (3, 0)), r"kernel_size=\(3, 0\) must be at least 1"),
    (lambda: nn.Conv2d(1, 1, 3, stride=0), "stride=0 must be at least 1"),
    (lambda: nn.Conv2d(1, 1, 3, padding=-1), "padding=-1 must be at least 0"),
    (lambda: nn.Conv2d(1, 1, 3, dilation=0), "dilation=0 must be at least 1"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, stride=0), "stride=0 must be at least 1"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2), "output_padding=2 must be at least 0 and smaller"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, output_padding=-1), "output_padding=-1 must be at least 0"),
])
def test_conv_layers_check_their_sizes_in_init(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_valid_output_padding_below_stride_or_dilation_is_accepted():
    layer = nn.ConvTranspose2d(2, 3, 3, stride=1, dilation=2, output_padding=1)
    assert layer(tg.ones(1, 2, 4, 4)).shape == (1, 3, 9, 9)


@pytest.mark.parametrize("build, error, message", [
    (lambda m: optim.Adam(m), TypeError, "not the module: pass model.parameters\\(\\), got the Linear"),
    (lambda m: optim.SGD(nn.Sequential(m), lr=0.1), TypeError, "got the Sequential"),
    (lambda m: optim.SGD(m.parameters(), lr=None), TypeError, "lr must be a number, got None"),
    (lambda m: optim.Adam(m.parameters(), lr="0.01"), TypeError, "lr must be a number, got '0.01'"),
    (lambda m: optim.RMSprop(m.parameters(), lr=-0.1), ValueError, "lr must be non-negative, got -0.1"),
    (lambda m: optim.Adam(m.parameters(), betas=(0.9, None)), TypeError, "betas must be a number"),
    (lambda m: optim.Adam([]), ValueError, "empty parameter list"),
])
def test_optimizers_check_what_they_are_given(build, error, message):
    with pytest.raises(error, match=message):
        build(nn.Linear(2, 2))


@pytest.mark.parametrize("bad", [None, [1, 2], "weights.npz"])
def test_load_state_dict_of_something_else_than_a_mapping(bad):
    with pytest.raises(TypeError, match="expected a mapping of names to tensors"):
        nn.Linear(2, 2).load_state_dict(bad)
    with pytest.raises(TypeError, match="expected the dict that state_dict\\(\\) returns"):
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1).load_state_dict(bad)


@pytest.mark.parametrize("dataset", [np.zeros((10, 3)), tg.zeros(10, 3), [np.zeros(3)] * 10],
                         ids=["array", "tensor", "list"])
def test_data_loader_over_a_bare_array_says_how_to_wrap_it(dataset):
    with pytest.raises(TypeError, match="wrap arrays as tinygen.data.Dataset"):
        DataLoader(dataset, batch_size=2)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True])
def test_data_loader_refuses_a_bad_seed(seed):
    dataset = Dataset(np.zeros((10, 1, 2, 2)), np.zeros(10), "zeros")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        DataLoader(dataset, batch_size=2, shuffle=True, seed=seed)


def test_data_loader_accepts_numpy_integers():
    dataset = Dataset(np.zeros((10, 1, 2, 2)), np.arange(10), "zeros")
    loader = DataLoader(dataset, batch_size=np.int64(4), shuffle=True, seed=np.int32(3))
    assert [len(labels) for _, labels in loader] == [4, 4, 2]


@pytest.mark.parametrize("make", [tg.randn, tg.rand, tg.zeros, tg.ones])
def test_numpy_integers_are_sizes(make):
    assert make(np.int64(3), np.int32(2)).shape == (3, 2)
    assert make((np.int64(2),)).shape == (2,)
    with pytest.raises(ValueError, match="shape must hold non-negative integers"):
        make(np.float64(2))
