"""A trained model over host data: in batches, without a graph, host arrays in and out."""
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
