"""The deep autoencoder: its layers, greedy stages that train only their own two layers, end-to-end training."""
import pytest

import tinygen as tg
from tinygen import optim
from tinygen.models.autoencoders.deep import DeepAutoencoder

from ae_family_helpers import digits, float64_images, train


def test_default_is_784_128_64_32_mirrored():
    model = DeepAutoencoder()
    weights = [tuple(t.shape) for name, t in model.state_dict().items() if name.endswith("weight")]
    assert weights == [(128, 784), (64, 128), (32, 64), (64, 32), (128, 64), (784, 128)]


def test_the_stages_pair_each_encoder_layer_with_its_mirror_and_cover_every_layer():
    model = DeepAutoencoder()
    assert model.stages == 3
    pairs = [model.stage_layers(stage) for stage in range(3)]
    assert [(e.in_features, e.out_features, d.in_features, d.out_features) for e, d in pairs] == [
        (784, 128, 128, 784), (128, 64, 64, 128), (64, 32, 32, 64)]
    covered = {id(p) for stage in range(3) for p in model.stage_parameters(stage)}
    assert covered == {id(p) for p in model.parameters()}


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_a_stage_loss_reaches_only_its_own_two_layers_with_the_right_gradient(stage):
    model = DeepAutoencoder(code_size=2, nodes_per_layer=(5, 3), image_shape=(1, 2, 3)).double()
    x = float64_images(4, (1, 2, 3))
    model.stage_loss(stage, x).backward()
    own = {id(p) for p in model.stage_parameters(stage)}
    for name, parameter in model.named_parameters():
        assert (parameter.grad is not None) == (id(parameter) in own), name
    encoder_layer, decoder_layer = model.stage_layers(stage)
    assert tg.gradcheck(lambda w: model.stage_loss(stage, x), [encoder_layer.weight])
    assert tg.gradcheck(lambda w: model.stage_loss(stage, x), [decoder_layer.weight])


def test_stage_zero_is_the_shallow_autoencoder_on_pixels():
    model = DeepAutoencoder()
    x = tg.Tensor(digits(8))
    encoder_layer, decoder_layer = model.stage_layers(0)
    logits = decoder_layer(encoder_layer(x.reshape(8, -1)).clip(0, None)).reshape(x.shape)
    assert model.stage_loss(0, x).item() == pytest.approx(model.reconstruction_loss(logits, x).item(), rel=1e-6)


def test_greedy_stages_each_lower_their_loss_then_fine_tuning_lowers_the_whole():
    tg.manual_seed(0)
    model, images = DeepAutoencoder(), tg.Tensor(digits(256))
    for stage in range(model.stages):
        optimizer = optim.Adam(model.stage_parameters(stage), lr=3e-3)
        first = model.stage_loss(stage, images).item()
        for _ in range(25):
            optimizer.zero_grad()
            model.stage_loss(stage, images).backward()
            optimizer.step()
        assert model.stage_loss(stage, images).item() < 0.8 * first, stage
    before, after = train(model, digits(256), steps=20)
    assert after < before


def test_end_to_end_training_lowers_the_loss():
    tg.manual_seed(0)
    before, after = train(DeepAutoencoder(), digits(384), steps=40)
    assert after < 0.6 * before


def test_a_bad_stage_is_named():
    with pytest.raises(ValueError, match=r"stage must be an integer in \[0, 2\] .*got 3"):
        DeepAutoencoder().stage_loss(3, tg.rand(1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"code_size must be an integer in \[1, 783\]"):
        DeepAutoencoder(code_size=900)
