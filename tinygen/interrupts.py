"""Ctrl-C that waits for the end of a training step, so a checkpoint never holds a half-applied update.

An optimizer updates its parameters one after another; a KeyboardInterrupt that lands between two of
them would leave some parameters stepped and others not, and a checkpoint written then would hold a
state the uninterrupted run never passed through. ``interrupts_held()`` records a SIGINT that arrives
inside its block and delivers it as soon as the block ends.
"""
import contextlib
import signal
import threading


@contextlib.contextmanager
def interrupts_held():
    """Run the block to its end even if Ctrl-C (SIGINT) comes; then act on the signal as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; nothing to hold elsewhere
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        _deliver(previous)


def _deliver(handler):
    """Do what the SIGINT handler in force before the block would have done."""
    if callable(handler):
        handler(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        raise KeyboardInterrupt
