"""Dtype promotion (tinygen/dtypes.py): one rule table, held against PyTorch, and applied by every op.

The rules: bool < integer < floating; the result's dtype comes from the operands of highest
priority (tensor with dimensions > 0-d tensor > plain number) in the top category; plain
numbers alone give float32 / int64; true division of integers gives float32. A leaf's
gradient always has the leaf's dtype and shape.
"""
import itertools

import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F
from tinygen import dtypes, nn

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 0.5, np.float64(0.5), np.int64(2)]


def operand(kind, dtype_or_value):
    """A tensor with dimensions, a 0-d tensor, or the plain number itself."""
    if kind == "scalar":
        return dtype_or_value
    shape = (2,) if kind == "tensor" else ()
    return tg.tensor(np.ones(shape, dtype=dtype_or_value))


CASES = ([("tensor", a, "tensor", b) for a, b in itertools.product(DTYPES, DTYPES)]
         + [("tensor", a, "0-d", b) for a, b in itertools.product(DTYPES, DTYPES)]
         + [("tensor", a, "scalar", s) for a, s in itertools.product(DTYPES, SCALARS)]
         + [("0-d", a, "scalar", s) for a, s in itertools.product(DTYPES, SCALARS)])


@pytest.mark.parametrize("expression, expected_values, expected_dtype", [
    (lambda: tg.tensor([1, 2, 3]) * 0.5, [0.5, 1, 1.5], np.float32),
    (lambda: (tg.tensor([-1, 2]) > 0) * 0.5, [0, 0.5], np.float32),
    (lambda: tg.tensor(np.array([3], dtype=np.uint8)) - 0.5, [2.5], np.float32),
    (lambda: 1.0 - (tg.tensor([0, 1]) > 0), [1, 0], np.float32),
    (lambda: tg.tensor([4, 9]) ** 0.5, [2, 3], np.float32),
    (lambda: 2 ** tg.tensor([0.5]), [2 ** 0.5], np.float32),
    (lambda: tg.tensor([1, 2]) / 2, [0.5, 1], np.float32),
    (lambda: tg.tensor([1, 4]) / tg.tensor([2, 8]), [0.5, 0.5], np.float32),
    (lambda: tg.clip(tg.tensor([0, 1, 3]), 0.5, 2.5), [0.5, 1, 2.5], np.float32),
    (lambda: tg.where(tg.tensor([True, False]), tg.tensor([7, 7]), 0.5), [7, 0.5], np.float32),
    (lambda: tg.maximum(tg.tensor([0, 3]), 1.5), [1.5, 3], np.float32),
    (lambda: tg.tensor([1, 2]) * 3, [3, 6], np.int64),
    (lambda: tg.ones(2) * tg.tensor(np.float64(2.0)), [2, 2], np.float32),  # a 0-d float64 does not widen
    (lambda: tg.ones(2) @ tg.tensor(np.ones((2, 1))), [2], np.float64),
])
def test_a_float_never_truncates(expression, expected_values, expected_dtype):
    result = expression()
    assert result.dtype == expected_dtype
    np.testing.assert_allclose(result.numpy(), expected_values, rtol=1e-6)


