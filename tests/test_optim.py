"""Optimizers: each reproduces its documented update rule (written out again here in plain numpy),
agrees with torch.optim, resumes from a state_dict bit for bit, and rejects bad input by name."""
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import optim

# The loss of every test: f(w) = 1/2 sum(curvature * (w - center)^2) + 1/4 sum(w^4), gradient below.
CURVATURE = np.array([[1.0, 3.0], [0.5, 2.0]])
CENTER = np.array([[1.0, -2.0], [0.5, 3.0]])
START = np.array([[0.3, 0.8], [-1.2, 0.1]])


def gradient(w):
    return CURVATURE * (w - CENTER) + w ** 3


def loss(w):
    return 0.5 * (tg.tensor(CURVATURE) * (w - tg.tensor(CENTER)) ** 2).sum() + 0.25 * (w ** 4).sum()


def run(make_optimizer, steps, start=START):
    w = tg.tensor(start.copy(), requires_grad=True)
    optimizer = make_optimizer([w])
    for _ in range(steps):
        optimizer.zero_grad()
        loss(w).backward()
        optimizer.step()
    return w, optimizer


# --- the rules as PyTorch's documentation writes them, one step at a time --------------------------
def sgd_rule(w, steps, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    buffer = None
    for _ in range(steps):
        g = gradient(w) + weight_decay * w
        if momentum != 0:
            buffer = g if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        w = w - lr * g
    return w


def adam_rule(w, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    m = v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = gradient(w) + weight_decay * w
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g ** 2
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def rmsprop_rule(w, steps, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    v = g_avg = b = np.zeros_like(w)
    for _ in range(steps):
        g = gradient(w) + weight_decay * w
        v = alpha * v + (1 - alpha) * g ** 2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            w = w - lr * b
        else:
            w = w - lr * g / (np.sqrt(v_tilde) + eps)
    return w


unit = st.floats(0.0, 0.95)
sgd_settings = st.fixed_dictionaries({"lr": st.floats(0.0, 0.2), "momentum": unit, "dampening": unit,
                                      "weight_decay": st.floats(0.0, 0.1)})
nesterov_settings = st.fixed_dictionaries({"lr": st.floats(0.0, 0.2), "momentum": st.floats(0.05, 0.95),
                                           "nesterov": st.just(True), "weight_decay": st.floats(0.0, 0.1)})
adam_settings = st.fixed_dictionaries({"lr": st.floats(0.0, 0.2), "betas": st.tuples(unit, st.floats(0.0, 0.999)),
                                       "eps": st.floats(1e-8, 1e-2), "weight_decay": st.floats(0.0, 0.1)})
rmsprop_settings = st.fixed_dictionaries({"lr": st.floats(0.0, 0.05), "alpha": st.floats(0.5, 0.99),
                                          "eps": st.floats(1e-8, 1e-2), "weight_decay": st.floats(0.0, 0.1),
                                          "momentum": unit, "centered": st.booleans()})
CASES = {
    "sgd": (optim.SGD, sgd_rule, sgd_settings),
    "sgd_nesterov": (optim.SGD, sgd_rule, nesterov_settings),
    "adam": (optim.Adam, adam_rule, adam_settings),
    "rmsprop": (optim.RMSprop, rmsprop_rule, rmsprop_settings),
}


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=20)
@given(data=st.data(), steps=st.integers(1, 4))
def test_steps_follow_the_documented_rule(case, data, steps):
    optimizer_class, rule, hyperparameters = CASES[case]
    settings_ = data.draw(hyperparameters)
    w, _ = run(lambda params: optimizer_class(params, **settings_), steps)
    np.testing.assert_allclose(w.numpy(), rule(START, steps, **settings_), rtol=1e-9, atol=1e-12)


def test_sgd_with_momentum_by_hand():
    # f(w) = w^2 / 2, so the gradient is w; lr 0.1, momentum 0.9:
    # b1 = 1,         w1 = 1 - 0.1 * 1      = 0.9
    # b2 = 0.9 + 0.9, w2 = 0.9 - 0.1 * 1.8  = 0.72
    # b3 = 1.62 + .72, w3 = 0.72 - 0.1 * 2.34 = 0.486
    w = tg.tensor(np.array([1.0]), requires_grad=True)
    sgd = optim.SGD([w], lr=0.1, momentum=0.9)
    for expected in (0.9, 0.72, 0.486):
        sgd.zero_grad()
        (0.5 * w * w).sum().backward()
        sgd.step()
        assert w.item() == pytest.approx(expected, rel=1e-14)


def test_adams_first_step_moves_each_weight_by_lr_against_its_gradient_sign():
    # after one step m_hat = g and v_hat = g^2, so the move is lr * g / (|g| + eps)
    w = tg.tensor(np.array([3.0, -0.01, 100.0]), requires_grad=True)
    adam = optim.Adam([w], lr=0.5, eps=0.0)
    (w * tg.tensor(np.array([2.0, 1e-3, -7.0]))).sum().backward()
    adam.step()
    np.testing.assert_allclose(w.numpy(), [2.5, -0.51, 100.5], rtol=1e-14)


TORCH_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.02)),
    ("Adam", dict()),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name, settings_", TORCH_CASES)
