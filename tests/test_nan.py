"""NaN stays NaN: a diverging run must be seen, so no op turns a NaN into a number (as NumPy and PyTorch)."""
import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F

NAN = np.nan
VALUES = np.array([[NAN, -1.0, 0.0, 2.0], [1.0, NAN, 3.0, -2.0]])


@pytest.mark.parametrize("name, ours, reference", [
    ("clip", lambda t: F.clip(t, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
    ("clip low only", lambda t: F.clip(t, low=0.0), lambda a: np.clip(a, 0.0, None)),
    ("maximum with a number", lambda t: F.maximum(t, 0.0), lambda a: np.maximum(a, 0.0)),
    ("minimum with a number", lambda t: F.minimum(0.0, t), lambda a: np.minimum(0.0, a)),
    ("maximum of rows", lambda t: F.maximum(t[0], t[1]), lambda a: np.maximum(a[0], a[1])),
    ("minimum of rows", lambda t: F.minimum(t[1], t[0]), lambda a: np.minimum(a[1], a[0])),
    ("relu", F.relu, lambda a: np.where(np.isnan(a), NAN, np.maximum(a, 0))),
    ("leaky_relu", lambda t: F.leaky_relu(t, 0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    ("sum", lambda t: t.sum(axis=1), lambda a: a.sum(axis=1)),
    ("mean", lambda t: t.mean(), lambda a: a.mean()),
    ("max", lambda t: t.max(axis=0), lambda a: a.max(axis=0)),
    ("min", lambda t: t.min(axis=1), lambda a: a.min(axis=1)),
    ("var", lambda t: t.var(axis=1), lambda a: a.var(axis=1)),
    ("std", lambda t: t.std(axis=0), lambda a: a.std(axis=0)),
    ("logsumexp", lambda t: F.logsumexp(t, dim=1), lambda a: np.log(np.exp(a).sum(axis=1))),
    ("softmax", lambda t: F.softmax(t, dim=1), lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)),
    ("max_pool2d", lambda t: F.max_pool2d(t.reshape(1, 1, 2, 4), 2).reshape(-1),
     lambda a: a.reshape(2, 2, 2).transpose(1, 0, 2).reshape(2, 4).max(axis=1)),
])
def test_nan_propagates_as_in_numpy(name, ours, reference):
    with np.errstate(invalid="ignore"):
        result, expected = ours(tg.tensor(VALUES)).numpy(), reference(VALUES)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result[~np.isnan(result)], expected[~np.isnan(expected)], rtol=1e-12)
    assert np.isnan(result).any()


def test_nan_propagates_as_in_pytorch():
    torch = pytest.importorskip("torch")
    a, b = torch.tensor(VALUES[0]), torch.tensor(VALUES[1])
    ours_a, ours_b = tg.tensor(VALUES[0]), tg.tensor(VALUES[1])
    pairs = [(F.maximum(ours_a, ours_b), torch.maximum(a, b)), (F.minimum(ours_a, ours_b), torch.minimum(a, b)),
             (F.clip(ours_a, -0.5, 0.5), a.clamp(-0.5, 0.5)), (F.relu(ours_a), torch.relu(a)),
             (ours_a.max(), a.max())]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_max_sends_its_gradient_to_the_nan_as_pytorch():
    x = tg.tensor([1.0, NAN, 0.5], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])
