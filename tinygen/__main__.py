"""``python -m tinygen ...``: the command line (see tinygen/cli.py)."""
import sys

from tinygen.cli import main

sys.exit(main())
