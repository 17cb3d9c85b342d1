"""What a user sees when a command of tinygen fails: one line and an exit code, never a traceback.

Every entry point (``tinygen``, ``python -m tinygen``, ``python -m tinygen.metrics.calibration``, ...)
runs its work through ``run_command``, which turns what can go wrong into a message that says what
happened and what to do:

    exit 2, usage      the command line asks for what cannot be: a bad value (ValueError, TypeError,
                       UsageError), a file, folder or dataset that is not there or is in the way (a
                       path through a file), an optional package that is not installed
    exit 1, runtime    a value became NaN or infinite (NotFinite), the disk refused (any other
                       OSError: full, not writable), anything unexpected
    exit 130           Ctrl-C: the message says what was saved (a KeyboardInterrupt's text) or that
                       nothing was

``TINYGEN_DEBUG=1`` prints the traceback too, for whoever wants to see where it came from.
"""
import os
import sys
import traceback

from tinygen.finite import NotFinite

USAGE, RUNTIME, INTERRUPTED = 2, 1, 130
EXTRAS = {"matplotlib": "plot", "safetensors": "export", "cupy": "gpu", "jupytext": "course",
          "nbclient": "course", "nbconvert": "course", "hypothesis": "test"}  # optional package -> its extra
PATH_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)  # a path given wrongly


class UsageError(Exception):
    """A mistake on the command line that no library function would see as one: exit code 2."""


def run_command(work, program):
    """``work()``'s exit code (0 when it returns None); a failure printed as ``PROGRAM: message`` on stderr.

    ``program``: the name to print, or a function giving it (a command line knows its command only
    once parsed).
    """
    try:
        return work() or 0
    except SystemExit:
        raise
    except BaseException as error:  # noqa: B036  (Ctrl-C too: it gets its own message and code)
        if os.environ.get("TINYGEN_DEBUG") == "1":
            traceback.print_exc()
        code, message = describe(error)
        print(f"{program() if callable(program) else program}: {message}", file=sys.stderr, flush=True)
        return code


def describe(error):
    """(exit code, one-line message) for an exception that ended a command."""
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, str(error) or "interrupted; nothing was saved"
    if isinstance(error, ModuleNotFoundError) and error.name:
        package = error.name.split(".")[0]
        extra = EXTRAS.get(package)
        hint = f"pip install -e '.[{extra}]' (or pip install {package})" if extra else f"pip install {package}"
        return USAGE, f"error: this needs the optional package {package}, which is not installed: {hint}"
    if isinstance(error, NotFinite):
        return RUNTIME, str(error)
    if isinstance(error, (UsageError, ValueError, TypeError) + PATH_ERRORS):
        return USAGE, f"error: {_os_message(error) if isinstance(error, OSError) else error}"
    if isinstance(error, OSError):
        return RUNTIME, f"error: {_os_message(error)}"
    return RUNTIME, (f"internal error: {type(error).__name__}: {error} (run again with TINYGEN_DEBUG=1 for "
                     "the traceback, and please report it)")


def _os_message(error):
    """"runs/ae/checkpoint.npz: No space left on device" from an OSError, or its own text when it has one."""
    if error.filename is None or error.strerror is None:
        return str(error)
    where = f"{error.filename}" + (f" -> {error.filename2}" if error.filename2 else "")
    return f"{where}: {error.strerror}"
