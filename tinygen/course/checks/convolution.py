"""Checks of lessons 03 (convolution) and 04 (transposed convolution) against tinygen's own functions."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
import tinygen.functional as F
from tinygen.course.checks.cases import Check, Wrong, call, expect_array, expect_close, expect_equal, expect_int, for_all
from tinygen.functional.conv_transpose import flip_kernel
from tinygen.functional.im2col import im2col as tinygen_im2col

conv_settings = st.fixed_dictionaries({
    "n": st.integers(1, 2), "c": st.integers(1, 3), "h": st.integers(1, 7), "w": st.integers(1, 7),
    "k": st.integers(1, 4), "s": st.integers(1, 3), "p": st.integers(0, 2), "seed": st.integers(0, 2**16)})


def verify_conv_output_size(conv_output_size):
    what = "conv_output_size(28, k=3, s=1, p=0, d=1)"
    expect_equal(expect_int(call(conv_output_size, 28, 3, 1, 0, 1, what=what), what), 26, what)
    sizes = st.tuples(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))

    def claim(size):
        i, k, s, p, d = size
        if d * (k - 1) + 1 > i + 2 * p:
            return  # the kernel does not fit: no output size to give
        what = f"conv_output_size(i={i}, k={k}, s={s}, p={p}, d={d})"
        expect_equal(expect_int(call(conv_output_size, i, k, s, p, d, what=what), what),
                     F.conv_output_size(i, k, s, p, d), what)

    for_all(sizes, claim)


def verify_im2col(im2col):
    numbered = np.arange(16.0).reshape(1, 1, 4, 4)
    what = "im2col of the 4x4 image numbered 0..15, k=3, s=1, p=0"
    expect_close(expect_array(call(im2col, numbered, 3, 1, 0, what=what), what), [[0, 1, 2, 4, 5, 6, 8, 9, 10], [1, 2, 3, 5, 6, 7, 9, 10, 11],
                                                   [4, 5, 6, 8, 9, 10, 12, 13, 14], [5, 6, 7, 9, 10, 11, 13, 14, 15]],
                 "im2col of the 4x4 image numbered 0..15, k=3, s=1, p=0")

    def claim(case):
        n, c, h, w, k, s, p = (case[key] for key in "nchwksp")
        if k > min(h, w) + 2 * p:
            return
        x = np.random.default_rng(case["seed"]).normal(size=(n, c, h, w))
        size = (F.conv_output_size(h, k, s, p), F.conv_output_size(w, k, s, p))
        expected = tinygen_im2col(x, (k, k), (s, s), (p, p), (1, 1), size)
        what = f"im2col(x of shape {x.shape}, k={k}, s={s}, p={p})"
        expect_close(expect_array(call(im2col, x, k, s, p, what=what), what), expected, what)

    for_all(conv_settings, claim)


def verify_insert_zeros(insert_zeros):
    what = "insert_zeros([[1, 2], [3, 4]], s=2)"
    expect_close(expect_array(call(insert_zeros, np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), 2, what=what), what),
                 [[[[1, 0, 2], [0, 0, 0], [3, 0, 4]]]], what)

    def claim(case):
        x = np.random.default_rng(case["seed"]).normal(size=(case["n"], case["c"], case["h"], case["w"]))
        what = f"insert_zeros(x of shape {x.shape}, s={case['s']})"
        expect_close(expect_array(call(insert_zeros, x, case["s"], what=what), what),
                     F.insert_zeros(tg.tensor(x), case["s"]), what)

    for_all(conv_settings, claim)


def verify_transposed_padding(transposed_padding):
    """The four steps with the learner's padding must give F.conv_transpose2d's output, any k and p."""
    def claim(case):
        n, c, h, w, k, s, p = (case[key] for key in "nchwksp")
        if p > k - 1 or (min(h, w) - 1) * s + k - 2 * p < 1:
            return  # the course's four steps assume p <= k - 1, and the output must not be empty
        asked = f"transposed_padding(k={k}, p={p})"
        padding = expect_int(call(transposed_padding, k, p, what=asked), asked)
        what = f"the four steps with p' = {asked} = {padding!r} on x of shape {(n, c, h, w)}, "
        if padding < 0:
            raise Wrong(what + "but p' must be at least 0")
        rng = np.random.default_rng(case["seed"])
        x, weight = tg.tensor(rng.normal(size=(n, c, h, w))), tg.tensor(rng.normal(size=(c, 2, k, k)))
        padded = F.insert_zeros(x, s).pad(((0, 0), (0, 0), (padding, padding), (padding, padding)))
        if min(padded.shape[2:]) < k:
            raise Wrong(what + f"stride {s}: the padded input {padded.shape[2:]} is smaller than the kernel")
        expected = F.conv_transpose2d(x, weight, stride=s, padding=p)
        expect_close(F.conv2d(padded, flip_kernel(weight)), expected, what + f"stride {s}")

    for_all(conv_settings, claim)


def verify_transposed_output_size(transposed_output_size):
    what = "transposed_output_size(7, k=4, s=2, p=1, output_padding=0)"
    expect_equal(expect_int(call(transposed_output_size, 7, 4, 2, 1, 0, what=what), what), 14, what)

    def claim(size):
        i, k, s, p, extra = size
        if extra >= s or (i - 1) * s + k - 2 * p + extra < 1:
            return  # output_padding must stay below the stride, and the output must not be empty
        what = f"transposed_output_size(i={i}, k={k}, s={s}, p={p}, output_padding={extra})"
        expect_equal(expect_int(call(transposed_output_size, i, k, s, p, extra, what=what), what),
                     F.conv_transpose_output_size(i, k, s, p, extra), what)

    for_all(st.tuples(st.integers(1, 30), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3), st.integers(0, 3)),
            claim)


CHECKS = {
    "03": [Check("conv_output_size", verify_conv_output_size,
                 "count the places where the kernel's first tap can start (0, s, 2s, ...) so that the whole "
                 "kernel, taps d apart, still ends inside the padded image", gives="number", takes_arrays=False),
           Check("im2col", verify_im2col,
                 "pad first; then, for each tap (i, j) of the kernel, which pixels of the padded image does that "
                 "tap see at every output position? Mind the order the rows and the taps must come in",
                 gives="array")],
    "04": [Check("insert_zeros", verify_insert_zeros,
                 "start from an array of zeros of the final size; where in it do x's values land?", gives="array"),
           Check("transposed_padding", verify_transposed_padding,
                 "draw one dimension: which kernel tap must still reach the first pixel of the zero-inserted "
                 "input, and how much padding did the forward convolution already account for?",
                 gives="number", takes_arrays=False),
           Check("transposed_output_size", verify_transposed_output_size,
                 "a transposed convolution undoes a convolution's shape: solve the convolution's output-size "
                 "formula for its input size; output_padding settles the sizes that rounding down merged",
                 gives="number", takes_arrays=False)],
}
