"""Forward + backward time of conv2d and conv_transpose2d (both methods) against PyTorch's CPU build.

The shapes are those of a DCGAN / conv VAE on 28x28 images, batch 64, float32. Every
input and parameter requires grad (a layer in the middle of a network). Each time is the
best of --repeats runs after two warm-up runs, the contenders taking turns.

Run: python benchmarks/conv.py [--repeats N] [--threads N] [--clock wall|cpu] [--vae]

Beside each time: the rate reached (GFLOP/s: the layer's three products, forward, input gradient and
weight gradient, 2 N oH oW C_in C_out k^2 floating-point operations each), and "BLAS floor": three
times one plain float32 matrix product of the forward's shape through NumPy's BLAS — what an im2col
convolution would cost if nothing but its products took time. Where PyTorch is faster than that floor,
no rearranging of tinygen's copies can close the gap: its convolution (oneDNN's) computes faster than
the BLAS NumPy calls.

--clock cpu counts this process's CPU seconds (with --threads 1 on a shared machine, that leaves out
the waiting for a core). --vae times the layers of the course's conv VAE instead (batch 128, as it trains).

Most of the time is matrix products, so numpy's BLAS decides a lot. The OpenBLAS inside
numpy's wheels picks its kernels by CPU model and may not know a new one: on an AMD Zen 5
it falls back to its AVX2 ("Haswell") kernels although AVX-512 ones exist. The table's
footer names the kernels in use; OPENBLAS_CORETYPE=SkylakeX (on a CPU with AVX-512 only)
made the products about 1.9x faster there.
"""
import argparse
import statistics
import time

import numpy as np

import tinygen as tg
import tinygen.functional as F

from common import CLOCKS, add_clock_option, add_threads_option, blas_threads, optional_torch

# (name, op, C_in, C_out, kernel, stride, padding, input size)
SHAPES = [
    ("D1 conv 1->64 k4 s2 p1 28x28", "conv", 1, 64, 4, 2, 1, 28),
    ("D2 conv 64->128 k4 s2 p1 14x14", "conv", 64, 128, 4, 2, 1, 14),
    ("G1 convT 128->64 k4 s2 p1 7x7", "convT", 128, 64, 4, 2, 1, 7),
    ("G2 convT 64->1 k4 s2 p1 14x14", "convT", 64, 1, 4, 2, 1, 14),
    ("E conv 32->64 k3 s1 p1 14x14", "conv", 32, 64, 3, 1, 1, 14),
    ("U conv 64->64 k3 s1 p1 14x14", "conv", 64, 64, 3, 1, 1, 14),       # a U-Net's layer (Winograd's path)
    ("U convT 64->64 k3 s1 p1 7x7", "convT", 64, 64, 3, 1, 1, 7),
]
# the course's conv VAE (batch 128): as above, then the output padding of its "same" transposed convolutions
VAE_SHAPES = [
    ("VE1 conv 1->32 k3 s2 p1 28x28", "conv", 1, 32, 3, 2, 1, 28, 0),
    ("VE2 conv 32->64 k3 s2 p1 14x14", "conv", 32, 64, 3, 2, 1, 14, 0),
    ("VD1 convT 64->64 k3 s2 p1 op1 7x7", "convT", 64, 64, 3, 2, 1, 7, 1),
    ("VD2 convT 64->32 k3 s2 p1 op1 14x14", "convT", 64, 32, 3, 2, 1, 14, 1),
    ("VD3 convT 32->1 k3 s1 p1 28x28", "convT", 32, 1, 3, 1, 1, 28, 0),
]
BATCH, VAE_BATCH = 64, 128
WARMUP_ROUNDS = 2


def seconds(step, clock=CLOCKS["wall"]):
    start = clock()
    step()
    return clock() - start


def arrays(op, c_in, c_out, k, size, rng, batch=BATCH):
    weight_shape = (c_out, c_in, k, k) if op == "conv" else (c_in, c_out, k, k)
    return [rng.standard_normal(shape).astype(np.float32) * 0.1
            for shape in ((batch, c_in, size, size), weight_shape, (c_out,))]


def tinygen_step(op, stride, padding, data, method, output_padding=0):
    x, w, b = (tg.tensor(a, requires_grad=True) for a in data)

    def step():
        for t in (x, w, b):
            t.grad = None
        if op == "conv":
            y = F.conv2d(x, w, b, stride=stride, padding=padding)
        else:
            y = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                                   method=method)
        y.backward(tg.ones(*y.shape))
    return step


