"""Train the course's 784-128-32-128-784 autoencoder on mnist-5k with tinygen and with PyTorch (CPU).

Same architecture, same initial weights (PyTorch's, copied into tinygen through state_dict), same
batches in the same order (one DataLoader order for both), Adam with the same settings, the same
reconstruction loss. Prints each framework's test reconstruction error (mean squared error per pixel)
and median time per epoch (the two take turns epoch by epoch), and tinygen's time as a multiple
of PyTorch's. Without PyTorch, only tinygen runs.

    python benchmarks/autoencoder.py [--epochs 20] [--batch-size 64] [--loss bce] [--threads N] [--profile]

--threads N limits both frameworks to N threads (PyTorch's intra-op pool, and NumPy's BLAS through
threadpoolctl when it is installed); on a small machine shared with other work, two multi-threaded
libraries taking turns measure mostly the contention. --profile runs one tinygen epoch under cProfile
and prints where its time goes.
"""
import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models import Autoencoder

from common import profile_one_epoch, seeded_start, train_side_by_side, training_parser

def torch_autoencoder(torch):
    """The same layers under the same state_dict keys (encoder.0, encoder.2, decoder.0, decoder.2)."""
    return torch.nn.ModuleDict({
        "encoder": torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 32)),
        "decoder": torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 784))})


class TinygenRun:
    def __init__(self, initial_state, lr, loss):
        self.model = Autoencoder(code_size=32, num_layers=1, nodes_per_layer=128, loss=loss)
        self.model.load_state_dict(initial_state)
        self.optimizer = optim.Adam(self.model.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        loss = self.model.loss(tg.Tensor(images))
        loss.backward()
        self.optimizer.step()

    def reconstruct(self, images):
        with tg.no_grad():
            return self.model.eval()(tg.Tensor(images)).numpy()


class TorchRun:
    def __init__(self, torch, model, lr, loss):
        self.torch, self.model, self.loss = torch, model, loss
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def logits(self, x):
        return self.model["decoder"](self.model["encoder"](x.flatten(1))).reshape(x.shape)

    def train_step(self, images, _labels):
        functional = self.torch.nn.functional
        self.optimizer.zero_grad()
        x = self.torch.from_numpy(images)
        logits = self.logits(x)
        loss = (functional.binary_cross_entropy_with_logits(logits, x) if self.loss == "bce"
                else functional.mse_loss(self.torch.sigmoid(logits), x))
        loss.backward()
        self.optimizer.step()

    def reconstruct(self, images):
        with self.torch.no_grad():
            return self.torch.sigmoid(self.logits(self.torch.from_numpy(images))).numpy()


def test_mse(run, test_set):
    """Mean squared reconstruction error per pixel over the test images."""
    return float(np.mean((run.reconstruct(test_set.images) - test_set.images) ** 2))


def main():
    parser = training_parser(__doc__.splitlines()[0], epochs=20)
    parser.add_argument("--loss", choices=["bce", "mse"], default="bce")
    args = parser.parse_args()
    train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
    torch, torch_model, initial_state = seeded_start(args.threads, torch_autoencoder, Autoencoder)
    print(f"784-128-32-128-784 autoencoder on mnist-5k: {len(train_set)} train / {len(test_set)} test images, "
          f"batch {args.batch_size}, Adam lr {args.lr}, {args.loss} loss, {args.epochs} epochs, "
          f"threads: {args.threads or 'default'}\n")
    runs = {"tinygen": TinygenRun(initial_state, args.lr, args.loss)}
    if torch is not None:
        runs["pytorch"] = TorchRun(torch, torch_model, args.lr, args.loss)
    results = train_side_by_side(runs, train_set, test_set, test_mse, args)
    print(f"{'framework':<10} {'test MSE/pixel':>15} {'median ms/epoch':>16} {'(first, best)':>16}")
    for name, (seconds, mse) in results.items():
        print(f"{name:<10} {mse:>15.5f} {1000 * np.median(seconds):>16.1f} "
              f"{f'({1000 * seconds[0]:.0f}, {1000 * min(seconds):.0f})':>16}")
    if torch is not None:
        ratio = np.median(results["tinygen"][0]) / np.median(results["pytorch"][0])
        print(f"\ntinygen / pytorch median time per epoch: {ratio:.2f}x (target: within 1.3x); test MSE "
              f"difference {results['tinygen'][1] - results['pytorch'][1]:+.5f}")
    if args.profile:
        profile_one_epoch(TinygenRun(initial_state, args.lr, args.loss), train_set, args, top=20)


if __name__ == "__main__":
    main()
