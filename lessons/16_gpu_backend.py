# %% [markdown]
# # 16 · The GPU backend: one `xp`, two places for arrays, and why only the loss comes back
#
# Every kernel in tinygen computes through `xp`, a stand-in for the array library of the current
# backend: NumPy on the CPU, CuPy on an NVIDIA GPU. CuPy copies NumPy's interface, so the same
# line — `xp.matmul(a, b)` — runs on either. Switching is one call, `tg.set_backend("cupy")`.
#
# What changes is *where the numbers live*. A GPU has its own memory: a CuPy array is on the
# device, a NumPy array on the host, and CuPy refuses to mix them or to turn one into the other
# behind your back. This lesson shows the switch, moving arrays, what a synchronisation is, and
# why a training step should bring exactly one number back to the host: the loss.
#
# On a machine without a GPU the lesson runs the device path on tinygen's *device-like test
# backend* (tests/devicelike.py): NumPy's arithmetic behind CuPy's refusals, counting every copy
# to the host. On a GPU it uses CuPy itself and also times both backends.
#
# Run: `python lessons/16_gpu_backend.py` (add `--quick` for the short version).

# %%
import importlib.util
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.backend import xp
from tinygen.data import DataLoader, load_dataset
from tinygen.lesson import setup
from tinygen.models import Autoencoder
from tinygen.trainer import GradientTrainer

lesson = setup(__file__)
steps = lesson.pick(6, 60)


def real_gpu():
    try:
        tg.set_backend("cupy")
        return True
    except RuntimeError as error:
        print("no GPU here:", error)
        return False
    finally:
        tg.set_backend("numpy")


on_gpu = real_gpu()
if not on_gpu:  # the stand-in lives with the tests, not in the package: load it from the repository's file
    path = Path(tg.__file__).resolve().parent.parent / "tests" / "devicelike.py"  # also right in a notebook
    spec = importlib.util.spec_from_file_location("devicelike", path)
    devicelike = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devicelike)
    devicelike.install()
    print("the device path runs on the device-like backend:", path.name)

# %% [markdown]
# ## The switch
#
# `xp` forwards every attribute to the current backend's module, so a kernel written with it
# follows the switch. A tensor made after `set_backend("cupy")` lives on the device.

# %%
print("numpy backend:", xp, type(tg.zeros(2).data).__module__)
tg.set_backend("cupy")
print("cupy backend: ", xp, type(tg.zeros(2).data).__module__)
device_tensor = tg.randn(2, 3)
assert device_tensor.backend == "cupy"
tg.set_backend("numpy")

# %% [markdown]
# ## Moving arrays, and what CuPy refuses
#
# `tensor.to("cupy")` copies to the device, `tensor.numpy()` copies back to the host (both are
# explicit copies across the PCIe bus). Mixing a host array into device arithmetic, or asking
# NumPy to read a device array, is a TypeError — on CuPy, and on the stand-in that imitates it.

# %%
host_tensor = tg.tensor(np.arange(3, dtype=np.float32))
on_device = host_tensor.to("cupy")
assert on_device.backend == "cupy" and on_device.to("numpy").backend == "numpy"
for attempt, action in [("numpy.asarray(device array)", lambda: np.asarray(on_device.data)),
                        ("device array + host array", lambda: on_device.data + host_tensor.data)]:
    try:
        action()
        raise AssertionError(f"{attempt} should have been refused")
    except TypeError as error:
        print(f"{attempt:30} -> TypeError: {str(error)[:70]}")
print("explicit copy back:", on_device.numpy())

# %% [markdown]
# ## What a synchronisation is
#
# The CPU does not wait for the GPU: each operation is *queued*, and the call returns at once.
# The CPU waits only when it needs a value the GPU computes — `loss.item()`, `float(x)`,
# `if (x < 0).any():`, printing a tensor. That wait is a **synchronisation**: the queue drains,
# the GPU idles while the CPU decides what to queue next. One per step is unavoidable (the loop
# logs the loss and refuses a NaN before the update it would drive); each extra one is lost time.
#
# A step of tinygen's autoencoder, counted on the device backend:

