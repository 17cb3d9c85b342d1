"""Train MADE or PixelCNN on binarized mnist-5k with tinygen and with PyTorch (CPU): exact test NLL and time.

Same architecture (tinygen's model and its PyTorch twin in tests/torch_autoregressive.py), same initial
weights (tinygen's, copied into PyTorch through state_dict), same batches in the same order, Adam with
the same settings, the images binarized at 0.5 (the RBM's binarization). After training, each
framework's weights are scored by the same code: tinygen's exact log_prob on the 1,000 test digits, in
nats. The frameworks take turns epoch by epoch; times are medians. Without PyTorch, only tinygen runs.

    python benchmarks/autoregressive.py [--model made|pixelcnn] [--epochs 10] [--batch-size 100] [--threads N]
                                        [--clock cpu|wall] [--hidden 500] [--channels 32 --blocks 4]
"""
import sys
import time
from pathlib import Path

import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import Dataset, load_dataset
from tinygen.data.transforms import binarize
from tinygen.models.made.model import MADE
from tinygen.models.pixelcnn.model import PixelCNN

from common import optional_torch, profile_one_epoch, train_side_by_side, training_parser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from torch_autoregressive import copy_weights, torch_made, torch_pixelcnn  # noqa: E402


def build(args):
    """tinygen's model for the command line's settings, seeded with 0."""
    tg.manual_seed(0)
    if args.model == "made":
        return MADE((1, 28, 28), tuple(args.hidden), args.order, 1, seed=0)
    return PixelCNN((1, 28, 28), args.channels, args.blocks, args.first_kernel)


class TinygenRun:
    def __init__(self, model, lr):
        self.model, self.optimizer = model, optim.Adam(model.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        self.model.loss(tg.Tensor(images)).backward()
        self.optimizer.step()

    def state_dict(self):
        return self.model.state_dict()


class TorchRun:
    def __init__(self, torch, twin, lr):
        self.torch, self.twin = torch, twin
        self.optimizer = torch.optim.Adam(twin.model.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        self.twin.loss(self.torch.from_numpy(images)).backward()
        self.optimizer.step()

    def state_dict(self):
        return {key: value.detach().numpy() for key, value in self.twin.model.state_dict().items()}


def scorer(args):
    """score(run, test_set): the mean exact NLL (nats) of the run's trained weights under tinygen's model."""
    def score(run, test_set):
        model = build(args).eval()
        model.load_state_dict(run.state_dict())
        with tg.no_grad():
            return float(np.mean([-model.log_prob(tg.Tensor(test_set.images[i:i + 500])).numpy()
                                  for i in range(0, len(test_set), 500)]))
    return score


def binarized(dataset):
    return Dataset(binarize(dataset.images), dataset.labels, f"{dataset.name} (binarized at 0.5)")


def main():
    parser = training_parser(__doc__.splitlines()[0], epochs=10)
    parser.set_defaults(batch_size=100)
    parser.add_argument("--model", choices=("made", "pixelcnn"), default="made")
    parser.add_argument("--hidden", type=int, nargs="+", default=[500], help="MADE's hidden widths (one or two)")
    parser.add_argument("--order", choices=("natural", "random"), default="natural")
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--first-kernel", type=int, default=7)
    args = parser.parse_args()
    train_set, test_set = (binarized(load_dataset("mnist-5k", split=split)) for split in ("train", "test"))
    model = build(args)
    runs = {"tinygen": TinygenRun(model, args.lr)}
    torch = optional_torch(args.threads)
    if torch is not None:
        twin = (torch_made if args.model == "made" else torch_pixelcnn)(torch, model)
        copy_weights(torch, model, twin)
        runs["pytorch"] = TorchRun(torch, twin, args.lr)
    print(f"{model!r}\non binarized mnist-5k: {len(train_set)} train / {len(test_set)} test images, batch "
          f"{args.batch_size}, Adam lr {args.lr}, {args.epochs} epochs, threads: {args.threads or 'default'}, "
          f"{tg.nn.parameter_count(model):,} parameters\n")
    start = time.process_time()
    results = train_side_by_side(runs, train_set, test_set, scorer(args), args)
    print(f"{'framework':<10} {'test NLL (nats)':>16} {'median s/epoch':>15} {'(first, best)':>16} {'total s':>8}")
    for name, (seconds, nll) in results.items():
        print(f"{name:<10} {nll:>16.2f} {np.median(seconds):>15.2f} "
              f"{f'({seconds[0]:.1f}, {min(seconds):.1f})':>16} {sum(seconds):>8.1f}")
    if torch is not None:
        ratio = np.median(results["tinygen"][0]) / np.median(results["pytorch"][0])
        print(f"\ntinygen / pytorch median time per epoch ({args.clock} clock): {ratio:.2f}x; "
              f"test NLL difference {results['tinygen'][1] - results['pytorch'][1]:+.2f} nats")
    print(f"CPU seconds of the whole script so far: {time.process_time() - start:.0f}")
    if args.profile:
        profile_one_epoch(TinygenRun(build(args), args.lr), train_set, args, top=20)


if __name__ == "__main__":
    main()
