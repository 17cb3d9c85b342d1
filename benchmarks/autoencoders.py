"""Every kind of autoencoder in tinygen and in PyTorch (CPU): test error and time per epoch on mnist-5k.

For each kind (plain, denoising, sparse, contractive, deep, convolutional) both frameworks start from
the same weights (PyTorch's initial state_dict loaded into tinygen), train on the same batches in the
same order with Adam and the same loss and penalty, and take turns epoch by epoch. The denoising
kind draws its masking noise from each framework's own generator (same distribution, other pixels).
Printed: test BCE and MSE per pixel after the budget, median seconds per epoch, tinygen / PyTorch.
"Run-to-run noise" is how far an error moves when nothing that matters changes: PyTorch's own error
with other initial weights (seed 1 instead of 0), and for the denoising kind also tinygen's with
other noise draws; a difference between the frameworks inside it is no difference. ``--clock cpu``
(the default) times each epoch in this process's CPU seconds, ``--clock wall`` in wall-clock seconds:
with one thread per framework on a machine shared with other work, CPU time leaves out the waiting. Extra rows time
tinygen's slow-but-literal variants: the contractive penalty by double backward, the conv decoder by
zero insertion (same numbers, see tests).

    python benchmarks/autoencoders.py [--epochs 10] [--batch-size 64] [--threads 1] [--kinds ae,dae,...]
                                      [--slow-epochs 2]
"""
import argparse

import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.models import (Autoencoder, ContractiveAutoencoder, ConvAutoencoder, DeepAutoencoder,
                            DenoisingAutoencoder, SparseAutoencoder)

from common import CLOCKS, add_threads_option, blas_threads, optional_torch, seconds_per_epoch

# kind -> (build(**changes) -> tinygen model, Adam's learning rate); the PyTorch twin copies the model
KINDS = {
    "ae": (lambda **changes: Autoencoder(code_size=32, **changes), 1e-3),
    "dae": (lambda **changes: DenoisingAutoencoder(noise="mask", noise_level=0.3, code_size=32, **changes), 1e-3),
    "sparse-ae": (lambda **changes: SparseAutoencoder(sparsity="kl", weight=0.5, rho=0.05, code_size=64, **changes),
                  1e-3),
    "cae": (lambda **changes: ContractiveAutoencoder(weight=0.01, code_size=128, **changes), 3e-3),
    "deep-ae": (lambda **changes: DeepAutoencoder(**changes), 1e-3),
    "conv-ae": (lambda **changes: ConvAutoencoder(**changes), 1e-2),
}
SLOW_VARIANTS = {"cae": ("double backward", dict(jacobian="double_backward")),
                 "conv-ae": ("zero insertion", dict(method="zero_insertion"))}
TARGETS = {"conv-ae": 1.3}  # tinygen / PyTorch time per epoch; 1.2 for the others


def torch_twin(torch, model):
    """A torch.nn.Module with the same layers, state_dict keys, code activation, noise and penalty as ``model``."""
    nn = torch.nn

    def layer(module):
        name = type(module).__name__
        if name == "Linear":
            return nn.Linear(module.in_features, module.out_features)
        if name in ("Conv2d", "ConvTranspose2d"):
            extra = {"output_padding": module.output_padding} if name == "ConvTranspose2d" else {}
            return getattr(nn, name)(module.in_channels, module.out_channels, module.kernel_size, module.stride,
                                     module.padding, **extra)
        if name == "Unflatten":
            return nn.Unflatten(module.dim, module.unflattened_size)
        return getattr(nn, name)()

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(*[layer(m) for m in model.encoder])
            self.decoder = nn.Sequential(*[layer(m) for m in model.decoder])

        def encode(self, x):
            code = self.encoder(x.flatten(1) if model.flat_input else x)
            return {"linear": code, "sigmoid": torch.sigmoid(code), "relu": torch.relu(code)}[model.code_activation]

        def logits(self, code, shape):
            return self.decoder(code).reshape(shape)

        def loss(self, x):
            seen = x * (torch.rand_like(x) >= model.noise_level) if isinstance(model, DenoisingAutoencoder) else x
            code = self.encode(seen)
            loss = nn.functional.binary_cross_entropy_with_logits(self.logits(code, x.shape), x)
            return loss + self.penalty(code)

        def penalty(self, code):
            if isinstance(model, SparseAutoencoder):
                rate, rho = code.mean(0) * (1 - 2e-6) + 1e-6, model.rho
                kl = rho * torch.log(rho / rate) + (1 - rho) * torch.log((1 - rho) / (1 - rate))
                return model.weight * kl.mean()
            if isinstance(model, ContractiveAutoencoder):
                slope = code * (1 - code)
                return model.weight * ((slope ** 2) @ (self.encoder[0].weight ** 2).sum(1)).mean()
            return 0.0

        def forward(self, x):
            return torch.sigmoid(self.logits(self.encode(x), x.shape))

    return Twin()


