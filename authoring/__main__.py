"""Command line for authoring the course, in this repository.

  generate               regenerate release/, solutions/ and the reference code from source/ (make release)
  build                  regenerate, then autograde every solution and blank release (make course)
  colab-links --repo R   the student repository in every badge and setup cell, then regenerate (make colab-links)
  publish DEST [--until A] [--zip FILE] [--draft]
                         write the student edition up to assignment A into DEST (make publish)

Grading a class is ``python -m autograder``.
"""
import argparse
import sys

from authoring import ROOT, build, colab, publish
from authoring.generate import regenerate
from autograder.engine.nbgrader_cli import NbgraderError


def parser():
    """The argument parser of ``python -m authoring``."""
    top = argparse.ArgumentParser(prog="python -m authoring", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="regenerate release/, solutions/ and the reference code from source/")
    build_parser = commands.add_parser("build", help="regenerate, then autograde every solution and blank release")
    build_parser.add_argument("--no-regenerate", action="store_true",
                              help="check the committed release/ and solutions/ as they are")
    links = commands.add_parser("colab-links", help="set the student repository of the Colab badges and setup")
    links.add_argument("--repo", required=True, help="GitHub repository of the student edition, owner/name")
    edition = commands.add_parser("publish", help="write the student edition into DEST")
    edition.add_argument("dest", help="folder of the edition: empty, an earlier edition, or a clone of the "
                                      "student repository (everything but .git is replaced)")
    edition.add_argument("--until", help="last assignment released, e.g. 03_sbn or 03 (default: all)")
    edition.add_argument("--zip", dest="zip_path", help="also write the edition as this zip file, for an LMS")
    edition.add_argument("--draft", action="store_true",
                         help="publish even while the Colab links are the placeholder (not for students)")
    return top


def _report(edition):
    lines = [f"published {', '.join(edition.assignments)} into {edition.dest}: "
             f"{len(edition.files)} files, {edition.bytes / 2**20:.1f} MiB"]
    if edition.zip_path:
        lines.append(f"zip for the LMS: {edition.zip_path} ({edition.zip_path.stat().st_size / 2**20:.1f} MiB)")
    lines.append("next: commit and push DEST (git -C DEST add -A && git -C DEST commit -m ... && git -C DEST push)")
    return "\n".join(lines)


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        if args.command == "generate":
            regenerate(ROOT)
        elif args.command == "build":
            return 0 if build.build(regenerate_first=not args.no_regenerate) else 1
        elif args.command == "colab-links":
            colab.write_links(ROOT, args.repo)
            regenerate(ROOT)
        else:
            print(_report(publish.publish(ROOT, args.dest, args.until, args.zip_path, args.draft)))
        return 0
    except NbgraderError as error:
        print(f"{args.command} FAILED: {error}", file=sys.stderr)
    except (FileNotFoundError, ValueError) as error:
        print(f"{args.command}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
