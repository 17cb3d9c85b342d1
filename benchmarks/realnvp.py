"""RealNVP on mnist-5k with tinygen and with PyTorch (CPU): time per epoch and test bits per dimension.

Same architecture (tinygen's model and its PyTorch twin in tests/torch_realnvp.py), same initial weights
(tinygen's, copied through state_dict), same batches in the same order with the same dequantization
noise, Adam with the same settings. Afterwards each framework's weights are scored by the same code:
tinygen's bits per dimension of the 1,000 test digits (one fixed dequantization). The frameworks take
turns epoch by epoch; times are medians. Without PyTorch, only tinygen runs.

    python benchmarks/realnvp.py [--epochs 1] [--batch-size 64] [--threads N] [--clock cpu|wall] [--hidden 32]
"""
import sys
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models.realnvp import RealNVP

from common import optional_torch, train_side_by_side, training_parser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import torch_realnvp  # noqa: E402


def dequantized(images, rng):
    """(k + u) / 256 of images k / 255, u from ``rng`` (so both frameworks see the same numbers)."""
    return ((np.round(images * 255) + rng.random(images.shape)) / 256).astype(np.float32)


class TinygenRun:
    def __init__(self, model, lr):
        self.model, self.optimizer, self.rng = model, optim.Adam(model.parameters(), lr=lr), np.random.default_rng(0)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        log_p = self.model.log_prob(tg.Tensor(dequantized(images, self.rng)))
        (-log_p.mean()).backward()
        self.optimizer.step()

    def state_dict(self):
        return self.model.state_dict()


class TorchRun:
    def __init__(self, torch, twin, lr):
        self.torch, self.twin, self.rng = torch, twin, np.random.default_rng(0)
        self.optimizer = torch.optim.Adam(twin.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        (-self.twin.log_prob(self.torch.from_numpy(dequantized(images, self.rng))).mean()).backward()
        self.optimizer.step()

    def state_dict(self):
        return {key: value.detach().numpy() for key, value in self.twin.state_dict().items()}


def main():
    parser = training_parser(__doc__.splitlines()[0], epochs=1)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--couplings", type=int, default=3)
    args = parser.parse_args()
    train_set, test_set = load_dataset("mnist-5k", "train"), load_dataset("mnist-5k", "test")

    def build():
        tg.manual_seed(0)
        return RealNVP((1, 28, 28), args.hidden, args.couplings, 0.05)

    model = build()
    runs = {"tinygen": TinygenRun(model, args.lr)}
    torch = optional_torch(args.threads)
    if torch is not None:
        twin = torch_realnvp.RealNVP((1, 28, 28), args.hidden, args.couplings, 0.05)
        twin.load_state_dict({key: torch.tensor(value.numpy()) for key, value in model.state_dict().items()})
        runs["pytorch"] = TorchRun(torch, twin, args.lr)

    def score(run, test):
        scored = build().eval()
        scored.load_state_dict({key: tg.Tensor(np.asarray(value.numpy() if hasattr(value, "numpy") else value))
                                for key, value in run.state_dict().items()})
        noise = np.random.default_rng(1).random(test.images.shape).astype(np.float32)
        with tg.no_grad():
            return float(np.mean(np.concatenate([scored.bits_per_dim(test.images[i:i + 500], noise[i:i + 500]).numpy()
                                                 for i in range(0, len(test), 500)])))

    print(f"RealNVP hidden {args.hidden}, {args.couplings} couplings a group; mnist-5k: {len(train_set)} train / "
          f"{len(test_set)} test, batch {args.batch_size}, Adam lr {args.lr}, {args.epochs} epochs, threads "
          f"{args.threads or 'default'}, clock {args.clock}, {tg.nn.parameter_count(model):,} parameters")
    results = train_side_by_side(runs, train_set, test_set, score, args)
    print(f"{'framework':<10} {'test bits/dim':>14} {'median s/epoch':>15}")
    for name, (seconds, bits) in results.items():
        print(f"{name:<10} {bits:>14.3f} {np.median(seconds):>15.1f}")
    if torch is not None:
        ratio = np.median(results["tinygen"][0]) / np.median(results["pytorch"][0])
        print(f"tinygen / pytorch median time per epoch: {ratio:.2f}x")


if __name__ == "__main__":
    main()
