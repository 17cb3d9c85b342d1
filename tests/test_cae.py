"""The contractive autoencoder: closed-form penalty = double-backward penalty, gradients, training, bad arguments."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.models.autoencoders.contractive import (ContractiveAutoencoder, contractive_closed_form,
                                jacobian_norm_squared_by_double_backward)

from ae_family_helpers import digits, float64_images, train


def jacobian_by_finite_differences(model, image, eps=1e-6):
    """(K, D) matrix dh/dx of one image (float64), one pixel at a time."""
    flat = image.reshape(-1)
    columns = []
    for i in range(flat.size):
        shift = np.zeros_like(flat)
        shift[i] = eps
        up, down = (model.encode(tg.Tensor((flat + s).reshape((1,) + image.shape))).numpy()[0] for s in (shift, -shift))
        columns.append((up - down) / (2 * eps))
    return np.stack(columns, axis=1)


@settings(max_examples=10)
@given(batch=st.integers(1, 4), code_size=st.integers(1, 5), height=st.integers(1, 3), seed=st.integers(0, 1000))
def test_closed_form_equals_double_backward_and_the_true_jacobian(batch, code_size, height, seed):
    tg.manual_seed(seed)
    model = ContractiveAutoencoder(code_size=code_size, image_shape=(1, height, 3), undercomplete=False).double()
    x = float64_images(batch, (1, height, 3))
    closed = model.jacobian_norm_squared(x, "closed_form").numpy()
    double = model.jacobian_norm_squared(x, "double_backward").numpy()
    np.testing.assert_allclose(closed, double, rtol=1e-12, atol=1e-15)
    true = [np.sum(jacobian_by_finite_differences(model, image) ** 2) for image in x.numpy()]
    np.testing.assert_allclose(closed, true, rtol=1e-6)


@settings(max_examples=10)
@given(batch=st.integers(1, 4), code_size=st.integers(1, 4), pixels=st.integers(1, 5))
def test_closed_form_gradients_by_gradcheck(batch, code_size, pixels):
    rng = np.random.default_rng(batch * 100 + code_size * 10 + pixels)
    code = tg.Tensor(rng.uniform(0.05, 0.95, (batch, code_size)), requires_grad=True)
    weight = tg.Tensor(rng.standard_normal((code_size, pixels)), requires_grad=True)
    assert tg.gradcheck(contractive_closed_form, [code, weight])


@pytest.mark.parametrize("jacobian", ["closed_form", "double_backward"])
def test_the_penalty_gradient_reaches_the_weights_correctly(jacobian):
    model = ContractiveAutoencoder(weight=0.5, jacobian=jacobian, code_size=3, image_shape=(1, 2, 2)).double()
    x = float64_images(3, (1, 2, 2))
    assert tg.gradcheck(lambda weight: model.penalty(x, model.encode(x)), [model.encoder[0].weight])
    assert tg.gradcheck(lambda bias: model.loss(x), [model.encoder[0].bias])


def test_both_penalties_drive_the_same_training_step():
    models = {}
    for jacobian in ("closed_form", "double_backward"):
        tg.manual_seed(0)
        models[jacobian] = ContractiveAutoencoder(weight=1.0, jacobian=jacobian, code_size=8).double()
        models[jacobian].loss(tg.Tensor(digits(6).astype(np.float64))).backward()
    np.testing.assert_allclose(models["closed_form"].encoder[0].weight.grad.numpy(),
                               models["double_backward"].encoder[0].weight.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_a_deeper_encoder_uses_double_backward():
    model = ContractiveAutoencoder(jacobian="double_backward", num_layers=1, nodes_per_layer=4, code_size=2,
                                   image_shape=(1, 2, 2)).double()
    x = float64_images(2, (1, 2, 2))
    true = [np.sum(jacobian_by_finite_differences(model, image) ** 2) for image in x.numpy()]
    np.testing.assert_allclose(jacobian_norm_squared_by_double_backward(model.encode, x).numpy(), true, rtol=1e-6)


def test_the_penalty_shrinks_the_jacobian_against_the_same_model_without_it():
    # 128 sigmoid units: a narrow sigmoid code sits for hundreds of steps on the plateau of the mean image
    images, norms = digits(512), {}
    for weight in (0.0, 0.01):
        tg.manual_seed(0)
        model = ContractiveAutoencoder(weight=weight, code_size=128)
        before, after = train(model, images, steps=100)
        assert after < before
        with tg.no_grad():
            norms[weight] = float(np.sqrt(model.jacobian_norm_squared(tg.Tensor(digits(300, "test"))).numpy()).mean())
    assert norms[0.01] < 0.6 * norms[0.0], norms


@pytest.mark.parametrize("arguments, message", [
    (dict(weight=-1), r"weight \(of the Jacobian penalty\) must be a finite number >= 0, got -1"),
    (dict(jacobian="autograd"), r"jacobian must be one of \('closed_form', 'double_backward'\), got 'autograd'"),
    (dict(num_layers=1), r"jacobian='closed_form' holds for a single sigmoid code layer .* got num_layers=1"),
    (dict(code_size=784), r"code_size must be an integer in \[1, 783\]"),
])
def test_bad_contractive_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        ContractiveAutoencoder(**arguments)
