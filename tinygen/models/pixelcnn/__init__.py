"""PixelCNN for binary images (van den Oord et al. 2016): networks.py the masked convolutions, model.py the
exact likelihood and sampling, recipe.py `tinygen train pixelcnn`."""
from tinygen.models.pixelcnn import recipe  # noqa: F401  (registers the recipe)
from tinygen.models.pixelcnn.model import PixelCNN
