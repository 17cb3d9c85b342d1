"""The networks of GANs II: MLPs for the toy 2-D mixtures and the DCGAN critic without batch norm.

* Toy sets (ring8, grid25): generator z (N, latent_dim) -> ``depth`` hidden ReLU layers of ``width``
  -> a point (N, 2), no squashing at the end (points are not bounded like pixels); discriminator
  (critic) (N, 2) -> ``depth`` hidden ReLU layers of ``width`` -> one score (N, 1). Default 4 x 256
  (the papers use 3-4 layers of 128-512 units).
* Images: the DCGAN discriminator of ``networks.py`` with its batch norm taken out. WGAN-GP
  penalizes each example's gradient ||grad_x D(x)||, which is only that example's when D(x) depends
  on x alone; batch norm mixes every example of the batch into every score (Gulrajani et al., 2017,
  section 4, leave it out of the critic). ``check_no_batch_norm`` says so when it is there.
"""
from tinygen.models.autoencoders.model import dense_stack
from tinygen.models.gan.networks import dcgan_discriminator
from tinygen.nn.norm import BatchNorm

POINT_SHAPE = (2,)


def toy_generator(latent_dim=2, width=256, depth=4):
    """z (N, latent_dim) -> depth x (Linear(width), ReLU) -> Linear -> points (N, 2)."""
    return dense_stack([latent_dim] + [width] * depth + [POINT_SHAPE[0]])


def toy_discriminator(width=256, depth=4):
    """points (N, 2) -> depth x (Linear(width), ReLU) -> Linear -> logit or critic score (N, 1)."""
    return dense_stack([POINT_SHAPE[0]] + [width] * depth + [1])


def dcgan_critic(data_shape=(1, 28, 28), width=64):
    """The DCGAN discriminator without batch norm: (N, C, H, W) -> score (N, 1), DCGAN's N(0, 0.02) init."""
    return dcgan_discriminator(data_shape, width, batch_norm=False)


def check_no_batch_norm(critic, loss_name="wgan_gp"):
    """ValueError naming the first batch-norm layer of ``critic``, and why the gradient penalty forbids it."""
    for name, layer in critic.named_modules():
        if isinstance(layer, BatchNorm):
            raise ValueError(
                f"{loss_name}: the critic has batch norm at {name or 'its top'!r} ({type(layer).__name__}). "
                "The gradient penalty constrains each example's gradient ||grad_x D(x)||, but batch norm makes "
                "every score depend on the whole batch, so that gradient is no longer the example's own; "
                "build the critic without batch norm (e.g. dcgan_critic), as the WGAN-GP paper does")
