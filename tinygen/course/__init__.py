"""The course, ready to hand out: ``tinygen course build`` (lessons -> executed notebooks and a static
site) and ``tinygen check NN`` (the learner's exercises against tinygen's own functions).

Needs the ``course`` extra (jupytext, nbclient, ipykernel, nbconvert) for the build; the checks need
only hypothesis. ``add_course_commands`` registers both commands on the CLI's subparsers.
"""
import argparse
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
LESSONS_DIR, EXERCISES_DIR = REPOSITORY / "lessons", REPOSITORY / "exercises"
SOLUTIONS_DIR = REPOSITORY / "solutions"  # outside the package: a teacher may delete or withhold it


def add_course_commands(subparsers):
    """Register ``course`` (with its ``build``) and ``check`` on the CLI's ``subparsers``."""
    course = subparsers.add_parser("course", help="build the course site: executed notebooks and HTML pages",
                                   description="Turn the lessons into what a course hands out.")
    actions = course.add_subparsers(dest="course_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build", help="lessons -> executed notebooks, HTML pages and index.html",
        description="Convert each lessons/NN_*.py to a notebook, run it in a Jupyter kernel and write "
        "OUT/notebooks/NN_*.ipynb (with outputs), OUT/NN_*.html and OUT/index.html, the course map. The site "
        "works offline from the folder (open index.html, or `python -m http.server` in OUT). A failing "
        "lesson is reported by name and the build goes on; the exit code is then 1.")
    build.add_argument("--out", default="site", help="the site's folder (default site/)")
    build.add_argument("--quick", action="store_true", help="run the lessons in quick mode (as CI does)")
    build.add_argument("--lessons", type=lesson_numbers, metavar="NN,NN",
                       help="only these lessons, by number (e.g. 03,04); others already in OUT stay on the map")
    build.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                       help="per lesson (default 600 quick, 3600 full)")
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.set_defaults(run=command_course_build)

    check = subparsers.add_parser(
        "check", help="check your answers to a lesson's exercises",
        description="Run the checks of lesson NN's exercises (exercises/NN_*.py) against tinygen's own "
        "functions: values, shapes, gradients, random inputs. Prints which pass, with a hint for the first "
        "that fails; exit code 1 unless all pass. --all checks every lesson and sums up the course.")
    check.add_argument("lesson", type=lesson_number, metavar="NN", nargs="?", help="the lesson's number, e.g. 03")
    check.add_argument("--all", action="store_true", help="check every lesson's exercises and sum up")
    check.add_argument("--solutions", nargs="?", const=True, metavar="DIR",
                       help="check the solutions instead of your answers (default DIR: the clone's solutions/; "
                       "every check passes on them)")
    check.add_argument("--exercises", metavar="DIR", help="folder of your exercise files (default: the "
                       "repository's exercises/)")
    check.add_argument("--json", action="store_true",
                       help="one JSON object per function (lesson, function, status, passed, message, hint), "
                       "for autograders")
    check.set_defaults(run=command_check)


def lesson_number(text):
    """'3' or '03' -> '03'."""
    if not text.isdigit() or not 0 < int(text) < 100:
        raise argparse.ArgumentTypeError(f"must be a lesson number such as 03, got {text!r}")
    return f"{int(text):02d}"


def lesson_numbers(text):
    """'03,4' -> ['03', '04']."""
    return [lesson_number(part.strip()) for part in text.split(",")]


def command_course_build(args):
    try:
        from tinygen.course.build import build_course
    except ImportError as error:
        raise ValueError(f"the course build needs the course extra ({error}); install it with "
                         "pip install -e '.[course]'") from None
    if args.time_limit is not None and not args.time_limit > 0:
        raise ValueError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    time_limit = args.time_limit or (600 if args.quick else 3600)
    built = build_course(args.out, quick=args.quick, numbers=args.lessons, time_limit=time_limit,
                         progress=False if args.no_progress else None)
    failed = [name for name, entry in built.items() if entry["error"]]
    print(f"site: {Path(args.out) / 'index.html'} ({len(built) - len(failed)} of {len(built)} lessons ran)")
    if failed:
        print("failed: " + ", ".join(failed))
        raise SystemExit(1)


def command_check(args):
    try:
        from tinygen.course.checks import run_all, run_checks
    except ImportError as error:
        raise ValueError(f"the checks need hypothesis ({error}); install it with pip install -e '.[course]'") from None
    if args.all == (args.lesson is not None):
        raise ValueError("check: name one lesson (e.g. tinygen check 03) or --all, not both" if args.all
                         else "check: name a lesson (e.g. tinygen check 03) or pass --all")
    settings = {"solutions": args.solutions, "exercises_dir": args.exercises, "as_json": args.json}
    passed = run_all(**settings) if args.all else run_checks(args.lesson, **settings)
    if not passed:
        raise SystemExit(1)
