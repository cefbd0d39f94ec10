"""The instructor's course build (``make course``).

1. Regenerate ``release/``, ``solutions/`` and the reference code from ``source/``
   (``authoring.generate``).
2. In a scratch course under ``build/selfcheck/``, submit each solution and
   each blank release notebook, as the students ``solution`` and ``release``,
   and grade them all in one run of the class's grader (``autograder.engine.grading``:
   nbgrader's autograde pipeline in the sandbox, in grading mode, with its default workers).
3. Require full marks on every autograded test for the solutions (and no error,
   no stderr output and nothing flagged by the detector anywhere in them) and zero on every autograded test for the
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
from autograder.engine import grading
from autograder.engine.nbgrader_cli import read_grades, run_nbgrader
from autograder.engine.options import Options
from autograder.engine.preprocessors import CHANGED_NOTE
from coursemodel.layout import Course
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
            elif output.output_type == "stream" and output.text.startswith(CHANGED_NOTE):
                problems.append(f"{notebook_path.name}: the detector found something replaced before cell "
                                f"{cell.get('id', index)}: {output.text[len(CHANGED_NOTE):].strip()}")
    return problems


def prepare_scratch_course(root, scratch):
    """A fresh course in ``scratch`` with this course's config, sources, release and reference submissions."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", scratch)
    for folder in ("source", "release"):
        shutil.copytree(root / folder, scratch / folder)
    for assignment in Course(root).assignment_names():
        for student, folder in CHECKS:
            shutil.copytree(root / folder / assignment, scratch / "submitted" / student / assignment)
    run_nbgrader(scratch, "generate_assignment", "*", "--force")  # every assignment into the gradebook at once


def grade_reference_submissions(root, scratch):
    """Grade every assignment's reference submissions in a scratch course at ``scratch`` in one run of the
    class's grader (sandboxed where bubblewrap is installed); returns the Checks, assignment by assignment."""
    prepare_scratch_course(root, scratch)
    options = Options(sandbox=shutil.which("bwrap") is not None, allow_weaker_sandbox=True)
    if not options.sandbox:
        print("bubblewrap is not installed: the reference submissions are graded outside the sandbox")
    names = Course(root).assignment_names()
    done = {(r.assignment, r.student): r for r in grading.autograde(scratch, names, options, progress=False)}
    return [check_submission(scratch, done[(assignment, student)])
            for assignment in names for student, _ in CHECKS]


def check_submission(scratch, record):
    """Compare one graded reference submission's scores with what it must get."""
    check = Check(record.assignment, record.student, record.seconds)
    if record.status != "graded":
        check.problems += record.messages or ["it could not be graded"]
        return check
    tests = [g for g in read_grades(scratch, record.assignment, record.student) if g.cell_type == "code"]
    check.auto_score = sum(grade.auto_score or 0.0 for grade in tests)
    check.auto_max = sum(grade.max_score for grade in tests)
    if record.student == "solution":
        check.problems += [f"test {g.name}: {g.auto_score}/{g.max_score}" for g in tests if g.auto_score != g.max_score]
        check.problems += record.messages
        graded = Course(scratch).assignment(record.assignment).path("autograded", record.student)
        check.problems += output_problems(graded)
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
    print("autograding every solution and blank release ...", flush=True)
    checks = grade_reference_submissions(root, build_dir / "selfcheck")
    for check in checks:
        print(f"  {check.assignment} {check.student}: {check.auto_score:g}/{check.auto_max:g} points, "
              f"{check.seconds:.1f} s" + (f", PROBLEMS: {check.problems}" if check.problems else ""))
    summary, ok = write_report(checks, build_dir, time.perf_counter() - start)
    print(summary)
    return ok
