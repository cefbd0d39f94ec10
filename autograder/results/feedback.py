"""Per-student HTML feedback that shows only what the student wrote and what the grader decided.

``nbgrader generate_feedback`` renders the autograded notebook, whose test
cells hold the hidden tests again (jupyter/nbgrader#917), and whose outputs
were produced in a kernel where the hidden tests had run (so a notebook could
have printed them, encoded or not). The course's config runs two more
preprocessors before rendering: ``StudentView`` keeps only the visible part of
each test cell and replaces its outputs by the grader's verdict (name, points,
visible and hidden checks, the reason in the grader's words), and gives every
other cell the outputs of the notebook as the student sent it;
``AddGradingNotes`` puts the grader's notes for the student at the top. Each
student's page is rendered by its own nbgrader run, so that one page that
cannot be rendered stops no other; such a student, and one whose submission
could not be graded, gets a short page with the reason. The feedback folder
holds the HTML page only.
"""

import html
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder.engine.nbgrader_cli import NbgraderError, run_nbgrader
from autograder.results import records
from autograder.results.notebook_report import read_quietly, release_tests, test_outcome
from coursemodel.cells import grade_id, is_test_cell, nbgrader, split_hidden

HIDDEN_PLACEHOLDER = "# (hidden tests: not shown)"


def outcome_text(outcome):
    """The student-facing summary of one test cell."""
    lines = [f"Test {outcome['name']}: {outcome['points']:g} / {outcome['max_points']:g} points",
             f"  visible checks: {outcome['visible']}"]
    if outcome.get("checks_gave") is not None:
        lines[0] += f" (set by the course staff; the checks gave {outcome['checks_gave']:g}: see their comment)"
    if outcome["hidden"]:
        lines.append(f"  hidden checks: {outcome['hidden']}")
    if outcome["student_reason"]:
        lines.append(f"  why: {outcome['student_reason']}")
    return "\n".join(lines) + "\n"


class StudentView(NbGraderPreprocessor):
    """Test cells: visible part and verdict (with the score a TA set in formgrader, if any). Other cells: the
    outputs of the notebook as sent."""

    course_root = Unicode(".", help="The course root (submitted/, release/).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        sent = read_quietly(records.intake_path(self.course_root, info["assignment"], info["student"]).read_text())
        self._sent = {cell.id: cell for cell in sent.cells}
        self._release = release_tests(self.course_root, info["assignment"], f"{info['notebook']}.ipynb")
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            outcome = test_outcome(cell, self._release.get(grade_id(cell)))
            given = nbgrader(cell).get("score")  # the gradebook's (GetGrades): a TA's override wins
            if given is not None and float(given) != outcome["points"]:
                outcome.update(points=float(given), checks_gave=outcome["points"])
            visible, hidden, _ = split_hidden(cell.source)
            cell.source = visible + ("\n" + HIDDEN_PLACEHOLDER if hidden else "")
            cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=outcome_text(outcome))]
        elif cell.cell_type == "code":
            sent = self._sent.get(cell.get("id"))
            cell.outputs = list(sent.get("outputs", [])) if sent is not None and sent.cell_type == "code" else []
        return cell, resources


class AddGradingNotes(NbGraderPreprocessor):
    """Put the grader's notes for this student at the top of the feedback."""

    course_root = Unicode(".", help="The course root (grading/ records).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        record = records.load(self.course_root, info["assignment"], info["student"])
        if record and record.notes:
            items = "\n".join(f"- {html.escape(m)}" for m in record.notes)
            nb.cells.insert(0, new_markdown_cell(f"**Notes from the autograder**\n\n{items}"))
        return nb, resources


def failure_page(record, reasons):
    """A feedback page for a submission that could not be graded, or whose page could not be made."""
    items = "".join(f"<li>{html.escape(m)}</li>" for m in reasons)
    what = "Your submission could not be graded" if record.status == "failed" else \
        "The detailed page could not be made"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{record.assignment} feedback</title>"
            f"</head><body><h1>{record.assignment}: feedback for {html.escape(record.student)}</h1>"
            f"<p>Score: {record.score:g} / {record.max_score:g} autograded points.</p>"
            f"<p>{what}:</p><ul>{items}</ul><p>Please contact the course staff.</p></body></html>")


def _one(course_root, assignment, notebook_name, record):
    """Write one student's page; nothing but the page is left in the student's feedback folder."""
    folder = Path(course_root, "feedback", record.student, assignment)
    page = folder / Path(notebook_name).with_suffix(".html").name
    reasons = record.notes
    rendered = False
    if record.status == "graded":
        log = records.grading_dir(course_root, assignment) / "logs" / f"{record.student}.feedback.log"
        try:
            run_nbgrader(course_root, "generate_feedback", assignment, "--student", record.student, "--force",
                         f"--StudentView.course_root={course_root}", f"--AddGradingNotes.course_root={course_root}",
                         log_path=log, timeout=600)
            rendered = page.is_file() and not page.is_symlink()
        except (NbgraderError, OSError, subprocess.TimeoutExpired) as error:
            reasons = [f"the feedback page could not be rendered ({str(error).splitlines()[0][:200]})"]
    if folder.exists():
        for path in folder.iterdir():
            if not (rendered and path == page):
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if not rendered:
        folder.mkdir(parents=True, exist_ok=True)
        page.write_text(failure_page(record, reasons))


def _isolated(course_root, assignment, notebook_name, record):
    """``_one``; a fault becomes a short page with the reason, or, when not even that can be written, a line
    for the instructor. Whether the student has a page."""
    try:
        _one(course_root, assignment, notebook_name, record)
        return True
    except Exception as error:  # noqa: BLE001 - one student's page must not stop the others
        reason = f"the feedback page could not be made ({type(error).__name__}: {str(error)[:200]})"
    try:
        folder = Path(course_root, "feedback", record.student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / Path(notebook_name).with_suffix(".html").name).write_text(failure_page(record, [reason]))
        return True
    except Exception as error:  # noqa: BLE001
        print(f"{assignment}: no feedback page for {record.student}: {reason}; then {error}", flush=True)
        return False


def generate(course_root, assignment, notebook_name, workers=2):
    """Feedback for every recorded submission of ``assignment``; returns the number of pages."""
    course_root = Path(course_root).resolve()
    graded = records.load_all(course_root, assignment)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(lambda record: _isolated(course_root, assignment, notebook_name, record),
                            graded.values()))