@pytest.mark.parametrize("kind_a, a, kind_b, b", CASES, ids=lambda v: str(v))
def test_result_type_matches_pytorch(kind_a, a, kind_b, b):
    torch = pytest.importorskip("torch")
    to_torch = lambda x: torch.from_numpy(x.numpy()) if isinstance(x, tg.Tensor) else x
    x, y = operand(kind_a, a), operand(kind_b, b)
    expected = torch.result_type(to_torch(x), to_torch(y))
    assert str(dtypes.result_type(x, y)) == str(expected).replace("torch.", "")
    assert str(dtypes.result_type(y, x)) == str(expected).replace("torch.", "")


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES[1:], DTYPES[1:])))
def test_every_binary_op_gives_the_rule_dtype(a, b):
    x, y = tg.tensor(np.full(3, 2, dtype=a)), tg.tensor(np.full(3, 1, dtype=b))
    rule = dtypes.result_type(x, y)
    for op in (F.add, F.sub, F.mul, F.maximum, F.minimum, lambda p, q: F.where(p > 0, p, q)):
        assert op(x, y).dtype == rule
    assert F.div(x, y).dtype == dtypes.result_type(x, y, true_division=True)
    assert (x ** y).dtype == rule


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("number", [0.5, 2, True])
def test_number_operands_follow_the_rule_in_every_position(dtype, number):
    x = tg.tensor(np.ones(2, dtype=dtype))
    rule = dtypes.result_type(x, number)
    results = [x + number, number + x, x * number, number * x, F.maximum(number, x), F.where(x > 0, number, x)]
    if rule != np.bool_:  # bool - bool is refused (by PyTorch too)
        results += [x - number, number - x, F.clip(x, number)]
    assert all(r.dtype == rule for r in results)


@pytest.mark.parametrize("leaf_dtype, other_dtype", list(itertools.product(["float32", "float64"], repeat=2)))
@pytest.mark.parametrize("op", [F.add, F.mul, F.div, F.maximum, lambda a, b: a @ b.T, lambda a, b: a ** (b * b),
                                lambda a, b: F.where(a.data > 0, a, b), lambda a, b: F.concatenate([a, b])],
                         ids=["add", "mul", "div", "maximum", "matmul", "pow", "where", "concatenate"])
def test_a_leaf_gradient_has_the_leaf_dtype_and_shape(op, leaf_dtype, other_dtype):
    leaf = tg.tensor(np.linspace(0.5, 2, 6, dtype=leaf_dtype).reshape(2, 3), requires_grad=True)
    other = tg.tensor(np.linspace(1, 3, 6, dtype=other_dtype).reshape(2, 3), requires_grad=True)
    op(leaf, other).sum().backward()
    for tensor in (leaf, other):
        assert tensor.grad.dtype == tensor.dtype and tensor.grad.shape == tensor.shape


def test_second_order_gradient_of_a_promoted_leaf_keeps_its_dtype():
    leaf = tg.tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    wide = tg.tensor(np.array([2.0, 3.0]))
    g, = tg.grad((leaf * leaf * wide).sum(), [leaf], create_graph=True)
    gg, = tg.grad(g.sum(), [leaf])
    assert g.dtype == gg.dtype == np.float32
    np.testing.assert_allclose(gg.numpy(), 2 * wide.numpy())


@pytest.mark.parametrize("layer", [nn.Linear(3, 2), nn.BatchNorm1d(3)], ids=["Linear", "BatchNorm1d"])
@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_layers_refuse_an_input_of_another_dtype_alike(layer, dtype):
    with pytest.raises(TypeError, match=f"input dtype {dtype} differs from the layer's float32"):
        layer(tg.tensor(np.ones((4, 3), dtype=dtype)))


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_conv_and_batchnorm2d_refuse_an_input_of_another_dtype(dtype):
    x = tg.tensor(np.ones((2, 1, 4, 4), dtype=dtype))
    with pytest.raises(TypeError, match=dtype):
        nn.Conv2d(1, 1, 3)(x)
    with pytest.raises(TypeError, match=f"input dtype {dtype} differs"):
        nn.BatchNorm2d(1)(x)


def test_functional_batch_norm_refuses_integers_and_a_mismatched_weight():
    with pytest.raises(TypeError, match="floating-point"):
        F.batch_norm(tg.tensor(np.ones((4, 2), dtype=np.int64)), None, None, training=True)
    with pytest.raises(TypeError, match="weight dtype float32 differs from input dtype float64"):
        F.batch_norm(tg.tensor(np.ones((4, 2))), None, None, weight=tg.ones(2), training=True)


def test_unsupported_operands_are_refused_by_name():
    with pytest.raises(TypeError, match="cannot combine a str"):
        dtypes.result_type(tg.ones(2), "2")
    with pytest.raises(TypeError, match="complex128 is not supported"):
        dtypes.category(np.complex128)
