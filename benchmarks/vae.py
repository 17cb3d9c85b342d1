"""Train a VAE on mnist-5k with tinygen and with PyTorch (CPU): likelihood bounds and time per epoch.

Same architecture (the dense 784-400-20 of PyTorch's example, or the course's conv VAE with a 2-d
latent), same initial weights (PyTorch's, copied into tinygen through state_dict), same batches in
the same order, and the same reparameterization noise (both draw eps from one NumPy stream), Adam with
the same settings and PyTorch's example loss (Bernoulli reconstruction summed over pixels + KL, per
example). After training, each framework's weights are scored by the same code (tinygen's
likelihood_report): test negative ELBO and the K-sample importance-weighted NLL, in nats. The two
frameworks take turns epoch by epoch; times are medians. Without PyTorch, only tinygen runs.

    python benchmarks/vae.py [--model dense|conv] [--epochs 30] [--batch-size 128] [--k 1000] [--threads N]
                             [--clock wall|cpu]
"""
import numpy as np

import tinygen as tg
from tinygen import optim
from tinygen.data import load_dataset
from tinygen.metrics import likelihood_report
from tinygen.models.vae.networks import conv_vae, dense_vae

from common import profile_one_epoch, seeded_start, train_side_by_side, training_parser

BUILDERS = {"dense": dense_vae, "conv": conv_vae}


def torch_vae(torch, kind):
    """PyTorch twin with tinygen's state_dict keys: encoder.body.*, encoder.z_mean, encoder.z_log_var, decoder.*."""
    tnn = torch.nn
    encoder = tnn.Module()
    if kind == "dense":
        encoder.body = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 400), tnn.ReLU())
        width, latent = 400, 20
        decoder = tnn.Sequential(tnn.Linear(20, 400), tnn.ReLU(), tnn.Linear(400, 784), tnn.Unflatten(1, (1, 28, 28)))
    else:
        encoder.body = tnn.Sequential(tnn.Conv2d(1, 32, 3, 2, 1), tnn.ReLU(), tnn.Conv2d(32, 64, 3, 2, 1), tnn.ReLU(),
                                      tnn.Flatten(), tnn.Linear(3136, 16), tnn.ReLU())
        width, latent = 16, 2
        decoder = tnn.Sequential(tnn.Linear(2, 3136), tnn.ReLU(), tnn.Unflatten(1, (64, 7, 7)),
                                 tnn.ConvTranspose2d(64, 64, 3, 2, 1, 1), tnn.ReLU(),
                                 tnn.ConvTranspose2d(64, 32, 3, 2, 1, 1), tnn.ReLU(),
                                 tnn.ConvTranspose2d(32, 1, 3, 1, 1))
    encoder.z_mean, encoder.z_log_var = tnn.Linear(width, latent), tnn.Linear(width, latent)
    model = tnn.ModuleDict({"encoder": encoder, "decoder": decoder})
    if kind == "conv":   # tinygen's conv_vae starts from Keras's init (see keras_init_); so does its twin
        for layer in model.modules():
            if isinstance(layer, (tnn.Linear, tnn.Conv2d, tnn.ConvTranspose2d)):
                tnn.init.xavier_uniform_(layer.weight)
                tnn.init.zeros_(layer.bias)
    return model


class TinygenRun:
    def __init__(self, kind, initial_state, lr):
        self.model = BUILDERS[kind]()
        self.model.load_state_dict(initial_state)
        self.optimizer = optim.Adam(self.model.parameters(), lr=lr)
        self.noise = np.random.default_rng(0)

    def train_step(self, images, _labels):
        noise = self.noise.standard_normal((len(images), self.model.latent_dim), dtype=np.float32)
        self.optimizer.zero_grad()
        self.model.loss(tg.Tensor(images), noise).backward()
        self.optimizer.step()

    def state_dict(self):
        return self.model.state_dict()


class TorchRun:
    def __init__(self, torch, model, lr):
        self.torch, self.model = torch, model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.noise = np.random.default_rng(0)

    def train_step(self, images, _labels):
        torch, encoder = self.torch, self.model["encoder"]
        x = torch.from_numpy(images)
        noise = torch.from_numpy(self.noise.standard_normal((len(images), encoder.z_mean.out_features),
                                                            dtype=np.float32))
        self.optimizer.zero_grad()
        hidden = encoder.body(x)
        mu, logvar = encoder.z_mean(hidden), encoder.z_log_var(hidden)
        logits = self.model["decoder"](mu + torch.exp(0.5 * logvar) * noise)
        recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        ((recon + kl) / len(images)).backward()
        self.optimizer.step()

    def state_dict(self):
        return {key: value.detach().numpy() for key, value in self.model.state_dict().items()}


def scorer(kind, k):
    """score(run, test_set): tinygen's likelihood report of the run's trained weights, one fixed seed."""
    def score(run, test_set):
        model = BUILDERS[kind]()
        model.load_state_dict(run.state_dict())
        tg.manual_seed(1)
        return likelihood_report(model, test_set.images, ks=(k,) if k > 1 else ())
    return score


def main():
    parser = training_parser(__doc__.splitlines()[0], epochs=30)
    parser.set_defaults(batch_size=128)
    parser.add_argument("--model", choices=sorted(BUILDERS), default="dense")
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the NLL (1: skip it)")
    args = parser.parse_args()
    train_set, test_set = load_dataset("mnist-5k", split="train"), load_dataset("mnist-5k", split="test")
    torch, torch_model, initial_state = seeded_start(args.threads, lambda t: torch_vae(t, args.model),
                                                     BUILDERS[args.model])
    print(f"{args.model} VAE on mnist-5k: {len(train_set)} train / {len(test_set)} test images, batch "
          f"{args.batch_size}, Adam lr {args.lr}, {args.epochs} epochs, threads: {args.threads or 'default'}\n")
    runs = {"tinygen": TinygenRun(args.model, initial_state, args.lr)}
    if torch is not None:
        runs["pytorch"] = TorchRun(torch, torch_model, args.lr)
    results = train_side_by_side(runs, train_set, test_set, scorer(args.model, args.k), args)
    nll = f"iwae_nll_k{args.k}"
    print(f"{'framework':<10} {'neg ELBO':>9} {'recon':>8} {'KL':>7} {'NLL K=' + str(args.k):>11} "
          f"{'median ms/epoch':>16} {'(first, best)':>16}")
    for name, (seconds, report) in results.items():
        print(f"{name:<10} {report['neg_elbo']:>9.2f} {report['recon']:>8.2f} {report['kl']:>7.2f} "
              f"{report.get(nll, float('nan')):>11.2f} {1000 * np.median(seconds):>16.1f} "
              f"{f'({1000 * seconds[0]:.0f}, {1000 * min(seconds):.0f})':>16}")
    if torch is not None:
        ratio = np.median(results["tinygen"][0]) / np.median(results["pytorch"][0])
        gap = results["tinygen"][1]["neg_elbo"] - results["pytorch"][1]["neg_elbo"]
        print(f"\ntinygen / pytorch median time per epoch: {ratio:.2f}x; test neg ELBO difference {gap:+.2f} nats")
    if args.profile:
        profile_one_epoch(TinygenRun(args.model, initial_state, args.lr), train_set, args, top=20)


if __name__ == "__main__":
    main()
