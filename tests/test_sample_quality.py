"""The sample-quality metric: the Fréchet distance's math, the classifier score's bounds, the calibration,
and one shipped classifier per kind of image (digits, Fashion-MNIST)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygen.data import load_dataset
from tinygen.metrics.calibration import box_blur, calibration
from tinygen.data.idx_datasets import FASHION_MNIST, find_split_files
from tinygen.metrics.digit_classifier import (WEIGHTS, features_and_logits, shipped_classifier, shipped_test_accuracy,
                                              weights_path)
from tinygen.metrics.frechet import feature_statistics, frechet_distance
from tinygen.metrics.sample_quality import SampleQuality, class_accuracy, classifier_score


def random_statistics(rng, dimension):
    factor = rng.standard_normal((dimension, dimension + 2))
    return rng.standard_normal(dimension), factor @ factor.T / dimension


@settings(deadline=None)
@given(st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_frechet_distance_matches_the_matrix_square_root_formula(dimension, seed):
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(seed)
    (mean_1, cov_1), (mean_2, cov_2) = random_statistics(rng, dimension), random_statistics(rng, dimension)
    expected = (np.sum((mean_1 - mean_2) ** 2) + np.trace(cov_1 + cov_2)
                - 2 * np.trace(linalg.sqrtm(cov_1 @ cov_2).real))
    assert frechet_distance((mean_1, cov_1), (mean_2, cov_2)) == pytest.approx(expected, rel=1e-6, abs=1e-8)
    assert frechet_distance((mean_1, cov_1), (mean_1, cov_1)) == pytest.approx(0, abs=1e-8)


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    means = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    variances = np.array([1.0, 4.0, 0.25]), np.array([4.0, 1.0, 0.25])
    expected = np.sum((means[0] - means[1]) ** 2) + np.sum((np.sqrt(variances[0]) - np.sqrt(variances[1])) ** 2)
    got = frechet_distance((means[0], np.diag(variances[0])), (means[1], np.diag(variances[1])))
    assert got == pytest.approx(expected)  # 1 + 0 + 4 plus (1 - 2)^2 + (2 - 1)^2 + 0 = 7


def test_classifier_score_is_ten_for_confident_balanced_predictions_and_one_for_a_single_class():
    confident = np.full((50, 10), -30.0)
    confident[np.arange(50), np.arange(50) % 10] = 30.0
    assert classifier_score(confident) == pytest.approx(10, rel=1e-6)
    single = np.full((50, 10), -30.0)
    single[:, 3] = 30.0
    assert classifier_score(single) == pytest.approx(1, rel=1e-6)
    assert classifier_score(np.zeros((20, 10))) == pytest.approx(1)  # unsure about every sample
    assert class_accuracy(confident, np.arange(50) % 10) == 1.0


def test_shipped_classifier_has_the_accuracy_stored_with_it():
    test = load_dataset("mnist-5k", "test")
    _, logits = features_and_logits(shipped_classifier(), test.images)
    measured = float((logits.argmax(axis=1) == test.labels).mean())
    assert measured == pytest.approx(shipped_test_accuracy(), abs=1e-9)
    assert measured > 0.95


def test_calibration_orders_real_far_below_blurred_far_below_noise():
    table = calibration(count=1000)
    real, blurred, noise = (table[name] for name in ("real train", "real train, 5x5 box blur", "uniform noise"))
    assert real["fd"] * 10 < blurred["fd"] and blurred["fd"] * 5 < noise["fd"]
    assert real["classifier_score"] > 9 and blurred["classifier_score"] < real["classifier_score"] - 2
    assert noise["classifier_score"] < 2


def test_box_blur_averages_the_window():
    image = np.zeros((1, 1, 7, 7), np.float32)
    image[0, 0, 3, 3] = 25.0
    blurred = box_blur(image)
    assert blurred[0, 0, 1:6, 1:6] == pytest.approx(np.ones((5, 5))) and blurred.sum() == pytest.approx(25)
    with pytest.raises(ValueError, match="size must be an odd positive integer, got 4"):
        box_blur(image, 4)


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"real_images must have shape \(N, 1, 28, 28\), got \(3, 1, 8, 8\)"):
        SampleQuality(np.zeros((3, 1, 8, 8)))
    quality = SampleQuality(load_dataset("mnist-5k", "test").images[:100])
    with pytest.raises(ValueError, match="samples holds nan"):
        quality.evaluate(np.full((4, 1, 28, 28), np.nan))
    with pytest.raises(ValueError, match=r"labels shape \(3,\) must be \(4,\)"):
        quality.evaluate(np.zeros((4, 1, 28, 28)), labels=np.arange(3))
    with pytest.raises(ValueError, match=r"no shipped metric classifier for dataset 'digits'; datasets with one: "
                                         r"\['fashion-mnist', 'mnist', 'mnist-5k'\]"):
        shipped_classifier("digits")  # scikit-learn's 8x8 digits: no classifier for them
    with pytest.raises(ValueError, match=r"features must have shape \(N, D\) with N >= 2"):
        feature_statistics(np.zeros((1, 4)))


# ---- Fashion-MNIST: its own classifier ------------------------------------------------------------

needs_fashion = pytest.mark.skipif(
    any(find_split_files(FASHION_MNIST, split) is None for split in ("train", "test")),
    reason="Fashion-MNIST's IDX files are absent (apt install dataset-fashion-mnist)")


def test_each_dataset_is_judged_by_its_own_classifier():
    assert weights_path("mnist-5k") == weights_path("mnist") == WEIGHTS["mnist"]
    assert weights_path("fashion-mnist") == WEIGHTS["fashion-mnist"] != WEIGHTS["mnist"]
    assert shipped_classifier("mnist-5k") is shipped_classifier("mnist")
    digits, fashion = shipped_classifier("mnist-5k"), shipped_classifier("fashion-mnist")
    assert not np.array_equal(digits.head.weight.numpy(), fashion.head.weight.numpy())
    images = load_dataset("mnist-5k", "test").images[:50]
    assert SampleQuality(images, "fashion-mnist").classifier is fashion
    assert SampleQuality(images).classifier is digits  # mnist-5k, the default


@needs_fashion
def test_shipped_fashion_classifier_reaches_its_stored_accuracy_on_a_test_subset():
    test = load_dataset("fashion-mnist", "test")
    count = 1000
    _, logits = features_and_logits(shipped_classifier("fashion-mnist"), test.images[:count])
    measured = float((logits.argmax(axis=1) == test.labels[:count]).mean())
    stored = shipped_test_accuracy("fashion-mnist")  # on all 10,000 test images, by the training script
    assert stored > 0.88  # the README's number
    # 1,000 of the 10,000 test images: within 4 standard errors of the full test set's accuracy
    assert abs(measured - stored) < 4 * math.sqrt(stored * (1 - stored) / count)


@needs_fashion
def test_fashion_calibration_orders_real_far_below_blurred_far_below_noise():
    table = calibration("fashion-mnist", count=500)
    real, blurred, noise = (table[name] for name in ("real train", "real train, 5x5 box blur", "uniform noise"))
    assert real["fd"] * 5 < blurred["fd"] and blurred["fd"] * 2 < noise["fd"]
    assert real["classifier_score"] > blurred["classifier_score"] + 1 and noise["classifier_score"] < 2
