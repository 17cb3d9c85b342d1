"""Every op on the device-like backend: forward, backward and double backward equal NumPy's bit for bit."""
import inspect

import numpy as np
import pytest

import tinygen as tg
import tinygen.functional as F
from parity import same_on_device


def draw(shape, kind="normal", seed=0):
    """Host float32 operands: "normal", "positive" (in [0.5, 2]) or "probability" (in [0.05, 0.95])."""
    rng = np.random.default_rng([seed, len(shape)])
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape).astype(np.float32)
    if kind == "probability":
        return rng.uniform(0.05, 0.95, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


LABELS = np.array([2, 0, 1, 2, 1], dtype=np.int64)
CONV = dict(stride=2, padding=1)
CONV_T = dict(stride=2, padding=1, output_padding=1)


def _batch_norm(training):
    def op(x, weight, bias):
        running_mean, running_var = tg.zeros(3), tg.ones(3)
        y = F.batch_norm(x, running_mean, running_var, weight, bias, training=training, momentum=0.3)
        return y * (1 + running_mean.sum() + running_var.sum())  # the running statistics are compared too
    return op


# (op name, the op on Tensors, operand shapes, operand kinds)
CASES = [
    ("add", lambda a, b: a + b, [(3, 4), (4,)], None),
    ("sub", lambda a, b: F.sub(a, b), [(3, 1), (1, 4)], None),
    ("mul", lambda a, b: a * b * 3.0, [(2, 3), (2, 3)], None),
    ("div", lambda a, b: F.div(a, b) + 1 / b, [(2, 3), (3,)], ["normal", "positive"]),
    ("neg", lambda a: F.neg(a) * a, [(5,)], None),
    ("pow", lambda a, b: a ** 2.5 + F.pow(a, b), [(2, 3), (2, 3)], ["positive", "normal"]),
    ("matmul", lambda a, b: F.matmul(a, b), [(2, 3, 4), (4, 5)], None),
    ("matmul_vectors", lambda a, b: (a @ b) * (a @ b), [(4,), (4,)], None),
    ("exp", lambda a: F.exp(a), [(3, 3)], None),
    ("log", lambda a: F.log(a), [(3, 3)], ["positive"]),
    ("sqrt", lambda a: F.sqrt(a), [(3, 3)], ["positive"]),
    ("abs", lambda a: F.abs(a) * a, [(3, 3)], None),
    ("clip", lambda a: F.clip(a, -0.5, 0.7) * a, [(4, 4)], None),
    ("maximum", lambda a, b: F.maximum(a, b) * a, [(3, 4), (4,)], None),
    ("minimum", lambda a, b: F.minimum(a, b) * b, [(3, 4), (3, 4)], None),
    ("where", lambda a, b: F.where(a.data > 0, a * a, b), [(3, 4), (3, 4)], None),
    ("astype", lambda a: F.astype(a, np.float64) * a.astype(np.float64), [(3,)], None),
    ("sum", lambda a: F.sum(a * a, axis=1) + a.sum(), [(3, 4)], None),
    ("mean", lambda a: F.mean(a * a, axis=(0, 2), keepdims=True), [(2, 3, 4)], None),
    ("max", lambda a: F.max(a * a, axis=1), [(3, 4)], None),
    ("min", lambda a: F.min(a * a), [(3, 4)], None),
    ("var", lambda a: F.var(a, axis=0, ddof=1), [(4, 3)], None),
    ("reshape", lambda a: F.reshape(a, (6, 2)) ** 2, [(3, 4)], None),
    ("transpose", lambda a: F.transpose(a, (2, 0, 1)) * a.T.T.transpose(2, 0, 1), [(2, 3, 4)], None),
    ("swapaxes", lambda a: F.swapaxes(a, 0, 2) ** 2, [(2, 3, 4)], None),
    ("squeeze", lambda a: F.squeeze(a, 1) ** 2, [(3, 1, 2)], None),
    ("expand_dims", lambda a: F.expand_dims(a, -1) ** 2, [(3, 2)], None),
    ("flatten", lambda a: F.flatten(a) ** 2, [(2, 3, 4)], None),
    ("broadcast_to", lambda a: F.broadcast_to(a, (3, 2, 4)) ** 2, [(2, 1)], None),
    ("sum_to", lambda a: F.sum_to(a * a, (1, 4)), [(3, 4)], None),
    ("concatenate", lambda a, b: F.concatenate([a, b * b], axis=1), [(2, 3), (2, 2)], None),
    ("stack", lambda a, b: F.stack([a * a, b], axis=1), [(2, 3), (2, 3)], None),
    ("getitem", lambda a: a[1:, ::2] ** 2, [(4, 5)], None),
    ("getitem_array", lambda a: F.getitem(a, [0, 0, 2]) ** 2, [(4, 3)], None),
    ("getitem_mask", lambda a: a[tg.Tensor(a.data > 0)] ** 2, [(4, 3)], None),
    ("pad", lambda a: F.pad(a, ((0, 0), (1, 2))) ** 2, [(2, 3)], None),
    ("relu", lambda a: F.relu(a) * a, [(4, 5)], None),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.2) * a, [(4, 5)], None),
    ("sigmoid", lambda a: F.sigmoid(a), [(4, 5)], None),
    ("tanh", lambda a: F.tanh(a), [(4, 5)], None),
    ("softplus", lambda a: F.softplus(a), [(4, 5)], None),
    ("log_softmax", lambda a: F.log_softmax(a, axis=1), [(3, 5)], None),
    ("dropout", lambda a: F.dropout(a, 0.4) * a, [(6, 5)], None),
    ("mse_loss", lambda a, b: F.mse_loss(a, b), [(3, 4), (3, 4)], None),
    ("binary_cross_entropy", lambda p, t: F.binary_cross_entropy(p, t), [(3, 4), (3, 4)],
     ["probability", "probability"]),
    ("binary_cross_entropy_with_logits", lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction="sum"),
     [(3, 4), (3, 4)], ["normal", "probability"]),
    ("cross_entropy", lambda z: F.cross_entropy(z, tg.tensor(LABELS)), [(5, 3)], None),
    ("kl_normal", lambda mu, logvar: F.kl_normal(mu, logvar, reduction="none"), [(3, 2), (3, 2)], None),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, **CONV), [(2, 3, 6, 5), (4, 3, 3, 3), (4,)], None),
    ("conv2d_dilated", lambda x, w: F.conv2d(x, w, dilation=2), [(1, 2, 7, 7), (3, 2, 3, 2)], None),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, **CONV_T), [(2, 3, 4, 3), (3, 2, 3, 3), (2,)],
     None),
    ("conv_transpose2d_zero_insertion", lambda x, w: F.conv_transpose2d(x, w, method="zero_insertion", **CONV_T),
     [(2, 3, 4, 3), (3, 2, 3, 3)], None),
    ("insert_zeros", lambda x: F.insert_zeros(x, 2) ** 2, [(1, 2, 3, 3)], None),
    ("pad_for_transpose", lambda x: F.pad_for_transpose(x, 3, 2, output_padding=1) ** 2, [(1, 2, 4, 4)], None),
    ("batch_norm", _batch_norm(training=True), [(4, 3, 2, 2), (3,), (3,)], None),
    ("batch_norm_eval", _batch_norm(training=False), [(4, 3), (3,), (3,)], None),
    # the PyTorch API of issue 8
    ("softmax", lambda a: F.softmax(a, dim=0) * a, [(3, 4)], None),
    ("logsumexp", lambda a: F.logsumexp(a, dim=1) + a.logsumexp(), [(3, 4)], None),
    ("linear", lambda x, w, b: F.linear(x, w, b), [(2, 3), (4, 3), (4,)], None),
    ("nll_loss", lambda a: F.nll_loss(a, tg.tensor(LABELS), reduction="sum"), [(5, 3)], None),
    ("l1_loss", lambda a, b: F.l1_loss(a, b), [(3, 4), (3, 4)], None),
    ("one_hot", lambda a: a * F.one_hot(tg.tensor(LABELS), 3), [(5, 3)], None),
    ("embedding", lambda w: F.embedding(tg.tensor(LABELS), w) ** 2, [(3, 4)], None),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 2), w, b), [(4, 3, 2), (3, 2), (3, 2)], None),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1) ** 2, [(2, 3, 5, 5)], None),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1) ** 2, [(2, 3, 5, 5)], None),
    ("interpolate", lambda x: F.interpolate(x, scale_factor=2) ** 2 + F.interpolate(x, size=(3, 7)).sum(),
     [(2, 3, 4, 5)], None),
    ("cat", lambda a, b: F.cat([a, b * b], dim=1), [(2, 3), (2, 2)], None),
    ("clone", lambda a: F.clone(a) * a, [(3, 4)], None),
    ("permute", lambda a: F.permute(a, 2, 0, 1) ** 2, [(2, 3, 4)], None),
    ("std", lambda a: F.std(a, axis=0, ddof=1), [(4, 3)], None),
    ("argmax", lambda a: a * F.argmax(a, axis=1, keepdims=True) + a.argmax(), [(3, 4)], None),
    # the diffusion U-Net's pieces (issue 23)
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)], None),
    ("silu", lambda a: F.silu(a), [(4, 5)], None),
    ("scaled_dot_product_attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
     [(2, 3, 4), (2, 5, 4), (2, 5, 2)], None),
    ("timestep_embedding", lambda a: F.timestep_embedding(tg.tensor([0, 3, 999]), 5) * a, [(3, 5)], None),
]
NOT_ARRAY_OPS = {"conv_output_size", "conv_transpose_output_size"}  # arithmetic on Python ints only


