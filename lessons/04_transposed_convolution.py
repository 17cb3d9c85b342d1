# %% [markdown]
# # 04 · Transposed convolution: upsampling in four steps, and why it is called "transposed"
#
# Decoders and GAN generators must go from a small feature map to a big image. A
# transposed convolution does that.
#
# With the stride $s$, padding $p$ and kernel size $k$ of the convolution whose shape it undoes,
# it turns an input of size $i$ into an output of size
#
# $$o = (i - 1)\, s + k - 2p$$
#
# You can compute it in four steps:
#
# 1. compute $z = s - 1$ and $p' = k - p - 1$,
# 2. insert $z$ zeros between neighbouring rows and columns of the input,
# 3. pad the result with $p'$ zeros on every side,
# 4. run an ordinary convolution with stride 1 (with the kernel rotated by 180°).
#
# tinygen implements exactly these steps (`method="zero_insertion"`) and a fast way
# that skips all the multiplications by inserted zeros (`method="col2im"`, the default).
#
# Run: `python lessons/04_transposed_convolution.py` (add `--quick` for the short version).

# %%
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen.functional.conv_transpose import flip_kernel
from tinygen.lesson import setup

lesson = setup(__file__)
rng = np.random.default_rng(0)

# %% [markdown]
# ## The four steps, for stride 1 and 2 and padding 0 and 1
#
# Take a $2 \times 2$ input (values 1 to 4) and a $3 \times 3$ kernel of ones, so every output
# number is just the sum of the input values its window covers. Each row of the figure is one
# case (its stride and padding are in the first panel's title); the columns are the steps. The
# last step's output must equal what `conv_transpose2d` returns.

# %%
x_small = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]])[None, None])
ones_kernel = tg.ones(1, 1, 3, 3, dtype=np.float64)
k, i = 3, 2
cases = [(1, 0), (1, 1), (2, 0), (2, 1)]
figure, axes = plt.subplots(len(cases), 4, figsize=(11, 11))
for row, (s, p) in enumerate(cases):
    z, p_prime = s - 1, k - p - 1
    zeros_inserted = F.insert_zeros(x_small, s)
    padded = F.pad_for_transpose(zeros_inserted, k, p)
    output = F.conv2d(padded, flip_kernel(ones_kernel), stride=1)
    o = (i - 1) * s + k - 2 * p
    print(f"s={s} p={p}: z={z}, p'={p_prime}; sizes {i} -> {zeros_inserted.shape[2]} -> {padded.shape[2]} -> "
          f"{output.shape[2]} (formula: {o})")
    assert zeros_inserted.shape[2] == s * (i - 1) + 1
    assert padded.shape[2] == s * (i - 1) + 1 + 2 * p_prime
    assert output.shape[2] == o == F.conv_transpose_output_size(i, k, s, p)
    assert np.array_equal(output.numpy(), F.conv_transpose2d(x_small, ones_kernel, stride=s, padding=p).numpy())
    steps = [("input", x_small), (f"insert z={z} zeros", zeros_inserted), (f"pad p'={p_prime}", padded),
             (f"conv stride 1 -> {o}x{o}", output)]
    for ax, (title, tensor) in zip(axes[row], steps):
        values = tensor.numpy()[0, 0]
        ax.imshow(values, cmap="Blues", vmin=0, vmax=12)
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8)
        ax.set_title(f"s={s} p={p}: {title}" if ax is axes[row][0] else title, fontsize=10)
        ax.set_xlim(-0.5, 6.5), ax.set_ylim(6.5, -0.5)  # one scale for all panels: sizes compare
        ax.axis("off")
figure.suptitle("Transposed convolution of a 2 × 2 input with a 3 × 3 kernel of ones, step by step "
                "(numbers: the values; darker: larger)")
figure.tight_layout()
figure.savefig(lesson.path("four_steps.png"), dpi=90)
plt.close(figure)

# %% [markdown]
# Why rotate the kernel in step 4? In the transposed convolution, input pixel $(a, b)$ adds
# its value times the kernel into the output: $x_{a,b}\, w_{i,j}$ lands at row $as + i$, column
# $bs + j$. Read from the output's side, output pixel $(r, c)$ collects $w_{r - as,\, c - bs}$:
# the kernel indexed backwards, which a forward-sliding convolution gets by rotating the kernel.
# With several channels the kernel's in/out axes also swap: the weight has the shape
# `(C_in, C_out, k, k)`, as in PyTorch.

