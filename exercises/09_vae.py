"""Exercises of lesson 09 (the VAE). Check them with `tinygen check 09`."""
import tinygen as tg  # noqa: F401 (for your answer)


def reparameterize(mu, logvar):
    """The reparameterization trick: a draw z ~ N(mu, sigma^2) through which gradients reach mu and logvar.

    mu, logvar: Tensors (N, D), the encoder's mean and log-variance (logvar = log sigma^2). Draw fresh
    standard normal noise eps of mu's shape (tg.randn(*mu.shape, dtype=mu.dtype)) and return the
    Tensor z = mu + sigma * eps. The check draws z many times: their mean must be mu and their
    variance exp(logvar) — so mind what sigma is.
    """
    raise NotImplementedError
