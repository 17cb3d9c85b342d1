"""RBMs on binarized mnist-5k: CD-1, CD-10 and PCD-1 for the same number of epochs, measured by AIS.

    python benchmarks/rbm.py [--epochs 10] [--hidden 500] [--ais-runs 100] [--ais-temperatures 14500]

For each training rule: seconds per epoch, the test log-likelihood (nats per image) from AIS with
its ±3 std spread, the mean-field lower bound on log Z beside it, pseudo-likelihood, reconstruction
error, and a softmax classifier's accuracy on the hidden probabilities (against raw pixels). With
scikit-learn installed, its BernoulliRBM (PCD-1, no momentum, no weight decay, zero visible biases,
batches in the stored order) and tinygen's RBM set up the same way train side by side, epoch by
epoch in turns; tinygen's AIS is run on both sets of weights.
"""
import argparse
import statistics
import time
import warnings

import numpy as np

import tinygen as tg
from tinygen.data import load_dataset
from tinygen.metrics import linear_probe_accuracy
from tinygen.models.rbm import pseudo_likelihood, rbm_log_likelihood
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import RBM

from common import add_threads_option, blas_threads

RULES = {"CD-1": (1, False), "CD-10": (10, False), "PCD-1": (1, True)}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--ais-runs", type=int, default=100)
    parser.add_argument("--ais-temperatures", type=int, default=14500)
    parser.add_argument("--rules", default=",".join(RULES), help="which of CD-1,CD-10,PCD-1 to train")
    parser.add_argument("--no-sklearn", action="store_true", help="skip the scikit-learn comparison")
    add_threads_option(parser)
    return parser.parse_args()


def binary_rows(split):
    data = load_dataset("mnist-5k", split)
    return binarize(data.images.reshape(len(data), -1)), data.labels


def train_tinygen(rule, train, args):
    """(RBM, seconds of each epoch) for ``rule``, with momentum, weight decay and log-odds visible biases."""
    k, persistent = RULES[rule]
    tg.manual_seed(0)
    rbm = RBM(train.shape[1], args.hidden, n_chains=args.batch_size).init_visible_bias(train)
    seconds = []
    for epoch in range(args.epochs):
        order = np.random.default_rng([0, epoch]).permutation(len(train))
        start = time.perf_counter()
        for first in range(0, len(train), args.batch_size):
            rbm.contrastive_divergence(train[order[first:first + args.batch_size]], k=k, lr=args.lr,
                                       momentum=args.momentum, weight_decay=args.weight_decay, persistent=persistent)
        seconds.append(time.perf_counter() - start)
    return rbm, seconds


def train_against_sklearn(train, args):
    """tinygen and scikit-learn PCD-1 with sklearn's settings, epoch by epoch in turns: {name: (RBM, seconds)}."""
    from sklearn.neural_network import BernoulliRBM
    tg.manual_seed(0)
    ours = RBM(train.shape[1], args.hidden, n_chains=args.batch_size)
    theirs = BernoulliRBM(n_components=args.hidden, learning_rate=args.lr, batch_size=args.batch_size,
                          n_iter=1, random_state=0)
    theirs.fit(train[:args.batch_size])                    # allocate its arrays; then start both from ours
    theirs.components_[...] = ours.weight.numpy()
    theirs.intercept_hidden_[...], theirs.intercept_visible_[...] = 0.0, 0.0
    theirs.h_samples_ = np.zeros((args.batch_size, args.hidden), dtype=train.dtype)
    rng = np.random.RandomState(0)
    seconds = {"tinygen": [], "sklearn": []}
    batches = [train[first:first + args.batch_size] for first in range(0, len(train), args.batch_size)]
    for _ in range(args.epochs):
        start = time.perf_counter()
        for batch in batches:
            ours.contrastive_divergence(batch, k=1, lr=args.lr, persistent=True)
        seconds["tinygen"].append(time.perf_counter() - start)
        start = time.perf_counter()
        for batch in batches:
            theirs._fit(batch, rng)                       # the body of BernoulliRBM.fit's loop
        seconds["sklearn"].append(time.perf_counter() - start)
    return {"tinygen (sklearn's settings)": (ours, seconds["tinygen"]),
            "sklearn BernoulliRBM": (sklearn_weights_in_tinygen(theirs), seconds["sklearn"])}


def sklearn_weights_in_tinygen(model):
    rbm = RBM(model.components_.shape[1], model.components_.shape[0])
    rbm.load_state_dict({"weight": model.components_.astype(np.float32),
                         "visible_bias": model.intercept_visible_.astype(np.float32),
                         "hidden_bias": model.intercept_hidden_.astype(np.float32)}, strict=False)
    return rbm


def measure(rbm, data, args):
    """Test likelihood (AIS, with the bound), pseudo-likelihood, reconstruction error, linear-probe accuracy."""
    (train, train_labels), (test, test_labels) = data
    tg.manual_seed(1)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metrics = rbm_log_likelihood(rbm, test, train, n_runs=args.ais_runs, n_temperatures=args.ais_temperatures)
    metrics["ais_seconds"] = time.perf_counter() - started
    metrics["warning"] = "; ".join(str(w.message).split(".")[0] for w in caught)
    metrics["pseudo_likelihood"] = float(pseudo_likelihood(rbm, test).mean())
    metrics["reconstruction_error"] = float(((rbm.reconstruct(test) - test) ** 2).mean())
    metrics["probe_accuracy"] = linear_probe_accuracy(rbm.hidden_probabilities(train), train_labels,
                                                      rbm.hidden_probabilities(test), test_labels)
    return metrics


def report(name, seconds, metrics):
    spread = 3 * metrics["log_z_std"]
    print(f"{name:<30} {statistics.median(seconds):6.2f} s/epoch (median of {len(seconds)})  "
          f"test LL {metrics['avg_log_likelihood']:8.2f} ± {spread:.2f}  log Z {metrics['log_z']:.2f} "
          f"(bound {metrics['log_z_lower_bound']:.2f})  PL {metrics['pseudo_likelihood']:8.2f}  "
          f"recon {metrics['reconstruction_error']:.4f}  probe {metrics['probe_accuracy']:.3f}  "
          f"AIS {metrics['ais_seconds']:.0f} s" + (f"  !! {metrics['warning']}" if metrics["warning"] else ""),
          flush=True)


def main():
    args = arguments()
    data = binary_rows("train"), binary_rows("test")
    train = data[0][0]
    print(f"binarized mnist-5k: {len(train)} train / {len(data[1][0])} test, {args.hidden} hidden, "
          f"{args.epochs} epochs, batch {args.batch_size}, lr {args.lr}; AIS {args.ais_runs} runs x "
          f"{args.ais_temperatures} temperatures", flush=True)
    with blas_threads(args.threads):
        print(f"{'raw pixels':<30} probe {linear_probe_accuracy(*data[0], *data[1]):.3f}", flush=True)
        for rule in filter(None, args.rules.split(",")):
            rbm, seconds = train_tinygen(rule, train, args)
            report(f"tinygen {rule} (momentum {args.momentum})", seconds, measure(rbm, data, args))
        if not args.no_sklearn:
            for name, (rbm, seconds) in train_against_sklearn(train, args).items():
                report(name, seconds, measure(rbm, data, args))


if __name__ == "__main__":
    main()
