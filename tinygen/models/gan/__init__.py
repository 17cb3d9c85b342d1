"""The GAN family: the game (``model.py``) and its step (``trainer.py``), the players (``networks.py``,
``wgan_networks.py``), the losses (``losses.py``: minimax and non-saturating; ``wasserstein.py`` with
the gradient penalty of ``gradient_penalty.py``), and the recipes ``gan``, ``dcgan``, ``cgan``
(``recipe.py``), ``wgan``, ``wgan-gp`` (``wgan_recipe.py``), with what they do on 2-D toy data
(``toy.py``)."""
from tinygen.models.gan import recipe, wgan_recipe  # noqa: F401  (register the recipes)
from tinygen.models.gan.model import GAN
