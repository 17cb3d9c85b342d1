"""``python -m tinygen ...`` and the ``tinygen`` script: the command line (tinygen/cli.py).

The command line's modules (every model's recipe among them) take most of a second to import; a
Ctrl-C in that time ends quietly too, with exit code 130.
"""
import signal
import sys


def run():
    try:
        from tinygen.cli import main
    except KeyboardInterrupt:
        print("tinygen: interrupted while starting; nothing was done", file=sys.stderr)
        return 130
    code = main()
    # the command has answered: a Ctrl-C from here on (while Python shuts down) must not replace its exit
    # code by death from SIGINT (-2) with nothing printed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


if __name__ == "__main__":
    sys.exit(run())
