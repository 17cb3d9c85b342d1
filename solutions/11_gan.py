"""Solutions of lesson 11's exercises (the GAN's game)."""
import tinygen.functional as F


def discriminator_loss(real_logits, fake_logits):
    # -log sigmoid(z) = softplus(-z): real images should get label 1; -log(1 - sigmoid(z)) = softplus(z): fakes 0
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits):
    return F.softplus(-fake_logits).mean()  # the fakes labelled real: strong gradients while D rejects them