# %%
kernel = tg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
print("kernel:\n", kernel.numpy()[0, 0], "\nrotated for step 4:\n", flip_kernel(kernel).numpy()[0, 0])
stamp = F.conv_transpose2d(tg.tensor(np.ones((1, 1, 1, 1))), kernel, method="zero_insertion").numpy()[0, 0]
assert np.array_equal(stamp, kernel.numpy()[0, 0])  # a single 1 stamps the kernel itself, upright
print("a single input pixel of value 1 stamps the kernel, the right way up")

# %% [markdown]
# ## The size formula, checked by running the op
#
# For a grid of input sizes $i$, kernels $k$, strides $s$ and paddings $p$ the cell below runs
# both methods and compares the output size with $o = (i - 1)s + k - 2p$. It prints the rows
# of an input of size 4 with stride 2.

# %%
checked, printed = 0, []
for i in range(1, lesson.pick(5, 9)):
    for k in (1, 2, 3, 4, 5):
        for s in (1, 2, 3):
            for p in range(0, k):
                o = (i - 1) * s + k - 2 * p
                if o < 1:
                    continue
                x = tg.zeros(1, 1, i, i)
                for method in ("zero_insertion", "col2im"):
                    shape = F.conv_transpose2d(x, tg.zeros(1, 1, k, k), stride=s, padding=p, method=method).shape
                    assert shape[2:] == (o, o), (i, k, s, p, method, shape)
                assert F.conv_transpose_output_size(i, k, s, p) == o
                checked += 1
                if i == 4 and k in (3, 4) and s == 2:
                    printed.append((i, k, s, p, o))
print(f"o = (i-1)s + k - 2p held in all {checked} cases, for both methods")
print("input i = 4, stride s = 2:")
print(" i  k  s  p |  o")
for row in printed:
    print(" {}  {}  {}  {} | {:2d}".format(*row))
assert (4, 4, 2, 1, 8) in printed  # the DCGAN step: k4 s2 p1 doubles the size exactly

# %% [markdown]
# ## The literal steps and the fast path agree — and what the zeros cost
#
# The fast path never builds the zero-inserted image: one matrix product computes every
# input pixel's $k \times k$ stamp for every output channel, and a scatter-add (one strided slice
# per kernel position) puts the stamps in place. Same numbers, same gradients, to
# float64 rounding:

# %%
for s, p, k in [(1, 0, 3), (2, 1, 4), (3, 2, 3), (2, 0, 1)]:
    inputs = {}
    for method in ("zero_insertion", "col2im"):
        x = tg.tensor(rng.normal(size=(2, 3, 4, 5)) if not inputs else inputs["zero_insertion"][0].numpy(),
                      requires_grad=True)
        w = tg.tensor(rng.normal(size=(3, 2, k, k)) if not inputs else inputs["zero_insertion"][1].numpy(),
                      requires_grad=True)
        y = F.conv_transpose2d(x, w, stride=s, padding=p, method=method)
        (y * y).sum().backward()
        inputs[method] = (x, w, y)
    (x0, w0, y0), (x1, w1, y1) = inputs["zero_insertion"], inputs["col2im"]
    difference = max(np.abs(a - b).max() for a, b in [(y0.numpy(), y1.numpy()), (x0.grad.numpy(), x1.grad.numpy()),
                                                      (w0.grad.numpy(), w1.grad.numpy())])
    print(f"s={s} p={p} k={k}: largest difference in output and gradients {difference:.1e}")
    assert difference < 1e-10

# %% [markdown]
# With stride $s$, only about one position in $s^2$ of the zero-inserted image holds a real value,
# so the literal way multiplies mostly by zero. Count the multiply-adds of a DCGAN generator
# layer (128 → 64 channels, 7 × 7 → 14 × 14, k4 s2 p1): the literal way slides the full kernel
# over every output pixel; the fast way multiplies each real input pixel by the kernel once.
# Then the stopwatch, on the same layer in float32 (best of five runs, after one to warm up):

