"""Every family with a likelihood on mnist-5k's 1,000 test digits: one table, the likelihood beside the samples.

    python benchmarks/likelihoods.py [--only rbm,vae,made,pixelcnn,realnvp] [--out runs/likelihoods] [--samples 1000]

Each family is trained through the command line (`tinygen train`, the settings below) with a small
budget, timed in CPU seconds of this process (run it with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for
one core), then put on `tinygen compare`'s table: the RBM's AIS estimate (± 3 sd) and its rigorous
bound, the VAE's importance-weighted bound (K = 5,000, -t iwae_k) and MADE's and PixelCNN's exact NLL, all in
nats per binarized test digit (pixels > 0.5); RealNVP in bits per dimension of the 8-bit digits;
beside each, parameters and the FD of its samples. A run already in OUT is not trained again (its
time is then the one recorded beside it in OUT/cpu_seconds.json).
"""
import argparse
import json
import time
from pathlib import Path

from tinygen.cli import main
from tinygen.compare import compare_row, format_table
from tinygen.models import RECIPES

# family: (tinygen train arguments, epochs) — budgets of a few CPU-minutes each on one core
FAMILIES = {
    "rbm": (["-m", "n_hidden=500", "-m", "persistent=False", "-t", "ais_runs=100", "-t", "ais_temperatures=10000"], 30),
    "vae": (["-m", "hidden=400", "-m", "latent_dim=20", "-t", "iwae_k=5000"], 100),
    "made": (["-m", "hidden=500"], 50),
    "pixelcnn": ([], 15),
    "realnvp": (["-m", "hidden=32", "-m", "couplings=3"], 10),
}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FAMILIES), help="which families, comma-separated")
    parser.add_argument("--out", default="runs/likelihoods", help="folder for the runs")
    parser.add_argument("--samples", type=int, default=1000, help="samples for each FD")
    return parser.parse_args()


def trained(name, out):
    """Train ``name`` into ``out`` unless it is there; its training CPU seconds."""
    record = out.parent / "cpu_seconds.json"
    seconds = json.loads(record.read_text()) if record.is_file() else {}
    if (out / "checkpoint.npz").is_file() and name in seconds:
        return seconds[name]
    extra, epochs = FAMILIES[name]
    started = time.process_time()
    code = main(["train", name, "--epochs", str(epochs), "--no-progress", "--overwrite", "--out", str(out), *extra])
    if code not in (0, None):
        raise SystemExit(f"training {name} failed")
    seconds[name] = time.process_time() - started
    record.write_text(json.dumps(seconds, indent=1))
    return seconds[name]


def run():
    args = arguments()
    names = [name for name in args.only.split(",") if name]
    unknown = [name for name in names if name not in FAMILIES or name not in RECIPES]
    if unknown:
        raise SystemExit(f"unknown or unregistered families: {', '.join(unknown)}")
    rows = []
    for name in names:
        out = Path(args.out) / name
        seconds = trained(name, out)
        started = time.process_time()
        row = compare_row(out, args.samples)
        row["train_seconds"] = seconds
        rows.append(row)
        print(f"{name}: {json.dumps(row)} (evaluated in {time.process_time() - started:.0f} CPU s)", flush=True)
    print(format_table(rows, "train CPU s"))


if __name__ == "__main__":
    run()
