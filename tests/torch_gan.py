"""PyTorch twins of tinygen's GAN networks and the same alternating step, for the equality tests and
benchmarks/gans.py. ``torch_twin`` rebuilds a tinygen network layer for layer in torch.nn (same
state_dict keys) and copies its weights; ``TorchGAN.train_step`` is ``GANTrainer.train_step`` written
in PyTorch (non-saturating loss, fakes of the D step reused for the G step, D frozen in the G step).
"""
import numpy as np

from tinygen import nn
from tinygen.models.gan.networks import ConditionalDiscriminator, ConditionalGenerator


def _layer(torch, layer):
    """The torch.nn twin of one tinygen layer (without weights)."""
    simple = {nn.ReLU: lambda: torch.nn.ReLU(), nn.Tanh: lambda: torch.nn.Tanh(),
              nn.Flatten: lambda: torch.nn.Flatten(),
              nn.LeakyReLU: lambda: torch.nn.LeakyReLU(layer.negative_slope),
              nn.Dropout: lambda: torch.nn.Dropout(layer.p),
              nn.Unflatten: lambda: torch.nn.Unflatten(layer.dim, layer.unflattened_size),
              nn.BatchNorm2d: lambda: torch.nn.BatchNorm2d(layer.num_features, layer.eps, layer.momentum)}
    if type(layer) in simple:
        return simple[type(layer)]()
    if isinstance(layer, nn.Linear):
        return torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        kind = torch.nn.Conv2d if isinstance(layer, nn.Conv2d) else torch.nn.ConvTranspose2d
        return kind(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                    bias=layer.bias is not None)
    raise TypeError(f"no torch twin for {type(layer).__name__}")


def torch_twin(torch, network):
    """A torch.nn module computing what the tinygen ``network`` computes, holding a copy of its weights."""
    if isinstance(network, (ConditionalGenerator, ConditionalDiscriminator)):
        twin = _conditional_class(torch, isinstance(network, ConditionalGenerator))(torch_twin(torch, network.net))
    else:
        twin = torch.nn.Sequential(*[_layer(torch, layer) for layer in network])
    twin.load_state_dict({key: torch.from_numpy(np.array(value.numpy())) for key, value in network.state_dict().items()})
    return twin


def _conditional_class(torch, generator):
    class Conditional(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, inputs, condition):
            if generator:
                return self.net(torch.cat([inputs, condition], dim=1))
            count, _, height, width = inputs.shape
            planes = condition[:, :, None, None].expand(count, condition.shape[1], height, width)
            return self.net(torch.cat([inputs, planes], dim=1))
    return Conditional


class TorchGAN:
    """generator and discriminator twins with Adam(lr, betas); ``train_step`` mirrors GANTrainer's."""

    def __init__(self, torch, gan, lr=2e-4, betas=(0.5, 0.999)):
        self.torch = torch
        self.generator, self.discriminator = torch_twin(torch, gan.generator), torch_twin(torch, gan.discriminator)
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), lr=lr, betas=betas)
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)
        self.label_smoothing, self.num_classes = gan.label_smoothing, gan.num_classes

    def _bce(self, logits, target):
        return self.torch.nn.functional.binary_cross_entropy_with_logits(logits, self.torch.full_like(logits, target))

    def train_step(self, images, labels, noise):
        """One D step and one G step on host ``images`` in [0, 1], with host ``noise`` (N, latent)."""
        torch = self.torch
        real = torch.from_numpy(images) * 2 - 1
        extra = () if self.num_classes is None else (
            torch.nn.functional.one_hot(torch.from_numpy(labels), self.num_classes).float(),)
        fake = self.generator(torch.from_numpy(noise), *extra)
        self.optimizer_d.zero_grad()
        real_logits, fake_logits = self.discriminator(real, *extra), self.discriminator(fake.detach(), *extra)
        loss_d = self._bce(real_logits, 1 - self.label_smoothing) + self._bce(fake_logits, 0.0)
        loss_d.backward()
        self.optimizer_d.step()
        self.optimizer_g.zero_grad()
        self.discriminator.requires_grad_(False)
        loss_g = self._bce(self.discriminator(fake, *extra), 1.0)
        loss_g.backward()
        self.discriminator.requires_grad_(True)
        self.optimizer_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
                "d_real": torch.sigmoid(real_logits).mean().item(), "d_fake": torch.sigmoid(fake_logits).mean().item()}

    def state_dict(self):
        """{"generator.…", "discriminator.…": host arrays}, keyed like the tinygen GAN's."""
        return {f"{name}.{key}": value.detach().numpy() for name, net in
                (("generator", self.generator), ("discriminator", self.discriminator))
                for key, value in net.state_dict().items()}


def assert_same_weights(gan, twin):
    """Every array of the tinygen GAN's state_dict equals the twin's (float32 rounding allowed)."""
    expected = twin.state_dict()
    for key, value in gan.state_dict().items():
        np.testing.assert_allclose(value.numpy(), expected[key], rtol=1e-4, atol=2e-6, err_msg=key)


class TorchWGANGP(TorchGAN):
    """The WGAN-GP game of ``GANTrainer`` in PyTorch: n_critic critic steps on one real batch (fresh
    noise and interpolation weights each), then one generator step on the last critic step's fakes."""

    def __init__(self, torch, gan, lr=1e-4, betas=(0.5, 0.9)):
        super().__init__(torch, gan, lr, betas)
        self.n_critic, self.penalty_weight = gan.n_critic, gan.game.penalty_weight

    def train_step(self, images, noises, mixes):
        """noises: n_critic host (N, latent) arrays; mixes: n_critic host (N,) interpolation weights."""
        torch = self.torch
        real = torch.from_numpy(images) * 2 - 1
        for noise, mix in zip(noises, mixes):
            fake = self.generator(torch.from_numpy(noise))
            mix = torch.from_numpy(mix).reshape(-1, *[1] * (real.ndim - 1))
            points = (mix * real + (1 - mix) * fake.detach()).requires_grad_(True)
            gradient, = torch.autograd.grad(self.discriminator(points).sum(), points, create_graph=True)
            norms = (gradient.flatten(1).pow(2).sum(1) + 1e-12).sqrt()
            loss_d = (self.discriminator(fake.detach()).mean() - self.discriminator(real).mean()
                      + self.penalty_weight * ((norms - 1) ** 2).mean())
            self.optimizer_d.zero_grad()
            loss_d.backward()
            self.optimizer_d.step()
        self.optimizer_g.zero_grad()
        self.discriminator.requires_grad_(False)
        loss_g = -self.discriminator(fake).mean()
        loss_g.backward()
        self.discriminator.requires_grad_(True)
        self.optimizer_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}