# %%
n, c_in, c_out, i, k, s, p = lesson.pick(16, 64), 128, 64, 7, 4, 2, 1
o = F.conv_transpose_output_size(i, k, s, p)
literal_macs = n * c_out * o * o * c_in * k * k
fast_macs = n * c_in * i * i * c_out * k * k
print(f"multiply-adds: zero insertion {literal_macs / 1e6:.0f} M, col2im {fast_macs / 1e6:.0f} M "
      f"({literal_macs / fast_macs:.1f}x = (o/i)^2 = (14/7)^2)")
assert literal_macs / fast_macs == (o / i) ** 2 == s ** 2

x = tg.tensor(rng.normal(size=(n, c_in, i, i)).astype(np.float32))
w = tg.tensor(rng.normal(size=(c_in, c_out, k, k)).astype(np.float32) * 0.05)
timings = {}
for method in ("zero_insertion", "col2im"):
    runs = []
    for _ in range(6):  # the first run warms up
        start = time.perf_counter()
        F.conv_transpose2d(x, w, stride=s, padding=p, method=method)
        runs.append(1000 * (time.perf_counter() - start))
    timings[method] = min(runs[1:])
print(f"forward, batch {n}: zero insertion {timings['zero_insertion']:.1f} ms, col2im {timings['col2im']:.1f} ms "
      f"({timings['zero_insertion'] / timings['col2im']:.1f}x; copies of the big padded image add to the 4x)")
assert timings["zero_insertion"] > timings["col2im"], "skipping the zeros pays"

# %% [markdown]
# ## Why output_padding exists
#
# A strided convolution rounds down: with k3 s2 p1, inputs of size 7 and 8 both give 4.
# Going back, the transposed convolution cannot know which one you meant and returns the
# smaller, 7. `output_padding=1` adds the missing row and column (bottom and right) — it
# must be smaller than the stride. A decoder that mirrors a 28 → 14 → 7 encoder built from
# k3 s2 p1 convolutions needs it on the way up; k4 s2 p1 (the DCGAN choice) doubles exactly.

# %%
assert F.conv_output_size(7, 3, 2, 1) == F.conv_output_size(8, 3, 2, 1) == 4
up = [F.conv_transpose_output_size(4, 3, 2, 1, output_padding=op) for op in (0, 1)]
print("k3 s2 p1: conv maps 7 and 8 to 4; transposed conv maps 4 back to", up, "with output_padding 0, 1")
assert up == [7, 8]
sizes_down = [28, F.conv_output_size(28, 3, 2, 1)]
sizes_down.append(F.conv_output_size(sizes_down[-1], 3, 2, 1))
without = [7, F.conv_transpose_output_size(7, 3, 2, 1), None]
without[2] = F.conv_transpose_output_size(without[1], 3, 2, 1)
with_padding = [7, F.conv_transpose_output_size(7, 3, 2, 1, 1)]
with_padding.append(F.conv_transpose_output_size(with_padding[1], 3, 2, 1, 1))
print("encoder k3 s2 p1:", sizes_down, "| decoder without output_padding:", without,
      "| with output_padding=1:", with_padding)
assert sizes_down == [28, 14, 7] and without == [7, 13, 25] and with_padding == [7, 14, 28]
dcgan = [7, F.conv_transpose_output_size(7, 4, 2, 1)]
dcgan.append(F.conv_transpose_output_size(dcgan[1], 4, 2, 1))
print("decoder k4 s2 p1:", dcgan)
assert dcgan == [7, 14, 28]

# %% [markdown]
# ## The name: it multiplies by the transposed matrix
#
# A convolution is linear, so it is a matrix $M$ acting on the flattened image: $y = Mx$.
# For a $4 \times 4$ image and a $3 \times 3$ kernel, $M$ is $4 \times 16$: each row holds the
# kernel, placed where one window sits. The transposed convolution multiplies by $M^\top$
# ($16 \times 4$): it maps a $2 \times 2$ map back to $4 \times 4$, spreading each value over the
# window it came from. It is also the convolution's input gradient:
#
# $$\frac{\partial L}{\partial x} = M^\top \frac{\partial L}{\partial y}$$

