"""Integer labels to vectors: one_hot, and embedding (a learned table's rows), as PyTorch's F.one_hot and F.embedding."""
from tinygen import backend
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import xp


def _integer_indices(op, indices):
    """Backend integer array of ``indices`` (a Tensor, array or list), or TypeError."""
    array = indices.data if isinstance(indices, Tensor) else backend.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {array.dtype}")
    return array


def _check_range(op, indices, count, what):
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= count):
        raise ValueError(f"{op}: indices must lie in [0, {count - 1}] for {count} {what}, "
                         f"got values from {int(indices.min())} to {int(indices.max())}")


def one_hot(labels, num_classes=-1):
    """labels (*) integers -> (*, num_classes) int64 with a 1 at each label; -1 means max(labels) + 1."""
    labels = _integer_indices("one_hot", labels)
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(labels.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int or -1, got {num_classes!r}")
    _check_range("one_hot", labels, num_classes, "classes")
    return Tensor((labels[..., None] == xp.arange(num_classes)).astype(xp.int64))


def embedding(indices, weight):
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` (*) -> (*, dim).

    Differentiable in weight: a row used twice gets both gradients added.
    """
    weight = as_tensor(weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}")
    indices = _integer_indices("embedding", indices)
    _check_range("embedding", indices, weight.shape[0], "embeddings")
    return weight[indices]