def test_agrees_with_torch_optim(name, settings_):
    torch = pytest.importorskip("torch")
    w, _ = run(lambda params: getattr(optim, name)(params, **settings_), steps=6)
    w_torch = torch.tensor(START.copy(), requires_grad=True)
    reference = getattr(torch.optim, name)([w_torch], **settings_)
    for _ in range(6):
        reference.zero_grad()
        torch_loss = 0.5 * (torch.tensor(CURVATURE) * (w_torch - torch.tensor(CENTER)) ** 2).sum() \
            + 0.25 * (w_torch ** 4).sum()
        torch_loss.backward()
        reference.step()
    np.testing.assert_allclose(w.numpy(), w_torch.detach().numpy(), rtol=1e-10, atol=1e-13)


RESUMABLE = [
    lambda params: optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True),
    lambda params: optim.Adam(params, lr=0.05, weight_decay=1e-3),
    lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
]


def as_if_through_a_file(state_dict):
    """What a checkpoint gives back: host arrays, string keys, lists and numbers from JSON."""
    state = {str(index): {name: np.array(value) for name, value in entry.items()}
             for index, entry in state_dict["state"].items()}
    return {"state": state, "param_groups": json.loads(json.dumps(state_dict["param_groups"]))}


@pytest.mark.parametrize("make", RESUMABLE)
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(make):
    start = START.astype(np.float32)
    uninterrupted, _ = run(make, steps=10, start=start)

    first_half, optimizer = run(make, steps=5, start=start)
    saved = as_if_through_a_file(optimizer.state_dict())
    resumed, fresh = run(make, steps=0, start=first_half.numpy())
    fresh.load_state_dict(saved)
    for _ in range(5):
        fresh.zero_grad()
        loss(resumed).backward()
        fresh.step()

    assert resumed.dtype == np.float32
    np.testing.assert_array_equal(resumed.numpy(), uninterrupted.numpy())
    assert fresh.state_dict()["state"][0]["step"] == 10


def test_state_dict_has_the_documented_shape_and_holds_copies():
    w, adam = run(lambda params: optim.Adam(params, lr=0.1, betas=(0.8, 0.9)), steps=2)
    saved = adam.state_dict()
    assert saved["param_groups"] == [{"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-8, "weight_decay": 0.0,
                                      "params": [0]}]
    assert set(saved["state"]) == {0} and saved["state"][0]["step"] == 2
    assert saved["state"][0]["exp_avg"].shape == w.shape
    kept = saved["state"][0]["exp_avg"].copy()
    loss(w).backward()
    adam.step()
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], kept)


def test_loading_restores_hyperparameters():
    w = tg.tensor(START.copy(), requires_grad=True)
    trained = optim.SGD([w], lr=0.5, momentum=0.3)
    fresh = optim.SGD([w], lr=0.1)
    fresh.load_state_dict(trained.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.5 and fresh.param_groups[0]["momentum"] == 0.3


def test_zero_grad_and_parameters_without_gradient():
    a = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = tg.tensor(np.array([5.0]), requires_grad=True)
    sgd = optim.SGD([a, b], lr=0.5)
    (a * a).sum().backward()
    sgd.step()
    np.testing.assert_array_equal(a.numpy(), [0.0, 0.0])  # 1 - 0.5 * 2, 2 - 0.5 * 4
    np.testing.assert_array_equal(b.numpy(), [5.0])
    assert 1 not in sgd.state
    sgd.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_updates_in_place_and_records_no_graph():
    w = tg.randn(3, 2, requires_grad=True)
    storage = w.data
    adam = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    adam.step()
    assert w.data is storage and w.is_leaf and w.dtype == np.float32
    assert adam.state[0]["exp_avg"].dtype == np.float32


def test_param_groups_have_their_own_hyperparameters():
    a = tg.tensor(np.array([1.0]), requires_grad=True)
    b = tg.tensor(np.array([1.0]), requires_grad=True)
    sgd = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a + b).sum().backward()
    sgd.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    assert sgd.state_dict()["param_groups"][1]["params"] == [1]


# --- bad input -----------------------------------------------------------------------------------
def param():
    return tg.zeros(2, requires_grad=True)