# %%
weight = tg.tensor(rng.normal(size=(1, 1, 3, 3)))
columns = [F.conv2d(tg.tensor(np.eye(16)[n].reshape(1, 1, 4, 4)), weight).numpy().reshape(-1) for n in range(16)]
matrix = np.stack(columns, axis=1)  # column n = the response to the n-th unit image
y_small = rng.normal(size=(1, 1, 2, 2))
for method in ("zero_insertion", "col2im"):
    transposed = F.conv_transpose2d(tg.tensor(y_small), weight, method=method).numpy().reshape(-1)
    assert np.allclose(transposed, matrix.T @ y_small.reshape(-1), atol=1e-12)
print("conv_transpose2d(y) = M^T y for both methods; M has shape", matrix.shape)

x = tg.tensor(rng.normal(size=(1, 1, 4, 4)), requires_grad=True)
F.conv2d(x, weight).backward(tg.tensor(y_small))
assert np.allclose(x.grad.numpy(), F.conv_transpose2d(tg.tensor(y_small), weight).numpy(), atol=1e-12)
print("and it is exactly conv2d's input gradient")

figure, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [4, 1.2]},
                         layout="constrained")
limit = np.abs(matrix).max()
image = axes[0].imshow(matrix, cmap="coolwarm", vmin=-limit, vmax=limit)
axes[0].set_title("conv2d of a 4 × 4 image, 3 × 3 kernel, as a matrix M (4 × 16)")
axes[0].set_xlabel("conv2d's input pixel (of the 4 × 4 x, row by row)")
axes[0].set_ylabel("conv2d's output pixel (of 2 × 2)")
axes[1].imshow(matrix.T, cmap="coolwarm", vmin=-limit, vmax=limit)
axes[1].set_title("conv_transpose2d = Mᵀ (16 × 4)")
axes[1].set_xlabel("its input pixel (of 2 × 2)")
axes[1].set_ylabel("its output pixel (of 4 × 4)")
for ax, (rows, columns) in zip(axes, (matrix.shape, matrix.T.shape)):
    ax.set_xticks(range(columns)), ax.set_yticks(range(rows))
    ax.tick_params(labelsize=7)
figure.colorbar(image, ax=axes, label="kernel weight (0: no connection)", shrink=0.8)
figure.savefig(lesson.path("transposed_matrix.png"), dpi=100)
plt.close(figure)

# %% [markdown]
# ## At stride 1 the two are one map, computed on the cheaper side
#
# Read the four steps at stride 1: there are no zeros to insert, so a transposed convolution with
# padding $p'$ is a convolution of its input, padded by $k - 1 - p'$, with the flipped kernel. Turned
# around, every stride-1 convolution is a transposed convolution too:
#
# $$\mathrm{conv2d}(x, w, p) = \mathrm{conv\_transpose2d}(x, \mathrm{flip}(w), k - 1 - p)$$
#
# The same numbers at different costs: im2col copies $k^2 C_{in}$ numbers for every output pixel, the
# transposed convolution makes $k^2 C_{out}$ stamps for every input pixel. So tinygen computes a stride-1
# convolution that at least halves its channels by stamps (a U-Net's 16 → 1 output layer: four times
# faster, forward and backward), and a transposed one that widens by im2col
# (``tinygen/functional/flipped.py``; ``benchmarks/README.md`` has the measurements).

# %%
x_wide = tg.tensor(rng.normal(size=(2, 16, 9, 9)))
narrowing = tg.tensor(rng.normal(size=(1, 16, 3, 3)))          # 16 channels in, 1 out
for p in (0, 1, 2):
    # the definition, straight from NumPy: every 3 x 3 window of the padded input times the kernel
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x_wide.numpy(), [(0, 0), (0, 0), (p, p), (p, p)]),
                                                       (3, 3), axis=(2, 3))
    by_definition = np.einsum("ncabij,ocij->noab", windows, narrowing.numpy())
    as_conv = F.conv2d(x_wide, narrowing, padding=p).numpy()
    as_transpose = F.conv_transpose2d(x_wide, flip_kernel(narrowing), padding=2 - p).numpy()
    assert np.allclose(as_conv, by_definition, atol=1e-10) and np.allclose(as_transpose, by_definition, atol=1e-10)
    print(f"padding {p}: conv2d and the flipped conv_transpose2d (padding {2 - p}) both give the definition's "
          f"{as_conv.shape}")
