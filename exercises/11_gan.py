"""Exercises of lesson 11 (the GAN's game). Write each function, then check it with `tinygen check 11`."""
import tinygen as tg  # noqa: F401 (for your answer)
import tinygen.functional as F  # noqa: F401 (for your answer)


def discriminator_loss(real_logits, fake_logits):
    """What the discriminator minimizes: -[log D(x) + log(1 - D(G(z)))], averaged over each batch.

    real_logits, fake_logits: Tensors (N, 1), D's outputs before the sigmoid (D(x) = sigmoid(logit))
    on a real and a fake batch. Return the scalar Tensor mean_real(-log D) + mean_fake(-log(1 - D)),
    finite for logits of +-1000.
    """
    raise NotImplementedError


def generator_loss(fake_logits):
    """What the generator minimizes in the non-saturating game: -log D(G(z)), averaged over the batch.

    fake_logits: a Tensor (N, 1), D's logits on the generator's fakes. Return a scalar Tensor, finite
    for logits of +-1000.
    """
    raise NotImplementedError