@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.RMSprop])
def test_an_empty_parameter_list_is_an_error(make):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        make([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        make(iter([]), lr=0.1)


def test_params_must_be_an_iterable_of_tensors():
    with pytest.raises(TypeError, match="got a single Tensor"):
        optim.SGD(param(), lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of a group must be a Tensor, got ndarray"):
        optim.SGD([param(), np.zeros(2)], lr=0.1)
    p = param()
    with pytest.raises(ValueError, match="appears in more than one group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match=r"unknown hyperparameters \['learning_rate'\]"):
        optim.SGD([{"params": [p], "learning_rate": 0.1}], lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda: optim.SGD([param()], lr=-0.1), "SGD: lr must be non-negative, got -0.1"),
    (lambda: optim.SGD([param()], lr=0.1, momentum=-1), "SGD: momentum must be non-negative, got -1"),
    (lambda: optim.SGD([param()], lr=0.1, nesterov=True), "SGD: nesterov must come with momentum > 0"),
    (lambda: optim.SGD([param()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     r"nesterov must come with momentum > 0 and dampening = 0 \(momentum=0.9, dampening=0.1\)"),
    (lambda: optim.SGD([param()], lr=0.1, weight_decay=-1e-3), "SGD: weight_decay must be non-negative"),
    (lambda: optim.Adam([param()], lr=float("nan")), "Adam: lr must be non-negative, got nan"),
    (lambda: optim.Adam([param()], betas=(1.0, 0.999)), r"Adam: betas\[0\] must lie in \[0, 1\), got 1.0"),
    (lambda: optim.Adam([param()], betas=(0.9, -0.1)), r"Adam: betas\[1\] must lie in \[0, 1\), got -0.1"),
    (lambda: optim.Adam([param()], betas=(0.9,)), r"Adam: betas must be a pair"),
    (lambda: optim.Adam([param()], eps=-1e-8), "Adam: eps must be non-negative, got -1e-08"),
    (lambda: optim.Adam([param()], weight_decay=-1), "Adam: weight_decay must be non-negative, got -1"),
    (lambda: optim.RMSprop([param()], alpha=1.5), r"RMSprop: alpha must lie in \[0, 1\], got 1.5"),
    (lambda: optim.RMSprop([param()], eps=-1), "RMSprop: eps must be non-negative, got -1"),
    (lambda: optim.RMSprop([param()], momentum=-0.5), "RMSprop: momentum must be non-negative, got -0.5"),
    (lambda: optim.RMSprop([param()], lr=-1), "RMSprop: lr must be non-negative, got -1"),
])
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_load_state_dict_refuses_what_does_not_fit():
    a, b = param(), param()
    trained = optim.Adam([a, b])
    loss_ = (a * a).sum() + (b * b).sum()
    loss_.backward()
    trained.step()
    saved = trained.state_dict()

    with pytest.raises(ValueError, match="group 0 holds 2 parameters in the state dict, 1 in this optimizer"):
        optim.Adam([param()]).load_state_dict(saved)
    with pytest.raises(ValueError, match="the state dict has 1 parameter groups, this optimizer has 2"):
        optim.Adam([{"params": [param()]}, {"params": [param()]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"exp_avg of parameter 1 has shape \(2,\), the parameter has shape \(3,\)"):
        optim.Adam([param(), tg.zeros(3, requires_grad=True)]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: group 0 has hyperparameters \['betas', 'eps'"):
        optim.SGD([param(), param()], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"the state dict lacks \['param_groups'\]"):
        optim.Adam([param(), param()]).load_state_dict({"state": {}})
    shifted = {"state": {5: saved["state"][0]}, "param_groups": saved["param_groups"]}
    with pytest.raises(ValueError, match=r"state for parameter 5, but this optimizer has 2 parameters \(0 to 1\)"):
        optim.Adam([param(), param()]).load_state_dict(shifted)
    foreign = {"state": {0: {"step": 1, "momentum_buffer": np.zeros(2)}}, "param_groups": saved["param_groups"]}
    with pytest.raises(ValueError, match=r"parameter 0 has state \['momentum_buffer'\], Adam keeps"):
        optim.Adam([param(), param()]).load_state_dict(foreign)


def test_a_refused_load_changes_nothing():
    a = param()
    adam = optim.Adam([a], lr=0.1)
    bad = {"state": {0: {"step": 3, "exp_avg": np.zeros(5)}}, "param_groups": [{**adam.state_dict()["param_groups"][0],
                                                                                "lr": 0.7}]}
    with pytest.raises(ValueError):
        adam.load_state_dict(bad)
    assert adam.param_groups[0]["lr"] == 0.1 and adam.state == {}
