"""Against PyTorch: 20 training steps of DDPM and of flow matching with the same weights, noise, time steps,
dropped labels and batches give the same losses (the U-Net twin and its two losses are in tests/torch_unet.py)."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.data import load_dataset
from tinygen.models import get_recipe

from torch_unet import diffusion_loss, torch_twin

STEPS, BATCH, LR = 20, 16, 2e-4


@pytest.mark.parametrize("kind", ["ddpm", "flow-matching"])
def test_twenty_training_steps_give_the_losses_of_pytorch(kind):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tg.manual_seed(0)
    model = get_recipe(kind).model((1, 28, 28), width=8, conditional=True, ema=0.0)
    twin = torch_twin(torch, model.network, base_channels=8, num_classes=10)
    ours_optimizer = tg.optim.Adam(model.network.parameters(), lr=LR)
    theirs_optimizer = torch.optim.Adam(twin.parameters(), lr=LR)
    digits = load_dataset("mnist-5k", "train")
    rng = np.random.default_rng(0)
    alpha_bars = tg.backend.to_numpy(model.schedule.alpha_bars) if kind == "ddpm" else None
    ours_losses, theirs_losses = [], []
    for step in range(STEPS):
        x0 = digits.images[step * BATCH:(step + 1) * BATCH] * 2 - 1
        noise = rng.standard_normal(x0.shape).astype(np.float32)
        t = rng.integers(0, 1000, BATCH) if kind == "ddpm" else rng.random(BATCH).astype(np.float32)
        labels = np.where(rng.random(BATCH) < 0.1, 10, digits.labels[step * BATCH:(step + 1) * BATCH]).astype(np.int64)
        ours_optimizer.zero_grad()
        loss = model.loss_at(tg.tensor(x0), t, tg.tensor(noise), labels)
        loss.backward()
        ours_optimizer.step()
        ours_losses.append(loss.item())
        theirs_optimizer.zero_grad()
        theirs = diffusion_loss(torch, twin, kind, alpha_bars, x0, t, noise, labels)
        theirs.backward()
        theirs_optimizer.step()
        theirs_losses.append(theirs.item())
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=2e-5)
    assert ours_losses[-1] < ours_losses[0]      # the steps did train: agreement is not of two frozen networks
    # (weights are not compared: with one channel per GroupNorm group a bias just before the norm has
    # gradient 0 up to rounding, and Adam turns either framework's rounding noise into steps of size lr)
