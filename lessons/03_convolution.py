# %% [markdown]
# # 03 · Convolution: a kernel sliding over an image, and the same thing as one matrix product
#
# A convolution layer (strictly a cross-correlation, as in every deep-learning library)
# slides a small kernel over the image and, at each place, multiplies the pixels under
# it by the kernel's weights and adds them up. You do it by hand first, then see how
# tinygen does it fast (im2col: every window becomes one row of a matrix, and the whole
# convolution one matrix product), then work out the output size for any stride,
# padding and dilation.
#
# Run: `python lessons/03_convolution.py` (add `--quick` for the short version).

# %%
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen.functional.im2col import im2col
from tinygen.lesson import setup

lesson = setup(__file__)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Sliding a kernel by hand
#
# For an image $x$ ($H \times W$) and a kernel $w$ ($k \times k$), output pixel $(a, b)$ is
#
# $$y_{a,b} = \sum_{i,j=0}^{k-1} w_{i,j} \, x_{a+i,\, b+j}$$
#
# The kernel fits in $H - k + 1$ places down and $W - k + 1$ across. A vertical-edge kernel
# on an image of a bright square answers where the brightness changes from left to right:
# its output is negative along the square's left edge (dark to bright), positive along its
# right edge (bright to dark) and zero wherever the image is flat.

# %%
size = lesson.pick(12, 24)
image = np.zeros((size, size))
image[size // 4:3 * size // 4, size // 4:3 * size // 4] = 1.0
edge_kernel = np.array([[1.0, 0.0, -1.0],
                        [2.0, 0.0, -2.0],
                        [1.0, 0.0, -1.0]])  # Sobel: left minus right


def slide_by_hand(x, w):
    k = w.shape[0]
    out = np.zeros((x.shape[0] - k + 1, x.shape[1] - k + 1))
    for a in range(out.shape[0]):
        for b in range(out.shape[1]):
            out[a, b] = np.sum(w * x[a:a + k, b:b + k])
    return out


by_hand = slide_by_hand(image, edge_kernel)
by_tinygen = F.conv2d(tg.tensor(image[None, None]), tg.tensor(edge_kernel[None, None])).numpy()[0, 0]
print("output size:", by_hand.shape, "= (H - k + 1, W - k + 1) =", (size - 2, size - 2))
print("largest difference between the loop and F.conv2d:", np.abs(by_hand - by_tinygen).max())
assert by_tinygen.shape == (size - 2, size - 2)
assert np.allclose(by_hand, by_tinygen)
middle_row = by_hand[size // 2, :]
assert middle_row.max() > 0 > middle_row.min()  # the two vertical edges, opposite signs
assert middle_row.argmin() < middle_row.argmax()  # negative on the left edge, positive on the right
assert not by_hand[0, :].any()  # the top rows see no square: no edge

figure, axes = plt.subplots(1, 3, figsize=(11, 3.8))
panels = [(image, f"image ({size} × {size})", "pixel value"),
          (edge_kernel, "kernel (Sobel, vertical edges)", "weight"),
          (by_tinygen, f"conv2d output ({size - 2} × {size - 2})", "output value")]
for ax, (data, title, meaning) in zip(axes, panels):
    limit = np.abs(data).max()   # signed panels: 0 is white in the middle of the colour scale
    shown = ax.imshow(data, cmap="gray") if data is image else ax.imshow(data, cmap="coolwarm", vmin=-limit, vmax=limit)
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))   # pixel indices, not -0.5
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    figure.colorbar(shown, ax=ax, fraction=0.046, label=meaning)
figure.suptitle("A vertical-edge kernel slid over a bright square")
figure.tight_layout()
figure.savefig(lesson.path("sliding_kernel.png"), dpi=100)
plt.close(figure)

