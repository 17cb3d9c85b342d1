"""Weights both ways between tinygen and PyTorch, in the safetensors format, under PyTorch's key names.

    save_safetensors(model, "ae.safetensors")        what `tinygen export` writes; a torch.nn twin loads it
    load_safetensors(model, "ae.safetensors")        a state_dict torch saved (safetensors.torch.save_file)

Loading checks every key against the model's own ``state_dict``: a missing, an extra or a mis-shaped
tensor is refused by name before any weight changes. safetensors is the optional ``export`` extra.
"""
from pathlib import Path

from tinygen import backend


def _safetensors_numpy():
    try:
        import safetensors.numpy as safetensors_numpy
    except ImportError:
        raise ImportError("reading and writing .safetensors needs the safetensors package: "
                          "pip install -e '.[export]'") from None
    return safetensors_numpy


def save_safetensors(model, path, metadata=None):
    """Write ``model.state_dict()`` (host float arrays, PyTorch's key names) to ``path``; returns the path."""
    arrays = {name: backend.numpy.ascontiguousarray(backend.to_numpy(value.data))
              for name, value in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _safetensors_numpy().save_file(arrays, str(path), metadata={"format": "pt", **(metadata or {})})
    return path


def load_safetensors(model, path):
    """Load the tensors in ``path`` into ``model`` (same layout, PyTorch's keys); returns the model.

    ValueError, naming the keys, when the file lacks a tensor the model has, holds one it has not, or
    holds one of another shape (nothing is loaded then); values are cast to each tensor's own dtype.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    reader = _safetensors_numpy()
    try:
        tensors = reader.load_file(str(path))
    except Exception as error:   # safetensors raises its own error types for a file it cannot parse
        raise ValueError(f"{path} is not a readable .safetensors file ({error})") from None
    own = model.state_dict()   # load_state_dict names every missing, unexpected or mis-shaped key
    model.load_state_dict({name: array.astype(own[name].dtype) if name in own else array
                           for name, array in tensors.items()})
    return model
