"""Train the same small conv classifier on mnist-5k with tinygen and with PyTorch (CPU), side by side.

Same architecture, same initial weights (PyTorch's, copied into tinygen through state_dict),
same batches in the same order (one DataLoader order for both), Adam with the same settings,
the same number of epochs. Prints each framework's test accuracy and time per epoch, and
tinygen's time as a multiple of PyTorch's. Without PyTorch installed, only tinygen runs.

    python benchmarks/train_classifier.py [--epochs 3] [--batch-size 64] [--threads N] [--profile]

--profile runs one tinygen epoch under cProfile and prints where its time goes.
"""
import argparse
import cProfile
import pstats
import time

import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen import nn, optim
from tinygen.data import DataLoader, load_dataset


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


def train(run, train_set, test_set, epochs, batch_size):
    """Seconds per epoch (list) and final test accuracy; the loader's seed fixes the order of batches."""
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=0)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        for images, labels in loader:
            run.train_step(images, labels)
        seconds.append(time.perf_counter() - start)
    accuracy = float((run.predict(test_set.images) == test_set.labels).mean())
    return seconds, accuracy


def profile_one_epoch(run, train_set, batch_size):
    profiler = cProfile.Profile()
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=0)
    profiler.enable()
    for images, labels in loader:
        run.train_step(images, labels)
    profiler.disable()
    print("\ntinygen, one epoch under cProfile (top 25 by own time):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
    try:
        import torch
    except ImportError:
        torch = None
    tg.manual_seed(0)
    if torch is not None:
        torch.manual_seed(0)
        if args.threads:
            torch.set_num_threads(args.threads)
        torch_model = torch_classifier(torch)
        initial_state = {k: v.detach().numpy().copy() for k, v in torch_model.state_dict().items()}
    else:
        initial_state = tinygen_classifier().state_dict()
    print(f"mnist-5k: {len(train_set)} train / {len(test_set)} test images, batch {args.batch_size}, "
          f"Adam lr {args.lr}, {args.epochs} epochs\n")
    results = {"tinygen": train(TinygenRun(initial_state, args.lr), train_set, test_set, args.epochs,
                                args.batch_size)}
    if torch is not None:
        results["pytorch"] = train(TorchRun(torch, torch_model, args.lr), train_set, test_set, args.epochs,
                                   args.batch_size)
    print(f"{'framework':<10} {'test accuracy':>14} {'ms / epoch':>11} {'(first, best)':>22}")
    for name, (seconds, accuracy) in results.items():
        mean_ms = 1000 * np.mean(seconds)
        print(f"{name:<10} {accuracy:>14.4f} {mean_ms:>11.0f} "
              f"{f'({1000 * seconds[0]:.0f}, {1000 * min(seconds):.0f})':>22}")
    if torch is not None:
        ratio = np.mean(results["tinygen"][0]) / np.mean(results["pytorch"][0])
        print(f"\ntinygen / pytorch time per epoch: {ratio:.2f}x (target: within 1.5x); accuracy difference "
              f"{results['tinygen'][1] - results['pytorch'][1]:+.4f}")
    if args.profile:
        profile_one_epoch(TinygenRun(initial_state, args.lr), train_set, args.batch_size)


if __name__ == "__main__":
    main()
