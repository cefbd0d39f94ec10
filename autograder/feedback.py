"""Per-student HTML feedback that never shows a hidden test.

``nbgrader generate_feedback`` renders the autograded notebook, whose test
cells hold the hidden tests again (jupyter/nbgrader#917). The course's config
runs two more preprocessors before rendering: ``RedactHiddenTests`` keeps only
the visible part of each test cell, replaces its outputs by what happened
(visible checks, hidden checks, points), and removes any repeated hidden-test
line from every other output; ``AddGradingNotes`` puts the grader's messages
for the student at the top. Submissions that could not be graded get a short
page with the reason.
"""

import html
import shutil
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import records
from autograder.nbgrader_cli import run_nbgrader
from autograder.notebook_report import (hidden_lines, restored_note, scrub, split_hidden,
                                        test_outcome)
from autograder.preprocessors import is_test_cell

HIDDEN_PLACEHOLDER = "# (hidden tests: not shown)"


def outcome_text(outcome):
    """The student-facing summary of one test cell."""
    lines = [f"Test {outcome['name']}: {outcome['points']:g} / {outcome['max_points']:g} points",
             f"  visible checks: {outcome['visible']}"]
    if outcome["hidden"]:
        lines.append(f"  hidden checks: {outcome['hidden']}")
    if outcome["reason"]:
        lines.append(f"  why: {outcome['reason']}")
    return "\n".join(lines) + "\n"


class RedactHiddenTests(NbGraderPreprocessor):
    """Show test cells without their hidden part; summarise their outcome; scrub every output."""

    def preprocess(self, nb, resources):
        self._hidden = frozenset().union(*(hidden_lines(c.source) for c in nb.cells if is_test_cell(c)))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            outcome = test_outcome(cell)
            note = restored_note(cell)
            visible, hidden, _ = split_hidden(cell.source)
            cell.source = visible + ("\n" + HIDDEN_PLACEHOLDER if hidden else "")
            text = outcome_text(outcome) + (f"  restored before this test: {note}\n" if note else "")
            cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=scrub(text, self._hidden))]
        elif cell.cell_type == "code":
            for output in cell.outputs:
                self._scrub_output(output)
        return cell, resources

    def _scrub_output(self, output):
        if output.output_type == "stream":
            output.text = scrub(output.text, self._hidden)
        elif output.output_type == "error":
            output.traceback = [scrub(line, self._hidden) for line in output.traceback]
            output.evalue = scrub(output.evalue, self._hidden)
        for key, value in output.get("data", {}).items():
            if key.startswith("text/") and isinstance(value, str):
                output.data[key] = scrub(value, self._hidden)


class AddGradingNotes(NbGraderPreprocessor):
    """Put the grader's messages for this submission at the top of the feedback."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        record = records.load(Path.cwd(), info["assignment"], info["student"])
        if record and record.messages:
            items = "\n".join(f"- {html.escape(m)}" for m in record.messages)
            nb.cells.insert(0, new_markdown_cell(f"**Notes from the autograder**\n\n{items}"))
        return nb, resources


def failure_page(record):
    """A feedback page for a submission that could not be graded."""
    items = "".join(f"<li>{html.escape(m)}</li>" for m in record.messages)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{record.assignment} feedback</title>"
            f"</head><body><h1>{record.assignment}: feedback for {html.escape(record.student)}</h1>"
            f"<p>Score: {record.score:g} / {record.max_score:g} autograded points.</p>"
            f"<p>Your submission could not be graded:</p><ul>{items}</ul>"
            "<p>Please contact the course staff.</p></body></html>")


def generate(course_root, assignment, notebook_name):
    """Feedback for every recorded submission of ``assignment``; returns the number of pages."""
    graded = records.load_all(course_root, assignment)
    if any(r.status == "graded" for r in graded.values()):
        run_nbgrader(course_root, "generate_feedback", assignment, "--force",
                     log_path=records.grading_dir(course_root, assignment) / "logs" / "feedback.log")
    for record in graded.values():
        if record.status == "failed":
            folder = Path(course_root, "feedback", record.student, assignment)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            (folder / Path(notebook_name).with_suffix(".html").name).write_text(failure_page(record))
    return len(graded)
