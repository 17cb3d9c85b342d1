"""Save and load a training run as ONE ``.npz`` file, with no pickle anywhere.

What the file holds (every entry a plain array, so ``numpy.load(allow_pickle=False)`` reads it):

    model/<name>                   each array of ``model.state_dict()`` ("encoder.0.weight", ...);
                                   a model with several networks holds them all ("generator.0.weight")
    optim/<opt>/state/<i>/<name>   each array of optimizer <opt>'s per-parameter state ("exp_avg", ...)
    meta                           JSON text: format version, epoch, model class, the run's config, each
                                   optimizer's class, hyperparameters and step counts, the RNG state, extra
    sha256                    the SHA-256 of everything above (names, dtypes, shapes and bytes)

Nothing is lost: the file is written to a temporary file in the same folder and renamed over the
old one (``os.replace`` is atomic), so a crash mid-write leaves the previous checkpoint whole.
Nothing is NaN: a state holding a NaN or an infinity is neither written nor loaded (``NotFinite``
names the entry). Loading verifies the checksum, then refuses a checkpoint made for another model by name.
"""
import hashlib
import json
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.finite import NotFinite, first_not_finite

FORMAT_VERSION = 2
_MODEL, _OPTIM = "model/", "optim/"
SINGLE = "optimizer"  # the name a lone optimizer is saved under


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` read: states are dicts of host numpy arrays, the rest plain JSON data."""
    epoch: int
    config: dict
    rng_state: dict
    model_class: str
    model_state: dict
    optimizer_state: dict = None  # {name: {"class", "state", "param_groups"}}
    extra: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


# --- saving ------------------------------------------------------------------------------------
def save_checkpoint(path, model, optimizer=None, epoch=0, config=None, extra=None):
    """Write model (+ optimizer) state, ``epoch``, the RNG state and ``config`` atomically to ``path``.

    ``optimizer`` is one Optimizer, a dict {name: Optimizer} (a GAN's two), or None.
    ``config`` (JSON-able) should name the model and its constructor arguments so the run can be rebuilt;
    ``extra`` (JSON-able) carries anything else a caller wants back (history, position in an epoch).
    """
    path = Path(path)
    arrays = {_MODEL + name: _host(value) for name, value in model.state_dict().items()}
    meta = {"format_version": FORMAT_VERSION, "epoch": int(epoch), "model_class": type(model).__name__,
            "config": config or {}, "rng_state": backend.get_rng_state(), "extra": extra or {},
            "optimizers": {}}
    for name, each in _named_optimizers(optimizer).items():
        optimizer_arrays, meta["optimizers"][name] = _split_optimizer_state(name, each)
        arrays.update(optimizer_arrays)
    _refuse_not_finite(arrays, "save_checkpoint refuses to write a state that is not finite")
    arrays["meta"] = numpy.array(_to_json(meta, "config/extra"))
    arrays["sha256"] = numpy.array(_digest(arrays))
    _write_atomically(path, arrays)
    return path


def _refuse_not_finite(arrays, why):
    found = first_not_finite(arrays.items())
    if found is not None:
        raise NotFinite(*found, detail=why)


def _host(value):
    """A host numpy array from a Tensor or a numpy/cupy array."""
    return backend.to_numpy(value.data if isinstance(value, Tensor) else value)


def _named_optimizers(optimizer):
    """{name: Optimizer} from None, one Optimizer or a dict of them."""
    if optimizer is None:
        return {}
    if isinstance(optimizer, dict):
        return optimizer
    return {SINGLE: optimizer}


def _split_optimizer_state(optimizer_name, optimizer):
    """(arrays named optim/<optimizer_name>/state/<i>/<key>, the JSON-able rest: class, groups, step counts)."""
    state_dict = optimizer.state_dict()
    arrays, scalars = {}, {}
    for index, entry in state_dict["state"].items():
        for name, value in entry.items():
            if _is_array(value):
                arrays[f"{_OPTIM}{optimizer_name}/state/{index}/{name}"] = _host(value)
            else:
                scalars.setdefault(str(index), {})[name] = value
    return arrays, {"class": type(optimizer).__name__, "param_groups": state_dict["param_groups"],
                    "scalars": scalars}


def _is_array(value):
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _to_json(meta, what):
    try:
        return json.dumps(meta)
    except TypeError as error:
        raise TypeError(f"save_checkpoint: {what} must be JSON-able (dicts, lists, str, numbers): {error}") from None


def _digest(arrays):
    """SHA-256 over every entry's name, dtype, shape and bytes, in name order."""
    sha = hashlib.sha256()
    for name in sorted(arrays):
        array = numpy.ascontiguousarray(arrays[name])
        sha.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def _write_atomically(path, arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # same folder: os.replace stays atomic
    try:
        with open(temporary, "xb") as file:
            numpy.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)  # a Ctrl-C may land before the file was made
        raise


# --- loading -----------------------------------------------------------------------------------
def load_checkpoint(path, model=None, optimizer=None, expected_model=None):
    """Read the checkpoint at ``path``; load its state into ``model`` and ``optimizer`` when given.

    ``optimizer`` is one Optimizer or a dict {name: Optimizer}, as it was saved.
    Refused with a ValueError that says why: an entry that is not finite (``NotFinite``), a truncated or corrupted file, a checksum that does not
    match (tampered), a checkpoint for another model (``expected_model`` is the registry name the
    config must hold; ``model`` must be of the saved class and accept every saved key and shape) or
    for another optimizer. The RNG state is returned, not applied: ``backend.set_rng_state`` does that.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    arrays = _read_verified(path)
    meta = json.loads(str(arrays.pop("meta")))
    _refuse_not_finite(arrays, f"checkpoint {path} holds a state that is not finite and is refused (the run "
                       "that wrote it had diverged: train it again, with a lower learning rate)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"checkpoint {path} has format version {meta.get('format_version')!r}; this tinygen "
                         f"reads version {FORMAT_VERSION}")
    checkpoint = Checkpoint(epoch=meta["epoch"], config=meta["config"], rng_state=meta["rng_state"],
                            model_class=meta["model_class"], extra=meta["extra"],
                            model_state=_entries_under(arrays, _MODEL),
                            optimizer_state=_optimizer_states(arrays, meta["optimizers"]))
    _check_model_name(path, checkpoint, expected_model)
    if model is not None:
        _load_model(path, checkpoint, model)
    if optimizer is not None:
        _load_optimizers(path, checkpoint, optimizer)
    return checkpoint


def _read_verified(path):
    """Every entry of the file, after checking that it is whole and its checksum matches."""
    try:
        with numpy.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise ValueError(f"checkpoint {path} is truncated or corrupted and cannot be read ({error})") from None
    if "meta" not in arrays or "sha256" not in arrays:
        raise ValueError(f"{path} is not a tinygen checkpoint (it has no 'meta' and 'sha256' entries)")
    stored = str(arrays.pop("sha256"))
    if _digest(arrays) != stored:
        raise ValueError(f"checkpoint {path} was modified after it was written: its SHA-256 does not match "
                         "the one stored inside (tampered or corrupted)")
    return arrays


def _entries_under(arrays, prefix):
    return {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}


def _optimizer_states(arrays, saved):
    """{name: optimizer.state_dict() plus its "class"}, rebuilt from the arrays and the JSON part."""
    states = {}
    for optimizer_name, part in saved.items():
        state = {int(index): dict(entry) for index, entry in part["scalars"].items()}
        for name, value in _entries_under(arrays, f"{_OPTIM}{optimizer_name}/state/").items():
            index, key = name.split("/", 1)
            state.setdefault(int(index), {})[key] = value
        states[optimizer_name] = {"class": part["class"], "state": state, "param_groups": part["param_groups"]}
    return states


def _check_model_name(path, checkpoint, expected_model):
    saved = checkpoint.config.get("model")
    if expected_model is not None and saved != expected_model:
        raise ValueError(f"checkpoint {path} was made for model {saved!r}, not {expected_model!r}")


def _load_model(path, checkpoint, model):
    if type(model).__name__ != checkpoint.model_class:
        raise ValueError(f"checkpoint {path} holds a {checkpoint.model_class}, not a {type(model).__name__}")
    try:
        model.load_state_dict(checkpoint.model_state, strict=True)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"checkpoint {path} does not fit this model: {error}") from None


def _load_optimizers(path, checkpoint, optimizer):
    wanted, saved = _named_optimizers(optimizer), checkpoint.optimizer_state
    if sorted(wanted) != sorted(saved):
        raise ValueError(f"checkpoint {path} holds the optimizers {sorted(saved) or 'none'}, "
                         f"not {sorted(wanted)}")
    for name, each in wanted.items():
        _load_optimizer(path, saved[name], each)


def _load_optimizer(path, saved, optimizer):
    if saved["class"] != type(optimizer).__name__:
        raise ValueError(f"checkpoint {path} holds the state of a {saved['class']} optimizer, "
                         f"not a {type(optimizer).__name__}")
    try:
        optimizer.load_state_dict({"state": saved["state"], "param_groups": saved["param_groups"]})
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"checkpoint {path} does not fit this optimizer: {error}") from None
