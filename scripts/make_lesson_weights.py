"""Remake the trained weights that lessons 12-15 load in quick mode (``lessons/weights/``).

Quick mode cannot train a DCGAN that paints digits, a conditional one that paints the digit asked
for, a ring8 WGAN-GP that sits on every mode, or an RBM whose long Gibbs chains show its modes within
a CI budget; so it loads what the full recipe trained, and these files are that, remade by:

    PYTHONPATH=. python scripts/make_lesson_weights.py [dcgan] [cgan] [rbm] [ring8] [--runs runs/lesson_weights]

* ``dcgan``, ``cgan``: ``tinygen train dcgan|cgan`` (the commands are in ``COMMANDS``); keeps the
  generator and its weight average;
* ``rbm``: ``tinygen train rbm`` as CD-10 (lesson 15's best rule in its full run); keeps the RBM;
* ``ring8``: lesson 14's full recipe (``train_toy_gan`` with ``ToySettings()``, seed 0) for each of the
  four losses: the WGAN-GP generator's weights, and for every loss its snapshots of samples and its
  history (mode statistics, losses and the Wasserstein estimate per snapshot).

Floating-point weights are stored as float16 (half the bytes; the lessons cast them back to float32),
integer buffers as they are. Every file carries a ``meta`` entry: JSON with the command, the CPU
seconds it took and what it measured. Run with one BLAS thread (``OMP_NUM_THREADS=1``) to match the
recorded times.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "lessons" / "weights"
COMMANDS = {
    "dcgan": ["dcgan", "-m", "width=32", "-m", "ema=0.99", "--epochs", "40", "--seed", "0"],
    "cgan": ["cgan", "-m", "width=32", "-m", "ema=0.99", "--epochs", "25", "--seed", "0"],
    "rbm": ["rbm", "-m", "k=10", "-m", "persistent=False", "--epochs", "10", "--seed", "0"],
}
KEEP = {"dcgan": ("generator.", "generator_ema."), "cgan": ("generator.", "generator_ema."),
        "rbm": ("weight", "visible_bias", "hidden_bias", "num_updates")}


def half(arrays):
    """Floating arrays as float16, the rest unchanged."""
    return {name: value.astype(np.float16) if value.dtype.kind == "f" else value for name, value in arrays.items()}


def save(name, arrays, meta):
    WEIGHTS.mkdir(parents=True, exist_ok=True)
    path = WEIGHTS / f"{name}.npz"
    np.savez_compressed(path, meta=np.array(json.dumps(meta, indent=1, default=float)), **half(arrays))
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


def train_command(name, runs):
    """Run ``tinygen train`` for ``name`` into runs/NAME, keep the model's arrays that KEEP names."""
    out = Path(runs) / name
    argv = [sys.executable, "-m", "tinygen", "train", *COMMANDS[name], "--out", str(out), "--overwrite", "--no-progress"]
    start = time.time()
    child_cpu = _children_cpu()
    subprocess.run(argv, check=True, cwd=ROOT)
    cpu = _children_cpu() - child_cpu
    with np.load(out / "checkpoint.npz", allow_pickle=False) as checkpoint:
        arrays = {key[len("model/"):]: checkpoint[key] for key in checkpoint.files if key.startswith("model/")}
    arrays = {key: value for key, value in arrays.items() if key.startswith(KEEP[name]) and "velocity" not in key}
    metrics = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").exists() else {}
    save(name, arrays, {"command": "tinygen train " + " ".join(COMMANDS[name]), "cpu_seconds": round(cpu, 1),
                        "wall_seconds": round(time.time() - start, 1), "metrics": _last(metrics)})


def ring8():
    """Lesson 14's full runs on ring8, one per loss, seed 0."""
    import tinygen as tg
    from tinygen.models.gan.toy import ToySettings
    from tinygen.toy_experiment import LOSSES, train_toy_gan
    settings, arrays = ToySettings(), {}
    meta = {"command": "train_toy_gan(loss, 'ring8', seed=0, settings=ToySettings())", "runs": {}}
    for loss in LOSSES:
        start = time.process_time()
        run = train_toy_gan(loss, "ring8", seed=0, settings=settings)
        cpu = time.process_time() - start
        arrays[f"{loss}/snapshots"] = np.stack(run.snapshots)
        meta["runs"][loss] = {"cpu_seconds": round(cpu, 1), "final": run.final, "history": run.history}
        if loss == "wgan_gp":
            arrays.update({f"wgan_gp/generator.{key}": tg.backend.to_numpy(value.data)
                           for key, value in run.model.generator.state_dict().items()})
        print(f"{loss}: {run.final}, {cpu:.0f} CPU s")
    meta["settings"] = {field: getattr(settings, field) for field in settings.__dataclass_fields__}
    save("ring8", arrays, meta)


def _children_cpu():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _last(metrics):
    """The last row of metrics.json's per-epoch history (what the run ended with)."""
    return {"epochs": metrics["epochs"][-1]} if metrics.get("epochs") else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=[*COMMANDS, "ring8"], choices=[*COMMANDS, "ring8"])
    parser.add_argument("--runs", default=str(ROOT / "runs" / "lesson_weights"), help="folder for the training runs")
    args = parser.parse_args(argv)
    for name in args.which:
        ring8() if name == "ring8" else train_command(name, args.runs)


if __name__ == "__main__":
    main()
