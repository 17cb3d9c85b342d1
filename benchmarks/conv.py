"""Forward + backward time of conv2d and conv_transpose2d (both methods) against PyTorch's CPU build.

The shapes are those of a DCGAN / conv VAE on 28x28 images, batch 64, float32. Every
input and parameter requires grad (a layer in the middle of a network). Each time is the
best of --repeats runs after two warm-up runs, the contenders taking turns.

Run: python benchmarks/conv.py [--repeats N] [--threads N]

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

from common import add_threads_option, blas_threads, optional_torch

# (name, op, C_in, C_out, kernel, stride, padding, input size)
SHAPES = [
    ("D1 conv 1->64 k4 s2 p1 28x28", "conv", 1, 64, 4, 2, 1, 28),
    ("D2 conv 64->128 k4 s2 p1 14x14", "conv", 64, 128, 4, 2, 1, 14),
    ("G1 convT 128->64 k4 s2 p1 7x7", "convT", 128, 64, 4, 2, 1, 7),
    ("G2 convT 64->1 k4 s2 p1 14x14", "convT", 64, 1, 4, 2, 1, 14),
    ("E conv 32->64 k3 s1 p1 14x14", "conv", 32, 64, 3, 1, 1, 14),
]
BATCH = 64
WARMUP_ROUNDS = 2


def seconds(step):
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def arrays(op, c_in, c_out, k, size, rng):
    weight_shape = (c_out, c_in, k, k) if op == "conv" else (c_in, c_out, k, k)
    return [rng.standard_normal(shape).astype(np.float32) * 0.1
            for shape in ((BATCH, c_in, size, size), weight_shape, (c_out,))]


def tinygen_step(op, stride, padding, data, method):
    x, w, b = (tg.tensor(a, requires_grad=True) for a in data)

    def step():
        for t in (x, w, b):
            t.grad = None
        if op == "conv":
            y = F.conv2d(x, w, b, stride=stride, padding=padding)
        else:
            y = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, method=method)
        y.backward(tg.ones(*y.shape))
    return step


def torch_step(torch, op, stride, padding, data, device="cpu"):
    x, w, b = (torch.tensor(a, device=device, requires_grad=True) for a in data)
    function = torch.nn.functional.conv2d if op == "conv" else torch.nn.functional.conv_transpose2d

    def step():
        for t in (x, w, b):
            t.grad = None
        y = function(x, w, b, stride=stride, padding=padding)
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


def time_shape(torch, op, c_in, c_out, k, stride, padding, size, repeats, rng):
    """{method: tinygen ms} and PyTorch's ms (None without torch) for one layer shape: best of ``repeats``.

    The contenders take turns, round by round, so that other load on the machine hits them alike.
    """
    data = arrays(op, c_in, c_out, k, size, rng)
    methods = ["im2col"] if op == "conv" else ["col2im", "zero_insertion"]
    steps = {method: tinygen_step(op, stride, padding, data, method) for method in methods}
    if torch:
        steps["torch"] = torch_step(torch, op, stride, padding, data)
    times = {name: [] for name in steps}
    for round_number in range(repeats + WARMUP_ROUNDS):
        for name, step in steps.items():
            elapsed = seconds(step)
            if round_number >= WARMUP_ROUNDS:
                times[name].append(elapsed)
        time.sleep(0.01)  # let PyTorch's OpenMP threads stop spinning before numpy's BLAS threads run again
    best = {name: 1000 * min(values) for name, values in times.items()}
    return {method: best[method] for method in methods}, best.get("torch")


def print_table(torch, repeats):
    """Time every shape in SHAPES and print one row per tinygen method, then the BLAS and the summary."""
    rng = np.random.default_rng(0)
    header = f"{'shape (batch 64, float32)':34} {'method':15} {'tinygen ms':>11} {'torch ms':>9} {'ratio':>6}"
    print(header + "\n" + "-" * len(header))
    fast_ratios = []
    for name, *shape in SHAPES:
        ours, reference = time_shape(torch, *shape, repeats, rng)
        for method, ms in ours.items():
            ratio = ms / reference if reference else float("nan")
            if method != "zero_insertion":
                fast_ratios.append(ratio)
            print(f"{name:34} {method:15} {ms:11.2f} {reference or float('nan'):9.2f} {ratio:6.2f}")
    print("\n" + blas_description())
    if torch:
        print(f"fast path tinygen/torch: median {statistics.median(fast_ratios):.2f}, worst {max(fast_ratios):.2f} "
              f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    add_threads_option(parser)
    args = parser.parse_args()
    torch = optional_torch(args.threads)
    with blas_threads(args.threads):
        print_table(torch, args.repeats)


if __name__ == "__main__":
    main()
