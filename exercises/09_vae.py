"""Exercises of lesson 09 (the VAE). Write each function, then check it with `tinygen check 09`."""
import tinygen as tg  # noqa: F401 (for your answer)


def reparameterize(mu, logvar):
    """The reparameterization trick: a draw z ~ N(mu, sigma^2) through which gradients reach mu and logvar.

    mu, logvar: Tensors (N, D), the encoder's mean and log-variance (logvar = log sigma^2). Draw fresh
    standard normal noise of mu's shape (tg.randn(*mu.shape, dtype=mu.dtype)) and return a Tensor z of
    mu's shape. The check draws z many times: their mean must be mu and their variance exp(logvar).
    """
    raise NotImplementedError


def gaussian_kl(mu, logvar):
    """The VAE's KL term: KL(N(mu, sigma^2) || N(0, 1)) for each example, summed over the latent dimensions.

    mu, logvar: Tensors (N, D) (logvar = log sigma^2). Return a Tensor (N,), in closed form. Use Tensor
    operations so that backward gives the gradient.
    """
    raise NotImplementedError
