"""Activations: gradients of first and second order, values against plain formulas, stability, dropout.

Values for the gradient checks keep clear of the kinks of relu and leaky_relu at 0,
where neither derivative exists, instead of loosening tolerances.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import tinygen as tg
import tinygen.functional as F

small_shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def away_from_zero(shape, low=0.1, high=4.0):
    magnitudes = arrays(np.float64, shape, elements=st.floats(low, high))
    return magnitudes.flatmap(lambda m: arrays(np.bool_, shape).map(lambda sign: np.where(sign, m, -m)))


def check_gradients(fn, array):
    inputs = [leaf(array)]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@given(small_shapes.flatmap(away_from_zero))
def test_relu_gradients(x):
    check_gradients(F.relu, x)


@given(small_shapes.flatmap(away_from_zero), st.floats(0.0, 0.5))
def test_leaky_relu_gradients(x, slope):
    check_gradients(lambda t: F.leaky_relu(t, slope), x)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
@given(x=small_shapes.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(-6, 6))))
def test_smooth_activation_gradients(name, x):
    check_gradients(getattr(F, name), x)


@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 4)), elements=st.floats(-5, 5)))
def test_log_softmax_gradients(x):
    check_gradients(lambda t: F.log_softmax(t, axis=1), x)


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.log(1 + np.exp(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_the_textbook_formula_where_it_is_safe(name):
    x = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(getattr(F, name)(tg.tensor(x)).numpy(), REFERENCE[name](x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_stay_finite_without_warnings(name, dtype):
    x = tg.tensor(np.array([-1000.0, -50.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(F, name)(x)
        y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all()


def test_saturated_values_are_exact_limits():
    x = tg.tensor(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(F.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(F.softplus(x).numpy(), [0.0, 1000.0])
    np.testing.assert_array_equal(F.tanh(x).numpy(), [-1.0, 1.0])


def test_relu_gradient_at_zero_is_zero_and_output_has_no_negative_zero():
    x = tg.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    y = F.relu(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    assert not np.signbit(y.numpy()).any()


def test_log_softmax_of_huge_logits_is_finite_and_normalized():
    x = tg.tensor(np.array([[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = F.log_softmax(x, axis=1).numpy()
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0)
    np.testing.assert_allclose(logp[1], np.log(1 / 3))


def test_dropout_zeroes_about_p_and_keeps_the_mean():
    x = tg.ones(200, 500)
    y = F.dropout(x, p=0.3).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_gradient_is_the_same_mask():
    x = tg.tensor(np.ones((50, 40)), requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_dropout_is_seeded():
    tg.manual_seed(7)
    first = F.dropout(tg.ones(30), p=0.5).numpy()
    tg.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(tg.ones(30), p=0.5).numpy(), first)


@pytest.mark.parametrize("p, training", [(0.5, False), (0.0, True)])
def test_dropout_is_identity_in_eval_or_with_p_zero(p, training):
    x = tg.randn(4, 5)
    np.testing.assert_array_equal(F.dropout(x, p=p, training=training).numpy(), x.numpy())


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_rejects_p_outside_unit_interval(p):
    with pytest.raises(ValueError, match=r"dropout: p must be a probability in \[0, 1\)"):
        F.dropout(tg.ones(3), p=p)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_float32_stays_float32(name):
    assert getattr(F, name)(tg.randn(3, 2)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log1p_of_fraction_matches_log1p_to_a_few_ulp_down_to_subnormal_fractions(dtype):
    """softplus's fast log1p across [0, 1], and for fractions so small that 1 + u rounds to 1
    (where the plain log(1 + u) is off by millions of ulp)."""
    from tinygen.functional.activations import log1p_of_fraction
    u = np.concatenate([np.linspace(0, 1, 20001), np.logspace(-40, 0, 2001)]).astype(dtype)
    u = u[u >= 0]
    expected = np.log1p(u.astype(np.longdouble))  # wider than float64 where longdouble is; exact enough for float32
    ulp = np.maximum(np.spacing(expected.astype(dtype)), np.finfo(dtype).smallest_subnormal).astype(np.longdouble)
    errors_in_ulp = lambda got: np.max(np.abs(got.astype(np.longdouble) - expected) / ulp)
    got = log1p_of_fraction(u)
    assert got.dtype == dtype
    assert errors_in_ulp(got) <= 4  # float32: 2.9 measured, numpy's vectorized log is itself within ~3 ulp
    assert errors_in_ulp(np.log(1 + u)) > 1e6
