"""The diffusion U-Net: shapes through its levels, the torch twin's outputs and gradients for the same
weights (conditional and unconditional, with and without attention), its "no label" class, bad input."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.diffusion.networks import UNet

from torch_unet import torch_twin


def images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("settings, shape", [
    ({}, (2, 1, 28, 28)),
    ({"in_channels": 3, "base_channels": 16, "channel_mults": (1, 2), "num_res_blocks": 2, "attention": False,
      "groups": 4}, (1, 3, 6, 10)),
    ({"channel_mults": (1, 1, 2, 2), "num_classes": 3, "time_dim": 20}, (2, 1, 16, 8)),
])
def test_output_has_the_input_shape(settings, shape):
    unet = UNet(**settings)
    out = unet(tg.tensor(images(shape)), np.arange(shape[0]) * 7,
               np.zeros(shape[0], dtype=np.int64) if settings.get("num_classes") else None)
    assert out.shape == shape and out.dtype == np.float32


def test_levels_halve_twice_and_summary_counts_the_parameters(capsys):
    unet = UNet(num_classes=10)
    text = unet.summary((1, 28, 28))
    assert "(N, 64, 7, 7)" in text and "(N, 32, 14, 14)" in text and "middle_attention.query" in text
    assert f"Total params: {nn.parameter_count(unet):,}" in text and nn.parameter_count(unet) > 500_000
    assert text in capsys.readouterr().out


def test_time_and_label_change_the_output_and_a_scalar_time_step_is_every_image_s():
    unet = UNet(base_channels=8, num_classes=4, groups=4)
    x = tg.tensor(images((3, 1, 8, 8)))
    labels = np.array([0, 1, 2])
    with tg.no_grad():
        base = unet(x, np.array([5, 5, 5]), labels).numpy()
        np.testing.assert_array_equal(unet(x, 5, labels).numpy(), base)
        assert not np.allclose(unet(x, np.array([6, 5, 5]), labels).numpy()[0], base[0], atol=1e-6)
        np.testing.assert_array_equal(unet(x, 5, np.array([4, 4, 4])).numpy(), unet(x, 5).numpy())
        assert not np.allclose(unet(x, 5).numpy(), base, atol=1e-6)


def test_input_gradient_by_finite_differences_to_second_order():
    unet = UNet(base_channels=4, channel_mults=(1, 2), groups=2, num_classes=2).to(np.float64)
    x = tg.tensor(np.random.default_rng(3).standard_normal((2, 1, 4, 2)), requires_grad=True)
    fn = lambda x: unet(x, np.array([3, 700]), np.array([1, 2]))
    assert tg.gradcheck(fn, [x]) and tg.gradgradcheck(fn, [x])


@pytest.mark.parametrize("settings", [
    {"attention": True},
    {"attention": False, "num_classes": 10},
    {"num_classes": 10, "channel_mults": (1, 2), "num_res_blocks": 2, "base_channels": 16},
])
def test_matches_the_torch_twin_for_the_same_weights(settings):
    torch = pytest.importorskip("torch")
    tg.manual_seed(1)
    unet = UNet(**settings)
    twin = torch_twin(torch, unet, **settings)
    assert list(unet.state_dict()) == list(twin.state_dict())
    x = images((4, 1, 28, 28), seed=2)
    t = np.array([0, 10, 500, 999])
    labels = np.array([3, 10, 0, 9]) if settings.get("num_classes") else None
    ours_x, theirs_x = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = unet(ours_x, t, labels)
    theirs = twin(theirs_x, torch.from_numpy(t), None if labels is None else torch.from_numpy(labels))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-4, atol=2e-5)
    (ours * ours).mean().backward()
    (theirs * theirs).mean().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-3, atol=1e-6)
    our_parameters = dict(unet.named_parameters())
    for name, parameter in twin.named_parameters():
        # the floor: the key's bias has gradient 0 exactly (softmax ignores a shift shared by all keys),
        # both frameworks give float32 rounding noise ~1e-11 there
        atol = 1e-4 * np.abs(parameter.grad.numpy()).max() + 1e-9
        np.testing.assert_allclose(our_parameters[name].grad.numpy(), parameter.grad.numpy(), rtol=1e-3,
                                   atol=atol, err_msg=name)
    if settings.get("num_classes"):  # y=None is the "no label" row in both
        with tg.no_grad(), torch.no_grad():
            np.testing.assert_allclose(unet(tg.tensor(x), t).numpy(), twin(torch.from_numpy(x), torch.from_numpy(t)).numpy(),
                                       rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: UNet()(tg.zeros(1, 1, 30, 30), [0]), r"image size 30x30 cannot be halved 2 times: .* divisible by 4"),
    (lambda: UNet(channel_mults=(1, 2))(tg.zeros(1, 1, 28, 9), [0]), r"image size 28x9 cannot be halved 1 times"),
    (lambda: UNet()(tg.zeros(1, 3, 28, 28), [0]), r"x must have shape \(N, 1, H, W\)"),
    (lambda: UNet()(tg.zeros(2, 1, 28, 28), [0, 1, 2]), r"t must be one time step or one per image, shape \(2,\)"),
    (lambda: UNet()(tg.zeros(1, 1, 28, 28), [0], [1]), "labels y were given to an unconditional U-Net"),
    (lambda: UNet(num_classes=10)(tg.zeros(1, 1, 28, 28), [0], [11]), r"must lie in \[0, 10\]"),
    (lambda: UNet(base_channels=12), "groups=8 must divide base_channels=12"),
    (lambda: UNet(channel_mults=()), "channel_mults must be a non-empty tuple"),
    (lambda: UNet(num_classes=0), "num_classes must be a positive int or None"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