class TinygenRun:
    def __init__(self, model, lr):
        self.model, self.optimizer = model, optim.Adam(model.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        self.model.loss(tg.Tensor(images)).backward()
        self.optimizer.step()

    def reconstruct(self, images):
        with tg.no_grad():
            return self.model.eval()(tg.Tensor(images)).numpy()


class TorchRun:
    def __init__(self, torch, model, lr):
        self.torch, self.model = torch, model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(self, images, _labels):
        self.optimizer.zero_grad()
        self.model.loss(self.torch.from_numpy(images)).backward()
        self.optimizer.step()

    def reconstruct(self, images):
        with self.torch.no_grad():
            return self.model.eval()(self.torch.from_numpy(images)).numpy()


def test_errors(run, test_set):
    """(BCE, MSE) per pixel of the test reconstructions."""
    images = test_set.images.astype(np.float64)
    rebuilt = np.clip(run.reconstruct(test_set.images).astype(np.float64), 1e-7, 1 - 1e-7)
    return (float(-np.mean(images * np.log(rebuilt) + (1 - images) * np.log(1 - rebuilt))),
            float(np.mean((rebuilt - images) ** 2)))


def tinygen_from(state, kind, **changes):
    """The tinygen model of ``kind`` (with ``changes`` to its arguments) holding the weights ``state``."""
    model = KINDS[kind][0](**changes)
    model.load_state_dict(state)
    return model


def run_kind(kind, torch, args, train_set, test_set):
    """{framework or variant: (seconds per epoch, (BCE, MSE))} for one kind."""
    build, lr = KINDS[kind]
    tg.manual_seed(0)
    template = build()
    torch.manual_seed(0)
    twin = torch_twin(torch, template)
    state = {key: value.detach().numpy().copy() for key, value in twin.state_dict().items()}
    runs = {"tinygen": TinygenRun(tinygen_from(state, kind), lr), "pytorch": TorchRun(torch, twin, lr)}
    torch.manual_seed(1)
    runs["pytorch seed 1"] = TorchRun(torch, torch_twin(torch, template), lr)
    if isinstance(template, DenoisingAutoencoder):  # the two tinygen runs take turns drawing from one generator
        runs["tinygen, other noise draws"] = TinygenRun(tinygen_from(state, kind), lr)
    clock = CLOCKS[args.clock]
    seconds = seconds_per_epoch(runs, train_set, args.epochs, args.batch_size, clock)
    results = {name: (seconds[name], test_errors(run, test_set)) for name, run in runs.items()}
    if kind in SLOW_VARIANTS and args.slow_epochs:
        label, changes = SLOW_VARIANTS[kind]
        fast = TinygenRun(tinygen_from(state, kind), lr)
        slow = TinygenRun(tinygen_from(state, kind, **changes), lr)
        timing = seconds_per_epoch({"fast": fast, "slow": slow}, train_set, args.slow_epochs, args.batch_size, clock)
        results[f"tinygen, {label}"] = (timing["slow"], test_errors(slow, test_set))
        results[f"tinygen, fast twin of {label}"] = (timing["fast"], test_errors(fast, test_set))
    return results


def report(kind, results):
    median = {name: float(np.median(seconds)) for name, (seconds, _) in results.items()}
    print(f"\n{kind}")
    print(f"  {'run':<38} {'test BCE':>9} {'test MSE':>9} {'median s/epoch':>15}")
    for name, (_, (bce, mse)) in results.items():
        print(f"  {name:<38} {bce:>9.5f} {mse:>9.5f} {median[name]:>15.3f}")
    noise = abs(results["pytorch seed 1"][1][0] - results["pytorch"][1][0])
    if "tinygen, other noise draws" in results:
        noise = max(noise, abs(results["tinygen, other noise draws"][1][0] - results["tinygen"][1][0]))
    gap = results["tinygen"][1][0] - results["pytorch"][1][0]
    ratio, target = median["tinygen"] / median["pytorch"], TARGETS.get(kind, 1.2)
    print(f"  tinygen - pytorch test BCE {gap:+.5f} (run-to-run noise {noise:.5f}); "
          f"time tinygen / pytorch {ratio:.2f}x (target {target}x: {'met' if ratio <= target else 'NOT met'})")
    label = SLOW_VARIANTS.get(kind, ("",))[0]
    if f"tinygen, {label}" in results:
        slow = median[f"tinygen, {label}"] / median[f"tinygen, fast twin of {label}"]
        print(f"  {label}: {slow:.1f}x the time per epoch of the fast path (taking turns with it)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    add_threads_option(parser)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="what an epoch's seconds count")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, from {', '.join(KINDS)}")
    parser.add_argument("--slow-epochs", type=int, default=2,
                        help="epochs for the slow variants (double backward, zero insertion); 0 skips them")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    torch = optional_torch(args.threads)
    if torch is None:
        parser.error("this benchmark compares with PyTorch: install torch (CPU) first")
    train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
    print(f"mnist-5k: {len(train_set)} train / {len(test_set)} test images, batch {args.batch_size}, Adam, "
          f"{args.epochs} epochs (slow variants: {args.slow_epochs}), threads: {args.threads or 'default'}, "
          f"{args.clock} seconds")
    with blas_threads(args.threads):
        for kind in kinds:
            report(kind, run_kind(kind, torch, args, train_set, test_set))


if __name__ == "__main__":
    main()
