"""Running the command line inside a test's process."""
from tinygen.cli import main


def cli(capsys, *argv):
    """(exit code, stdout, stderr) of `tinygen *argv`: main's return value, or argparse's SystemExit code."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err