# %% [markdown]
# ## im2col: the same sum as one matrix product
#
# A Python loop over output pixels is slow. Instead, copy each window into one row of a
# matrix (the "column matrix"; tinygen reads the windows through a strided view of the
# image, so no loop over pixels is needed). Then every output pixel is a row times the
# flattened kernel, all of them at once in one matrix product, `y = im2col(x) @ w.flatten()`
# (rows: output pixels, columns: kernel taps). With $C$ input channels a row holds
# $k \cdot k \cdot C$ numbers; with $O$ output channels the kernel becomes a matrix of $O$
# columns. Below: a $4 \times 4$ image whose pixels are numbered 0 to 15 and a $3 \times 3$
# kernel give four windows, four rows of nine pixel numbers each.

# %%
numbered = np.arange(16.0).reshape(1, 1, 4, 4)
rows = im2col(numbered, kernel=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(1, 1), out_size=(2, 2))
print("column matrix (each row = the pixel numbers of one window):\n", rows.astype(int))
assert rows.shape == (4, 9)
assert rows[0].tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]  # the top-left window, row by row
assert rows[3].tolist() == [5, 6, 7, 9, 10, 11, 13, 14, 15]  # the bottom-right one

kernel = rng.normal(size=(3, 3))
as_matrix_product = (rows @ kernel.reshape(-1)).reshape(2, 2)
assert np.allclose(as_matrix_product, slide_by_hand(numbered[0, 0], kernel))
print("rows @ kernel equals the sliding sum")

figure, axes = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1, 2.2]})
axes[0].imshow(numbered[0, 0], cmap="Blues", vmin=-4, vmax=20)
for (r, c), value in np.ndenumerate(numbered[0, 0]):
    axes[0].text(c, r, int(value), ha="center", va="center")
axes[0].add_patch(plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor="red", linewidth=2))
axes[0].set_title("image: pixels 0 to 15; window 0 in red")
axes[0].set_xlabel("column")
axes[0].set_ylabel("row")
axes[1].imshow(rows, cmap="Blues", vmin=-4, vmax=20)
for (r, c), value in np.ndenumerate(rows):
    axes[1].text(c, r, int(value), ha="center", va="center")
axes[1].add_patch(plt.Rectangle((-0.5, -0.5), 9, 1, fill=False, edgecolor="red", linewidth=2))
axes[1].set_title("im2col: one row per output pixel, one column per kernel tap")
axes[1].set_xlabel("kernel tap (i, j)")
axes[1].set_ylabel("output pixel (a, b)")
axes[0].set_xticks(range(4)), axes[0].set_yticks(range(4))
taps, pixels = [(i, j) for i in range(3) for j in range(3)], [(a, b) for a in range(2) for b in range(2)]
axes[1].set_xticks(range(9), [f"({i}, {j})" for i, j in taps], fontsize=8)
axes[1].set_yticks(range(4), [f"({a}, {b})" for a, b in pixels], fontsize=8)
figure.suptitle("A 3 × 3 convolution of a 4 × 4 image as one matrix")
figure.tight_layout()
figure.savefig(lesson.path("im2col.png"), dpi=100)
plt.close(figure)

# %% [markdown]
# How much faster is it? The loop visits every output pixel of every image in Python;
# im2col hands all the arithmetic to the matrix library.

# %%
batch = rng.normal(size=(16, 16, 28, 28)).astype(np.float32)
weights = rng.normal(size=(32, 16, 3, 3)).astype(np.float32)


def conv_by_loops(x, w):
    out = np.zeros((x.shape[0], w.shape[0], x.shape[2] - 2, x.shape[3] - 2), dtype=x.dtype)
    for a in range(out.shape[2]):
        for b in range(out.shape[3]):
            out[:, :, a, b] = np.einsum("ncij,ocij->no", x[:, :, a:a + 3, b:b + 3], w)
    return out


