"""GPU timings: the conv layers, one DCGAN epoch and one VAE epoch on NumPy, CuPy and PyTorch CUDA.

NEEDS A GPU: run it on a machine with an NVIDIA GPU after ``pip install -e '.[gpu]'`` (CuPy), with
PyTorch's CUDA build installed for the PyTorch column. Where there is no GPU (as on the machines
this project is built on) it says so, skips the CuPy and PyTorch CUDA columns and times NumPy only.

Run: python benchmarks/gpu.py [--repeats N] [--batches N] [--quick]

* conv layers: forward + backward of the shapes in benchmarks/conv.py (DCGAN / conv VAE on 28x28,
  batch 64, float32), best of --repeats after two warm-ups, the frameworks taking turns;
* one epoch of the "dcgan" and "vae" recipes on mnist-5k (batch 64) when tinygen.models has them,
  else of the dense autoencoder "ae" (the only model with a PyTorch twin here).

A GPU runs what it is given asynchronously: a timer stopped without a synchronisation measures how
fast work was queued, not done. Every time below ends with one (``synchronize``).
"""
import argparse
import time

import numpy as np

from tinygen import backend
from tinygen.models.recipe import TRAINING_DEFAULTS
from tinygen.data import DataLoader
from tinygen.models import RECIPES, RunData

from common import optional_torch
from conv import SHAPES, arrays, tinygen_step, torch_step

EPOCH_MODELS, FALLBACK_MODEL, BATCH, WARMUP = ("dcgan", "vae"), "ae", 64, 2


def cupy_missing():
    """None when backend "cupy" works here, else the reason it does not (no cupy, no GPU)."""
    try:
        backend.set_backend("cupy")
        return None
    except RuntimeError as error:
        return str(error)
    finally:
        backend.set_backend("numpy")


def torch_cuda(threads):
    torch = optional_torch(threads)
    return torch if torch is not None and torch.cuda.is_available() else None


def synchronize(name, torch=None):
    """Wait until the device has finished everything queued so far (nothing to wait for on NumPy)."""
    if name == "cupy":
        backend.get_array_module().cuda.Device().synchronize()
    elif name == "torch-cuda":
        torch.cuda.synchronize()


def timed(step, name, torch=None):
    start = time.perf_counter()
    step()
    synchronize(name, torch)
    return time.perf_counter() - start


def conv_steps(frameworks, torch, shape, rng):
    op, c_in, c_out, k, stride, padding, size = shape
    host_arrays = arrays(op, c_in, c_out, k, size, rng)
    steps = {}
    for name in frameworks:
        if name == "torch-cuda":
            steps[name] = torch_step(torch, op, stride, padding, host_arrays, device="cuda")
        else:
            backend.set_backend(name)  # the step's tensors are made on this backend
            steps[name] = tinygen_step(op, stride, padding, host_arrays, method="col2im")
    return steps


def best_ms(steps, torch, repeats):
    """{framework: best of ``repeats`` ms}, after WARMUP rounds, the frameworks taking turns round by round."""
    times = {name: [] for name in steps}
    for round_number in range(repeats + WARMUP):
        for name, step in steps.items():
            backend.set_backend("numpy" if name == "torch-cuda" else name)
            elapsed = timed(step, name, torch)
            if round_number >= WARMUP:
                times[name].append(elapsed)
    backend.set_backend("numpy")
    return {name: 1000 * min(values) for name, values in times.items()}


def epoch_models():
    present = [name for name in EPOCH_MODELS if name in RECIPES]
    return present or [FALLBACK_MODEL]


def recipe_epoch_seconds(name, framework, batches):
    """Seconds of one training epoch (``batches`` batches at most) of recipe ``name`` on a tinygen backend."""
    recipe = RECIPES[name]
    settings = {**TRAINING_DEFAULTS, **recipe.defaults, "batch_size": BATCH, "model": name, "model_args": {},
                "train_args": recipe.training_options({})}
    train = RunData(settings).train
    backend.set_backend(framework)
    try:
        backend.manual_seed(0)
        trainer = recipe.trainer(recipe.model(train.images.shape[1:]), RunData(settings))
        loader = DataLoader(train, BATCH, shuffle=True, seed=0)
        return timed(lambda: [trainer.train_step(batch) for _, batch in zip(range(batches), loader)], framework)
    finally:
        backend.set_backend("numpy")


def torch_autoencoder_epoch_seconds(torch, batches):
    """The dense autoencoder "ae" (784-128-32-128-784, BCE on logits, Adam) as PyTorch on the GPU."""
    layers = [torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 32), torch.nn.Linear(32, 128),
              torch.nn.ReLU(), torch.nn.Linear(128, 784)]
    model = torch.nn.Sequential(*layers).cuda()
    adam = torch.optim.Adam(model.parameters(), lr=TRAINING_DEFAULTS["lr"])
    train = RunData({**TRAINING_DEFAULTS, "limit": None}).train
    loader = DataLoader(train, BATCH, shuffle=True, seed=0)

    def epoch():
        for _, (images, _labels) in zip(range(batches), loader):
            x = torch.from_numpy(images).cuda().reshape(len(images), -1)
            adam.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), x)
            loss.item()  # the one pull tinygen's loop makes too
            loss.backward()
            adam.step()
    return timed(epoch, "torch-cuda", torch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--batches", type=int, default=10 ** 9, help="batches per epoch at most")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 repeat, 2 batches, one conv shape")
    parser.add_argument("--threads", type=int, default=None, help="PyTorch's CPU threads")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.batches = 1, 2
    missing, torch = cupy_missing(), torch_cuda(args.threads)
    frameworks = ["numpy"] + ([] if missing else ["cupy"]) + (["torch-cuda"] if torch else [])
    if missing:
        print(f"THIS BENCHMARK NEEDS A GPU: {missing}.\nOnly the NumPy column is timed here; run it on a "
              "machine with an NVIDIA GPU and `pip install -e '.[gpu]'` (plus PyTorch's CUDA build).\n")
    print(f"{'conv layer, fwd+bwd (ms, best of ' + str(args.repeats) + ')':40}" + "".join(f"{n:>12}" for n in frameworks))
    rng = np.random.default_rng(0)
    for name, *shape in SHAPES[:1] if args.quick else SHAPES:
        ms = best_ms(conv_steps(frameworks, torch, shape, rng), torch, args.repeats)
        print(f"{name:40}" + "".join(f"{ms[n]:12.2f}" for n in frameworks))
    print(f"\n{'one epoch (s), batch ' + str(BATCH):40}" + "".join(f"{n:>12}" for n in frameworks))
    for model in epoch_models():
        seconds = {n: recipe_epoch_seconds(model, n, args.batches) for n in frameworks if n != "torch-cuda"}
        if "torch-cuda" in frameworks and model == FALLBACK_MODEL:
            seconds["torch-cuda"] = torch_autoencoder_epoch_seconds(torch, args.batches)
        print(f"{model:40}" + "".join(f"{seconds[n]:12.2f}" if n in seconds else f"{'no twin':>12}"
                                      for n in frameworks))


if __name__ == "__main__":
    main()
