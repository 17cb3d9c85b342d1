"""How the graph behaves: accumulation, reuse, depth, no_grad, detach, grad(), higher order."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.autograd import Function
from tinygen.backend import xp
from tinygen.gradcheck import GradcheckError


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_tensor_used_twice_gets_both_contributions():
    x = leaf([2.0, -1.0])
    (x * x + x).sum().backward()  # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, -1.0])


def test_backward_twice_accumulates_into_grad():
    x = leaf([1.5])
    y = (x ** 3).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 3 * 1.5 ** 2])


def test_a_diamond_graph_visits_the_shared_node_once():
    x = leaf(0.5)
    shared = x.exp()
    (shared * 2 + shared * 3).backward()
    np.testing.assert_allclose(x.grad.numpy(), 5 * np.exp(0.5))


def test_a_chain_of_10000_ops_needs_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-9)


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.creator is None

    @tg.no_grad()
    def double(t):
        return t * 2
    assert not double(x).requires_grad
    assert (x * 2).requires_grad  # and recording is back on afterwards


def test_detach_cuts_the_graph_but_shares_values():
    x = leaf([3.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.creator is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0])  # d is a constant: dy/dx = d


def test_grad_returns_gradients_without_touching_dot_grad():
    x, unused = leaf([1.0, 2.0]), leaf([0.0])
    y = (x ** 2).sum()
    gx, = tg.grad(y, [x])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 4.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(y, [x, unused])
    gx, gu = tg.grad(y, [x, unused], allow_unused=True)
    assert gu is None


def test_ops_on_tensors_that_need_no_grad_build_no_graph():
    a, b = tg.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    c = a * 2
    assert not c.requires_grad and c.creator is None
    (a * b).sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


def test_intermediate_gradients_are_kept_only_when_asked():
    x = leaf([1.0, 2.0])
    hidden = (x * 3).retain_grad()
    other = x * 5
    (hidden * other).sum().backward()
    np.testing.assert_array_equal(hidden.grad.numpy(), (x * 5).numpy())
    assert other.grad is None


def test_backward_with_an_explicit_gradient():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(tg.tensor(np.array([1.0, 0.0, 2.0])))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 12.0])


def test_third_derivative_by_create_graph():
    x = leaf(2.0)
    y = x ** 4
    g1, = tg.grad(y, [x], create_graph=True)
    g2, = tg.grad(g1, [x], create_graph=True)
    g3, = tg.grad(g2, [x])
    assert (g1.item(), g2.item(), g3.item()) == (4 * 8.0, 12 * 4.0, 24 * 2.0)


def test_first_order_backward_builds_no_graph():
    x = leaf([1.0, 2.0])
    gx, = tg.grad((x.exp() * x).sum(), [x])
    assert not gx.requires_grad and gx.creator is None


def test_a_gradient_penalty_is_differentiable_by_its_weights():
    """The WGAN-GP pattern: a loss made of a gradient (create_graph=True), then differentiated again."""
    x = leaf([[1.0, 2.0], [0.5, -1.0]])

    def penalty(w):
        inputs = x.detach().requires_grad_()
        critic = ((inputs @ w).exp()).sum()
        gx, = tg.grad(critic, [inputs], create_graph=True)
        return ((gx ** 2).sum(axis=1).sqrt() - 1) ** 2

    w = leaf([[0.5, -1.0], [0.2, 0.3]])
    penalty(w).sum().backward()
    assert w.grad is not None and w.grad.shape == (2, 2)
    assert tg.gradcheck(penalty, [w])


def test_dtype_is_kept_through_ops():
    x64 = leaf([1.0, 2.0])
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x32.dtype == np.float32 and (x32 * 2.5 + 1).exp().sum().dtype == np.float32
    assert (x64 * 2.5 + 1).exp().sum().dtype == np.float64
    (x32 * 3).sum().backward()
    assert x32.grad.dtype == np.float32


def test_gradcheck_names_a_planted_bug():
    class WrongSquare(Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * self.inputs[0] * 3  # should be 2x

    x = leaf([[0.5, 1.0], [1.5, 2.0]])
    with pytest.raises(GradcheckError, match=r"input 0 .* at index \(\d, \d\): analytic .* numeric"):
        tg.gradcheck(lambda t: WrongSquare()(t), [x])


def test_gradcheck_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        tg.gradcheck(lambda t: t * 2, [tg.tensor([1.0], requires_grad=True)])


def test_function_outputs_are_tensors_on_the_current_backend():
    y = tg.tensor([1.0, 2.0]).sum()
    assert isinstance(y.data, type(xp.zeros(1))) and y.shape == ()
