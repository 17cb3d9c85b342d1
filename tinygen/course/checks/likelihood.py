"""Checks of lesson 20's exercises: MADE's masks, the affine coupling layer and bits per dimension."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

from tinygen.course import solutions
from tinygen.course.checks.cases import Check, Wrong, call, expect_close, expect_same_gradients, for_all


def verify_made_masks(made_masks):
    def claim(case):
        size, hidden, seed = case
        rng = np.random.default_rng(seed)
        inputs = rng.permutation(size) + 1
        degrees = rng.integers(1, size, hidden)
        got = call(made_masks, inputs.copy(), degrees.copy())
        if not isinstance(got, tuple) or len(got) != 2:
            raise Wrong("made_masks must return (hidden_mask, output_mask)")
        what = f"made_masks(input_degrees={inputs.tolist()}, hidden_degrees={degrees.tolist()})"
        for name, g, e in zip(("hidden_mask", "output_mask"), got, solutions.made_masks(inputs, degrees)):
            expect_close(g, e, f"{what}: {name}")

    for_all(st.tuples(st.integers(2, 7), st.integers(1, 6), st.integers(0, 2**16)), claim)


def verify_affine_coupling(affine_coupling):
    def claim(case):
        n, channels, side, parity, seed = case
        rng = np.random.default_rng(seed)
        x, s, t = (rng.normal(size=(n, channels, side, side)) for _ in range(3))
        rows, columns = np.indices((side, side))
        mask = ((rows + columns + parity) % 2 == 0).astype(float).reshape(1, 1, side, side)
        what = f"affine_coupling on x of shape {x.shape} with a checkerboard mask (parity {parity})"
        for index, name, inputs in ((0, "y", (0, 2, 3)), (1, "log_det", (2,))):   # log_det depends on s alone
            expect_same_gradients(lambda *a: _part(affine_coupling(*a), index, n),
                                  lambda *a: solutions.affine_coupling(*a)[index], [x, mask, s, t],
                                  f"{what}: {name}", differentiable=inputs)

    for_all(st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(2, 4), st.integers(0, 1),
                      st.integers(0, 2**16)), claim)


def _part(result, index, n):
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong("affine_coupling must return (y, log_det)")
    if index == 1 and getattr(result[1], "shape", None) != (n,):
        raise Wrong(f"log_det must hold one value per example, shape ({n},), got {getattr(result[1], 'shape', None)}")
    return result[index]


def verify_bits_per_dim(bits_per_dim):
    def claim(case):
        n, dimensions, seed = case
        log_prob = np.random.default_rng(seed).normal(0, 100, n)
        expect_close(call(bits_per_dim, log_prob.copy(), dimensions), solutions.bits_per_dim(log_prob, dimensions),
                     f"bits_per_dim(log_prob={np.round(log_prob, 2).tolist()}, dimensions={dimensions})")

    for_all(st.tuples(st.integers(1, 4), st.integers(1, 784), st.integers(0, 2**16)), claim)


CHECKS = {
    "20": [Check("made_masks", verify_made_masks,
                 "hidden_mask = (hidden_degrees[:, None] >= input_degrees[None, :]); output_mask = "
                 "(input_degrees[:, None] > hidden_degrees[None, :]), each as float: the output's > is strict"),
           Check("affine_coupling", verify_affine_coupling,
                 "free = 1 - mask; y = mask * x + free * (x * s.exp() + t); log_det = (free * s) summed over every "
                 "axis but the first (reshape to (N, -1), then sum(axis=1))"),
           Check("bits_per_dim", verify_bits_per_dim,
                 "(-log_prob + D log 256) / (D log 2): the 1/256 scaling adds D log 256 nats, then divide by D log 2")],
}
