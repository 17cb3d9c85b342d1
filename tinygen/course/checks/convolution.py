"""Checks of lessons 03 (convolution) and 04 (transposed convolution) against tinygen's own functions."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen.course.checks.cases import Check, Wrong, call, expect_close, expect_equal, for_all
from tinygen.functional.conv_transpose import flip_kernel
from tinygen.functional.im2col import im2col as tinygen_im2col

conv_settings = st.fixed_dictionaries({
    "n": st.integers(1, 2), "c": st.integers(1, 3), "h": st.integers(1, 7), "w": st.integers(1, 7),
    "k": st.integers(1, 4), "s": st.integers(1, 3), "p": st.integers(0, 2), "seed": st.integers(0, 2**16)})


def verify_conv_output_size(conv_output_size):
    expect_equal(call(conv_output_size, 28, 3, 1, 0, 1), 26, "conv_output_size(28, k=3, s=1, p=0, d=1)")
    sizes = st.tuples(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))

    def claim(size):
        i, k, s, p, d = size
        if d * (k - 1) + 1 > i + 2 * p:
            return  # the kernel does not fit: no output size to give
        expect_equal(call(conv_output_size, i, k, s, p, d), F.conv_output_size(i, k, s, p, d),
                     f"conv_output_size(i={i}, k={k}, s={s}, p={p}, d={d})")

    for_all(sizes, claim)


def verify_im2col(im2col):
    numbered = np.arange(16.0).reshape(1, 1, 4, 4)
    expect_close(call(im2col, numbered, 3, 1, 0), [[0, 1, 2, 4, 5, 6, 8, 9, 10], [1, 2, 3, 5, 6, 7, 9, 10, 11],
                                                   [4, 5, 6, 8, 9, 10, 12, 13, 14], [5, 6, 7, 9, 10, 11, 13, 14, 15]],
                 "im2col of the 4x4 image numbered 0..15, k=3, s=1, p=0")

    def claim(case):
        n, c, h, w, k, s, p = (case[key] for key in "nchwksp")
        if k > min(h, w) + 2 * p:
            return
        x = np.random.default_rng(case["seed"]).normal(size=(n, c, h, w))
        size = (F.conv_output_size(h, k, s, p), F.conv_output_size(w, k, s, p))
        expected = tinygen_im2col(x, (k, k), (s, s), (p, p), (1, 1), size)
        expect_close(call(im2col, x, k, s, p), expected, f"im2col(x of shape {x.shape}, k={k}, s={s}, p={p})")

    for_all(conv_settings, claim)


def verify_insert_zeros(insert_zeros):
    expect_close(call(insert_zeros, np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), 2),
                 [[[[1, 0, 2], [0, 0, 0], [3, 0, 4]]]], "insert_zeros([[1, 2], [3, 4]], s=2)")

    def claim(case):
        x = np.random.default_rng(case["seed"]).normal(size=(case["n"], case["c"], case["h"], case["w"]))
        expect_close(call(insert_zeros, x, case["s"]), F.insert_zeros(tg.tensor(x), case["s"]),
                     f"insert_zeros(x of shape {x.shape}, s={case['s']})")

    for_all(conv_settings, claim)


def verify_transposed_padding(transposed_padding):
    """The four steps with the learner's padding must give F.conv_transpose2d's output, any k and p."""
    def claim(case):
        n, c, h, w, k, s, p = (case[key] for key in "nchwksp")
        if p > k - 1 or (min(h, w) - 1) * s + k - 2 * p < 1:
            return  # the course's four steps assume p <= k - 1, and the output must not be empty
        padding = call(transposed_padding, k, p)
        what = f"the four steps with p' = transposed_padding(k={k}, p={p}) = {padding!r} on x of shape {(n, c, h, w)}, "
        if not isinstance(padding, (int, np.integer)) or padding < 0:
            raise Wrong(what + "but p' must be an int of at least 0")
        rng = np.random.default_rng(case["seed"])
        x, weight = tg.tensor(rng.normal(size=(n, c, h, w))), tg.tensor(rng.normal(size=(c, 2, k, k)))
        padded = F.insert_zeros(x, s).pad(((0, 0), (0, 0), (padding, padding), (padding, padding)))
        if min(padded.shape[2:]) < k:
            raise Wrong(what + f"stride {s}: the padded input {padded.shape[2:]} is smaller than the kernel")
        expected = F.conv_transpose2d(x, weight, stride=s, padding=p)
        expect_close(F.conv2d(padded, flip_kernel(weight)), expected, what + f"stride {s}")

    for_all(conv_settings, claim)


CHECKS = {
    "03": [Check("conv_output_size", verify_conv_output_size,
                 "count where the kernel's first tap can start: 0, s, 2s, ... while the kernel, which spans "
                 "d(k - 1) + 1 pixels, still ends inside the padded image of i + 2p pixels"),
           Check("im2col", verify_im2col,
                 "pad first; row r is output pixel (n, a, b) in that order; within a row the taps go (i, j, c): "
                 "kernel row, kernel column, then channel (x.transpose(0, 2, 3, 1) puts channels last)")],
    "04": [Check("insert_zeros", verify_insert_zeros,
                 "the result has s(H - 1) + 1 rows; x lands on every s-th row and column: out[:, :, ::s, ::s] = x"),
           Check("transposed_padding", verify_transposed_padding,
                 "a corner pixel of the zero-inserted input must be reached by the kernel's far corner: "
                 "k - 1 zeros on each side, minus the p the convolution added")],
}