def best_ms(run, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(1000 * (time.perf_counter() - start))
    return min(times), result


loop_ms, looped = best_ms(lambda: conv_by_loops(batch, weights))
fast_ms, fast = best_ms(lambda: F.conv2d(tg.tensor(batch), tg.tensor(weights)).numpy())
print(f"16 images 16->32 channels 28x28: loop over pixels {loop_ms:.1f} ms, im2col + one matmul {fast_ms:.1f} ms")
assert np.allclose(looped, fast, atol=1e-3)
assert fast_ms < loop_ms

# %% [markdown]
# ## Stride, padding, dilation, and the output size
#
# * stride $s$: the kernel jumps $s$ pixels at a time;
# * padding $p$: $p$ rows/columns of zeros around the image, so the border pixels get visited
#   as often as the others and the size can be kept;
# * dilation $d$: the kernel's taps are $d$ pixels apart, so it spans $d(k - 1) + 1$ pixels.
#
# On an input of $i$ pixels the kernel then fits where it starts at $0, s, 2s, \ldots$ and still
# ends inside the padded image, which gives $o$ output pixels:
#
# $$o = \left\lfloor \frac{i + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$$
#
# The cell below checks it against brute force (counting the positions where the window fits)
# and against the shape `F.conv2d` actually returns, over a grid of sizes, then prints the
# output sizes of a 7-pixel input and a $3 \times 3$ kernel.

# %%
def windows_that_fit(i, k, s, p, d):
    extent = d * (k - 1) + 1
    return sum(1 for start in range(0, i + 2 * p, s) if start + extent <= i + 2 * p)


checked = 0
table = []
for i in range(lesson.pick(3, 1), lesson.pick(9, 17)):
    for k in (1, 2, 3, 4, 5):
        for s in (1, 2, 3):
            for p in (0, 1, 2):
                for d in (1, 2):
                    count = windows_that_fit(i, k, s, p, d)
                    if count == 0:
                        continue  # the kernel is larger than the padded image (an error, below)
                    formula = F.conv_output_size(i, k, s, p, d)
                    shape = F.conv2d(tg.zeros(1, 1, i, i), tg.zeros(1, 1, k, k), stride=s, padding=p,
                                     dilation=d).shape
                    assert formula == count == shape[2] == shape[3], (i, k, s, p, d)
                    checked += 1
                    if i == 7 and k == 3 and d == 1:
                        table.append((i, k, s, p, formula))
print(f"formula = brute-force count = F.conv2d's shape in all {checked} cases")
print("input i = 7, kernel k = 3, dilation d = 1:")
print(" i  k  s  p |  o")
for row in table:
    print(" {}  {}  {}  {} | {:2d}".format(*row))
assert (7, 3, 2, 1, 4) in table  # the DCGAN-style halving: 7 -> 4 with k3 s2 p1

# %% [markdown]
# When the kernel does not fit, tinygen says so with the numbers filled in:

# %%
try:
    F.conv2d(tg.zeros(1, 1, 2, 5), tg.zeros(1, 1, 3, 3))
    raise AssertionError("a 3x3 kernel on a 2-row image should not work")
except ValueError as error:
    message = str(error)
print(message)
assert "larger than the padded input" in message and "floor((2 + 2*0 - 1*(3-1) - 1)/1) + 1" in message

# %% [markdown]
# ## Multiple channels and the gradient
#
# With $C$ input channels each output channel sums over all $C$ (a kernel is $C \times k \times k$),
# and $O$ kernels make $O$ output channels: the weight has the shape `(O, C, k, k)`. The backward
# pass of a convolution is itself a convolution-like sum: the input gradient is a *transposed*
# convolution with the same weight (lesson 04). gradcheck confirms all three gradients (input,
# weight and bias).

# %%
x = tg.tensor(rng.normal(size=(2, 3, 6, 5)), requires_grad=True)
w = tg.tensor(rng.normal(size=(4, 3, 3, 2)), requires_grad=True)
b = tg.tensor(rng.normal(size=4), requires_grad=True)
y = F.conv2d(x, w, b, stride=2, padding=1)
print("x", x.shape, "* w", w.shape, "->", y.shape)
assert y.shape == (2, 4, F.conv_output_size(6, 3, 2, 1), F.conv_output_size(5, 2, 2, 1))
assert tg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [x, w, b])
print("gradcheck: the input, weight and bias gradients of conv2d agree with central differences")
