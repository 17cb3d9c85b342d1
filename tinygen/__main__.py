"""``python -m tinygen ...``: the command line (see tinygen/cli.py); a Ctrl-C while it loads ends quietly too."""
import sys

try:
    from tinygen.cli import main
except KeyboardInterrupt:
    print("tinygen: interrupted while starting; nothing was done", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
