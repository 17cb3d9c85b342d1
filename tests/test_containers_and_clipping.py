"""nn.ModuleList, nn.Identity and nn.utils.clip_grad_norm_: PyTorch's keys and behaviour, bad input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

import tinygen as tg
from tinygen import nn


class Stack(nn.Module):
    """Layers held in a ModuleList and applied in a loop, as a critic or a residual stack does."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2)])
        self.layers.append(nn.Identity())

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_module_list_registers_its_modules_with_pytorch_keys():
    model = Stack()
    assert list(model.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert len(model.layers) == 3 and isinstance(model.layers[-1], nn.Identity)
    assert len(list(model.parameters())) == 4
    assert isinstance(model.layers[:2], nn.ModuleList) and len(model.layers[:2]) == 2
    model.layers.extend([nn.ReLU()])
    assert len(model.layers) == 4
    model(tg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_module_list_state_dict_loads_into_pytorch():
    torch = pytest.importorskip("torch")
    ours = Stack()
    theirs = torch.nn.Module()
    theirs.layers = torch.nn.ModuleList([torch.nn.Linear(3, 4), torch.nn.Linear(4, 2), torch.nn.Identity()])
    theirs.load_state_dict({key: torch.from_numpy(value.numpy().copy()) for key, value in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    expected = torch.from_numpy(x)
    for layer in theirs.layers:
        expected = layer(expected)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_identity_returns_its_input_and_its_gradient():
    x = tg.randn(2, 3, requires_grad=True)
    y = nn.Identity(54, unused="argument")(x)
    assert y is x


def test_module_list_bad_input():
    with pytest.raises(TypeError, match="must be a Module, got Tensor"):
        nn.ModuleList([tg.ones(2)])
    with pytest.raises(IndexError, match="index 2 is out of range for 2 modules"):
        nn.ModuleList([nn.ReLU(), nn.ReLU()])[2]
    with pytest.raises(NotImplementedError, match="has no forward"):
        nn.ModuleList([nn.ReLU()])(tg.ones(1))


def parameters_with_gradients(grads):
    params = []
    for g in grads:
        p = tg.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = tg.tensor(g.copy())
        params.append(p)
    return params


@given(grads=st.lists(arrays(np.float64, st.integers(1, 4), elements=st.floats(-10, 10, width=64)), min_size=1,
                      max_size=3),
       max_norm=st.floats(0.01, 20), norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
def test_clip_grad_norm_scales_to_at_most_max_norm(grads, max_norm, norm_type):
    params = parameters_with_gradients(grads)
    flat = np.concatenate(grads)
    expected_norm = np.abs(flat).max() if norm_type == float("inf") else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = tg.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), expected_norm, rtol=1e-12)
    scale = min(1.0, max_norm / (expected_norm + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * scale, rtol=1e-12)


def test_clip_grad_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ours = parameters_with_gradients(grads)
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(theirs, grads):
        p.grad = torch.tensor(g)
    for norm_type in (2.0, float("inf")):
        total = tg.nn.utils.clip_grad_norm_(ours, 0.5, norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_skips_missing_gradients_and_shows_nan():
    with_grad, without = parameters_with_gradients([np.array([3.0, 4.0])])[0], tg.zeros(2, requires_grad=True)
    assert tg.nn.utils.clip_grad_norm_([with_grad, without], 1.0).item() == 5.0
    assert without.grad is None
    nan = parameters_with_gradients([np.array([np.nan, 1.0])])
    assert np.isnan(tg.nn.utils.clip_grad_norm_(nan, 1.0).item()) and np.isnan(nan[0].grad.numpy()).all()


@pytest.mark.parametrize("args, error, message", [
    (([tg.ones(2)], -1.0), ValueError, "max_norm must be a non-negative number"),
    (([tg.ones(2)], 1.0, 0), ValueError, "norm_type must be a positive number"),
    (([np.ones(2)], 1.0), TypeError, "parameters must be Tensors"),
])
def test_clip_grad_norm_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        tg.nn.utils.clip_grad_norm_(*args)
