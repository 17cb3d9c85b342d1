"""Looking inside a trained VAE's latent space: codes, the manifold, interpolation, attribute vectors.

All functions take host images (N, C, H, W) in [0, 1] and return host float32 arrays; they run the
model in eval mode without recording a graph. The codes used are the encoder's means mu(x).

* ``latent_means``: mu(x) for every image (a 2-d model's scatter coloured by digit shows the clusters);
* ``quantile_grid`` / ``manifold``: decode an n x n grid of codes placed at the standard normal's
  quantiles, so each cell covers the same prior probability (a linear grid wastes cells on the tails);
* ``interpolate``: decode mu_a + t (mu_b - mu_a) for t from 0 to 1;
* ``attribute_vector`` / ``add_attribute``: the course's "add sunglasses": the difference of the mean
  codes of images with and without an attribute, added to other images' codes;
* ``latent_map``: scatter and manifold of a 2-d model side by side in one picture (``tinygen latent``).
"""
from pathlib import Path
from statistics import NormalDist

from tinygen import backend
from tinygen.autograd import Tensor, no_grad

np = backend.numpy   # host arrays: these tools take and give host images and codes


def _evaluated(model, function, batch):
    model.eval()
    with no_grad():
        return backend.to_numpy(function(Tensor(backend.asarray(batch))).data)


def latent_means(model, images, batch_size=500):
    """mu(x) for every image: (N, latent_dim) float32."""
    images = np.asarray(images, dtype=np.float32)
    chunks = [_evaluated(model, lambda x: model.encode(x)[0], images[start:start + batch_size])
              for start in range(0, len(images), batch_size)]
    return np.concatenate(chunks).astype(np.float32)


def decode(model, codes):
    """Images (N, C, H, W) from codes (N, latent_dim)."""
    return _evaluated(model, model.decode, np.asarray(codes, dtype=np.float32))


def quantile_grid(n, edge=0.05):
    """(n * n, 2) codes at the N(0, 1) quantiles of n evenly spaced probabilities in [edge, 1 - edge],
    row by row from the top (largest z2) and left to right (z1 growing), as the manifold is drawn."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"quantile_grid: n must be an integer >= 2, got {n!r}")
    if not 0 < edge < 0.5:
        raise ValueError(f"quantile_grid: edge must be a probability in (0, 0.5), got {edge!r}")
    values = np.array([NormalDist().inv_cdf(p) for p in np.linspace(edge, 1 - edge, n)], dtype=np.float32)
    z2, z1 = np.meshgrid(values[::-1], values, indexing="ij")
    return np.stack([z1.ravel(), z2.ravel()], axis=1)


def _check_2d(model, caller):
    if model.latent_dim != 2:
        raise ValueError(f"{caller}: needs a model with a 2-d latent space, this one has latent_dim="
                         f"{model.latent_dim}")


def manifold(model, path, n=15):
    """Save the decoded quantile grid of a 2-d model as one n x n picture; return the path."""
    from tinygen import plot   # matplotlib only where a figure is drawn
    _check_2d(model, "manifold")
    images = decode(model, quantile_grid(n))
    return plot.image_grid(images, path, ncols=n, pad=0, title="decoded codes at the N(0, 1) quantiles")


def scatter(model, images, labels, path):
    """Save the scatter of the test means mu(x) of a 2-d model, coloured by label; return the path."""
    from tinygen import plot   # matplotlib only where a figure is drawn
    _check_2d(model, "scatter")
    return plot.latent_scatter(latent_means(model, images), labels, path, title="test images' mean codes, by digit")


def interpolate(model, image_a, image_b, steps=10):
    """Decode ``steps`` codes evenly spaced from mu(image_a) to mu(image_b): (steps, C, H, W)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"interpolate: steps must be an integer >= 2, got {steps!r}")
    start, end = latent_means(model, np.stack([image_a, image_b]))
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return decode(model, start + t * (end - start))


def attribute_vector(model, with_attribute, without_attribute):
    """mean mu over images that have the attribute minus mean mu over images that lack it: (latent_dim,)."""
    if len(with_attribute) == 0 or len(without_attribute) == 0:
        raise ValueError(f"attribute_vector: both groups need images, got {len(with_attribute)} with and "
                         f"{len(without_attribute)} without the attribute")
    return latent_means(model, with_attribute).mean(axis=0) - latent_means(model, without_attribute).mean(axis=0)


def add_attribute(model, images, vector, strengths=(-1.0, -0.5, 0.0, 0.5, 1.0)):
    """Decode mu(x) + s * vector for every image and strength: (len(images), len(strengths), C, H, W)."""
    codes = latent_means(model, images)
    strengths = np.asarray(strengths, dtype=np.float32)
    shifted = codes[:, None, :] + strengths[None, :, None] * np.asarray(vector, dtype=np.float32)
    decoded = decode(model, shifted.reshape(-1, codes.shape[1]))
    return decoded.reshape(len(images), len(strengths), *decoded.shape[1:])


def ink(images):
    """Total ink per image (the sum of its pixel values): a simple measure of stroke thickness. (N,)."""
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1).sum(axis=1)


def latent_map(model, images, labels, path, n=20):
    """Save one picture: left, the mean codes of ``images`` coloured by ``labels``, with the quantile grid's
    extent marked; right, the manifold decoded on that grid. Returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from tinygen import plot   # matplotlib only where a figure is drawn
    _check_2d(model, "latent_map")
    codes, grid = latent_means(model, images), quantile_grid(n)
    mosaic = plot.tile(decode(model, grid)[:, 0], n, pad=0)
    figure = Figure(figsize=(12, 6), dpi=100, layout="tight")
    left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    classes, index = np.unique(np.asarray(labels), return_inverse=True)
    left.scatter(codes[:, 0], codes[:, 1], s=5, alpha=0.7, color=plot.class_colours(len(classes))[index])
    low, high = grid.min(axis=0), grid.max(axis=0)
    left.add_patch(Rectangle(low, *(high - low), fill=False, linestyle="--", color="black"))
    left.set(xlabel="z1", ylabel="z2", title="mean codes by label (box: the manifold's grid)")
    for label, colour in zip(classes, plot.class_colours(len(classes))):
        left.scatter([], [], color=colour, label=str(label))
    left.legend(fontsize="small", markerscale=2)
    right.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
    right.set_axis_off()
    right.set_title(f"decoded {n} x {n} grid at the N(0, 1) quantiles (z1 right, z2 up)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure).print_png(path)
    return path

