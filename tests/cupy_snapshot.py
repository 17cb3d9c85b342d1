"""What CuPy offers, as data: the names and keywords that the device-like backend may expose.

The device-like backend (tests/devicelike.py) runs on NumPy, so it could offer every NumPy name; it
offers only the ones recorded here from a real CuPy, with the keywords CuPy accepts. Regenerate the
record on any machine where cupy imports (no GPU needed):

    python tests/cupy_snapshot.py            # writes tests/cupy_snapshot.json

An entry maps a name to its keyword names, or to null where any keyword goes (``**kwargs``) or the
name is not a function (a dtype, a constant, a submodule).
"""
import inspect
import json
import re
from pathlib import Path

import numpy

PATH = Path(__file__).with_name("cupy_snapshot.json")
UFUNC_KEYWORDS = ["out", "casting", "dtype"]  # what a cupy.ufunc call takes besides its operands
SECTIONS = {"module": lambda cupy: cupy, "ndarray": lambda cupy: cupy.ndarray,
            "lib.stride_tricks": lambda cupy: cupy.lib.stride_tricks}
NUMPY_TWINS = {"module": numpy, "ndarray": numpy.ndarray, "lib.stride_tricks": numpy.lib.stride_tricks}


def load():
    """The recorded snapshot: {"cupy_version", section: {name: [keywords] or None}}."""
    return json.loads(PATH.read_text())


def keywords(function):
    """The keyword names ``function`` accepts; None when it takes any (or is no function at all)."""
    if type(function).__name__ == "ufunc":
        return UFUNC_KEYWORDS
    if not callable(function) or isinstance(function, type):
        return None
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # a Cython function: its docstring's first line is its signature
        return _keywords_from_docstring(function.__doc__ or "")
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"]


def _keywords_from_docstring(doc):
    match = re.match(r"\s*[\w.]+\((.*?)\)", doc)
    if match is None:
        return None
    names = []
    for part in match.group(1).split(","):
        words = part.split("=")[0].split()  # "Py_ssize_t axis1": a Cython type, then the name
        name = words[-1].lstrip("\\") if words else ""
        if name.startswith("**"):
            return None
        if name and name not in ("self", "/", "*") and not name.startswith("*"):
            names.append(name)
    return names


def snapshot(cupy):
    """Every public name of each section that NumPy's twin also has, with its keywords."""
    record = {"cupy_version": cupy.__version__}
    for section, owner_of in SECTIONS.items():
        owner, twin = owner_of(cupy), NUMPY_TWINS[section]
        record[section] = {name: keywords(getattr(owner, name)) for name in sorted(dir(owner))
                           if not name.startswith("_") and hasattr(twin, name)}
    return record


if __name__ == "__main__":
    import cupy
    PATH.write_text(json.dumps(snapshot(cupy), indent=0, sort_keys=True) + "\n")
    print(f"wrote {PATH} from cupy {cupy.__version__}")
