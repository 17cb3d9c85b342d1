"""Latent-space tools: the quantile grid, interpolation end points, attribute vectors, the two pictures."""
from statistics import NormalDist

import numpy as np
import pytest
from matplotlib.image import imread

import tinygen as tg
from tinygen.models.vae import latent as vae_latent
from tinygen.models.vae.networks import dense_vae


@pytest.fixture
def model():
    return dense_vae(image_shape=(1, 8, 8), hidden=16, latent_dim=2)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((12, 1, 8, 8)).astype(np.float32)


def test_quantile_grid_puts_equal_prior_probability_between_neighbouring_codes():
    codes = vae_latent.quantile_grid(5, edge=0.1)
    assert codes.shape == (25, 2)
    z1 = codes[:5, 0]
    np.testing.assert_allclose([NormalDist().cdf(v) for v in z1], [0.1, 0.3, 0.5, 0.7, 0.9], atol=1e-6)
    assert (codes[:5, 1] == codes[0, 1]).all() and codes[0, 1] > 1.2 and codes[-1, 1] < -1.2  # top row: largest z2
    with pytest.raises(ValueError, match="n must be an integer >= 2, got 1"):
        vae_latent.quantile_grid(1)
    with pytest.raises(ValueError, match=r"edge must be a probability in \(0, 0.5\), got 0.5"):
        vae_latent.quantile_grid(4, edge=0.5)


def test_interpolation_runs_from_one_reconstruction_to_the_other(model, images):
    strip = vae_latent.interpolate(model, images[0], images[1], steps=6)
    with tg.no_grad():
        ends = model.reconstruct(images[:2]).numpy()
    assert strip.shape == (6, 1, 8, 8)
    np.testing.assert_allclose(strip[[0, -1]], ends, atol=1e-6)
    assert not np.allclose(strip[2], ends[0], atol=1e-4)
    with pytest.raises(ValueError, match="steps must be an integer >= 2, got 1"):
        vae_latent.interpolate(model, images[0], images[1], steps=1)


def test_attribute_vector_is_the_difference_of_mean_codes_and_is_added_with_each_strength(model, images):
    means = vae_latent.latent_means(model, images, batch_size=5)
    heavy = vae_latent.ink(images) > np.median(vae_latent.ink(images))
    vector = vae_latent.attribute_vector(model, images[heavy], images[~heavy])
    np.testing.assert_allclose(vector, means[heavy].mean(axis=0) - means[~heavy].mean(axis=0), rtol=1e-5)
    shifted = vae_latent.add_attribute(model, images[:3], vector, strengths=(0.0, 2.0))
    assert shifted.shape == (3, 2, 1, 8, 8)
    np.testing.assert_allclose(shifted[:, 1], vae_latent.decode(model, means[:3] + 2 * vector), atol=1e-6)
    np.testing.assert_allclose(shifted[:, 0], vae_latent.decode(model, means[:3]), atol=1e-6)
    with pytest.raises(ValueError, match="both groups need images, got 0 with and 12 without"):
        vae_latent.attribute_vector(model, images[:0], images)


def test_manifold_and_scatter_draw_a_2d_model_and_refuse_others(model, images, tmp_path):
    grid = imread(vae_latent.manifold(model, tmp_path / "manifold.png", n=4))
    assert grid.shape[1] == 4 * 8 * 10               # 4 cells of 8 pixels, each magnified 84 // 8 = 10 times
    assert vae_latent.scatter(model, images, np.arange(12) % 3, tmp_path / "scatter.png").stat().st_size > 0
    wide = dense_vae(image_shape=(1, 8, 8), hidden=16, latent_dim=3)
    with pytest.raises(ValueError, match="2-d latent space, this one has latent_dim=3"):
        vae_latent.manifold(wide, tmp_path / "m.png")
    with pytest.raises(ValueError, match="2-d latent space, this one has latent_dim=3"):
        vae_latent.scatter(wide, images, np.zeros(12, int), tmp_path / "s.png")


def test_latent_map_draws_scatter_and_manifold_in_one_picture(model, images, tmp_path):
    picture = imread(vae_latent.latent_map(model, images, np.arange(12) % 4, tmp_path / "map.png", n=5))
    assert picture.shape[:2] == (600, 1200)
    with pytest.raises(ValueError, match="latent_map: needs a model with a 2-d latent space"):
        vae_latent.latent_map(dense_vae(image_shape=(1, 8, 8), hidden=4, latent_dim=1), images,
                              np.zeros(12, int), tmp_path / "m.png")
