"""The dense autoencoder: its layer sizes, its two losses, its gradients, PyTorch agreement, bad arguments."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models import Autoencoder, get_recipe


def shapes(model):
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def test_default_is_784_128_32_128_784():
    assert shapes(Autoencoder()) == {
        "encoder.0.weight": (128, 784), "encoder.0.bias": (128,),
        "encoder.2.weight": (32, 128), "encoder.2.bias": (32,),
        "decoder.0.weight": (128, 32), "decoder.0.bias": (128,),
        "decoder.2.weight": (784, 128), "decoder.2.bias": (784,)}


@pytest.mark.parametrize("num_layers, nodes, widths", [
    (0, 128, []), (2, 256, [256, 128]), (3, [300, 200, 50], [300, 200, 50])])
def test_hidden_layers_narrow_to_the_code_and_mirror_back(num_layers, nodes, widths):
    model = Autoencoder(code_size=10, num_layers=num_layers, nodes_per_layer=nodes)
    encoder_sizes = [784] + widths + [10]
    linear_weights = [shape for name, shape in shapes(model).items() if name.endswith("weight")]
    expected = [(n_out, n_in) for n_in, n_out in zip(encoder_sizes[:-1], encoder_sizes[1:])]
    expected += [(columns, rows) for rows, columns in reversed(expected)]  # the transposed mirror
    assert linear_weights == expected


def test_shapes_and_ranges_of_encode_decode_forward():
    model = Autoencoder(code_size=3)
    x = tg.rand(5, 1, 28, 28)
    code = model.encode(x)
    assert code.shape == (5, 3)
    y = model.decode(code).numpy()
    assert y.shape == (5, 1, 28, 28) and y.min() > 0 and y.max() < 1
    np.testing.assert_allclose(model(x).numpy(), y, rtol=1e-6)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_loss_is_the_per_pixel_mean_of_the_chosen_reconstruction_loss(loss):
    model = Autoencoder(code_size=4, loss=loss)
    x = tg.rand(6, 1, 28, 28)
    x_np, y_np = x.numpy().astype(np.float64), model(x).numpy().astype(np.float64)
    if loss == "bce":
        expected = -np.mean(x_np * np.log(y_np) + (1 - x_np) * np.log(1 - y_np))
    else:
        expected = np.mean((y_np - x_np) ** 2)
    assert model.loss(x).item() == pytest.approx(expected, rel=1e-5)


@settings(max_examples=8)
@given(code_size=st.integers(1, 3), num_layers=st.integers(0, 2), loss=st.sampled_from(["bce", "mse"]),
       batch=st.integers(1, 3))
def test_loss_gradients_are_right_in_float64(code_size, num_layers, loss, batch):
    model = Autoencoder(code_size=code_size, num_layers=num_layers, nodes_per_layer=4, loss=loss,
                        image_shape=(1, 2, 3)).double()
    x = tg.Tensor(tg.rand(batch, 1, 2, 3).numpy().astype(np.float64) * 0.8 + 0.1, requires_grad=True)
    assert tg.gradcheck(model.loss, [x])
    assert tg.gradgradcheck(model.loss, [x])
    # and through the weights (gradcheck perturbs the Parameter in place, so the model sees each shift)
    image = x.detach()
    assert tg.gradcheck(lambda weight: model.loss(image), [model.encoder[0].weight])


def test_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    model = Autoencoder(code_size=8, num_layers=2, nodes_per_layer=64)
    reference = torch.nn.ModuleDict({
        "encoder": torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                                       torch.nn.ReLU(), torch.nn.Linear(32, 8)),
        "decoder": torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 64),
                                       torch.nn.ReLU(), torch.nn.Linear(64, 784))})
    reference.load_state_dict({name: torch.from_numpy(t.numpy()) for name, t in model.state_dict().items()})
    x = tg.rand(4, 1, 28, 28)
    x_torch = torch.from_numpy(x.numpy()).requires_grad_(True)
    y_torch = torch.sigmoid(reference["decoder"](reference["encoder"](x_torch.flatten(1)))).reshape(4, 1, 28, 28)
    np.testing.assert_allclose(model(x).numpy(), y_torch.detach().numpy(), atol=1e-6)
    loss_torch = torch.nn.functional.binary_cross_entropy(y_torch, x_torch.detach())
    loss_torch.backward()
    loss = model.loss(x)
    loss.backward()
    assert loss.item() == pytest.approx(loss_torch.item(), rel=1e-5)
    np.testing.assert_allclose(model.encoder[0].weight.grad.numpy(), reference["encoder"][0].weight.grad.numpy(),
                               rtol=1e-4, atol=1e-7)


def test_a_few_steps_on_digits_lower_the_loss():
    images = tg.Tensor(load_dataset("mnist-5k", "train").images[:128])
    model = Autoencoder(code_size=8)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = model.loss(images)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]


def test_the_registry_builds_it_by_name_for_the_datas_shape():
    model = get_recipe("ae").model((1, 8, 8), code_size=2, loss="mse")
    assert isinstance(model, Autoencoder) and model.code_size == 2 and model.loss_name == "mse"
    assert model.image_shape == (1, 8, 8)
    with pytest.raises(ValueError, match="unknown model 'vea'; known models: .*ae"):
        get_recipe("vea")
    with pytest.raises(ValueError, match="takes images \\(C, H, W\\), got examples of shape \\(2,\\)"):
        get_recipe("ae").model((2,))


@pytest.mark.parametrize("arguments, message", [
    (dict(code_size=0), "code_size must be an integer in \\[1, 783\\].*got 0"),
    (dict(code_size=784), "code_size must be an integer in \\[1, 783\\].*got 784"),
    (dict(num_layers=-1), "num_layers must be a non-negative integer, got -1"),
    (dict(num_layers=2, nodes_per_layer=[64]), "nodes_per_layer lists 1 widths \\[64\\], but num_layers is 2"),
    (dict(num_layers=3, nodes_per_layer=2), "positive whole number of nodes, got \\[2, 1, 0\\]"),
    (dict(loss="l1"), "loss must be one of \\('mse', 'bce'\\), got 'l1'"),
])
def test_bad_hyperparameters_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder(**arguments)


def test_an_input_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"input must have shape \(N, 1, 28, 28\), got \(2, 784\)"):
        Autoencoder().encode(tg.rand(2, 784))
