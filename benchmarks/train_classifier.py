"""Train the same small conv classifier on mnist-5k with tinygen and with PyTorch (CPU), side by side.

Same architecture, same initial weights (PyTorch's, copied into tinygen through state_dict),
same batches in the same order (one DataLoader order for both), Adam with the same settings,
the same number of epochs. Prints each framework's test accuracy and time per epoch, and
tinygen's time as a multiple of PyTorch's. Without PyTorch installed, only tinygen runs.

    python benchmarks/train_classifier.py [--epochs 3] [--batch-size 64] [--threads N] [--profile]

--threads N limits both frameworks to N threads (PyTorch's intra-op pool, and NumPy's BLAS through
threadpoolctl when it is installed): on a small machine shared with other work, multi-threaded
BLAS can slow both down severalfold, so compare at equal, fixed thread counts.
--profile runs one tinygen epoch under cProfile and prints where its time goes.
"""
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.data import load_dataset

from common import profile_one_epoch, seeded_start, train_side_by_side, training_parser


def tinygen_classifier():
    """(N, 1, 28, 28) -> 10 logits: two stride-2 convolutions (28 -> 14 -> 7), then two dense layers."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def torch_classifier(torch):
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))


class TinygenRun:
    def __init__(self, initial_state, lr):
        self.model = tinygen_classifier()
        self.model.load_state_dict(initial_state)
        self.optimizer = optim.Adam(self.model.parameters(), lr=lr)

    def train_step(self, images, labels):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(tg.Tensor(images)), tg.Tensor(labels))
        loss.backward()
        self.optimizer.step()

    def predict(self, images):
        with tg.no_grad():
            return self.model.eval()(tg.Tensor(images)).numpy().argmax(axis=1)


class TorchRun:
    def __init__(self, torch, model, lr):
        self.torch, self.model = torch, model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(self, images, labels):
        self.optimizer.zero_grad()
        loss = self.torch.nn.functional.cross_entropy(self.model(self.torch.from_numpy(images)),
                                                      self.torch.from_numpy(labels))
        loss.backward()
        self.optimizer.step()

    def predict(self, images):
        with self.torch.no_grad():
            return self.model.eval()(self.torch.from_numpy(images)).numpy().argmax(axis=1)


def test_accuracy(run, test_set):
    """The fraction of test images whose predicted class is their label."""
    return float((run.predict(test_set.images) == test_set.labels).mean())


def main():
    args = training_parser(__doc__.splitlines()[0], epochs=3).parse_args()
    train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
    torch, torch_model, initial_state = seeded_start(args.threads, torch_classifier, tinygen_classifier)
    threads = args.threads or "default"
    print(f"mnist-5k: {len(train_set)} train / {len(test_set)} test images, batch {args.batch_size}, "
          f"Adam lr {args.lr}, {args.epochs} epochs, threads: {threads}\n")
    runs = {"tinygen": TinygenRun(initial_state, args.lr)}
    if torch is not None:
        runs["pytorch"] = TorchRun(torch, torch_model, args.lr)
    results = train_side_by_side(runs, train_set, test_set, test_accuracy, args)
    print(f"{'framework':<10} {'test accuracy':>14} {'ms/epoch median':>16} {'first epoch':>12} {'all epochs (ms)':>20}")
    for name, (seconds, accuracy) in results.items():
        every = " ".join(f"{1000 * s:.0f}" for s in seconds)
        print(f"{name:<10} {accuracy:>14.4f} {1000 * np.median(seconds):>16.0f} {1000 * seconds[0]:>12.0f}   {every}")
    if torch is not None:
        ratio = np.median(results["tinygen"][0]) / np.median(results["pytorch"][0])
        best = min(results["tinygen"][0]) / min(results["pytorch"][0])
        print(f"\ntinygen / pytorch time per epoch: {ratio:.2f}x by medians, {best:.2f}x by fastest epochs "
              f"(target: within 1.5x); accuracy difference {results['tinygen'][1] - results['pytorch'][1]:+.4f}")
    if args.profile:
        profile_one_epoch(TinygenRun(initial_state, args.lr), train_set, args, top=25)


if __name__ == "__main__":
    main()
