"""MADE (Germain et al. 2015): networks.py the masks and the masked network, model.py the exact likelihood
and sampling, trainer.py the step that draws a mask set, recipe.py `tinygen train made`."""
from tinygen.models.made import recipe  # noqa: F401  (registers the recipe)
from tinygen.models.made.model import MADE
