"""Figures a learner wants to look at: image grids, reconstructions, loss curves, latent maps.

Every function takes host or device arrays (numpy, cupy, or anything with ``.numpy()`` such as a
Tensor), writes one PNG to ``path`` and returns the path. Figures are drawn on matplotlib's Agg
canvas directly (``matplotlib.figure.Figure``, never pyplot): no display is needed, no window
opens, nothing stays open, and a notebook's own matplotlib backend is left alone.

Image mosaics are drawn pixel-exact: every image is magnified by the integer factor
``scale = max(1, 84 // H)`` (3 for 28 x 28 digits), cells are separated by ``pad`` image pixels,
a title adds ``TITLE_PX`` pixels on top and row labels ``LABEL_PX`` on the left, so the PNG is
``(rows * (H + pad) + pad) * scale (+ TITLE_PX)`` by ``(cols * (W + pad) + pad) * scale (+ LABEL_PX)``
pixels.
Line and scatter plots are ``CHART_SIZE_PX`` pixels.
"""
import math
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from tinygen import backend

DPI = 100
CELL_PX = 84
TITLE_PX = 30
LABEL_PX = 150    # the left margin that row labels are written in
CHART_SIZE_PX = {"loss_curves": (640, 400), "latent_scatter": (600, 600)}
GAP_VALUE = 0.5   # mid grey between cells: visible against black backgrounds and white strokes


def image_grid(images, path, ncols=8, title=None, pad=1, row_labels=None, cmap="gray"):
    """Save images (N, 1, H, W) or (N, H, W), values in [0, 1], as a grid with ``ncols`` columns.

    ``row_labels``: one text per row of the grid, written to the left of its row. ``cmap``: a
    matplotlib colour map for the values (a diverging one such as "RdBu_r" shows signed weights
    mapped to [0, 1] with 0 at 0.5: say what the colours mean in the title).
    """
    images = _grey_images(images, "images")
    mosaic = tile(images, ncols, pad)
    if row_labels is not None:
        rows = math.ceil(len(images) / min(_positive_int("ncols", ncols), len(images)))
        if len(row_labels) != rows:
            raise ValueError(f"row_labels must give one label per row of the grid ({rows}), got {len(row_labels)}")
    return _save_mosaic(mosaic, images.shape[1], path, title, row_labels, cmap)


def reconstructions(originals, reconstructed, path, n=10, title=None):
    """Save the first ``n`` originals (top row) above their reconstructions (bottom row), rows labelled."""
    originals = _grey_images(originals, "originals")
    reconstructed = _grey_images(reconstructed, "reconstructed")
    if originals.shape[1:] != reconstructed.shape[1:]:
        raise ValueError(f"originals and reconstructed must hold images of the same size, got "
                         f"{originals.shape[1:]} and {reconstructed.shape[1:]}")
    n = min(_positive_int("n", n), len(originals), len(reconstructed))
    pair = np.concatenate([originals[:n], reconstructed[:n]])
    return image_grid(pair, path, ncols=n, title=title, row_labels=["originals", "reconstructions"])


def interpolation_strip(images, path, title=None, row_labels=None):
    """Save one strip (steps, 1, H, W) in a row, or several (strips, steps, 1, H, W) one per row
    (``row_labels``: one text per strip)."""
    images = _host(images, "images")
    if images.ndim == 5:
        steps = images.shape[1]
        images = images.reshape(-1, *images.shape[2:])
    else:
        steps = len(images)
    return image_grid(images, path, ncols=steps, title=title, row_labels=row_labels)


def latent_manifold(decode, path, n=15, span=3.0, center=(0.0, 0.0)):
    """Decode an n x n grid of 2-D codes z in center + [-span, span]^2 and save the images as one picture.

    ``decode``: numpy (k, 2) float32 -> (k, 1, H, W). z1 grows to the right, z2 grows upward; the title
    says so and gives both ranges. ``center``: (z1, z2) of the grid's middle (centre it on a model's codes).
    """
    n = _positive_int("n", n)
    if not span > 0:
        raise ValueError(f"span must be a positive number, got {span!r}")
    center = _host(center, "center").astype(np.float32)
    if center.shape != (2,):
        raise ValueError(f"center must be a pair (z1, z2), got shape {center.shape}")
    values = np.linspace(-span, span, n, dtype=np.float32)
    z2, z1 = np.meshgrid(values[::-1] + center[1], values + center[0], indexing="ij")  # row 0: the largest z2
    codes = np.stack([z1.ravel(), z2.ravel()], axis=1)
    images = _grey_images(decode(codes), "decode(codes)")
    if len(images) != n * n:
        raise ValueError(f"decode must return one image per code: got {len(images)} images for {n * n} codes")
    mosaic = tile(images, n, pad=0)
    (low_1, low_2), (high_1, high_2) = center - span, center + span
    title = (f"decoded codes on a {n} × {n} grid: z1 from {low_1:.3g} to {high_1:.3g} (left to right), "
             f"z2 from {low_2:.3g} to {high_2:.3g} (bottom to top)")
    return _save_mosaic(mosaic, images.shape[1], path, title)


