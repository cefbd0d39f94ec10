"""The instructor's course build (``make course``).

1. Regenerate ``release/``, ``solutions/`` and the reference code from ``source/``
   (``authoring.generate``).
2. In a scratch course under ``build/selfcheck/``, submit each solution and
   each blank release notebook and autograde them with nbgrader, which runs
   them top to bottom in grading mode.
3. Require full marks on every autograded test for the solutions (and no error,
   no stderr output and nothing restored by the test guard anywhere in them) and zero on every autograded test for the
   release, which must still be graded to the end.
4. Write ``build/course_report.md`` and ``.json`` (scores per assignment,
   seconds per notebook) and print a one-line summary.
"""
import json
import shutil
import time
from dataclasses import asdict, dataclass, field

import nbformat

from authoring import ROOT
from authoring.generate import regenerate
from autograder.nbgrader_cli import NbgraderError, assignments, read_grades, run_nbgrader
from autograder.preprocessors import RESTORED_NOTE
# The two submissions every assignment is checked with: (student id, folder it comes from).
CHECKS = (("solution", "solutions"), ("release", "release"))


@dataclass
class Check:
    """Outcome of autograding one reference submission of one assignment."""

    assignment: str
    student: str
    seconds: float
    auto_score: float = 0.0
    auto_max: float = 0.0
    problems: list = field(default_factory=list)


def output_problems(notebook_path):
    """Cells of an executed notebook that show an error, or anything on stderr."""
    notebook = nbformat.read(notebook_path, as_version=4)
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"{notebook_path.name}: {output.ename} in cell {cell.get('id', index)}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"{notebook_path.name}: stderr in cell {cell.get('id', index)}: {output.text[:120]!r}")
            elif output.output_type == "stream" and output.text.startswith(RESTORED_NOTE):
                problems.append(f"{notebook_path.name}: the test guard restored something before cell "
                                f"{cell.get('id', index)}: {output.text[len(RESTORED_NOTE):].strip()}")
    return problems


def prepare_scratch_course(root, scratch):
    """A fresh course in ``scratch`` with this course's config, sources and reference submissions."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", scratch)
    shutil.copytree(root / "source", scratch / "source")
    for assignment in assignments(root):
        run_nbgrader(scratch, "generate_assignment", assignment, "--force")
        for student, folder in CHECKS:
            shutil.copytree(root / folder / assignment, scratch / "submitted" / student / assignment)


def check_submission(scratch, assignment, student, logs):
    """Autograde one reference submission and compare its scores with what it must get."""
    start = time.perf_counter()
    check = Check(assignment, student, 0.0)
    try:
        run_nbgrader(scratch, "autograde", assignment, "--student", student, "--force",
                     log_path=logs / f"autograde-{assignment}-{student}.log")
    except NbgraderError as error:
        check.problems.append(str(error))
        return check
    finally:
        check.seconds = round(time.perf_counter() - start, 1)
    tests = [grade for grade in read_grades(scratch, assignment, student) if grade.cell_type == "code"]
    check.auto_score = sum(grade.auto_score or 0.0 for grade in tests)
    check.auto_max = sum(grade.max_score for grade in tests)
    if student == "solution":
        check.problems += [f"test {g.name}: {g.auto_score}/{g.max_score}" for g in tests if g.auto_score != g.max_score]
        for path in sorted((scratch / "autograded" / student / assignment).glob("*.ipynb")):
            check.problems += output_problems(path)
    else:
        check.problems += [f"test {g.name} passes on the blank release ({g.auto_score} points)"
                           for g in tests if g.auto_score]
    return check


def write_report(checks, build_dir, seconds):
    """Write the Markdown and JSON reports and return the one-line summary."""
    lines = ["# Course build report", "", "| assignment | submission | autograded points | seconds | problems |",
             "|---|---|---|---|---|"]
    for check in checks:
        lines.append(f"| {check.assignment} | {check.student} | {check.auto_score:g} / {check.auto_max:g} | "
                     f"{check.seconds:.1f} | {'; '.join(check.problems) or 'none'} |")
    failed = [check for check in checks if check.problems]
    count = len({check.assignment for check in checks})
    status = "FAILED" if failed or not checks else "OK"
    summary = (f"course build {status}: {count} assignment(s), "
               f"{sum(not c.problems for c in checks)}/{len(checks)} checks passed in {seconds:.0f} s"
               f" (report: build/course_report.md)")
    (build_dir / "course_report.md").write_text("\n".join(lines + ["", summary, ""]))
    (build_dir / "course_report.json").write_text(
        json.dumps({"summary": summary, "ok": status == "OK", "checks": [asdict(c) for c in checks]}, indent=2))
    return summary, status == "OK"


def build(root=ROOT, regenerate_first=True):
    """Run the whole build; returns True when every check passed."""
    start = time.perf_counter()
    build_dir = root / "build"
    build_dir.mkdir(exist_ok=True)
    if regenerate_first:
        regenerate(root)
    scratch = build_dir / "selfcheck"
    prepare_scratch_course(root, scratch)
    checks = []
    for assignment in assignments(root):
        for student, _ in CHECKS:
            print(f"autograding the {student} of {assignment} ...", end=" ", flush=True)
            check = check_submission(scratch, assignment, student, build_dir / "logs")
            print(f"{check.auto_score:g}/{check.auto_max:g} points, {check.seconds:.1f} s"
                  + (f", PROBLEMS: {check.problems}" if check.problems else ""), flush=True)
            checks.append(check)
    summary, ok = write_report(checks, build_dir, time.perf_counter() - start)
    print(summary)
    return ok