def torch_step(torch, op, stride, padding, data, device="cpu", output_padding=0):
    x, w, b = (torch.tensor(a, device=device, requires_grad=True) for a in data)
    extra = {} if op == "conv" else {"output_padding": output_padding}
    function = torch.nn.functional.conv2d if op == "conv" else torch.nn.functional.conv_transpose2d

    def step():
        for t in (x, w, b):
            t.grad = None
        y = function(x, w, b, stride=stride, padding=padding, **extra)
        y.backward(torch.ones_like(y))
    return step


def blas_description():
    """Which BLAS numpy runs, its kernel family and thread count (via threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "numpy BLAS: unknown (install threadpoolctl to see it)"
    libraries = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')} kernels, {i['num_threads']} threads"
                 for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
    return "numpy BLAS: " + ("; ".join(libraries) or "unknown")


def product_shape(op, c_in, c_out, k, stride, padding, size, output_padding=0, batch=BATCH):
    """(rows, inner, columns) of the forward's one matrix product: im2col's (N oH oW, C_in k^2) @ (C_in k^2, C_out)
    for a convolution, the stamps' (N H W, C_in) @ (C_in, C_out k^2) for a transposed one."""
    if op == "conv":
        out = (size + 2 * padding - k) // stride + 1
        return batch * out * out, c_in * k * k, c_out
    return batch * size * size, c_in, c_out * k * k


def blas_floor_ms(shape, repeats, batch, clock):
    """3 x the best time of one float32 product of the forward's shape (the three products of a layer's step)."""
    rows, inner, columns = product_shape(*shape, batch=batch)
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in ((rows, inner), (inner, columns)))
    best = min(seconds(lambda: a @ b, clock) for _ in range(repeats + WARMUP_ROUNDS))
    return 3000 * best, 3 * 2 * rows * inner * columns


def time_shape(torch, shape, repeats, rng, batch, clock):
    """{method: tinygen ms} and PyTorch's ms (None without torch) for one layer shape: best of ``repeats``.

    The contenders take turns, round by round, so that other load on the machine hits them alike.
    """
    op, c_in, c_out, k, stride, padding, size, *output_padding = shape
    data = arrays(op, c_in, c_out, k, size, rng, batch)
    methods = ["im2col"] if op == "conv" else ["col2im", "zero_insertion"]
    steps = {method: tinygen_step(op, stride, padding, data, method, *output_padding) for method in methods}
    if torch:
        steps["torch"] = torch_step(torch, op, stride, padding, data, "cpu", *output_padding)
    times = {name: [] for name in steps}
    for round_number in range(repeats + WARMUP_ROUNDS):
        for name, step in steps.items():
            elapsed = seconds(step, clock)
            if round_number >= WARMUP_ROUNDS:
                times[name].append(elapsed)
        time.sleep(0.01)  # let PyTorch's OpenMP threads stop spinning before numpy's BLAS threads run again
    best = {name: 1000 * min(values) for name, values in times.items()}
    return {method: best[method] for method in methods}, best.get("torch")


def print_table(torch, args):
    """Time every shape (SHAPES, or VAE_SHAPES with --vae): one row per tinygen method, then the BLAS and the summary."""
    rng = np.random.default_rng(0)
    shapes, batch = (VAE_SHAPES, VAE_BATCH) if args.vae else (SHAPES, BATCH)
    header = (f"{f'shape (batch {batch}, float32)':38} {'method':15} {'tinygen ms':>11} {'torch ms':>9} {'ratio':>6} "
              f"{'GFLOP/s tinygen':>16} {'torch':>6} {'BLAS floor ms':>14}")
    print(f"{args.clock} clock\n{header}\n" + "-" * len(header))
    fast_ratios = []
    for name, *shape in shapes:
        ours, reference = time_shape(torch, shape, args.repeats, rng, batch, CLOCKS[args.clock])
        floor, flops = blas_floor_ms(shape, args.repeats, batch, CLOCKS[args.clock])
        rate = lambda ms: flops / ms / 1e6 if ms else float("nan")
        for method, ms in ours.items():
            ratio = ms / reference if reference else float("nan")
            if method != "zero_insertion":
                fast_ratios.append(ratio)
            print(f"{name:38} {method:15} {ms:11.2f} {reference or float('nan'):9.2f} {ratio:6.2f} "
                  f"{rate(ms):16.0f} {rate(reference):6.0f} {floor:14.2f}")
    print("\n" + blas_description())
    if torch:
        print(f"fast path tinygen/torch: median {statistics.median(fast_ratios):.2f}, worst {max(fast_ratios):.2f} "
              f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--vae", action="store_true", help="the conv VAE's layers (batch 128) instead of the DCGAN's")
    add_threads_option(parser)
    add_clock_option(parser, default="wall")
    args = parser.parse_args()
    torch = optional_torch(args.threads)
    with blas_threads(args.threads):
        print_table(torch, args)


if __name__ == "__main__":
    main()