def derivatives(op, operands):
    """The op's output, its gradient along a random direction, and that gradient's own gradient."""
    leaves = [tg.tensor(array, requires_grad=True) for array in operands]
    out = op(*leaves)
    direction = tg.randn(*out.shape, dtype=out.dtype)
    first = tg.grad((out * direction).sum(), leaves, create_graph=True, allow_unused=True)
    curvature = [(g * g).sum() for g in first if g is not None and g.requires_grad]
    second = tg.grad(F.stack(curvature).sum(), leaves, allow_unused=True) if curvature else []
    return {"out": out, "grad": first, "gradgrad": second}


@pytest.mark.parametrize("name, op, shapes, kinds", CASES, ids=[case[0] for case in CASES])
def test_op_equals_numpy_bit_for_bit(name, op, shapes, kinds):
    operands = [draw(shape, kind, seed=i) for i, (shape, kind) in enumerate(zip(shapes, kinds or ["normal"] * 9))]
    result = same_on_device(lambda: derivatives(op, operands))
    assert result["grad"] and any(g is not None for g in result["grad"])


def test_the_cases_cover_every_public_op():
    public = {name for name, value in vars(F).items() if inspect.isfunction(value) and not name.startswith("_")}
    covered = {name for name in public for case in CASES if case[0] == name or case[0].startswith(name + "_")}
    assert public - covered - NOT_ARRAY_OPS == set(), "ops without a device parity case"


def test_comparisons_and_creation_equal_numpy():
    a, b = draw((3, 4)), draw((3, 4), seed=1)

    def build():
        x, y = tg.tensor(a), tg.tensor(b)
        made = [tg.zeros(2, 3), tg.ones(2), tg.full((2,), 1.5), tg.arange(5), tg.randn(3, 2), tg.rand(4),
                tg.zeros_like(x), tg.ones_like(x), tg.randn_like(x), tg.rand_like(x), tg.randint(0, 5, size=(3,)),
                tg.bernoulli(tg.full((6,), 0.5))]
        return [x < y, x <= y, x > y, x >= y, x == y, x != y] + made

    same_on_device(build)
