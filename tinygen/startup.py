"""A Ctrl-C while the command line is still starting (Python importing tinygen and NumPy, before any
command runs) ends with one line and exit code 130, like every other Ctrl-C of ``tinygen``, not with a
traceback from inside an import.

Only when tinygen is the program (``python -m tinygen`` or the ``tinygen`` script): a program that
imports tinygen as a library keeps Python's own Ctrl-C. ``quiet_while_starting`` installs the handler at
the top of ``tinygen/__init__.py``, ``done_starting`` gives Python's back at its end; from then on the
command line's own handling (tinygen/console.py) takes over.
"""
import os
import signal
import sys
import threading

SCRIPT_NAMES = ("tinygen", "tinygen.exe")


def launched_as_the_command_line():
    """True for ``python -m tinygen`` (runpy shows argv[0] as "-m" while the package loads) and the script."""
    program = sys.argv[0] if sys.argv else ""
    return program == "-m" or os.path.basename(program) in SCRIPT_NAMES


def _interrupted(signum, frame):
    print("tinygen: interrupted while starting; nothing was done", file=sys.stderr)
    raise SystemExit(130)


def quiet_while_starting():
    """Install the quiet handler if tinygen is the program (and this is the main thread); returns the old one."""
    if not launched_as_the_command_line() or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, _interrupted)


def done_starting(previous):
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
