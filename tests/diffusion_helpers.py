"""A tiny stand-in denoiser for the diffusion tests: any network(x, t, y=None) -> same shape as x will do."""
from tinygen import functional as F, nn


class TinyDenoiser(nn.Module):
    """conv3x3(x) + a time term + a label term, through tanh: cheap, nonlinear in x, t and y."""

    def __init__(self, channels=1, num_classes=None):
        super().__init__()
        self.channels = channels
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.time = nn.Linear(1, channels)
        self.label = nn.Embedding(num_classes + 1, channels) if num_classes else None

    def forward(self, x, t, y=None):
        shape = (-1, self.channels, 1, 1)
        h = self.conv(x) + self.time((t * 0.001).reshape(-1, 1)).reshape(shape)
        if self.label is not None:
            h = h + self.label(y).reshape(shape)
        return F.tanh(h)
