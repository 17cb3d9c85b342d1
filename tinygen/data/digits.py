"""scikit-learn's 8 x 8 digits (1,797 images, 16 grey levels), an optional tiny image set."""
import numpy as np

from tinygen.data.dataset import Dataset
from tinygen.data.split import stratified_split

DIGITS_SPLIT_SEED = 0
DIGITS_TEST_FRACTION = 0.2


def load_digits_dataset(split):
    """The ``split`` of sklearn's digits: images (N, 1, 8, 8) float32 in [0, 1] (value / 16), stratified 80/20."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ValueError("dataset 'digits' needs scikit-learn (pip install scikit-learn); "
                         "'mnist-5k' needs nothing") from error
    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None]
    train, test = stratified_split(bunch.target, DIGITS_TEST_FRACTION, DIGITS_SPLIT_SEED)
    rows = train if split == "train" else test
    return Dataset(images[rows], bunch.target[rows], "digits")


def sklearn_available():
    try:
        import sklearn  # noqa: F401
        return True
    except ImportError:
        return False
