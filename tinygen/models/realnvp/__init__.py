"""RealNVP: affine coupling layers, squeezing and the logit transform; an exact likelihood in bits/dim."""
from tinygen.models.realnvp import recipe  # noqa: F401  (registers the recipe)
from tinygen.models.realnvp.layers import AffineCoupling, channel_mask, checkerboard_mask, feature_mask
from tinygen.models.realnvp.model import RealNVP
from tinygen.models.realnvp.networks import conv_net, dense_net
from tinygen.models.realnvp.points import PointFlow
