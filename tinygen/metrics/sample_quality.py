"""Sample quality in a shipped classifier's eyes (digits or Fashion-MNIST): FD, classifier score, class accuracy.

* FD: the Fréchet distance (``frechet.py``) between the classifier's penultimate features (64-d) of
  the samples and of the real test images. tinygen's own metric: the same idea as FID, but a small
  digit classifier instead of Inception, so its values are NOT comparable to published FIDs. Lower
  is better; the README calibrates it (real vs real, blurred, noise).
* classifier score: exp(E_x KL(p(y|x) || p(y))), the Inception-score formula with our classifier.
  High when each sample is confidently one digit and all digits occur; at most 10 (classes).
* class accuracy (conditional models): how often the classifier calls a sample the class it was
  generated for.
All inputs are host images (N, 1, 28, 28) with finite pixels in [0, 1] (images in 0..255 are refused,
not measured: their features are far from any digit's, and the FD would be meaningless).
"""
from tinygen.backend import numpy as np  # host arrays: float64 statistics of host features

from tinygen.finite import require_finite
from tinygen.metrics.digit_classifier import features_and_logits, shipped_classifier
from tinygen.metrics.frechet import feature_statistics, frechet_distance

IMAGE_SHAPE = (1, 28, 28)


class SampleQuality:
    """Holds the real images' feature statistics once; ``evaluate(samples, labels=None)`` -> dict of floats.

    ``dataset`` names where the images come from and so which shipped classifier judges them
    (mnist-5k and mnist: the digit classifier; fashion-mnist: the Fashion one).
    """

    def __init__(self, real_images, dataset="mnist-5k"):
        self.classifier = shipped_classifier(dataset)
        features, _ = features_and_logits(self.classifier, _checked(real_images, "real_images"))
        self.real_statistics = feature_statistics(features)

    def evaluate(self, samples, labels=None):
        """{"fd", "classifier_score"} and, given the asked ``labels`` (N,), "class_accuracy"."""
        features, logits = features_and_logits(self.classifier, _checked(samples, "samples"))
        result = {"fd": frechet_distance(feature_statistics(features), self.real_statistics),
                  "classifier_score": classifier_score(logits)}
        if labels is not None:
            result["class_accuracy"] = class_accuracy(logits, labels)
        return result


def classifier_score(logits):
    """exp(mean_x KL(p(y|x) || p(y))) from logits (N, K); p(y) is the mean of p(y|x) over the samples."""
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    log_marginal = np.log(p.mean(axis=0) + 1e-12)
    return float(np.exp((p * (log_p - log_marginal)).sum(axis=1).mean()))


def class_accuracy(logits, labels):
    """The fraction of samples the classifier assigns to the class asked for."""
    labels = np.asarray(labels)
    if labels.shape != (len(logits),):
        raise ValueError(f"class_accuracy: labels shape {labels.shape} must be ({len(logits)},)")
    return float((logits.argmax(axis=1) == labels).mean())


def _checked(images, name):
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"SampleQuality: {name} must have shape (N, 1, 28, 28), got {images.shape}")
    if len(images) < 2:
        raise ValueError(f"SampleQuality: {name} must hold at least 2 images, got {len(images)}")
    require_finite([(name, images)], "SampleQuality")
    low, high = float(images.min()), float(images.max())
    if low < 0 or high > 1:
        raise ValueError(f"SampleQuality: {name} must hold pixels in [0, 1], got values from {low:g} to {high:g} "
                         "(images in 0..255: divide them by 255)")
    return images
