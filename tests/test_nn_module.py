"""nn.Module: registration by attribute, PyTorch's state_dict keys, strict loading that names every bad
entry, train/eval, zero_grad, moving between dtypes and backends, repr, and the course's summaries."""
from collections import OrderedDict

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from course_architectures import (conv_vae_decoder, conv_vae_encoder, dense_gan_discriminator,
                                  dense_gan_generator)
from parity import device_backend


class AutoEncoder(nn.Module):
    """Two nested Sequentials and a buffer of its own: the key layout of every later model."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 6), nn.Sigmoid())
        self.register_buffer("steps", tg.zeros(1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


# PyTorch's order: a module's own parameters and buffers first, then each child's, depth first
EXPECTED_KEYS = ["steps", "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                 "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked",
                 "encoder.3.weight", "encoder.3.bias", "decoder.0.weight", "decoder.0.bias"]


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(np.ones((2, 3), dtype=np.float64))
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.dtype == np.float64
    assert "Parameter containing" in repr(p)


def test_state_dict_keys_are_pytorchs_for_nested_modules():
    model = AutoEncoder()
    assert list(model.state_dict()) == EXPECTED_KEYS
    assert [name for name, _ in model.named_parameters()] == [
        k for k in EXPECTED_KEYS if k.rsplit(".", 1)[-1] in ("weight", "bias")]
    assert [name for name, _ in model.named_buffers()] == [
        "steps", "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked"]
    assert [name for name, _ in model.named_children()] == ["encoder", "decoder"]
    assert [name for name, _ in model.named_modules()][:3] == ["", "encoder", "encoder.0"]
    assert len(list(model.modules())) == 9


def test_state_dict_keys_match_torch_for_the_same_architecture():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.LeakyReLU(0.2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key in ours_state:
        assert ours_state[key].shape == tuple(theirs_state[key].shape), key
        assert ours_state[key].dtype == theirs_state[key].numpy().dtype, key
    ours.load_state_dict(theirs_state)  # torch tensors go in as arrays
    np.testing.assert_array_equal(ours.state_dict()["4.weight"].numpy(), theirs_state["4.weight"].numpy())


def test_a_non_persistent_buffer_is_state_but_not_saved():
    model = nn.Module()
    model.register_buffer("cache", tg.zeros(3), persistent=False)
    model.register_buffer("count", tg.zeros(1))
    assert [name for name, _ in model.named_buffers()] == ["cache", "count"]
    assert list(model.state_dict()) == ["count"]
    with pytest.raises(TypeError, match="buffer 'count' must be a Tensor or None, got list"):
        model.count = [1.0]


def test_attribute_assignment_registers_replaces_and_deletes():
    model = nn.Module()
    model.layer = nn.Linear(2, 3)
    model.scale = nn.Parameter(tg.ones(1))
    model.note = "plain attributes stay plain"
    assert [name for name, _ in model.named_parameters()] == ["scale", "layer.weight", "layer.bias"]
    model.layer = nn.Linear(2, 5)  # replacing a sub-module swaps it in place
    assert model.state_dict()["layer.weight"].shape == (5, 2)
    model.layer = "now a string"  # a non-module value takes the name out of the registry
    assert "layer.weight" not in model.state_dict() and model.layer == "now a string"
    del model.scale
    assert list(model.parameters()) == []
    with pytest.raises(TypeError, match="cannot assign a Tensor to parameter 'weight'"):
        nn.Linear(2, 3).weight = tg.ones(3, 2)


def test_assigning_before_super_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) before assigning 'layer'"):
        Forgetful()


def test_a_shared_parameter_is_listed_and_counted_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert nn.parameter_count(model) == 12


def randomized(model, seed):
    tg.manual_seed(seed)
    for p in model.parameters():
        nn.init.normal_(p)
    for b in model.buffers():
        if tg.backend.is_floating(b.dtype):
            nn.init.uniform_(b, 0.5, 1.5)
    return model


def test_load_state_dict_round_trip_copies_values():
    source, target = randomized(AutoEncoder(), 1), randomized(AutoEncoder(), 2)
    source.encoder[1].num_batches_tracked.data[...] = 7
    x = tg.randn(5, 6)
    source.eval(), target.eval()
    assert not np.allclose(source(x).numpy(), target(x).numpy())
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())
    assert int(target.encoder[1].num_batches_tracked.item()) == 7
    nn.init.zeros_(source.encoder[0].weight)  # a copy, not shared memory
    assert np.abs(target.encoder[0].weight.numpy()).sum() > 0


def test_load_state_dict_accepts_host_arrays_and_keeps_the_parameter_objects():
    model = nn.Linear(3, 2)
    weight = model.weight
    model.load_state_dict({"weight": np.full((2, 3), 0.5, np.float32), "bias": np.zeros(2, np.float32)})
    assert model.weight is weight  # an optimizer built before loading still holds the live parameter
    np.testing.assert_array_equal(weight.numpy(), 0.5)


def test_strict_loading_names_every_missing_unexpected_and_mismatched_entry_at_once():
    model = AutoEncoder()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    state = {k: v.numpy().copy() + 1 for k, v in randomized(AutoEncoder(), 3).state_dict().items()}
    del state["encoder.3.bias"]
    state["decoder.2.weight"] = np.zeros((1, 1), np.float32)
    state["encoder.0.weight"] = np.zeros((4, 5), np.float32)
    state["decoder.0.bias"] = state["decoder.0.bias"].astype(np.float64)
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing key 'encoder.3.bias' (expected shape (2,))" in message
    assert "unexpected key 'decoder.2.weight'" in message
    assert "wrong shape for 'encoder.0.weight': got (4, 5), the module has (4, 6)" in message
    assert "wrong dtype for 'decoder.0.bias': got float64, the module has float32" in message
    for key, value in model.state_dict().items():  # nothing was loaded
        np.testing.assert_array_equal(value.numpy(), before[key])


def test_non_strict_loading_reports_missing_and_unexpected_but_still_refuses_a_wrong_shape():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    state = {"0.weight": np.eye(2, dtype=np.float32), "9.bias": np.zeros(1, np.float32)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "1.weight", "1.bias"] and result.unexpected_keys == ["9.bias"]
    np.testing.assert_array_equal(model[0].weight.numpy(), np.eye(2))
    with pytest.raises(ValueError, match=r"wrong shape for '1.weight': got \(2, 2\)"):
        model.load_state_dict({"1.weight": np.eye(2, dtype=np.float32)}, strict=False)


def test_train_and_eval_reach_every_submodule():
    model = AutoEncoder()
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_eval_switches_the_dropout_and_batch_norm_inside_a_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
    x = tg.randn(16, 4)
    assert not np.array_equal(model(x).numpy(), model(x).numpy())  # dropout draws new masks
    model.eval()
    first = model(x).numpy()
    np.testing.assert_array_equal(first, model(x).numpy())
    np.testing.assert_allclose(first[:1], model(x[:1]).numpy(), rtol=1e-6)  # no dependence on the batch
    assert int(model[1].num_batches_tracked.item()) == 2


def test_deepcopy_gives_an_independent_model():
    import copy
    model = AutoEncoder()
    twin = copy.deepcopy(model)
    assert list(twin.state_dict()) == EXPECTED_KEYS and isinstance(twin.encoder[0].weight, nn.Parameter)
    nn.init.zeros_(twin.encoder[0].weight)
    assert np.abs(model.encoder[0].weight.numpy()).sum() > 0


def test_zero_grad_and_requires_grad_toggle_every_parameter():
    model = AutoEncoder()
    model(tg.randn(4, 6)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.decoder.requires_grad_(False)
    assert [p.requires_grad for p in model.decoder.parameters()] == [False, False]
    assert nn.parameter_count(model, trainable_only=True) == nn.parameter_count(model) - (2 * 6 + 6)


def test_to_dtype_converts_floats_keeps_counters_and_parameter_objects():
    model = AutoEncoder()
    weight = model.encoder[0].weight
    model.double()
    assert model.encoder[0].weight is weight and weight.dtype == np.float64
    assert model.encoder[1].running_var.dtype == np.float64
    assert model.encoder[1].num_batches_tracked.dtype == np.int64
    assert model(tg.randn(3, 6, dtype=np.float64)).dtype == np.float64
    with pytest.raises(TypeError, match="floating-point dtype only, got int32"):
        model.to("int32")
    with pytest.raises(TypeError, match="backend name .* or a floating-point dtype, got 'gpu0'"):
        model.to("gpu0")


def test_to_backend_moves_parameters_and_buffers():
    model = AutoEncoder()
    with device_backend():  # backend "cupy" served by the device-like stand-in: no GPU needed
        tg.set_backend("numpy")
        model.to("cupy")
        assert {t.backend for t in list(model.parameters()) + list(model.buffers())} == {"cupy"}
        model.to("numpy")
        assert {t.backend for t in model.parameters()} == {"numpy"}


def test_apply_visits_children_before_the_parent():
    visited = []
    AutoEncoder().apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "AutoEncoder" and visited.index("Sequential") > visited.index("Linear")


def test_forward_hooks_run_after_forward_and_can_be_removed():
    layer, seen = nn.Linear(2, 3), []
    handle = layer.register_forward_hook(lambda m, inputs, output: seen.append(output.shape))
    layer(tg.randn(4, 2))
    handle.remove()
    layer(tg.randn(4, 2))
    assert seen == [(4, 3)]


def test_repr_shows_settings_shapes_and_parameter_counts():
    text = repr(nn.Sequential(OrderedDict(fc=nn.Linear(784, 256), act=nn.LeakyReLU(0.2))))
    assert text.splitlines() == [
        "Sequential(  # 200,960 params",
        "  (fc): Linear(784 -> 256)  # weight (256, 784), bias (256,): 200,960 params",
        "  (act): LeakyReLU(negative_slope=0.2)",
        ")"]


@pytest.mark.parametrize("build, input_shape, total", [
    (dense_gan_generator, (100,), 1_486_352),
    (dense_gan_discriminator, (784,), 1_460_225),
    (conv_vae_encoder, (1, 28, 28), 69_076),
    (conv_vae_decoder, (2,), 65_089),
])
def test_summary_of_the_course_architectures_reports_the_courses_totals(build, input_shape, total, capsys):
    text = build().summary(input_shape)
    assert capsys.readouterr().out.strip() == text.strip()
    assert f"Total params: {total:,}" in text and f"Trainable params: {total:,}" in text


def test_summary_rows_show_each_layers_output_shape_and_parameters():
    rows = conv_vae_encoder().summary((1, 28, 28), file=open("/dev/null", "w")).splitlines()
    conv = next(row for row in rows if row.startswith("body.0 "))
    assert conv.split()[-5:] == ["(N,", "32,", "14,", "14)", "320"]
    assert next(row for row in rows if row.startswith("body.2 ")).endswith("(N, 64, 7, 7)      18,496")
    decoder_rows = conv_vae_decoder().summary(2, file=open("/dev/null", "w")).splitlines()
    assert any(row.startswith("5 ConvTranspose2d") and "(N, 32, 28, 28)" in row and row.endswith("18,464")
               for row in decoder_rows)


def test_summary_changes_no_state_and_no_mode():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model[1].running_mean.data[...] = 0.25
    model.summary(3, file=open("/dev/null", "w"))
    assert model.training and model[1].training
    np.testing.assert_array_equal(model[1].running_mean.numpy(), 0.25)
    assert int(model[1].num_batches_tracked.item()) == 0
