"""Command line of the instructor's tools.

``python -m autograder build``     regenerate release/ and solutions/, then autograde both (make course)
``python -m autograder generate``  regenerate release/ and solutions/ only (make release)
"""
import argparse
import sys

from autograder import build
from autograder.nbgrader_cli import NbgraderError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="regenerate release/ and solutions/, then autograde both")
    build_parser.add_argument("--no-regenerate", action="store_true", help="check the committed release/ and solutions/ as they are")
    commands.add_parser("generate", help="regenerate release/ and solutions/ from source/")
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            build.regenerate()
            return 0
        return 0 if build.build(regenerate_first=not args.no_regenerate) else 1
    except NbgraderError as error:
        print(f"course build FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
