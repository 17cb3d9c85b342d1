"""Layers, optimizers, checkpoints and the data loader on the device-like backend: NumPy's results, bit for bit."""
import inspect

import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F
from parity import device_backend, same_on_device
from tinygen import backend, nn, optim
from tinygen.checkpoint import load_checkpoint, save_checkpoint
from tinygen.data import DataLoader, Dataset

IMAGES = np.random.default_rng(0).random((10, 1, 6, 6), dtype=np.float32)
LABELS = np.arange(10, dtype=np.int64) % 3

# every layer of tinygen.nn: (how to build it, the input shape it takes)
LAYERS = {
    "Linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 5, 5)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (2, 2, 3, 3)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), (5, 3)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    "ReLU": (nn.ReLU, (3, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (3, 4)),
    "Sigmoid": (nn.Sigmoid, (3, 4)),
    "Softplus": (nn.Softplus, (3, 4)),
    "Tanh": (nn.Tanh, (3, 4)),
    "Dropout": (lambda: nn.Dropout(0.3), (6, 4)),
    "Flatten": (nn.Flatten, (2, 3, 2)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    "Reshape": (lambda: nn.Reshape(3, 2), (2, 6)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)), (5, 4)),
    "Softmax": (lambda: nn.Softmax(1), (3, 4)),
    "Identity": (nn.Identity, (3, 4)),
    "LayerNorm": (lambda: nn.LayerNorm(4), (3, 4)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), (2, 2, 4, 4)),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, 2, 1), (2, 2, 5, 5)),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), (2, 2, 3, 3)),
    "Embedding": (lambda: _EmbeddedSigns(), (4, 3)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), (3, 4, 2, 3)),
    "SiLU": (nn.SiLU, (3, 4)),
    "SelfAttention2d": (lambda: nn.SelfAttention2d(4, groups=2), (2, 4, 3, 2)),
    "MaskedLinear": (lambda: nn.MaskedLinear(5, 3, (np.arange(15).reshape(3, 5) % 2).astype(np.float32)), (4, 5)),
    "MaskedConv2d": (lambda: nn.MaskedConv2d(2, 3, 3, mask_type="A"), (2, 2, 5, 4)),
}


class _EmbeddedSigns(nn.Module):
    """An Embedding fed integer ids (here the signs of a float input), so it fits the float-input harness."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(2, 3)

    def forward(self, x):
        return self.embedding(tg.Tensor((x.data > 0).astype(np.int64))).sum(axis=2) * x


def trained_one_step(build, shape, training):
    """Build the layer, run a batch through it forward and backward; everything that changed."""
    layer = build().train(training)
    x = tg.tensor(np.random.default_rng(1).standard_normal(shape).astype(np.float32), requires_grad=True)
    y = layer(x)
    (y * y).sum().backward()
    grads = {name: p.grad for name, p in layer.named_parameters()}
    return {"y": y, "x.grad": x.grad, "grads": grads, "state": dict(layer.state_dict())}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_equals_numpy_bit_for_bit(name, training):
    build, shape = LAYERS[name]
    same_on_device(lambda: trained_one_step(build, shape, training))


def test_every_layer_is_covered():
    layers = {name for name, value in vars(nn).items() if inspect.isclass(value) and issubclass(value, nn.Module)}
    assert layers - {"Module", "ModuleList"} == set(LAYERS)  # a ModuleList has no forward of its own


OPTIMIZERS = {
    "SGD": lambda params: optim.SGD(params, lr=0.1),
    "SGD-nesterov": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": lambda params: optim.Adam(params, lr=0.01, weight_decay=0.01),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True, weight_decay=0.01),
}


def three_steps(make_optimizer):
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
    optimizer = make_optimizer(model.parameters())
    x = tg.tensor(np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32))
    for _ in range(3):
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        optimizer.step()
    return {"params": dict(model.state_dict()), "optimizer": optimizer.state_dict()["state"]}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_equals_numpy_bit_for_bit(name):
    same_on_device(lambda: three_steps(OPTIMIZERS[name]))


@pytest.mark.parametrize("norm_type", [2.0, float("inf")])
def test_clip_grad_norm_equals_numpy_bit_for_bit(norm_type):
    def clipped():
        model = nn.ModuleList([nn.Linear(4, 3), nn.Linear(3, 2)])
        x = tg.tensor(np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32))
        (model[1](model[0](x)) ** 2).sum().backward()
        total = nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type)
        return {"total": total, "grads": [p.grad for p in model.parameters()]}
    same_on_device(clipped)


def test_checkpoint_round_trip_on_the_device(tmp_path):
    """A device run saves host copies; loading puts them back on the device; the file is NumPy's, byte for byte."""
    def save_and_load():
        result = three_steps(OPTIMIZERS["Adam"])
        model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
        model.load_state_dict(result["params"])
        optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=0.01)
        optimizer.load_state_dict({"state": result["optimizer"], "param_groups": [
            {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01, "params": [0, 1, 2, 3]}]})
        path = save_checkpoint(tmp_path / tg.get_backend() / "run.npz", model, optimizer, epoch=3)
        fresh = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
        fresh_optimizer = optim.Adam(fresh.parameters())
        load_checkpoint(path, model=fresh, optimizer=fresh_optimizer)
        return {"loaded": dict(fresh.state_dict()), "optimizer": fresh_optimizer.state_dict()["state"]}

    expected = same_on_device(save_and_load)
    with np.load(tmp_path / "numpy" / "run.npz") as a, np.load(tmp_path / "cupy" / "run.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        assert all(a[name].tobytes() == b[name].tobytes() for name in a.files)
    assert set(expected["loaded"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_data_loader_yields_device_arrays():
    def batches():
        loader = DataLoader(Dataset(IMAGES, LABELS, "tiny"), batch_size=4, shuffle=True, seed=3)
        return [list(batch) for epoch in range(2) for batch in loader]
    batches_seen = same_on_device(batches)  # same_on_device checks every array lives on the device
    assert len(batches_seen) == 6 and batches_seen[0][0].shape == (4, 1, 6, 6)


def test_a_host_array_cannot_meet_a_device_tensor():
    """The stand-in refuses what CuPy refuses, and tinygen says which backends met."""
    with device_backend():
        device = tg.randn(3)
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
            np.asarray(device.data)
        with pytest.raises(TypeError, match="a host array cannot meet a device array"):
            device.data + np.ones(3, dtype=np.float32)
        with pytest.raises(ValueError, match="inputs live on different backends"):
            F.add(device, tg.Tensor(np.ones(3, dtype=np.float32)).to("numpy"))
        assert backend.backend_of(device.data) == "cupy" and device.numpy().dtype == np.float32


def test_noise_transforms_equal_numpy_and_keep_the_images_backend():
    """Device images get device noise; host images stay on the host whatever the backend (they once met device noise)."""
    from tinygen.data import transforms

    def noisy(images):
        return [transforms.binarize(images), transforms.binarize_sampled(images),
                transforms.gaussian_noise(images, 0.3, clip=True), transforms.salt_and_pepper(images, 0.2),
                transforms.mask_pixels(images, 0.5)]

    same_on_device(lambda: noisy(backend.to_backend(IMAGES)))
    with device_backend():
        assert all(backend.backend_of(out) == "numpy" for out in noisy(IMAGES))
