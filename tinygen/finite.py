"""NaN and infinity: the one exception for a value that is not finite, and the checks that raise it.

A NaN or an infinity never travels quietly: a training step's loss, a weight after an update, an array
about to be saved to or read from a checkpoint, a model's samples, a metric's input. Each check names
what it found (a value's name, a tensor's state_dict key, a function's argument), and the training
loop adds where it happened (the epoch and the batch, counted from 1).
"""
import math

from tinygen.backend import get_array_module
from tinygen.backend import numpy  # host: errstate (a device backend does not warn)


class NotFinite(ValueError):
    """``name`` became NaN or infinite (``value`` shows which); ``epoch`` and ``batch`` say when, where known.

    ``detail`` is what the raiser adds: what was kept, what to try. ``verb`` joins name and value:
    "loss became nan" in a run, "rbm.weight holds nan" for an argument.
    """

    def __init__(self, name, value, epoch=None, batch=None, detail="", verb="became"):
        self.name, self.value, self.epoch, self.batch, self.detail = name, value, epoch, batch, detail
        self.verb = verb
        where = "" if epoch is None else f" at epoch {epoch}" + ("" if batch is None else f", batch {batch}")
        super().__init__(f"{name} {verb} {value}{where}" + (f": {detail}" if detail else ""))

    def at(self, epoch, batch, detail):
        """The same finding, placed in a training run (or given another ``detail``)."""
        return NotFinite(self.name, self.value, epoch, batch, detail, self.verb)


def finite_number(name, value):
    """``value`` (a Python or 0-d array number) as a float; NotFinite when NaN or infinite."""
    number = float(value)
    if not math.isfinite(number):
        raise NotFinite(name, number)
    return number


def first_not_finite(named_arrays):
    """(name, "nan" / "inf" / "-inf") of the first array holding a non-finite number, or None.

    ``named_arrays``: (name, array) pairs of either backend; integer arrays are skipped. Cheap: one
    dot product per array (x.x is NaN or infinite when any element is; BLAS makes it the fastest
    full pass) and a single host synchronisation; only when the total is not finite (a bad value, or
    a harmless overflow of the squares) are the arrays looked at one by one.
    """
    floating = [(name, array) for name, array in named_arrays if array.dtype.kind == "f"]
    total = 0.0
    with numpy.errstate(over="ignore", invalid="ignore"):  # an overflow here is looked into, not warned of
        for _, array in floating:
            flat = array.reshape(-1)
            total = total + get_array_module(array).dot(flat, flat)
    if math.isfinite(float(total)):
        return None
    for name, array in floating:
        if not bool(get_array_module(array).isfinite(array).all()):
            return name, _kind(array)
    return None


def require_finite(named_arrays, owner=""):
    """NotFinite (a ValueError) naming the first array of ``named_arrays`` ((name, array) pairs) that is not
    finite, as "OWNER: NAME holds nan: it must hold only finite numbers"."""
    found = first_not_finite(named_arrays)
    if found is not None:
        name, kind = found
        raise NotFinite(f"{owner}: {name}" if owner else name, kind, detail="it must hold only finite numbers",
                        verb="holds")


def require_finite_parameters(module, owner, argument):
    """NotFinite naming the first parameter of ``module`` (the argument called ``argument``) that is not finite."""
    require_finite(((f"{argument}.{name}", parameter.data) for name, parameter in module.named_parameters()), owner)


def _kind(array):
    """"nan", "inf" or "-inf": the first kind of non-finite number in ``array``, in that order of search."""
    if bool(get_array_module(array).isnan(array).any()):
        return "nan"
    return "inf" if bool((array == float("inf")).any()) else "-inf"
