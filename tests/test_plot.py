"""Figures: each writes a PNG of the documented pixel size, showing the images where they belong."""
import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

import tinygen as tg
from tinygen import plot


def png(path):
    """(height, width) and the grey level of every pixel of a saved PNG."""
    assert path.exists() and path.stat().st_size > 0
    pixels = imread(path)[..., :3].mean(axis=-1)
    return pixels.shape, pixels


def mosaic_size(count, ncols, side, pad=1, title=False, labels=False):
    """The documented PNG size: cells of ``side`` pixels magnified by 84 // side, ``pad`` pixels between,
    30 pixels for a title on top, 150 for row labels on the left."""
    scale = max(1, 84 // side)
    rows = -(-count // ncols)
    return ((rows * (side + pad) + pad) * scale + (30 if title else 0),
            (ncols * (side + pad) + pad) * scale + (150 if labels else 0))


def cell_centre(row, col, side, pad=1, title=False, labels=False):
    scale = max(1, 84 // side)
    step = (side + pad) * scale
    top, left = (30 if title else 0), (150 if labels else 0)
    return top + pad * scale + row * step + side * scale // 2, left + pad * scale + col * step + side * scale // 2


def one_white_image(count, white, side=28):
    images = np.zeros((count, 1, side, side), dtype=np.float32)
    images[white] = 1.0
    return images


@pytest.mark.parametrize("count, ncols, side, title", [(64, 8, 28, None), (10, 4, 28, "ten"), (3, 8, 8, None),
                                                      (7, 7, 16, "a row")])
def test_image_grid_size_follows_the_documented_layout(tmp_path, count, ncols, side, title):
    path = plot.image_grid(one_white_image(count, 0, side), tmp_path / "grid.png", ncols=ncols, title=title)
    shape, _ = png(path)
    assert shape == mosaic_size(count, min(ncols, count), side, title=bool(title))


def test_image_grid_puts_each_image_in_its_cell(tmp_path):
    _, pixels = png(plot.image_grid(one_white_image(10, 5), tmp_path / "grid.png", ncols=4, title="where is 5"))
    for index in range(10):
        row, col = divmod(index, 4)
        expected = 1.0 if index == 5 else 0.0
        assert pixels[cell_centre(row, col, 28, title=True)] == pytest.approx(expected, abs=0.02)
    assert pixels[0:30].mean() > 0.9  # the title band is white with dark text


def test_image_grid_accepts_tensors_and_three_dimensional_arrays(tmp_path):
    images = np.random.default_rng(0).random((6, 28, 28)).astype(np.float32)
    from_array = png(plot.image_grid(images, tmp_path / "a.png", ncols=3))[1]
    from_tensor = png(plot.image_grid(tg.tensor(images[:, None]), tmp_path / "b.png", ncols=3))[1]
    np.testing.assert_array_equal(from_array, from_tensor)


def test_reconstructions_show_originals_above_reconstructions(tmp_path):
    originals = np.zeros((12, 1, 28, 28), dtype=np.float32)
    path = plot.reconstructions(originals, originals + 1.0, tmp_path / "sub" / "recon.png", n=5)
    shape, pixels = png(path)
    assert shape == mosaic_size(10, 5, 28, labels=True)
    for col in range(5):
        assert pixels[cell_centre(0, col, 28, labels=True)] == pytest.approx(0.0, abs=0.02)
        assert pixels[cell_centre(1, col, 28, labels=True)] == pytest.approx(1.0, abs=0.02)
    assert pixels[:, :150].min() < 0.5, "the rows are labelled in the left margin"


def test_row_labels_are_written_beside_their_rows_and_must_match_the_rows(tmp_path):
    images = one_white_image(6, 0)
    shape, pixels = png(plot.image_grid(images, tmp_path / "g.png", ncols=3, title="t", row_labels=["one", "two"]))
    assert shape == mosaic_size(6, 3, 28, title=True, labels=True)
    row_height = (shape[0] - 30) // 2
    for row in range(2):   # dark text in the margin beside each row, white elsewhere in the margin
        band = pixels[30 + row * row_height: 30 + (row + 1) * row_height, :150]
        assert band.min() < 0.5
    assert pixels[cell_centre(0, 0, 28, title=True, labels=True)] == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match=r"one label per row of the grid \(2\), got 3"):
        plot.image_grid(images, tmp_path / "x.png", ncols=3, row_labels=["a", "b", "c"])


def test_latent_scatters_draw_one_panel_per_code_set_with_one_legend(tmp_path):
    codes = np.random.default_rng(0).normal(size=(30, 2))
    labels = np.arange(30) % 3
    one = png(plot.latent_scatter(codes, labels, tmp_path / "one.png"))[0]
    two = png(plot.latent_scatters({"a": codes, "b": -codes}, labels, tmp_path / "two.png", legend_title="digit"))[0]
    assert two[0] == one[0] and two[1] == 2 * one[1]
    with pytest.raises(ValueError, match="panels must be a non-empty dict"):
        plot.latent_scatters({}, labels, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"labels must have shape \(10,\)"):
        plot.latent_scatters({"a": codes[:10]}, labels, tmp_path / "x.png")


def test_latent_scatters_name_the_axes_and_the_legend_entries_as_asked(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(plot, "_save", lambda figure, path: drawn.append(figure) or path)
    codes, labels = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 3
    plot.latent_scatter(codes, labels, tmp_path / "codes.png")
    plot.latent_scatters({"data": codes}, labels, tmp_path / "data.png", legend_title="time",
                         axis_labels=("x1", "x2"), label_names={0: "t = 1", 2: "t = 0"})
    (codes_axes,), (data_axes,) = (figure.axes for figure in drawn)
    assert (codes_axes.get_xlabel(), codes_axes.get_ylabel()) == ("z1", "z2")
    assert [text.get_text() for text in codes_axes.get_legend().get_texts()] == ["0", "1", "2"]
    assert (data_axes.get_xlabel(), data_axes.get_ylabel()) == ("x1", "x2")
    assert [text.get_text() for text in data_axes.get_legend().get_texts()] == ["t = 1", "1", "t = 0"]
    assert data_axes.get_legend().get_title().get_text() == "time"


def test_reconstructions_refuse_images_of_different_sizes(tmp_path):
    with pytest.raises(ValueError, match=r"same size, got \(28, 28\) and \(8, 8\)"):
        plot.reconstructions(np.zeros((3, 1, 28, 28)), np.zeros((3, 1, 8, 8)), tmp_path / "r.png")


def test_interpolation_strip_is_one_row_per_strip(tmp_path):
    steps = np.linspace(0, 1, 9, dtype=np.float32)[:, None, None, None] * np.ones((1, 1, 28, 28), np.float32)
    shape, pixels = png(plot.interpolation_strip(steps, tmp_path / "strip.png"))
    assert shape == mosaic_size(9, 9, 28)
    centres = [pixels[cell_centre(0, col, 28)] for col in range(9)]
    np.testing.assert_allclose(centres, np.linspace(0, 1, 9), atol=0.02)
    shape, _ = png(plot.interpolation_strip(np.stack([steps, steps[::-1]]), tmp_path / "two.png"))
    assert shape == mosaic_size(18, 9, 28)


def test_latent_manifold_decodes_a_grid_with_z1_rightward_and_z2_upward(tmp_path):
    seen = []

    def decode(codes):
        """Brightness 1 only where z1 > 0 and z2 > 0: the top-right quadrant."""
        seen.append(codes)
        bright = ((codes[:, 0] > 0) & (codes[:, 1] > 0)).astype(np.float32)
        return np.broadcast_to(bright[:, None, None, None], (len(codes), 1, 28, 28))

    shape, pixels = png(plot.latent_manifold(decode, tmp_path / "manifold.png", n=4, span=2.0))
    codes = seen[0]
    assert codes.shape == (16, 2) and codes.dtype == np.float32
    np.testing.assert_allclose(np.unique(codes[:, 0]), np.linspace(-2, 2, 4), atol=1e-6)
    assert shape == mosaic_size(16, 4, 28, pad=0, title=True)
    brightness = np.array([[pixels[cell_centre(r, c, 28, pad=0, title=True)] for c in range(4)] for r in range(4)])
    expected = np.zeros((4, 4))
    expected[:2, 2:] = 1.0
    np.testing.assert_allclose(brightness, expected, atol=0.02)


def test_latent_manifold_centres_its_grid_where_asked_and_says_so_in_its_title(tmp_path, monkeypatch):
    seen, titles = [], []
    monkeypatch.setattr(plot, "_save_mosaic", lambda mosaic, height, path, title: titles.append(title))
    plot.latent_manifold(lambda codes: seen.append(codes) or np.zeros((9, 1, 8, 8)), tmp_path / "m.png",
                         n=3, span=1.0, center=(-4.0, 2.0))
    np.testing.assert_allclose(np.unique(seen[0][:, 0]), [-5, -4, -3])
    np.testing.assert_allclose(seen[0][:3, 1], [3, 3, 3])   # the top row holds the largest z2
    assert titles == ["decoded codes on a 3 × 3 grid: z1 from -5 to -3 (left to right), "
                      "z2 from 1 to 3 (bottom to top)"]
    with pytest.raises(ValueError, match=r"center must be a pair \(z1, z2\), got shape \(3,\)"):
        plot.latent_manifold(lambda z: z, tmp_path / "m.png", center=(0, 0, 0))


def test_latent_manifold_refuses_a_decoder_with_the_wrong_count(tmp_path):
    with pytest.raises(ValueError, match=r"decode must return one image per code: got 3 images for 9 codes"):
        plot.latent_manifold(lambda z: np.zeros((3, 1, 8, 8)), tmp_path / "m.png", n=3)


def test_loss_curves_size_and_errors(tmp_path):
    shape, pixels = png(plot.loss_curves({"train": [1.0, 0.5, 0.2], "test": [1.1, 0.7, 0.4]}, tmp_path / "loss.png"))
    assert shape == (400, 640) and pixels.std() > 0.05
    with pytest.raises(ValueError, match=r"history must be a non-empty dict"):
        plot.loss_curves({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"history\['train'\] must be a non-empty list of numbers"):
        plot.loss_curves({"train": []}, tmp_path / "x.png")


def test_latent_scatter_draws_every_class_in_its_own_colour(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 100)
    codes = rng.standard_normal((300, 2)) * 0.1 + np.array([[0, 0], [3, 0], [0, 3]])[labels]
    path = plot.latent_scatter(codes, labels, tmp_path / "scatter.png")
    image = imread(path)[..., :3].reshape(-1, 3)
    assert imread(path).shape[:2] == (600, 600)
    for index in range(3):
        colour = np.array(to_rgb(f"C{index}"))
        for shown in (colour, 0.7 * colour + 0.3):  # the legend marker; a point (alpha 0.7 over white)
            assert (np.abs(image - shown).max(axis=1) < 0.03).sum() >= 4


def test_latent_scatter_refuses_bad_shapes(tmp_path):
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\), got \(5, 3\)"):
        plot.latent_scatter(np.zeros((5, 3)), np.zeros(5), tmp_path / "s.png")
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\) to match codes, got \(4,\)"):
        plot.latent_scatter(np.zeros((5, 2)), np.zeros(4), tmp_path / "s.png")


@pytest.mark.parametrize("call, message", [
    (lambda p: plot.image_grid(np.zeros((0, 1, 28, 28)), p), r"images must have shape \(N, 1, H, W\) or"),
    (lambda p: plot.image_grid(np.zeros((2, 3, 28, 28)), p), r"got \(2, 3, 28, 28\)"),
    (lambda p: plot.image_grid(np.zeros((2, 1, 8, 8)), p, ncols=0), r"ncols must be a positive integer, got 0"),
    (lambda p: plot.latent_manifold(lambda z: z, p, span=0), r"span must be a positive number, got 0"),
])
def test_bad_arguments_are_refused(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path / "x.png")


def test_importable_and_usable_without_a_display(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "MPLBACKEND")}
    script = ("import numpy as np, matplotlib; from tinygen import plot; "
              f"plot.image_grid(np.zeros((4, 1, 8, 8)), {str(tmp_path / 'x.png')!r}); "
              "import matplotlib.pyplot as plt; print(len(plt.get_fignums()))")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"  # no figure left open
    assert (tmp_path / "x.png").stat().st_size > 0


def test_image_grid_colours_values_through_a_colour_map(tmp_path):
    images = np.zeros((2, 1, 28, 28), dtype=np.float32)
    images[1] = 1.0
    path = plot.image_grid(images, tmp_path / "signed.png", ncols=2, cmap="RdBu_r")
    rgb = imread(path)[..., :3]
    low, high = rgb[cell_centre(0, 0, 28)], rgb[cell_centre(0, 1, 28)]
    assert low[2] > low[0] + 0.2 and high[0] > high[2] + 0.2, "0 is blue and 1 is red in RdBu_r"