def loss_curves(history, path, xlabel="epoch", ylabel="loss", title=None, first=1):
    """Save one line per entry of ``history`` (name -> list of numbers) against first, first + 1, ..."""
    if not isinstance(history, dict) or not history:
        raise ValueError(f"history must be a non-empty dict of name -> list of numbers, got {history!r}")
    figure, axes = _chart("loss_curves")
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"history[{name!r}] must be a non-empty list of numbers, got shape {values.shape}")
        axes.plot(np.arange(first, first + len(values)), values, marker="o" if len(values) < 30 else None, label=name)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


def latent_scatter(codes, labels, path, title="2-D codes coloured by label", legend_title="label",
                   axis_labels=("z1", "z2")):
    """Save a scatter of codes (N, 2) coloured by integer ``labels`` (N,), with a legend."""
    return latent_scatters({title: codes}, labels, path, legend_title, axis_labels)


def latent_scatters(panels, labels, path, legend_title="label", axis_labels=("z1", "z2"), label_names=None):
    """Save one scatter per entry of ``panels`` (title -> codes (N, 2)), side by side, all coloured by the
    same integer ``labels`` (N,); axes named by ``axis_labels`` (z1, z2: a latent code; x1, x2 for 2-D
    data); one legend (``legend_title``) naming each colour by its label, or by ``label_names``
    (label -> text) where given."""
    if not isinstance(panels, dict) or not panels:
        raise ValueError(f"panels must be a non-empty dict of title -> codes (N, 2), got {panels!r}")
    labels = _host(labels, "labels")
    width_px, height_px = CHART_SIZE_PX["latent_scatter"]
    figure = Figure(figsize=(width_px * len(panels) / DPI, height_px / DPI), dpi=DPI, layout="tight")
    classes, class_index = np.unique(labels, return_inverse=True)
    colours = class_colours(len(classes))
    for index, (title, codes) in enumerate(panels.items()):
        codes = _host(codes, "codes")
        if codes.ndim != 2 or codes.shape[1] != 2:
            raise ValueError(f"codes must have shape (N, 2), got {codes.shape}; project longer codes to 2-D first")
        if labels.shape != (len(codes),):
            raise ValueError(f"labels must have shape ({len(codes)},) to match codes, got {labels.shape}")
        axes = figure.add_subplot(1, len(panels), index + 1)
        order = np.random.default_rng(0).permutation(len(codes))  # no class is hidden under the ones drawn later
        axes.scatter(codes[order, 0], codes[order, 1], s=6, alpha=0.7, color=colours[class_index[order]])
        axes.set_xlabel(axis_labels[0])
        axes.set_ylabel(axis_labels[1])
        axes.set_title(title)
    names = label_names or {}
    handles = [Line2D([], [], linestyle="", marker="o", color=colours[index], label=str(names.get(label, label)))
               for index, label in enumerate(classes)]
    axes.legend(handles=handles, fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5),
                title=legend_title)
    return _save(figure, path)