# %%
digits = load_dataset("mnist-5k", "train")


def training_run(backend_name, step_count):
    """``step_count`` Adam steps of a small autoencoder on ``backend_name``: losses, weights, seconds, pulls."""
    tg.set_backend(backend_name)
    tg.manual_seed(0)
    model = Autoencoder(code_size=8, nodes_per_layer=64)
    trainer = GradientTrainer(model, optim.Adam(model.parameters(), lr=3e-3))
    batches = iter(DataLoader(digits, 64, shuffle=True, seed=0))
    losses, pulls, start = [], [], time.perf_counter()
    for _ in range(step_count):
        batch = next(batches)
        if not on_gpu:
            devicelike.transfers.reset()
        losses.append(trainer.train_step(batch)["loss"])
        if not on_gpu and backend_name == "cupy":
            pulls.append(list(devicelike.transfers.log))
    seconds = time.perf_counter() - start
    weights = {name: t.numpy() for name, t in model.state_dict().items()}
    tg.set_backend("numpy")
    return losses, weights, seconds, pulls


host_losses, host_weights, host_seconds, _ = training_run("numpy", steps)
device_losses, device_weights, device_seconds, pulls = training_run("cupy", steps)
if not on_gpu:
    print("copies to the host in the first step:", pulls[0])
    assert all(step == [("item", 1)] for step in pulls), "a step pulled more than its loss"

# %% [markdown]
# The only copy is the loss, one number. For contrast, a check that looks harmless asks the
# device a question and waits for the answer — one more synchronisation every time it runs:

# %%
x = tg.randn(64, 784).to("cupy")
if not on_gpu:
    devicelike.transfers.reset()
    if bool((x.data > 10).any()):
        print("an outlier")
    print("a value check costs:", devicelike.transfers.log)
    assert devicelike.transfers.count == 1

# %% [markdown]
# tinygen's losses avoid such questions on a device: a label outside $[0, K)$ or a probability
# outside $[0, 1]$ turns that element's loss into NaN, and the loop's one check of the loss stops
# the run (on the host, where asking is free, they raise a ValueError at once).
#
# ## Same steps, same numbers
#
# The device-like backend computes with NumPy, so there the two runs must agree bit for bit: the
# two loss curves below lie on top of each other, and the cell checks every loss and every weight.
# A real GPU adds its own rounding (other summation orders in its matrix products), so there the
# runs agree to float32 precision, and the cell also prints both runs' times: what the GPU buys.
# The first line of this page's output says which of the two you are reading.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
step_numbers = np.arange(1, steps + 1)
ax.plot(step_numbers, host_losses, label="NumPy (host)", linewidth=3, alpha=0.5)
ax.plot(step_numbers, device_losses, "--", label="CuPy (GPU)" if on_gpu else "device-like backend")
ax.set_xlabel("Adam step")
ax.set_ylabel("training loss (BCE per pixel)")
ax.set_title(f"the autoencoder's first {steps} training steps on both backends")
ax.legend()
fig.tight_layout()
fig.savefig(lesson.path("same_steps_both_backends.png"), dpi=120)
if on_gpu:
    print(f"{steps} steps: numpy {host_seconds:.2f} s, cupy {device_seconds:.2f} s")
    for name in host_weights:
        np.testing.assert_allclose(device_weights[name], host_weights[name], rtol=1e-3, atol=1e-4)
else:
    assert device_losses == host_losses
    assert all(device_weights[n].tobytes() == host_weights[n].tobytes() for n in host_weights)
    devicelike.uninstall()
print(f"loss after {steps} steps: numpy {host_losses[-1]:.6f}, device {device_losses[-1]:.6f}")
