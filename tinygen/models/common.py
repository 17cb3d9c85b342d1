"""What several model families share: a trained model over host data in batches (no graph, host arrays in
and out), and the standard pictures of a run (loss curves; test images over their reconstructions and a grid
of samples). matplotlib is imported only inside the functions that draw."""
from pathlib import Path

from tinygen import backend
from tinygen.autograd import Tensor, no_grad

EVAL_BATCH = 500


def map_batches(function, array, batch_size=EVAL_BATCH):
    """``function`` (a Tensor of a batch -> a Tensor) over host ``array`` (N, ...), ``batch_size`` rows at a
    time; the results joined along the first axis as a host array."""
    with no_grad():
        parts = [function(Tensor(backend.to_backend(array[start:start + batch_size]))).data
                 for start in range(0, len(array), batch_size)]
    return backend.to_numpy(backend.xp.concatenate(parts))


def loss_curves(history, path):
    """Every train_/val_ value of the history against the epoch, one curve each."""
    from tinygen import plot
    names = [key for key in history[0] if key.startswith(("train_", "val_"))] if history else []
    return plot.loss_curves({name: [row[name] for row in history] for name in names}, path)


def standard_figures(history, run, reconstruct_images, samples, samples_title):
    """An autoencoder family's pictures: loss curves, 10 test images over their reconstructions, samples."""
    from tinygen import plot
    out, shown = Path(run.out), run.test.images[:10]
    return [loss_curves(history, out / "loss_curves.png"),
            plot.reconstructions(shown, reconstruct_images(shown), out / "reconstructions.png"),
            plot.image_grid(samples, out / "samples.png", title=samples_title)]