def samples_over_modes(snapshots, centers, path, titles=None, panel_px=220, title=None):
    """Save a strip of scatters, one per snapshot of 2-D samples (n, 2), over the mixture's ``centers`` (K, 2).

    Every panel has the same square limits (the centres' extent plus a margin), so a generator that
    drifts or collapses is seen moving between panels. ``titles``: one per snapshot (e.g. "step 400");
    ``title``: one line above the strip (which model, which data); a key names the dots and crosses.
    """
    snapshots = [_host(points, "snapshots") for points in snapshots]
    centers = _host(centers, "centers")
    if not snapshots or any(points.ndim != 2 or points.shape[1] != 2 for points in snapshots):
        raise ValueError("snapshots must be a non-empty list of (n, 2) arrays of points, got shapes "
                         f"{[points.shape for points in snapshots]}")
    titles = titles or [""] * len(snapshots)
    if len(titles) != len(snapshots):
        raise ValueError(f"titles must give one title per snapshot ({len(snapshots)}), got {len(titles)}")
    reach = np.abs(centers).max() * 1.35
    extra_px = 2 * TITLE_PX if title else TITLE_PX
    figure = Figure(figsize=(panel_px * len(snapshots) / DPI, (panel_px + extra_px) / DPI), dpi=DPI, layout="tight")
    for index, (points, panel_title) in enumerate(zip(snapshots, titles)):
        axes = figure.add_subplot(1, len(snapshots), index + 1)
        axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="C0", label="samples")
        axes.scatter(centers[:, 0], centers[:, 1], s=25, marker="x", color="C3", label="modes")
        axes.set_xlim(-reach, reach)
        axes.set_ylim(-reach, reach)
        axes.set_aspect("equal")
        axes.tick_params(labelsize=7)
        axes.set_xlabel("x1", fontsize=8, labelpad=1)
        if index == 0:
            axes.set_ylabel("x2", fontsize=8, labelpad=1)
            axes.legend(fontsize=7, loc="center", markerscale=2, handletextpad=0.2, borderpad=0.3)
        axes.set_title(panel_title, fontsize=9)
    if title:
        figure.suptitle(title, fontsize=10)
    return _save(figure, path)


def tile(images, ncols, pad=1):
    """Arrange images (N, H, W) into one (rows (H + pad) + pad, cols (W + pad) + pad) array, row by row."""
    ncols = _positive_int("ncols", ncols)
    count, height, width = images.shape
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    cells = np.full((nrows * ncols, height + pad, width + pad), GAP_VALUE, dtype=np.float32)
    cells[:count, :height, :width] = images
    rows = cells.reshape(nrows, ncols, height + pad, width + pad).transpose(0, 2, 1, 3)
    mosaic = rows.reshape(nrows * (height + pad), ncols * (width + pad))
    return np.pad(mosaic, ((pad, 0), (pad, 0)), constant_values=GAP_VALUE)


def _save_mosaic(mosaic, image_height, path, title, row_labels=None, cmap="gray"):
    """The mosaic pixel-exact; ``title`` on top, ``row_labels`` (one per row of cells) in a margin on the left."""
    scale = max(1, CELL_PX // image_height)
    height_px, mosaic_width_px = mosaic.shape[0] * scale, mosaic.shape[1] * scale
    title_px = TITLE_PX if title else 0
    label_px = LABEL_PX if row_labels else 0
    width_px, total_px = mosaic_width_px + label_px, height_px + title_px
    figure = Figure(figsize=(width_px / DPI, total_px / DPI), dpi=DPI)
    axes = figure.add_axes((label_px / width_px, 0, mosaic_width_px / width_px, height_px / total_px))
    axes.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest", aspect="auto")
    axes.set_axis_off()
    if title:
        figure.text(0.5, 1 - 0.5 * title_px / total_px, title, ha="center", va="center",
                    fontsize=min(11, max(6, width_px // 40)))
    for row, label in enumerate(row_labels or []):
        centre_px = height_px * (row + 0.5) / len(row_labels)   # from the mosaic's top
        figure.text((label_px - 6) / width_px, (height_px - centre_px) / total_px, label, ha="right",
                    va="center", fontsize=9, wrap=True)
    return _save(figure, path)


def _chart(kind):
    width_px, height_px = CHART_SIZE_PX[kind]
    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="tight")
    return figure, figure.add_subplot()


def class_colours(count):
    """(count, 4) RGBA: matplotlib's C0, C1, ... (tab10) for up to 10 classes, tab20, then viridis."""
    if count <= 20:
        return colormaps["tab10" if count <= 10 else "tab20"](np.arange(count))
    return colormaps["viridis"](np.linspace(0, 1, count))


def _save(figure, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure).print_png(path)
    return path


def _host(values, name):
    """A host numpy array from numpy, cupy, a Tensor (anything with .numpy()) or a list."""
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        return np.asarray(values.numpy())
    if isinstance(values, np.ndarray) or type(values).__module__.startswith("cupy"):
        return backend.to_numpy(values)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array, got {type(values).__name__}") from error


def _grey_images(values, name):
    """(N, H, W) float32 in [0, 1] from (N, 1, H, W) or (N, H, W)."""
    images = _host(values, name)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, 1, H, W) or (N, H, W) with N >= 1, got {images.shape}")
    return np.clip(images.astype(np.float32), 0.0, 1.0)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
