"""What the literature measures about a generative model, one concept a module."""
from tinygen.metrics.psnr import psnr
