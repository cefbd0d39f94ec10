"""Command line of the grader: a class, in the course root (or give --course).

  grade A SUBMISSIONS   import, autograde, feedback and export in one go (make grade)
  import A SUBMISSIONS  store a folder or .zip of notebooks as submitted/<student>/A/
  autograde A [A ...]   grade what is new or changed (on Dask, sandboxed, resumable)
  regrade A STUDENT     grade one submission again (after a fix to the tests), keeping manual grades
  feedback A            per-student HTML in feedback/<student>/A/, hidden tests never shown
  export A              grading/A/grades.csv, the LMS files grading/lms/{canvas,moodle}.csv, a summary
  demo                  grade the fixture submissions in a scratch course under build/

Authoring the course (build, generate, colab-links, publish) is ``python -m authoring``.
"""
import argparse
import sys
from pathlib import Path

from autograder import demo
from autograder.engine import grading
from autograder.engine.nbgrader_cli import NbgraderError
from autograder.engine.options import add_arguments, from_arguments
from autograder.intake import collect
from autograder.kernel.sandbox import SandboxUnavailable
from autograder.results import export, feedback, lms
from coursemodel.layout import Course


AUTHORING_COMMANDS = ("build", "generate", "colab-links", "publish")


def parser():
    """The argument parser of ``python -m autograder``."""
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    for name, help_text in [("grade", "import, autograde, feedback, export"), ("import", "import submissions"),
                            ("autograde", "autograde submitted/"),
                            ("regrade", "regrade one submission, keeping manual grades and comments"),
                            ("feedback", "write feedback"),
                            ("export", "write the grade table and the LMS files, print a summary")]:
        sub = commands.add_parser(name, help=help_text)
        if name == "autograde":
            sub.add_argument("assignment", nargs="+", help="assignment names; their submissions share the workers")
        else:
            sub.add_argument("assignment", help="assignment name, a folder of source/ (e.g. 01_elbo)")
        if name == "regrade":
            sub.add_argument("student", help="the student id (as in submitted/<student>/)")
        if name in ("grade", "import"):
            sub.add_argument("submissions", help="folder or .zip of downloaded notebooks")
            sub.add_argument("--pattern", default=collect.DEFAULT_PATTERN,
                             help="regular expression for file names, with (?P<student_id>...) and "
                                  "(?P<file_id>...) groups (default: %(default)s)")
        if name in ("grade", "autograde", "regrade"):
            add_arguments(sub)
        if name in ("grade", "export"):
            sub.add_argument("--roster", help="the class list as a CSV (e.g. Canvas's gradebook export): the LMS "
                                              "files get a row per student on it, in its order")
            sub.add_argument("--roster-id", default=lms.DEFAULT_ID_COLUMN,
                             help="the roster's column of student ids as in file names (default: %(default)s; "
                                  "e.g. 'SIS Login ID' for Canvas's export)")
            sub.add_argument("--due", help="the assignment's due date and time, stored in the gradebook: "
                                           "later submissions are flagged (UTC unless a zone is given, "
                                           "e.g. '2026-11-20 23:59 Europe/Amsterdam')")
        sub.add_argument("--course", default=".", help="course root (default: the current folder)")
    demo_parser = commands.add_parser("demo", help="grade the fixture submissions in build/demo-course")
    add_arguments(demo_parser, demo.fixture_options())
    return top


def _autograde(course, assignments, options):
    done = grading.autograde(course, assignments, options)
    print(f"graded {len(done)} new or changed submission(s); "
          f"{sum(r.status == 'failed' for r in done)} could not be graded")
    return 0


def run_class_command(args):
    """Run one of the class commands; returns the exit status."""
    course = Path(args.course).resolve()
    if not (course / "nbgrader_config.py").exists():
        raise FileNotFoundError(f"{course} is not a course root (no nbgrader_config.py)")
    if args.command == "autograde":
        return _autograde(course, args.assignment, from_arguments(args))
    if args.command == "regrade":
        return _regrade(course, args.assignment, args.student.lower(), from_arguments(args))
    nb_name = Course(course).assignment(args.assignment).notebook_name
    if args.command in ("grade", "export"):  # a roster that cannot be read stops the command before any work
        roster = lms.read_roster(args.roster, args.roster_id) if args.roster else lms.Roster(args.roster_id, {})
        due = lms.parse_due(args.due) if args.due else None
    if args.command in ("grade", "import"):
        report = collect.import_submissions(course, args.assignment, nb_name, args.submissions, args.pattern)
        print("\n".join(report.lines()))
    if args.command == "grade":
        _autograde(course, args.assignment, from_arguments(args))
    if args.command in ("grade", "feedback"):
        pages = feedback.generate(course, args.assignment, nb_name)
        print(f"feedback: {pages} page(s) in {course / 'feedback'}/<student>/{args.assignment}/")
    if args.command in ("grade", "export"):
        if due is not None:
            lms.set_due_date(course, args.assignment, due)
        path = export.write_csv(course, args.assignment, nb_name)
        print("\n".join(export.summary(course, args.assignment, nb_name)))
        print(f"grades: {path}")
        print("\n".join(lms.write(course, roster).lines()))
    return 0


def _regrade(course, assignment, student, options):
    done = grading.autograde(course, assignment, options, students={student})
    if not done:
        print(f"{student}: no record could be written (see above); run the regrade again", file=sys.stderr)
        return 1
    record = done[0]
    print(f"regraded {student}: {record.score:g}/{record.max_score:g} autograded points ({record.status}); "
          "manual grades and comments given in formgrader are kept")
    others = sorted(set(grading.pending(course, assignment).todo) - {student})
    if others:
        print(f"{len(others)} other submission(s) of {assignment} were graded with other tests or changed since: "
              f"`python -m autograder autograde {assignment}` grades them again")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in AUTHORING_COMMANDS:
        print(f"{argv[0]} authors the course: run `python -m authoring {argv[0]}` (see `make help`)", file=sys.stderr)
        return 2
    args = parser().parse_args(argv)
    try:
        if args.command == "demo":
            return demo.run(from_arguments(args))
        return run_class_command(args)
    except NbgraderError as error:
        print(f"{args.command} FAILED: {error}", file=sys.stderr)
    except (SandboxUnavailable, OSError, ValueError, collect.UnsafeArchive) as error:  # OSError: also no scheduler
        print(f"{args.command}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
